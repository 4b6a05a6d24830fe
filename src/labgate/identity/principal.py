"""Who is asking: the principal every request and admin action is attributed to."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    USER = "user"
    PROJECT_LEAD = "project_lead"
    LAB_ADMIN = "lab_admin"
    AUDITOR = "auditor"
    APPROVER = "approver"  # signs off model versions (docs/security.md, "The model gate")
    PLATFORM_ADMIN = "platform_admin"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller.

    ``project`` is the project a request is charged to (the key's project, or the one an OIDC
    caller names); ``clearance`` is a label string such as ``"SECRET//NUC"`` (or ``None`` when the
    deployment uses no labels).
    """

    user_id: str
    lab: str | None = None
    project: str | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)
    clearance: str | None = None
    key_id: str | None = None
    auth_method: str = "api_key"

    def has_role(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_platform_admin(self) -> bool:
        return Role.PLATFORM_ADMIN in self.roles
