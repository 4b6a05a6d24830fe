"""Guardrails against CBRN misuse and jailbreaks (issue 6).

The gateway uses :class:`SafetyScreen` (stage one: jailbreak patterns plus a classifier head on
sentence embeddings; stage two, optional: an LLM judge), configured by :class:`SafetyPolicy`;
every check returns a :class:`Decision` for the audit record. ``docs/safety.md`` explains the
policy, the data, the measured figures and the known limits.

Names are imported lazily, so ``labgate --help`` (which mounts this area's CLI) does not pay
for numpy and aiohttp.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Action": "labgate.safety.categories",
    "Category": "labgate.safety.categories",
    "Stage": "labgate.safety.categories",
    "Decision": "labgate.safety.decision",
    "Allowance": "labgate.safety.policy",
    "CategoryRule": "labgate.safety.policy",
    "SafetyPolicy": "labgate.safety.policy",
    "SafetyScreen": "labgate.safety.screen",
    "StreamScreener": "labgate.safety.stream",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'labgate.safety' has no attribute {name!r}")
    return getattr(import_module(module), name)
