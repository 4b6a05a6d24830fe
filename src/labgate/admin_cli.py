"""``labgate admin``: labs, users, projects, members, API keys, allocations, limits, worker
tokens and usage reports, straight on the database.

The operator at the machine acts as a platform administrator (``cli:<login>`` in the audit
log). Changes are recorded in the audit log and key revocations reach the running gateways
(see :mod:`labgate.tenancy.wiring`). The lab/user and project/member groups live in
:mod:`labgate.tenancy.cli_people` and :mod:`labgate.tenancy.cli_projects`;
``docs/administration.md`` has examples.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

import orjson
import typer
from rich.console import Console

from labgate.identity.principal import Principal
from labgate.router.worker_token_cli import app as worker_tokens_app
from labgate.tenancy import KeyCreate, TenancyService, UsageQuery, UsageReport, time_range
from labgate.tenancy.cli_approvals import approvals_app
from labgate.tenancy.cli_options import KEY_COLUMNS, GroupBy, ReportFormat
from labgate.tenancy.cli_people import labs_app, users_app
from labgate.tenancy.cli_projects import members_app, projects_app
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
from labgate.tenancy.report_format import report_csv, report_json, report_table
from labgate.tenancy.usage import GroupBy as UsageGroupBy

app = typer.Typer(
    help="Administration straight on the database, as platform administrator: labs, users, "
    "projects, members, API keys, allocations, limits, worker tokens, usage reports.",
    no_args_is_help=True,
)
keys_app = typer.Typer(
    help="API keys: one user, one project; the key is shown once.", no_args_is_help=True
)
app.add_typer(labs_app, name="labs")
app.add_typer(users_app, name="users")
app.add_typer(projects_app, name="projects")
app.add_typer(members_app, name="members")
app.add_typer(keys_app, name="keys")
app.add_typer(approvals_app, name="approvals")

# ------------------------------------------------------------------------------------ keys


@keys_app.command("create")
def keys_create(
    user: Annotated[str, typer.Option(help="User id or username that owns the key.")] = "admin",
    project: Annotated[
        str | None,
        typer.Option(
            help="Project the key's requests are charged to (the user must be a "
            "member; default: 'default')."
        ),
    ] = None,
    name: Annotated[str, typer.Option(help="A label to recognise the key by.")] = "",
    expires: Annotated[
        datetime | None, typer.Option(help="Expiry time (ISO 8601, UTC unless a zone is given).")
    ] = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Create an API key and print it on stdout (the only time it is shown).

    A key for a user other than the operator is a request: it works once a platform
    administrator approves it through the API (the key belongs to its holder)."""
    from labgate.bootstrap import DEFAULT_PROJECT

    spec = validated(
        KeyCreate,
        user_id=user,
        project_id=project or DEFAULT_PROJECT,
        name=name,
        expires_at=expires,
    )
    created = run_as_operator(
        config, data_dir, database_url, lambda svc, me: svc.create_key(me, spec)
    )
    info = created.info
    err.print(
        f"key {info.id} (prefix {info.prefix}) for user {info.user_id} in project "
        f"{info.project_id}; store it now, it is not shown again",
        highlight=False,
    )
    if created.pending is not None:
        err.print(
            f"the key works only once request {created.pending.id} is approved: "
            f"{created.pending.next_step}",
            highlight=False,
        )
    typer.echo(created.key)


@keys_app.command("list")
def keys_list(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's keys.")] = None,
    project: Annotated[
        str | None, typer.Option("--project", help="Only this project's keys.")
    ] = None,
    active: Annotated[
        bool, typer.Option("--active", help="Leave out revoked and expired keys.")
    ] = False,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """List API keys (prefix, name, dates, status; never the key)."""
    keys = run_as_operator(
        config,
        data_dir,
        database_url,
        lambda svc, me: svc.list_keys(me, user_ref=user, project_id=project, active_only=active),
    )
    print_rows(keys, KEY_COLUMNS, as_json=as_json, title="API keys")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (not the key itself).")],
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Revoke an API key; running gateways stop accepting it within a second."""
    run_as_operator(config, data_dir, database_url, lambda svc, me: svc.revoke_key(me, key_id))
    typer.echo(f"revoked {key_id}")


# ------------------------------------------------------------------------------ worker tokens


app.add_typer(worker_tokens_app, name="worker-token")


# ------------------------------------------------------------------------------------ usage


@app.command("usage")
def usage(
    group_by: Annotated[
        GroupBy, typer.Option("--group-by", help="One row per lab, project, user or model.")
    ] = GroupBy.project,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Start, inclusive: ISO 8601 (2025-01-31, "
            "2025-01-31T12:00Z), or an age such as 7d, 12h (default: 30 days ago).",
        ),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="End, exclusive (default: now).")
    ] = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", help="table, csv or json.")
    ] = ReportFormat.table,
    lab: Annotated[str | None, typer.Option("--lab", help="Only this lab's usage.")] = None,
    project: Annotated[
        str | None, typer.Option("--project", help="Only this project's usage.")
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Only this user's usage (id or username).")
    ] = None,
    model: Annotated[str | None, typer.Option("--model", help="Only this model's usage.")] = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Usage per lab, project, user or model over a time range, with totals."""

    async def work(svc: TenancyService, me: Principal) -> UsageReport:
        start, end = time_range(since, until)
        grouping = cast(UsageGroupBy, group_by.value)
        query = UsageQuery(grouping, start, end, lab=lab, project=project, user=user, model=model)
        return await svc.usage_report(me, query)

    report = run_as_operator(config, data_dir, database_url, work)
    if fmt is ReportFormat.json:
        typer.echo(orjson.dumps(report_json(report), option=orjson.OPT_INDENT_2).decode())
    elif fmt is ReportFormat.csv:
        typer.echo(report_csv(report), nl=False)
    else:
        Console(soft_wrap=True).print(report_table(report))
