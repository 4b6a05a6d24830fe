"""Clearance labels, compartments and enclaves (issue 8).

Classified and unclassified work never mix: every request carries a label (a level plus
compartments), admitted only when the caller's clearance and the model's accreditation both
dominate it and it lies inside the deployment's range; workers get only work their
accreditation dominates; nothing is read up or written down. ``docs/labels.md`` explains the
lattice, the config and the checks.

* :mod:`labgate.access.labels`: :class:`Label`, :class:`Lattice` (parse, format, dominates, lub);
* :mod:`labgate.access.config`: :class:`LabelsConfig`, the ``[labels]`` section;
* :mod:`labgate.access.policy`: :class:`AccessPolicy` (admission, routing, reading, allowances);
* :mod:`labgate.access.decision`: :class:`Decision` and the :class:`Rule` a refusal names;
* :mod:`labgate.access.check`: :func:`check_config` for ``labgate config check``.
"""

from __future__ import annotations

from labgate.access.check import Problem, check_config
from labgate.access.config import LabelsConfig
from labgate.access.decision import LABEL_FIELD, LABEL_HEADER, Decision, LabelSource, Rule
from labgate.access.labels import Label, LabelError, Lattice
from labgate.access.policy import AccessPolicy, policy_for

__all__ = [
    "LABEL_FIELD",
    "LABEL_HEADER",
    "AccessPolicy",
    "Decision",
    "Label",
    "LabelError",
    "LabelSource",
    "LabelsConfig",
    "Lattice",
    "Problem",
    "Rule",
    "check_config",
    "policy_for",
]
