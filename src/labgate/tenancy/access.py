"""Who may do what: the tenancy rules, as small checks that raise :class:`Forbidden`.

- **platform admin**: everything.
- **lab admin**: the users and projects of their own lab (and the members and keys of those
  projects). They may grant the roles ``user``, ``project_lead`` and ``lab_admin``; only a
  platform admin grants ``auditor`` or ``platform_admin`` or edits the accounts holding them.
- **project lead** (a member with role ``lead``): the members and keys of that project.
- **user**: their own keys, in projects they belong to.
- **auditor**: reads everything (labs, users, projects, members, keys, usage), changes nothing.

Every refusal names the rule that refused, so the caller knows whom to ask.
"""

from __future__ import annotations

from labgate.identity.principal import Principal, Role
from labgate.tenancy.errors import Forbidden

LAB_ADMIN_GRANTABLE = frozenset({Role.USER, Role.PROJECT_LEAD, Role.LAB_ADMIN})
"""Roles a lab admin may hand out within their lab."""
PLATFORM_ONLY_ROLES = frozenset({Role.AUDITOR, Role.APPROVER, Role.PLATFORM_ADMIN})


def is_platform_admin(actor: Principal) -> bool:
    return actor.has_role(Role.PLATFORM_ADMIN)


def sees_everything(actor: Principal) -> bool:
    """Platform admins and auditors read every lab's records."""
    return actor.has_role(Role.PLATFORM_ADMIN, Role.AUDITOR)


def is_lab_admin_of(actor: Principal, lab_id: str) -> bool:
    return actor.has_role(Role.LAB_ADMIN) and actor.lab is not None and actor.lab == lab_id


def administers_lab(actor: Principal, lab_id: str) -> bool:
    """Platform admins administer every lab; lab admins their own."""
    return is_platform_admin(actor) or is_lab_admin_of(actor, lab_id)


def require_platform_admin(actor: Principal, doing: str) -> None:
    if not is_platform_admin(actor):
        raise Forbidden(f"only platform administrators may {doing}", "platform_admin_only")


def require_lab_admin(actor: Principal, lab_id: str, doing: str) -> None:
    if administers_lab(actor, lab_id):
        return
    yours = (
        f" (you administer lab {actor.lab!r} only)"
        if actor.has_role(Role.LAB_ADMIN) and actor.lab
        else ""
    )
    raise Forbidden(
        f"only a platform administrator or an administrator of lab {lab_id!r} may {doing}{yours}",
        "not_lab_admin",
    )


def require_project_manager(
    actor: Principal, lab_id: str, project_id: str, leads: bool, doing: str
) -> None:
    """Members and keys of a project: its leads, its lab's admins, platform admins."""
    if leads or administers_lab(actor, lab_id):
        return
    raise Forbidden(
        f"only the leads of project {project_id!r}, an administrator of lab {lab_id!r} or a "
        f"platform administrator may {doing}; ask the project's lead",
        "not_project_lead",
    )


def require_reader(actor: Principal, allowed: bool, what: str) -> None:
    if not allowed:
        raise Forbidden(
            f"you may not see {what}: it is shown to platform administrators, auditors, the "
            "lab's administrators and the project's leads",
            "not_visible",
        )


def check_grantable(actor: Principal, roles: set[Role] | frozenset[Role]) -> None:
    """A lab admin may grant only the roles of their own level and below."""
    if is_platform_admin(actor):
        return
    beyond = sorted(r.value for r in roles if r not in LAB_ADMIN_GRANTABLE)
    if beyond:
        raise Forbidden(
            f"only platform administrators may grant the role(s) {', '.join(beyond)}",
            "role_not_grantable",
        )


def check_may_edit_account(actor: Principal, target_roles: set[str]) -> None:
    """Accounts holding platform-wide roles are edited by platform admins only."""
    if is_platform_admin(actor):
        return
    held = sorted(r.value for r in PLATFORM_ONLY_ROLES if r.value in target_roles)
    if held:
        raise Forbidden(
            f"only platform administrators may change an account that holds {', '.join(held)}",
            "protected_account",
        )
