"""What the tenancy service hands back: plain, immutable views of rows, never ORM objects.

Views carry no secrets: a key's view has its public prefix and its dates, never its hash. The
one time a key's secret leaves labgate is :class:`CreatedKey`, returned to whoever created it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from labgate.store.tenancy import ApiKey, Lab, Project, ProjectMember, User


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; every one labgate stores is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value


class _View:
    def as_dict(self) -> dict[str, Any]:
        """The view as JSON-ready data (datetimes as ISO 8601)."""
        return {k: _jsonable(v) for k, v in asdict(self).items()}  # type: ignore[call-overload]


@dataclass(frozen=True, slots=True)
class LabView(_View):
    id: str
    name: str
    share: float
    provisioning: str
    created_at: datetime | None

    @classmethod
    def of(cls, lab: Lab) -> LabView:
        return cls(lab.id, lab.name, lab.share, lab.provisioning, aware(lab.created_at))


@dataclass(frozen=True, slots=True)
class UserView(_View):
    id: str
    lab_id: str
    username: str
    email: str | None
    roles: tuple[str, ...]
    clearance: str | None
    disabled: bool
    oidc_issuer: str | None
    created_at: datetime | None
    pending_grant: Any = None
    """A grant this change filed and a second platform administrator must approve."""
    revoked_keys: tuple[str, ...] = ()
    """Keys this change revoked (disabling an account revokes all of them)."""

    def as_dict(self) -> dict[str, Any]:
        shown = {k: _jsonable(getattr(self, k)) for k in self.__dataclass_fields__}
        shown.pop("pending_grant")
        shown.pop("revoked_keys")
        if self.pending_grant is not None:
            shown["pending_grant"] = self.pending_grant.as_dict()
        if self.revoked_keys:
            shown["revoked_keys"] = list(self.revoked_keys)
        return shown

    @classmethod
    def of(cls, user: User, revoked_keys: Iterable[str] = ()) -> UserView:
        return cls(
            user.id,
            user.lab_id,
            user.username,
            user.email,
            tuple(sorted(user.roles or ())),
            user.clearance,
            bool(user.disabled),
            user.oidc_issuer,
            aware(user.created_at),
            revoked_keys=tuple(revoked_keys),
        )


@dataclass(frozen=True, slots=True)
class ProjectView(_View):
    id: str
    lab_id: str
    name: str
    lead_user_id: str | None
    allowed_models: tuple[str, ...] | None
    share: float
    budget_tokens: int | None
    budget_period: str
    rpm_limit: int | None
    tpm_limit: int | None
    user_rpm_limit: int | None
    user_tpm_limit: int | None
    created_at: datetime | None

    @classmethod
    def of(cls, p: Project) -> ProjectView:
        models = None if p.allowed_models is None else tuple(p.allowed_models)
        return cls(
            p.id,
            p.lab_id,
            p.name,
            p.lead_user_id,
            models,
            p.share,
            p.budget_tokens,
            p.budget_period,
            p.rpm_limit,
            p.tpm_limit,
            p.user_rpm_limit,
            p.user_tpm_limit,
            aware(p.created_at),
        )


@dataclass(frozen=True, slots=True)
class MemberView(_View):
    project_id: str
    user_id: str
    username: str
    lab_id: str
    role: str

    @classmethod
    def of(cls, member: ProjectMember, user: User) -> MemberView:
        return cls(member.project_id, user.id, user.username, user.lab_id, member.role)


@dataclass(frozen=True, slots=True)
class KeyView(_View):
    """A key as listings show it: who, where, when, and whether it still works."""

    id: str
    prefix: str
    name: str
    user_id: str
    project_id: str | None
    created_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    status: str

    @classmethod
    def of(cls, key: ApiKey, now: datetime) -> KeyView:
        expires = aware(key.expires_at)
        revoked = aware(key.revoked_at)
        if revoked is not None:
            status = "revoked"
        elif expires is not None and expires <= now:
            status = "expired"
        else:
            status = "active"
        return cls(
            key.id,
            key.prefix,
            key.name,
            key.user_id,
            key.project_id,
            aware(key.created_at),
            expires,
            revoked,
            aware(key.last_used_at),
            status,
        )


@dataclass(frozen=True, slots=True)
class CreatedKey(_View):
    """A new key with its secret: shown once, to its creator, and never stored in clear."""

    key: str
    info: KeyView
    pending: Any = None
    """For a key minted for someone else: the request a second platform administrator must
    approve before the key works (a :class:`~labgate.tenancy.approvals.PendingView`)."""

    def as_dict(self) -> dict[str, Any]:
        shown = {
            **self.info.as_dict(),
            "key": self.key,
            "note": "this is the only time the key is shown; store it now",
        }
        if self.pending is not None:
            shown["pending_action"] = self.pending.as_dict()
            shown["note"] += (
                "; it works only once the request is approved: " + self.pending.next_step
            )
        return shown


@dataclass(frozen=True, slots=True)
class MemberRemoval(_View):
    """What removing a member did: the role they had and the keys that were revoked."""

    project_id: str
    user_id: str
    role: str
    revoked_keys: tuple[str, ...]
