"""``labgate admin projects …`` and ``labgate admin members …``."""

from __future__ import annotations

from typing import Annotated

import typer

from labgate.tenancy.approvals import PendingView
from labgate.tenancy.cli_options import (
    MEMBER_COLUMNS,
    PROJECT_COLUMNS,
    BudgetOpt,
    LeadOpt,
    MemberRole,
    ModelOpt,
    NameOpt,
    PeriodOpt,
    RpmOpt,
    ShareOpt,
    TpmOpt,
    UserArg,
    UserRpmOpt,
    UserTpmOpt,
    given,
    out,
    per_minute,
)
from labgate.tenancy.cli_support import (
    ConfigOpt,
    DatabaseOpt,
    DataDirOpt,
    JsonOpt,
    err,
    print_rows,
    run_as_operator,
    validated,
)
from labgate.tenancy.inputs import Allocation, Limits, MemberAdd, ProjectCreate, ProjectUpdate

projects_app = typer.Typer(
    help="Projects: lab, lead, allowed models, share, token allocation, rate limits.",
    no_args_is_help=True,
)
members_app = typer.Typer(help="Members of a project (role member or lead).", no_args_is_help=True)

# ------------------------------------------------------------------------------------ projects


@projects_app.command("create")
def projects_create(
    project_id: Annotated[str, typer.Argument(help="Short id, e.g. 'CHM142'.")],
    lab: Annotated[str, typer.Option("--lab", help="The lab the project belongs to.")],
    name: NameOpt = None,
    lead: LeadOpt = None,
    model: ModelOpt = None,
    share: ShareOpt = None,
    budget_tokens: BudgetOpt = None,
    period: PeriodOpt = None,
    rpm: RpmOpt = None,
    tpm: TpmOpt = None,
    user_rpm: UserRpmOpt = None,
    user_tpm: UserTpmOpt = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Create a project; without --budget-tokens it has no budget, without limits no limits."""
    spec = given(
        id=project_id,
        lab_id=lab,
        name=name,
        lead_user_id=lead,
        allowed_models=model or None,
        share=share,
        budget_tokens=budget_tokens,
        budget_period=period,
        rpm_limit=per_minute(rpm),
        tpm_limit=per_minute(tpm),
        user_rpm_limit=per_minute(user_rpm),
        user_tpm_limit=per_minute(user_tpm),
    )
    project = run_as_operator(
        config,
        data_dir,
        database_url,
        lambda svc, me: svc.create_project(me, ProjectCreate.model_validate(spec)),
    )
    budget = project.budget_tokens if project.budget_tokens is not None else "unlimited"
    out.print(
        f"created project {project.id} in lab {project.lab_id}; budget {budget} "
        f"tokens per {project.budget_period}"
    )


@projects_app.command("list")
def projects_list(
    lab: Annotated[str | None, typer.Option("--lab", help="Only this lab's projects.")] = None,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """List projects with their allocations and limits."""
    projects = run_as_operator(
        config, data_dir, database_url, lambda svc, me: svc.list_projects(me, lab)
    )
    print_rows(projects, PROJECT_COLUMNS, as_json=as_json, title="Projects")


@projects_app.command("update")
def projects_update(
    project_id: Annotated[str, typer.Argument(help="The project's id.")],
    name: Annotated[str | None, typer.Option("--name", help="New display name.")] = None,
    lead: LeadOpt = None,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", help="Replace the allowed models with these; repeat."),
    ] = None,
    all_models: Annotated[
        bool, typer.Option("--all-models", help="Allow every model (drop the model list).")
    ] = False,
    share: ShareOpt = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Change a project's name, lead, allowed models or share."""
    fields = given(name=name, lead_user_id=lead, allowed_models=model or None, share=share)
    if all_models:
        fields["allowed_models"] = None
    if not fields:
        err.print("nothing to change: give --name, --lead, --model, --all-models or --share")
        raise typer.Exit(2)
    update = validated(ProjectUpdate, **fields)
    project = run_as_operator(
        config,
        data_dir,
        database_url,
        lambda svc, me: svc.update_project(me, project_id, update),
    )
    out.print(f"updated project {project.id}")


@projects_app.command("set-allocation")
def projects_set_allocation(
    project_id: Annotated[str, typer.Argument(help="The project's id.")],
    budget_tokens: BudgetOpt = None,
    unlimited: Annotated[
        bool, typer.Option("--unlimited", help="Remove the budget (no token limit).")
    ] = False,
    period: PeriodOpt = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Set a project's token budget per period (tokens weighted per model)."""
    if (budget_tokens is None) == (not unlimited):
        err.print("give exactly one of --budget-tokens N or --unlimited")
        raise typer.Exit(2)
    allocation = validated(Allocation, budget_tokens=budget_tokens, budget_period=period)
    project = run_as_operator(
        config,
        data_dir,
        database_url,
        lambda svc, me: svc.set_allocation(me, project_id, allocation),
    )
    budget = project.budget_tokens if project.budget_tokens is not None else "unlimited"
    out.print(f"project {project.id}: budget {budget} tokens per {project.budget_period}")


@projects_app.command("set-limits")
def projects_set_limits(
    project_id: Annotated[str, typer.Argument(help="The project's id.")],
    rpm: RpmOpt = None,
    tpm: TpmOpt = None,
    user_rpm: UserRpmOpt = None,
    user_tpm: UserTpmOpt = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Set per-minute limits of the project and of each user (0 lifts a limit)."""
    given = {
        "rpm_limit": rpm,
        "tpm_limit": tpm,
        "user_rpm_limit": user_rpm,
        "user_tpm_limit": user_tpm,
    }
    fields = {k: per_minute(v) for k, v in given.items() if v is not None}
    if not fields:
        err.print("nothing to change: give --rpm, --tpm, --user-rpm or --user-tpm")
        raise typer.Exit(2)
    limits = validated(Limits, **fields)
    project = run_as_operator(
        config, data_dir, database_url, lambda svc, me: svc.set_limits(me, project_id, limits)
    )
    out.print(
        f"project {project.id}: rpm {project.rpm_limit or '-'}, tpm "
        f"{project.tpm_limit or '-'}, per user rpm {project.user_rpm_limit or '-'}, "
        f"tpm {project.user_tpm_limit or '-'}"
    )


# ------------------------------------------------------------------------------------ members

ProjectArg = Annotated[str, typer.Argument(help="The project's id.")]


@members_app.command("add")
def members_add(
    project_id: ProjectArg,
    user: UserArg,
    role: Annotated[
        MemberRole, typer.Option("--role", help="member, or lead (manages members and keys).")
    ] = MemberRole.member,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Add a user to a project, or change their role in it."""
    spec = validated(MemberAdd, user_id=user, role=role.value)
    member = run_as_operator(
        config, data_dir, database_url, lambda svc, me: svc.add_member(me, project_id, spec)
    )
    if isinstance(member, PendingView):
        out.print(
            f"the user belongs to another lab: request {member.id} is pending; {member.next_step}"
        )
        return
    out.print(f"{member.lab_id}/{member.username} is a {member.role} of project {project_id}")


@members_app.command("remove")
def members_remove(
    project_id: ProjectArg,
    user: UserArg,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Remove a user from a project; their keys for the project are revoked."""
    result = run_as_operator(
        config, data_dir, database_url, lambda svc, me: svc.remove_member(me, project_id, user)
    )
    out.print(
        f"removed {result.user_id} from project {project_id}; revoked "
        f"{len(result.revoked_keys)} key(s)"
    )


@members_app.command("list")
def members_list(
    project_id: ProjectArg,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """List a project's members and their roles."""
    members = run_as_operator(
        config, data_dir, database_url, lambda svc, me: svc.list_members(me, project_id)
    )
    print_rows(members, MEMBER_COLUMNS, as_json=as_json, title=f"Members of {project_id}")
