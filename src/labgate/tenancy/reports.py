"""Usage reports as the service offers them: the caller sees only the usage they may see.

Platform admins and auditors see everything; a lab admin the usage of their lab's users and of
their lab's projects; a project lead the usage of the projects they lead; everyone their own.
A caller holding several roles sees the union. Filters narrow within that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from labgate.identity.principal import Principal, Role
from labgate.store.tenancy import Project, UsageEvent
from labgate.tenancy.access import sees_everything
from labgate.tenancy.core import ServiceCore
from labgate.tenancy.errors import InvalidInput
from labgate.tenancy.usage import GROUP_BY_CHOICES, UsageQuery, UsageReport, run_report


class UsageOps(ServiceCore):
    async def usage_report(self, actor: Principal, query: UsageQuery) -> UsageReport:
        if query.group_by not in GROUP_BY_CHOICES:
            raise InvalidInput(
                f"group_by must be one of {', '.join(GROUP_BY_CHOICES)}", "invalid_group_by"
            )
        if query.since >= query.until:
            raise InvalidInput(
                "the time range is empty: since must be before until", "empty_time_range"
            )
        async with self.sessions() as s:
            if query.user is not None:
                query = replace(query, user=(await self._user(s, query.user)).id)
            visible = None if sees_everything(actor) else await self._visible_usage(s, actor)
            # no read-up (docs/labels.md): only the rows whose label the reader's clearance
            # dominates count (and only on models it may see), whatever the role
            policy = getattr(self, "labels", None)
            reader: Callable[[str | None, str], bool] | None = None
            if policy is not None and policy.enabled and actor.auth_method != "cli":
                # (the CLI's operator works on the database itself: filtering would hide nothing)
                def readable(label: str | None, model: str) -> bool:
                    return policy.may_read(actor, label) and policy.sees_model(actor, model)

                reader = readable
            return await run_report(s, query, visible, reader)

    async def _visible_usage(self, s: AsyncSession, actor: Principal) -> ColumnElement[bool]:
        conditions: list[ColumnElement[bool]] = [UsageEvent.user_id == actor.user_id]
        projects: set[str] = set(await self._led_projects(s, actor.user_id))
        if actor.has_role(Role.LAB_ADMIN) and actor.lab:
            conditions.append(UsageEvent.lab_id == actor.lab)
            rows = await s.execute(select(Project.id).where(Project.lab_id == actor.lab))
            projects |= set(rows.scalars())
        if projects:
            conditions.append(UsageEvent.project_id.in_(sorted(projects)))
        return or_(*conditions)
