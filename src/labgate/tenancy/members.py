"""Project members: added, re-roled and removed by the project's leads and its lab's admins.

Membership stays within the project's lab; a user of another lab joins only when both labs'
administrators agree (a request of the project lab's admin, approved by the user lab's).

Removing a member revokes their keys for that project at once: a key is only valid while its
user belongs to the project it is charged to. The project's designated lead cannot be removed
or demoted until another lead is named (``projects update --lead``).
"""

from __future__ import annotations

from sqlalchemy import select, update

from labgate.identity.principal import Principal
from labgate.store.tenancy import ApiKey, Project, ProjectMember, User
from labgate.tenancy.access import (
    administers_lab,
    require_project_manager,
    require_reader,
    sees_everything,
)
from labgate.tenancy.approvals import ApprovalOps, PendingView
from labgate.tenancy.errors import Conflict, Forbidden, NotFound
from labgate.tenancy.inputs import MemberAdd
from labgate.tenancy.views import MemberRemoval, MemberView


def _lead_stays(project: Project, user_id: str) -> None:
    if project.lead_user_id == user_id:
        raise Conflict(
            f"this user is the lead of project {project.id!r}; name another lead first "
            "('labgate admin projects update --lead', or PATCH lead_user_id)",
            "project_lead_required",
        )


class MemberOps(ApprovalOps):
    async def add_member(
        self, actor: Principal, project_id: str, spec: MemberAdd
    ) -> MemberView | PendingView:
        """Add a user to a project, or change their role in it (``member`` or ``lead``).

        Membership stays within the project's lab. A user of another lab joins only when both
        labs' administrators agree: an administrator of the project's lab asks (the answer is
        the pending request), an administrator of the user's lab approves.
        """
        pending = None
        async with self.sessions.begin() as s:
            project = await self._project(s, project_id)
            leads = await self._leads(s, actor, project)
            require_project_manager(
                actor, project.lab_id, project_id, leads, f"manage the members of {project_id!r}"
            )
            user = await self._user(s, spec.user_id, project.lab_id)
            member = await self._membership(s, project_id, user.id)
            if member is None and user.lab_id != project.lab_id:
                if not administers_lab(actor, project.lab_id):
                    raise Forbidden(
                        f"user {user.username!r} belongs to lab {user.lab_id!r}, not to "
                        f"{project.lab_id!r}: a member from another lab joins only when both "
                        f"labs' administrators agree; ask an administrator of lab "
                        f"{project.lab_id!r} to request it",
                        "cross_lab_member",
                    )
                pending = await self._file(
                    s,
                    actor,
                    "member.add",
                    user,
                    {"role": spec.role, "project_lab": project.lab_id},
                    project_id=project_id,
                    approver_lab=user.lab_id,
                )
            elif member is not None and member.role == spec.role:
                return MemberView.of(member, user)  # nothing to change, nothing to record
        if pending is not None:
            return await self._filed(actor, pending)
        return await self._set_member(actor, project_id, spec)

    async def _set_member(self, actor: Principal, project_id: str, spec: MemberAdd) -> MemberView:
        async with self.sessions.begin() as s:
            project = await self._project(s, project_id)
            leads = await self._leads(s, actor, project)
            require_project_manager(
                actor, project.lab_id, project_id, leads, f"manage the members of {project_id!r}"
            )
            user = await self._user(s, spec.user_id, project.lab_id)
            member = await self._membership(s, project_id, user.id)
            if member is None and user.lab_id != project.lab_id:
                raise Conflict("the user's lab changed meanwhile; try again", "retry")
            if member is not None and member.role == spec.role:
                return MemberView.of(member, user)
            previous = member.role if member is not None else None
            if spec.role != "lead":
                _lead_stays(project, user.id)
            if member is None:
                member = ProjectMember(project_id=project_id, user_id=user.id, role=spec.role)
                s.add(member)
            else:
                member.role = spec.role
            roles_changed = await self._sync_lead_role(s, user)
            key_ids = await self._user_key_ids(s, user.id) if roles_changed else []
        view = MemberView.of(member, user)
        action = "member.add" if previous is None else "member.update"
        await self._record(
            actor,
            action,
            f"project:{project_id}",
            {"user_id": user.id, "role": spec.role, "previous_role": previous},
        )
        await self.hooks.keys_changed(key_ids)
        await self.hooks.user_changed(user.id)
        return view

    async def remove_member(
        self, actor: Principal, project_id: str, user_ref: str
    ) -> MemberRemoval:
        """Remove a member and revoke their keys for the project; what was done."""
        async with self.sessions.begin() as s:
            project = await self._project(s, project_id)
            leads = await self._leads(s, actor, project)
            require_project_manager(
                actor, project.lab_id, project_id, leads, f"manage the members of {project_id!r}"
            )
            user = await self._user(s, user_ref, project.lab_id)
            member = await self._membership(s, project_id, user.id)
            if member is None:
                raise NotFound(
                    f"user {user.username!r} is not a member of project {project_id!r}",
                    "not_a_member",
                )
            _lead_stays(project, user.id)
            role = member.role
            await s.delete(member)
            revoked = list(
                (
                    await s.execute(
                        update(ApiKey)
                        .where(
                            ApiKey.user_id == user.id,
                            ApiKey.project_id == project_id,
                            ApiKey.revoked_at.is_(None),
                        )
                        .values(revoked_at=self.now())
                        .returning(ApiKey.id)
                    )
                ).scalars()
            )
            roles_changed = await self._sync_lead_role(s, user)
            stale = await self._user_key_ids(s, user.id) if roles_changed else revoked
        result = MemberRemoval(project_id, user.id, role, tuple(sorted(revoked)))
        await self._record(actor, "member.remove", f"project:{project_id}", result.as_dict())
        await self.hooks.keys_changed(sorted(set(stale) | set(revoked)))
        await self.hooks.user_changed(user.id)
        return result

    async def list_members(self, actor: Principal, project_id: str) -> list[MemberView]:
        stmt = (
            select(ProjectMember, User)
            .join(User, User.id == ProjectMember.user_id)
            .where(ProjectMember.project_id == project_id)
            .order_by(ProjectMember.role, User.username)
        )
        async with self.sessions() as s:
            project = await self._project(s, project_id)
            visible = (
                sees_everything(actor)
                or administers_lab(actor, project.lab_id)
                or await self._leads(s, actor, project)
            )
            require_reader(actor, visible, f"the members of project {project_id!r}")
            return [MemberView.of(m, u) for m, u in (await s.execute(stmt)).all()]
