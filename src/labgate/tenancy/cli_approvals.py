"""``labgate admin approvals …``: what waits for a second person, approved or rejected.

The operator at the server is a platform administrator (``cli:<login>``) and may approve a
request filed through the API (for example, in a deployment with one platform administrator,
that administrator's request for a second one). A request filed at the server is approved
through the API by a platform administrator, never by another CLI login.
"""

from __future__ import annotations

from typing import Annotated

import typer

from labgate.tenancy.cli_support import (
    ConfigOpt,
    DatabaseOpt,
    DataDirOpt,
    JsonOpt,
    print_rows,
    run_as_operator,
)

approvals_app = typer.Typer(
    help="Requests that take effect only when a second person approves them: keys minted "
    "for someone else, clearance and auditor/platform_admin grants, members from another lab.",
    no_args_is_help=True,
)

PENDING_COLUMNS = (
    "id", "kind", "status", "requested_by", "target_user_id", "project_id", "details",
    "created_at", "decided_by",
)  # fmt: skip

ActionArg = Annotated[str, typer.Argument(help="The request's id (pa_…).")]


@approvals_app.command("list")
def approvals_list(
    status: Annotated[
        str, typer.Option("--status", help="pending (default), approved, rejected or all.")
    ] = "pending",
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """List requests (pending ones by default)."""
    if status not in ("pending", "approved", "rejected", "all"):
        raise typer.BadParameter("give pending, approved, rejected or all", param_hint="--status")
    wanted = None if status == "all" else status
    rows = run_as_operator(
        config, data_dir, database_url, lambda svc, me: svc.list_pending(me, wanted)
    )
    print_rows(rows, PENDING_COLUMNS, as_json=as_json, title="Requests")


@approvals_app.command("approve")
def approvals_approve(
    action_id: ActionArg,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Approve someone else's request; it takes effect now."""
    view = run_as_operator(
        config, data_dir, database_url, lambda svc, me: svc.approve(me, action_id)
    )
    typer.echo(f"approved {view.id} ({view.kind} for {view.target_user_id})")


@approvals_app.command("reject")
def approvals_reject(
    action_id: ActionArg,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Refuse a request (or withdraw one you filed)."""
    view = run_as_operator(
        config, data_dir, database_url, lambda svc, me: svc.reject(me, action_id)
    )
    typer.echo(f"rejected {view.id}")
