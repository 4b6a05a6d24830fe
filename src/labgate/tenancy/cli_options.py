"""The vocabulary of ``labgate admin``: choices, table columns and the options several
commands share, so each command reads as what it does."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console

from labgate.identity.principal import Role

out = Console(soft_wrap=True, highlight=False)


class Provisioning(StrEnum):
    auto = "auto"
    deny = "deny"


class MemberRole(StrEnum):
    member = "member"
    lead = "lead"


class GroupBy(StrEnum):
    lab = "lab"
    project = "project"
    user = "user"
    model = "model"


class ReportFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


LAB_COLUMNS = ("id", "name", "share", "provisioning", "created_at")
USER_COLUMNS = ("id", "lab_id", "username", "roles", "clearance", "disabled", "email")
PROJECT_COLUMNS = (
    "id",
    "lab_id",
    "name",
    "lead_user_id",
    "allowed_models",
    "share",
    "budget_tokens",
    "budget_period",
    "rpm_limit",
    "tpm_limit",
    "user_rpm_limit",
    "user_tpm_limit",
)
MEMBER_COLUMNS = ("user_id", "username", "lab_id", "role")
KEY_COLUMNS = (
    "id",
    "prefix",
    "name",
    "user_id",
    "project_id",
    "status",
    "created_at",
    "expires_at",
    "revoked_at",
    "last_used_at",
)

NameOpt = Annotated[str | None, typer.Option("--name", help="Display name (default: the id).")]
ShareOpt = Annotated[
    float | None,
    typer.Option("--share", help="Fair-share weight against its siblings (default 1)."),
]
ProvisioningOpt = Annotated[
    Provisioning | None,
    typer.Option(
        "--provisioning",
        help="auto: users of the lab's identity provider are created at their first login; "
        "deny (the default for a new lab): a lab admin adds them first.",
    ),
]
RoleOpt = Annotated[
    list[Role] | None,
    typer.Option(
        "--role",
        help="A role to hold; repeat for several (user, project_lead, "
        "lab_admin, auditor, approver, platform_admin).",
    ),
]
ModelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--model", help="A model the project may use; repeat for several (default: every model)."
    ),
]
LeadOpt = Annotated[
    str | None,
    typer.Option("--lead", help="The project's lead: user id, 'lab/username' or username."),
]
RpmOpt = Annotated[int | None, typer.Option("--rpm", min=0, help="Project requests per minute.")]
TpmOpt = Annotated[int | None, typer.Option("--tpm", min=0, help="Project tokens per minute.")]
UserRpmOpt = Annotated[
    int | None, typer.Option("--user-rpm", min=0, help="Requests per minute of each user.")
]
UserTpmOpt = Annotated[
    int | None, typer.Option("--user-tpm", min=0, help="Tokens per minute of each user.")
]
BudgetOpt = Annotated[
    int | None,
    typer.Option("--budget-tokens", min=0, help="Weighted tokens per budget period."),
]
PeriodOpt = Annotated[
    str | None,
    typer.Option(
        "--period",
        help="Budget period: month (default), quarter, year, week, day, or "
        "a fixed window like '6h' or '30d'.",
    ),
]
UserArg = Annotated[str, typer.Argument(help="User id, 'lab/username', or a unique username.")]


def given(**fields: Any) -> dict[str, Any]:
    """The options the operator gave (left-out options change nothing)."""
    return {k: v for k, v in fields.items() if v is not None}


def per_minute(value: int | None) -> int | None:
    """On the command line a limit of 0 lifts the limit."""
    return None if value == 0 else value
