"""Who a key's caller is, now: one rule for every path that acts for a key.

The online request path (:class:`~labgate.identity.auth.Authenticator`) and every deferred path
(the batch runner, :mod:`labgate.batch.runner`) build the principal of a key from the same two
rows, the key's and its user's, through :func:`key_refusal` and :func:`key_principal`:

* a revoked or expired key, or a disabled user, acts for nobody;
* the principal carries the user's live roles and clearance (a role taken away or a clearance
  lowered applies at once), charged to the key's own project;
* a key minted for someone else carries at most its ``cap`` (its requester's roles and
  clearance, ``docs/security.md`` "Credentials" rule 3): the roles are cut to what the cap
  covers and the clearance to the meet (lowest level, common compartments) of the user's and
  the cap's, whatever raised the user meanwhile.

:func:`deferred` narrows a principal rebuilt at run time to what the submitter held when the
work was submitted: a batch never runs above the credential that asked for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from labgate.identity.principal import Principal, Role

if TYPE_CHECKING:
    from labgate.access.policy import AccessPolicy
    from labgate.identity.keys import KeyRecord

BASELINE_ROLES = frozenset({Role.USER.value, Role.PROJECT_LEAD.value})
"""Roles every member holds or gets from leading a project: no power over other people, so a
key minted for someone else may carry them whatever its requester holds."""


def covered_roles(held: Iterable[str]) -> frozenset[str]:
    """The roles a key asked for by someone holding ``held`` may carry: theirs, the baseline,
    and ``lab_admin`` under ``platform_admin`` (which administers every lab). Never
    ``auditor`` or ``platform_admin`` unless held."""
    roles = set(held) | BASELINE_ROLES
    if Role.PLATFORM_ADMIN.value in roles:
        roles.add(Role.LAB_ADMIN.value)
    return frozenset(roles)


@dataclass(frozen=True, slots=True)
class KeyRefusal:
    """Why a key acts for nobody: an OpenAI-style error code and a message for its holder."""

    code: str
    message: str


def key_refusal(record: KeyRecord, now: datetime | None = None) -> KeyRefusal | None:
    """Why ``record`` authenticates nothing now, or None when it does."""
    if record.revoked:
        return KeyRefusal(
            "revoked_api_key", "this API key was revoked; ask your project lead for a new one"
        )
    if record.user_disabled:
        return KeyRefusal("user_disabled", "the account this key belongs to is disabled")
    at = now or datetime.now(UTC)
    if record.expires_at is not None and record.expires_at <= at:
        return KeyRefusal(
            "expired_api_key",
            f"this API key expired at {record.expires_at.isoformat()}; ask for a new one",
        )
    return None


def _roles(names: Iterable[str]) -> frozenset[Role]:
    return frozenset(Role(r) for r in names if r in Role._value2member_map_)


def key_principal(record: KeyRecord, labels: AccessPolicy | None) -> Principal:
    """The principal a working key acts as: its user's live roles and clearance, within the
    key's cap, charged to the key's project."""
    roles = set(record.roles)
    clearance = record.clearance
    cap: Mapping[str, Any] | None = record.cap or None
    if cap is not None:
        roles &= covered_roles(cap.get("roles") or ())
        clearance = meet(labels, clearance, cap.get("clearance"))
    return Principal(
        user_id=record.user_id,
        lab=record.lab_id,
        project=record.project_id,
        roles=_roles(roles) or frozenset({Role.USER}),
        clearance=clearance,
        key_id=record.key_id,
        auth_method="api_key",
    )


def meet(labels: AccessPolicy | None, a: str | None, b: str | None) -> str | None:
    """The clearance no higher than either ``a`` or ``b`` (None: the default clearance).

    ``a`` itself when ``b`` dominates it (so an uncapped or unraised clearance is kept as
    written); with labels off, ``a``. A marking that does not parse admits nothing (see
    :meth:`AccessPolicy.clearance_of`), so it is kept: it cannot widen anything.
    """
    if labels is None or not labels.enabled or a == b:
        return a
    try:
        low = labels.parse(a) if a else labels.default_clearance
    except ValueError:
        return a
    try:
        high = labels.parse(b) if b else labels.default_clearance
    except ValueError:  # a cap that no longer reads as a label: the lowest there is
        high = labels.lattice.bottom
    if labels.lattice.dominates(high, low):
        return a
    return labels.lattice.format(labels.lattice.glb(low, high))


def deferred(now: Principal, submitted: Principal, labels: AccessPolicy | None) -> Principal:
    """``now`` (the submitter rebuilt at run time) narrowed to ``submitted`` (what they held
    when the work was submitted): roles in both, the meet of the two clearances."""
    roles = now.roles & submitted.roles
    return replace(
        now,
        roles=roles or frozenset({Role.USER}),
        clearance=meet(labels, now.clearance, submitted.clearance),
    )
