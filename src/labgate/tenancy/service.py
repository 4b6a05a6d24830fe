"""The tenancy service: labs, users, projects, members, API keys and usage reports.

Every method takes the acting :class:`~labgate.identity.principal.Principal` first and checks
what that actor may do (:mod:`labgate.tenancy.access`); refusals are
:class:`~labgate.tenancy.errors.TenancyError` subclasses that the HTTP API and the CLI turn
into clear messages. Each committed change is reported through ``on_admin_action``; key
revocations and changes reach the authenticator's cache and ``on_key_revoked`` (see
:mod:`labgate.tenancy.actions`).

The parts live in one module each; this class only puts them together::

    tenancy = TenancyService(
        services.sessions,
        auth=services.auth,
        on_admin_action=audit_admin_action,    # -> tamper-evident audit log
        on_key_revoked=revocations.publish,    # -> every replica's key cache
    )
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from labgate.identity.principal import Principal, Role
from labgate.tenancy.actions import ActionHook, Hooks, IdHook, KeyCache
from labgate.tenancy.apikeys import KeyOps
from labgate.tenancy.core import Clock, utc_now
from labgate.tenancy.labs import LabOps
from labgate.tenancy.members import MemberOps
from labgate.tenancy.projects import ProjectOps
from labgate.tenancy.reports import UsageOps
from labgate.tenancy.users import UserOps

if TYPE_CHECKING:
    from labgate.access.policy import AccessPolicy


class TenancyService(LabOps, UserOps, ProjectOps, MemberOps, KeyOps, UsageOps):
    """Administration of labgate's tenants, with the rules of who may do what.

    ``labels``: the deployment's label policy; clearances written are checked against its
    scheme, and a key asked for someone else may not carry a clearance above its requester's.
    Actions that need a second person wait as pending actions (``approve``, ``reject``,
    ``list_pending``; :mod:`labgate.tenancy.approvals`).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        auth: KeyCache | None = None,
        on_admin_action: ActionHook | None = None,
        on_key_revoked: IdHook | None = None,
        on_user_changed: IdHook | None = None,
        on_project_changed: IdHook | None = None,
        clock: Clock = utc_now,
        labels: AccessPolicy | None = None,
    ) -> None:
        hooks = Hooks(
            auth=auth,
            on_admin_action=on_admin_action,
            on_key_revoked=on_key_revoked,
            on_user_changed=on_user_changed,
            on_project_changed=on_project_changed,
        )
        super().__init__(sessions, hooks, clock=clock, labels=labels)


def operator_principal(name: str) -> Principal:
    """The actor of the ``labgate admin`` CLI: the operator at the machine, a platform admin.

    Its ``user_id`` (``cli:<login>``) names the operator in the audit log; it is no row of
    ``users`` and holds no key.
    """
    return Principal(
        user_id=f"cli:{name}",
        lab=None,
        project=None,
        roles=frozenset({Role.PLATFORM_ADMIN}),
        key_id=None,
        auth_method="cli",
    )
