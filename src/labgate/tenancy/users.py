"""Users: created and changed by their lab's administrators (or platform administrators).

A change to a user's roles, clearance or disabled flag changes what every one of their keys
may do, so each of their keys is dropped from the authenticators' caches (here at once, on
the other replicas through ``on_key_revoked``) and OIDC caches forget the user.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from labgate.identity.keys import new_id
from labgate.identity.principal import Principal, Role
from labgate.store.tenancy import ProjectMember, User
from labgate.tenancy.access import (
    administers_lab,
    check_grantable,
    check_may_edit_account,
    require_lab_admin,
    require_reader,
    sees_everything,
)
from labgate.tenancy.core import ServiceCore
from labgate.tenancy.errors import Conflict, Forbidden, InvalidInput
from labgate.tenancy.inputs import UserCreate, UserUpdate, changes
from labgate.tenancy.views import UserView

_AUTH_FIELDS = frozenset({"roles", "clearance", "disabled"})
"""Fields whose change alters what the user's keys may do."""


class UserOps(ServiceCore):
    async def create_user(self, actor: Principal, spec: UserCreate) -> UserView:
        require_lab_admin(actor, spec.lab_id, f"create users in lab {spec.lab_id!r}")
        roles = set(spec.roles)
        check_grantable(actor, roles)
        clash = f"lab {spec.lab_id!r} already has a user named {spec.username!r}"
        async with self._writing(clash, "duplicate_username") as s:
            await self._lab(s, spec.lab_id)
            taken = await s.execute(
                select(User.id).where(User.lab_id == spec.lab_id, User.username == spec.username)
            )
            if taken.first() is not None:
                raise Conflict(clash, "duplicate_username")
            user = User(
                id=new_id(),
                lab_id=spec.lab_id,
                username=spec.username,
                email=spec.email,
                roles=sorted(r.value for r in roles),
                clearance=spec.clearance,
                disabled=spec.disabled,
                created_at=self.now(),
            )
            s.add(user)
        view = UserView.of(user)
        await self._record(actor, "user.create", f"user:{user.id}", view.as_dict())
        return view

    async def update_user(self, actor: Principal, user_ref: str, update: UserUpdate) -> UserView:
        changed: dict[str, Any] = changes(update)
        for name in ("roles", "disabled"):
            if name in changed and changed[name] is None:
                raise InvalidInput(f"a user's {name} cannot be null", "invalid_value")
        if "roles" in changed:
            check_grantable(actor, set(changed["roles"]))
            changed["roles"] = sorted({r.value for r in changed["roles"]})
        async with self.sessions.begin() as s:
            user = await self._user(s, user_ref)
            require_lab_admin(actor, user.lab_id, f"change users of lab {user.lab_id!r}")
            check_may_edit_account(actor, set(user.roles or ()))
            if changed.get("disabled") and user.id == actor.user_id:
                raise Forbidden(
                    "you cannot disable your own account; ask another administrator",
                    "self_disable",
                )
            before = {name: getattr(user, name) for name in changed}
            for name, value in changed.items():
                setattr(user, name, value)
            key_ids = await self._user_key_ids(s, user.id)
        view = UserView.of(user)
        await self._record(
            actor, "user.update", f"user:{user.id}", {"changed": changed, "before": before}
        )
        if _AUTH_FIELDS & changed.keys():
            await self.hooks.keys_changed(key_ids)
        await self.hooks.user_changed(user.id)
        return view

    async def get_user(self, actor: Principal, user_ref: str) -> UserView:
        async with self.sessions() as s:
            user = await self._user(s, user_ref)
            visible = await self._sees_user(s, actor, user)
        require_reader(actor, visible, f"user {user_ref!r}")
        return UserView.of(user)

    async def list_users(self, actor: Principal, lab_id: str | None = None) -> list[UserView]:
        """Everyone (platform admins, auditors); the lab (lab admins); the members of the
        projects they lead (leads); themselves (everyone)."""
        stmt = select(User).order_by(User.lab_id, User.username)
        if lab_id is not None:
            stmt = stmt.where(User.lab_id == lab_id)
        async with self.sessions() as s:
            if not sees_everything(actor):
                stmt = stmt.where(await self._visible_users(s, actor))
            return [UserView.of(u) for u in (await s.execute(stmt)).scalars()]

    async def _visible_users(self, s: AsyncSession, actor: Principal) -> ColumnElement[bool]:
        conditions: list[ColumnElement[bool]] = [User.id == actor.user_id]
        if actor.has_role(Role.LAB_ADMIN) and actor.lab:
            conditions.append(User.lab_id == actor.lab)
        led = await self._led_projects(s, actor.user_id)
        if led:
            members = select(ProjectMember.user_id).where(ProjectMember.project_id.in_(led))
            conditions.append(User.id.in_(members))
        return or_(*conditions)

    async def _sees_user(self, s: AsyncSession, actor: Principal, user: User) -> bool:
        if sees_everything(actor) or user.id == actor.user_id:
            return True
        if administers_lab(actor, user.lab_id):
            return True
        led = await self._led_projects(s, actor.user_id)
        if not led:
            return False
        row = await s.execute(
            select(ProjectMember.user_id).where(
                ProjectMember.user_id == user.id, ProjectMember.project_id.in_(led)
            )
        )
        return row.first() is not None
