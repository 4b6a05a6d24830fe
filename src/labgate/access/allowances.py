"""Safety allowances earned by working inside a compartment.

The open deployment refuses, say, weapons-effects physics; a nuclear-security program's
compartment may discuss it. That exception is written in the config
(``[[labels.allowances]]``), never implied, and applies only when all of these hold:

* the request's label carries the compartment (the work is declared to be that program's);
* the caller's clearance carries it too (the access policy has already checked that the
  clearance dominates the label; this is checked again here so nothing depends on the order);
* the request's level is at least the allowance's ``min_level``, if set;
* the model is one the allowance names, if it names any.

The safety screen takes allowances as :class:`labgate.safety.policy.Allowance` objects and
matches them by their ``label`` string; :meth:`LabelAllowance.to_safety` builds that object
with the allowance's :attr:`LabelAllowance.key`, so the safety decision's ``allowances_used``
(which goes into the audit record) names exactly which configured allowance was used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from labgate.access.config import AllowanceConfig
from labgate.access.labels import Label, Lattice, normalise_compartment, normalise_level

if TYPE_CHECKING:
    from labgate.safety.policy import Allowance


@dataclass(frozen=True, slots=True)
class LabelAllowance:
    """One configured allowance, ready to match requests."""

    key: str  # "labels.allowances[0]:NUC": stable, names the config entry in audit records
    compartment: str
    categories: tuple[str, ...]
    action: str
    min_level: str | None
    models: frozenset[str]
    note: str

    def applies(self, lattice: Lattice, clearance: Label, label: Label, model: str | None) -> bool:
        if self.compartment not in label.compartments:
            return False
        if self.compartment not in clearance.compartments:
            return False
        if self.min_level is not None and lattice.rank(label.level) < lattice.rank(self.min_level):
            return False
        return not (self.models and model not in self.models)

    def to_safety(self) -> Allowance:
        """This allowance in the safety screen's terms (its ``label`` is :attr:`key`)."""
        from labgate.safety.categories import Action, Category
        from labgate.safety.policy import Allowance

        action = Action(self.action)
        return Allowance(
            label=self.key,
            categories={Category(c): action for c in self.categories},
            note=self.note or f"compartment {self.compartment}",
        )


def build_allowances(configs: Sequence[AllowanceConfig]) -> tuple[LabelAllowance, ...]:
    out = []
    for i, cfg in enumerate(configs):
        compartment = normalise_compartment(cfg.compartment)
        out.append(
            LabelAllowance(
                key=f"labels.allowances[{i}]:{compartment}",
                compartment=compartment,
                categories=tuple(dict.fromkeys(cfg.categories)),
                action=cfg.action,
                min_level=normalise_level(cfg.min_level) if cfg.min_level else None,
                models=frozenset(cfg.models),
                note=cfg.note,
            )
        )
    return tuple(out)
