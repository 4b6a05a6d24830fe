"""Projects: their lab, lead, allowed models, fair share, token allocation and rate limits.

Projects are created and changed by their lab's administrators (and platform administrators);
a project's lead manages its members and keys (see :mod:`labgate.tenancy.members`) but not its
allocation, which is paid for by the lab. Naming a lead makes them a member with role ``lead``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from labgate.identity.principal import Principal, Role
from labgate.store.tenancy import Project, ProjectMember, User
from labgate.tenancy.access import (
    administers_lab,
    require_lab_admin,
    require_reader,
    sees_everything,
)
from labgate.tenancy.core import ServiceCore
from labgate.tenancy.errors import Conflict, Forbidden, InvalidInput
from labgate.tenancy.inputs import Allocation, Limits, ProjectCreate, ProjectUpdate, changes
from labgate.tenancy.views import ProjectView

_POLICY_FIELDS = frozenset({"allowed_models", "share"})
"""Fields that change how requests charged to the project are admitted."""


def _lead_of_the_lab(user: User, lab_id: str, project_id: str) -> None:
    """Naming a lead makes them a member: membership stays within the lab (a user of another
    lab becomes a member first, when both labs' admins agree)."""
    if user.lab_id != lab_id:
        raise Forbidden(
            f"user {user.username!r} belongs to lab {user.lab_id!r}, not to {lab_id!r}: add "
            f"them to project {project_id!r} as a member first (a request an administrator "
            f"of lab {user.lab_id!r} approves), then name them lead",
            "cross_lab_member",
        )


class ProjectOps(ServiceCore):
    async def create_project(self, actor: Principal, spec: ProjectCreate) -> ProjectView:
        require_lab_admin(actor, spec.lab_id, f"create projects in lab {spec.lab_id!r}")
        clash = f"project id {spec.id!r} is taken; choose another"
        lead_roles_changed = False
        async with self._writing(clash, "project_exists") as s:
            await self._lab(s, spec.lab_id)
            if await s.get(Project, spec.id) is not None:
                raise Conflict(clash, "project_exists")
            lead = (
                await self._user(s, spec.lead_user_id, spec.lab_id) if spec.lead_user_id else None
            )
            if lead is not None:
                _lead_of_the_lab(lead, spec.lab_id, spec.id)
            project = Project(
                id=spec.id,
                lab_id=spec.lab_id,
                name=spec.name or spec.id,
                lead_user_id=lead.id if lead else None,
                allowed_models=spec.allowed_models,
                share=spec.share,
                budget_tokens=spec.budget_tokens,
                budget_period=spec.budget_period,
                rpm_limit=spec.rpm_limit,
                tpm_limit=spec.tpm_limit,
                user_rpm_limit=spec.user_rpm_limit,
                user_tpm_limit=spec.user_tpm_limit,
                created_at=self.now(),
            )
            s.add(project)
            await s.flush()
            lead_keys: list[str] = []
            if lead is not None:
                await self._set_member_role(s, project.id, lead.id, "lead")
                lead_roles_changed = await self._sync_lead_role(s, lead)
                lead_keys = await self._user_key_ids(s, lead.id)
        view = ProjectView.of(project)
        await self._record(actor, "project.create", f"project:{project.id}", view.as_dict())
        if lead is not None:
            if lead_roles_changed:
                await self.hooks.keys_changed(lead_keys)
            await self.hooks.user_changed(lead.id)
        return view

    async def update_project(
        self, actor: Principal, project_id: str, update: ProjectUpdate
    ) -> ProjectView:
        """Rename, change the lead, the allowed models (null: all) or the fair share."""
        changed: dict[str, Any] = changes(update)
        for name in ("name", "share"):
            if name in changed and changed[name] is None:
                raise InvalidInput(f"a project's {name} cannot be null", "invalid_value")
        touched: list[User] = []
        async with self.sessions.begin() as s:
            project = await self._project(s, project_id)
            require_lab_admin(actor, project.lab_id, f"change project {project_id!r}")
            before = {name: getattr(project, name) for name in changed}
            if "lead_user_id" in changed:
                touched = await self._change_lead(s, project, changed["lead_user_id"])
                changed["lead_user_id"] = project.lead_user_id
            for name, value in changed.items():
                if name != "lead_user_id":
                    setattr(project, name, value)
            stale_keys: list[str] = []
            for user in touched:
                if await self._sync_lead_role(s, user):
                    stale_keys += await self._user_key_ids(s, user.id)
        view = ProjectView.of(project)
        await self._record(
            actor, "project.update", f"project:{project_id}", {"changed": changed, "before": before}
        )
        await self.hooks.keys_changed(stale_keys)
        for user in touched:
            await self.hooks.user_changed(user.id)
        if _POLICY_FIELDS & changed.keys():
            await self.hooks.project_changed(project_id)
        return view

    async def _change_lead(
        self, s: AsyncSession, project: Project, new_ref: str | None
    ) -> list[User]:
        """Make ``new_ref`` the lead (a lead member); the old lead stays as a plain member."""
        new = await self._user(s, new_ref, project.lab_id) if new_ref else None
        if new is not None and await self._membership(s, project.id, new.id) is None:
            _lead_of_the_lab(new, project.lab_id, project.id)
        old_id = project.lead_user_id
        if new is not None and new.id == old_id:
            return []
        touched: list[User] = []
        if old_id is not None:
            await self._set_member_role(s, project.id, old_id, "member", only_if_member=True)
            old = await s.get(User, old_id)
            if old is not None:
                touched.append(old)
        project.lead_user_id = new.id if new else None
        if new is not None:
            await self._set_member_role(s, project.id, new.id, "lead")
            touched.append(new)
        return touched

    async def _set_member_role(
        self,
        s: AsyncSession,
        project_id: str,
        user_id: str,
        role: str,
        *,
        only_if_member: bool = False,
    ) -> str | None:
        """Add or re-role a membership; the previous role (None: was not a member)."""
        member = await self._membership(s, project_id, user_id)
        if member is None:
            if not only_if_member:
                s.add(ProjectMember(project_id=project_id, user_id=user_id, role=role))
            return None
        previous = member.role
        member.role = role
        return previous

    async def set_allocation(
        self, actor: Principal, project_id: str, allocation: Allocation
    ) -> ProjectView:
        """Set the token budget per period (``budget_tokens=None``: no budget)."""
        async with self.sessions.begin() as s:
            project = await self._project(s, project_id)
            require_lab_admin(
                actor, project.lab_id, f"set the allocation of project {project_id!r}"
            )
            before = {
                "budget_tokens": project.budget_tokens,
                "budget_period": project.budget_period,
            }
            project.budget_tokens = allocation.budget_tokens
            if allocation.budget_period is not None:
                project.budget_period = allocation.budget_period
        view = ProjectView.of(project)
        after = {"budget_tokens": view.budget_tokens, "budget_period": view.budget_period}
        await self._record(
            actor, "project.set_allocation", f"project:{project_id}", {**after, "before": before}
        )
        await self.hooks.project_changed(project_id)
        return view

    async def set_limits(self, actor: Principal, project_id: str, limits: Limits) -> ProjectView:
        """Set the per-minute limits named in ``limits`` (``None`` lifts one)."""
        changed = changes(limits)
        if not changed:
            raise InvalidInput(
                "name at least one of rpm_limit, tpm_limit, user_rpm_limit, user_tpm_limit",
                "no_limits_given",
            )
        async with self.sessions.begin() as s:
            project = await self._project(s, project_id)
            require_lab_admin(actor, project.lab_id, f"set the limits of project {project_id!r}")
            before = {name: getattr(project, name) for name in changed}
            for name, value in changed.items():
                setattr(project, name, value)
        await self._record(
            actor, "project.set_limits", f"project:{project_id}", {**changed, "before": before}
        )
        await self.hooks.project_changed(project_id)
        return ProjectView.of(project)

    async def get_project(self, actor: Principal, project_id: str) -> ProjectView:
        async with self.sessions() as s:
            project = await self._project(s, project_id)
            visible = (
                sees_everything(actor)
                or administers_lab(actor, project.lab_id)
                or await self._membership(s, project_id, actor.user_id) is not None
            )
        require_reader(actor, visible, f"project {project_id!r}")
        return ProjectView.of(project)

    async def list_projects(self, actor: Principal, lab_id: str | None = None) -> list[ProjectView]:
        """Every project (platform admins, auditors); the lab's (lab admins); the projects the
        caller is a member of (everyone)."""
        stmt = select(Project).order_by(Project.lab_id, Project.id)
        if lab_id is not None:
            stmt = stmt.where(Project.lab_id == lab_id)
        if not sees_everything(actor):
            stmt = stmt.where(self._visible_projects(actor))
        async with self.sessions() as s:
            return [ProjectView.of(p) for p in (await s.execute(stmt)).scalars()]

    @staticmethod
    def _visible_projects(actor: Principal) -> ColumnElement[bool]:
        mine = select(ProjectMember.project_id).where(ProjectMember.user_id == actor.user_id)
        conditions: list[ColumnElement[bool]] = [Project.id.in_(mine)]
        if actor.has_role(Role.LAB_ADMIN) and actor.lab:
            conditions.append(Project.lab_id == actor.lab)
        return or_(*conditions)
