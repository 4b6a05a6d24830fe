"""What administrators send: validated once here, for the HTTP API and the CLI alike.

Update models follow PATCH semantics: a field left out is left alone, a field sent as
``null`` is cleared (``clearance: null`` removes the label, ``rpm_limit: null`` lifts the
limit). :func:`changes` returns exactly the fields the caller set.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from labgate.identity.principal import Role
from labgate.quota.periods import check_period_kind

SLUG = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
"""Lab and project ids: short, URL-safe, chosen by people (``ornl``, ``CHM142``)."""

_USERNAME_BAD = re.compile(r"[\s/\x00-\x1f\x7f]")

Slug = Annotated[str, Field(pattern=SLUG, description="Letters, digits, '.', '_', '-'; ≤ 64.")]
# strict: JSON's true/false are no numbers (``{"budget_tokens": false}`` was a budget of 0)
Share = Annotated[
    float, Field(gt=0, le=1e6, strict=True, description="Fair-share weight (default 1).")
]
PerMinute = Annotated[int, Field(ge=1, le=10**12, strict=True)]
# Budgets are kept in thousandths of a token in 64-bit counters, and in Redis as doubles
# (exact to 2**53): a trillion tokens a period stays exact everywhere.
BudgetTokens = Annotated[int, Field(ge=0, le=10**12, strict=True)]
MemberRole = Literal["member", "lead"]
Provisioning = Literal["auto", "deny"]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def changes(update: BaseModel) -> dict[str, Any]:
    """The fields the caller actually set (PATCH semantics), with their values."""
    return {name: getattr(update, name) for name in update.model_fields_set}


def _check_username(value: str) -> str:
    if _USERNAME_BAD.search(value):
        raise ValueError("a username may not contain spaces, '/' or control characters")
    return value


def _check_period(value: str | None) -> str | None:
    return None if value is None else check_period_kind(value)


def _check_models(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    cleaned = [m.strip() for m in value]
    if any(not m for m in cleaned):
        raise ValueError("model names may not be empty")
    return sorted(set(cleaned))


class LabCreate(_Input):
    id: Slug
    name: str | None = Field(default=None, max_length=256, description="Default: the id.")
    share: Share = 1.0
    provisioning: Provisioning = Field(
        default="deny",
        description="auto: users of the lab's IdP are created on first login; deny: a lab "
        "admin adds them first.",
    )


class LabUpdate(_Input):
    name: str | None = Field(default=None, min_length=1, max_length=256)
    share: Share | None = None
    provisioning: Provisioning | None = None


class UserCreate(_Input):
    lab_id: Slug
    username: str = Field(min_length=1, max_length=256)
    email: str | None = Field(default=None, max_length=320)
    roles: list[Role] = Field(default_factory=lambda: [Role.USER])
    clearance: str | None = Field(default=None, max_length=256)
    disabled: bool = False

    _username = field_validator("username")(_check_username)


class UserUpdate(_Input):
    email: str | None = Field(default=None, max_length=320)
    roles: list[Role] | None = None
    clearance: str | None = Field(default=None, max_length=256)
    disabled: bool | None = None


class ProjectCreate(_Input):
    id: Slug
    lab_id: Slug
    name: str | None = Field(default=None, max_length=256, description="Default: the id.")
    lead_user_id: str | None = Field(
        default=None, description="The project's lead (user id, 'lab/username' or username)."
    )
    allowed_models: list[str] | None = Field(
        default=None, description="Models the project may use; null: every model."
    )
    share: Share = 1.0
    budget_tokens: BudgetTokens | None = Field(
        default=None, description="Weighted tokens per period; null: no budget."
    )
    budget_period: str = "month"
    rpm_limit: PerMinute | None = None
    tpm_limit: PerMinute | None = None
    user_rpm_limit: PerMinute | None = None
    user_tpm_limit: PerMinute | None = None

    _period = field_validator("budget_period")(_check_period)
    _models = field_validator("allowed_models")(_check_models)


class ProjectUpdate(_Input):
    name: str | None = Field(default=None, min_length=1, max_length=256)
    lead_user_id: str | None = None
    allowed_models: list[str] | None = None
    share: Share | None = None

    _models = field_validator("allowed_models")(_check_models)


class Allocation(_Input):
    """A project's token budget: ``budget_tokens`` weighted tokens per ``budget_period``."""

    budget_tokens: BudgetTokens | None = Field(description="null: no budget (unlimited).")
    budget_period: str | None = Field(
        default=None, description="month (default), quarter, year, week, day, or '<N>h'/'<N>d'."
    )

    _period = field_validator("budget_period")(_check_period)


class Limits(_Input):
    """Per-minute limits of a project and of each of its users; ``null`` lifts one."""

    rpm_limit: PerMinute | None = None
    tpm_limit: PerMinute | None = None
    user_rpm_limit: PerMinute | None = None
    user_tpm_limit: PerMinute | None = None


class MemberAdd(_Input):
    user_id: str = Field(min_length=1, description="User id, 'lab/username' or username.")
    role: MemberRole = "member"


class KeyCreate(_Input):
    user_id: str | None = Field(default=None, description="Default: the caller.")
    project_id: str | None = Field(default=None, description="Default: the caller's project.")
    name: str = Field(default="", max_length=256)
    expires_at: datetime | None = None
