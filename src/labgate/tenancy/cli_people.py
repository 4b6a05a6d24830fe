"""``labgate admin labs …`` and ``labgate admin users …``."""

from __future__ import annotations

from typing import Annotated

import typer

from labgate.identity.principal import Role
from labgate.tenancy.cli_options import (
    LAB_COLUMNS,
    USER_COLUMNS,
    NameOpt,
    ProvisioningOpt,
    RoleOpt,
    ShareOpt,
    UserArg,
    given,
    out,
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
from labgate.tenancy.inputs import LabCreate, LabUpdate, UserCreate, UserUpdate
from labgate.tenancy.views import UserView

labs_app = typer.Typer(
    help="Labs: each has its users, projects and fair share.", no_args_is_help=True
)
users_app = typer.Typer(
    help="Users: each belongs to one lab; roles, clearance, disabled.", no_args_is_help=True
)

# ------------------------------------------------------------------------------------ labs


@labs_app.command("create")
def labs_create(
    lab_id: Annotated[str, typer.Argument(help="Short id, e.g. 'ornl' (letters, digits, .-_).")],
    name: NameOpt = None,
    share: ShareOpt = None,
    provisioning: ProvisioningOpt = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Create a lab."""
    spec = given(id=lab_id, name=name, share=share, provisioning=provisioning)
    lab = run_as_operator(
        config,
        data_dir,
        database_url,
        lambda svc, me: svc.create_lab(me, LabCreate.model_validate(spec)),
    )
    out.print(f"created lab {lab.id} ({lab.name}), provisioning {lab.provisioning}")


@labs_app.command("list")
def labs_list(
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """List the labs."""
    labs = run_as_operator(config, data_dir, database_url, lambda svc, me: svc.list_labs(me))
    print_rows(labs, LAB_COLUMNS, as_json=as_json, title="Labs")


@labs_app.command("update")
def labs_update(
    lab_id: Annotated[str, typer.Argument(help="The lab's id.")],
    name: NameOpt = None,
    share: ShareOpt = None,
    provisioning: ProvisioningOpt = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Change a lab's name, share or provisioning policy."""
    update = validated(LabUpdate, **given(name=name, share=share, provisioning=provisioning))
    lab = run_as_operator(
        config, data_dir, database_url, lambda svc, me: svc.update_lab(me, lab_id, update)
    )
    out.print(f"updated lab {lab.id}: share {lab.share}, provisioning {lab.provisioning}")


# ------------------------------------------------------------------------------------ users


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Argument(help="The name the user logs in with at their lab.")],
    lab: Annotated[str, typer.Option("--lab", help="The lab the user belongs to.")],
    email: Annotated[str | None, typer.Option("--email", help="Contact address.")] = None,
    role: RoleOpt = None,
    clearance: Annotated[
        str | None, typer.Option("--clearance", help="Clearance label, e.g. 'SECRET//NUC'.")
    ] = None,
    disabled: Annotated[
        bool, typer.Option("--disabled", help="Create the account disabled.")
    ] = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Create a user in a lab (roles default to 'user')."""
    spec = given(
        lab_id=lab, username=username, email=email, roles=role or None, clearance=clearance
    )
    spec["disabled"] = disabled
    user = run_as_operator(
        config,
        data_dir,
        database_url,
        lambda svc, me: svc.create_user(me, UserCreate.model_validate(spec)),
    )
    out.print(f"created user {user.lab_id}/{user.username} with id {user.id}")
    _say_pending(user)


@users_app.command("list")
def users_list(
    lab: Annotated[str | None, typer.Option("--lab", help="Only this lab's users.")] = None,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """List users."""
    users = run_as_operator(config, data_dir, database_url, lambda svc, me: svc.list_users(me, lab))
    print_rows(users, USER_COLUMNS, as_json=as_json, title="Users")


@users_app.command("update")
def users_update(
    user: UserArg,
    email: Annotated[str | None, typer.Option("--email", help="New contact address.")] = None,
    role: Annotated[
        list[Role] | None,
        typer.Option("--role", help="Replace the user's roles with these; repeat for several."),
    ] = None,
    clearance: Annotated[
        str | None, typer.Option("--clearance", help="New clearance label.")
    ] = None,
    no_clearance: Annotated[
        bool, typer.Option("--no-clearance", help="Remove the user's clearance label.")
    ] = False,
    disable: Annotated[
        bool | None,
        typer.Option(
            "--disable/--enable",
            help="Disable the account (its keys are revoked and its web sessions end at once) "
            "or enable it again (with no key: new ones are minted after signing in, or asked "
            "for by a platform administrator and approved by a second).",
        ),
    ] = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Change a user's email, roles, clearance, or disable or enable the account."""
    fields = given(email=email, roles=role or None, clearance=clearance, disabled=disable)
    if no_clearance:
        fields["clearance"] = None
    if not fields:
        err.print(
            "nothing to change: give --email, --role, --clearance, --no-clearance, "
            "--disable or --enable"
        )
        raise typer.Exit(2)
    update = validated(UserUpdate, **fields)
    view = run_as_operator(
        config, data_dir, database_url, lambda svc, me: svc.update_user(me, user, update)
    )
    state = "disabled" if view.disabled else "enabled"
    out.print(
        f"updated user {view.lab_id}/{view.username}: roles {', '.join(view.roles)}; "
        f"clearance {view.clearance or '-'}; {state}"
    )
    if view.revoked_keys:
        out.print(
            f"revoked {len(view.revoked_keys)} key(s) of the account: "
            f"{', '.join(view.revoked_keys)}; enabling it again restores none"
        )
    _say_pending(view)


def _say_pending(view: UserView) -> None:
    if view.pending_grant is not None:
        grant = view.pending_grant
        out.print(f"the grant {grant.details} is pending as request {grant.id}: {grant.next_step}")
