"""Users: created and changed by their lab's administrators (or platform administrators).

Nobody raises themselves. A clearance and the auditor and platform-admin roles are granted by
two platform administrators (:mod:`labgate.tenancy.approvals`) or come from the lab's identity
provider; a clearance must be a label of the configured scheme. Who created each account and
who raised it is kept in ``user_grants``.

A change to a user's roles, clearance or disabled flag changes what every one of their keys
may do, so each of their keys is dropped from the authenticators' caches (here at once, on
the other replicas through ``on_key_revoked``) and OIDC caches forget the user.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from labgate.identity.keys import new_id
from labgate.identity.principal import Principal, Role
from labgate.store.tenancy import ApiKey, ProjectMember, User
from labgate.tenancy.access import (
    administers_lab,
    check_grantable,
    check_may_edit_account,
    require_lab_admin,
    require_platform_admin,
    require_reader,
    sees_everything,
)
from labgate.tenancy.approvals import ApprovalOps
from labgate.tenancy.errors import Conflict, Forbidden, InvalidInput
from labgate.tenancy.inputs import UserCreate, UserUpdate, changes
from labgate.tenancy.views import UserView

_AUTH_FIELDS = frozenset({"roles", "clearance", "disabled"})
"""Fields whose change alters what the user's keys may do."""

_ELEVATED_ROLES = frozenset({Role.AUDITOR.value, Role.APPROVER.value, Role.PLATFORM_ADMIN.value})
"""Roles granted only by two platform administrators (or by the lab's identity provider)."""

_GRANT_DOING = (
    "ask for a clearance or the auditor or platform_admin role (a second platform "
    "administrator then approves)"
)


def _grant(roles: list[str], clearance: str | None) -> dict[str, Any]:
    details: dict[str, Any] = {"add_roles": roles}
    if clearance is not None:
        details["clearance"] = clearance
    return details


class UserOps(ApprovalOps):
    async def create_user(self, actor: Principal, spec: UserCreate) -> UserView:
        """A new account. A clearance or the auditor or platform-admin role is not set here:
        it becomes a grant request that a second platform administrator approves."""
        require_lab_admin(actor, spec.lab_id, f"create users in lab {spec.lab_id!r}")
        roles = {r.value for r in spec.roles}
        check_grantable(actor, set(spec.roles))
        elevated = sorted(roles & _ELEVATED_ROLES)
        clearance = None if spec.clearance is None else self._clearance(spec.clearance)
        if elevated or clearance is not None:
            require_platform_admin(actor, _GRANT_DOING)
        clash = f"lab {spec.lab_id!r} already has a user named {spec.username!r}"
        pending = None
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
                roles=sorted((roles - _ELEVATED_ROLES) or {Role.USER.value}),
                clearance=None,
                disabled=spec.disabled,
                created_at=self.now(),
            )
            s.add(user)
            self._grant_row(s, user.id, "created", None, actor.user_id, None)
            if elevated or clearance is not None:
                await s.flush()
                pending = await self._file(s, actor, "grant", user, _grant(elevated, clearance))
        view = UserView.of(user)
        await self._record(actor, "user.create", f"user:{user.id}", view.as_dict())
        if pending is not None:
            return replace(view, pending_grant=await self._filed(actor, pending))
        return view

    async def update_user(self, actor: Principal, user_ref: str, update: UserUpdate) -> UserView:
        """Change an account. Nobody raises themselves; a clearance and the auditor or
        platform-admin role become a grant request for a second platform administrator;
        taking them away, and every other change, takes effect at once."""
        changed: dict[str, Any] = changes(update)
        for name in ("roles", "disabled"):
            if name in changed and changed[name] is None:
                raise InvalidInput(f"a user's {name} cannot be null", "invalid_value")
        if "roles" in changed:
            check_grantable(actor, set(changed["roles"]))
            changed["roles"] = sorted({r.value for r in changed["roles"]})
        if changed.get("clearance") is not None:
            changed["clearance"] = self._clearance(changed["clearance"])
        pending = None
        async with self.sessions.begin() as s:
            user = await self._user(s, user_ref)
            require_lab_admin(actor, user.lab_id, f"change users of lab {user.lab_id!r}")
            check_may_edit_account(actor, set(user.roles or ()))
            if changed.get("disabled") and user.id == actor.user_id:
                raise Forbidden(
                    "you cannot disable your own account; ask another administrator",
                    "self_disable",
                )
            held = set(user.roles or ())
            added = set(changed.get("roles", held)) - held
            raised_clearance = (
                "clearance" in changed
                and changed["clearance"] is not None
                and changed["clearance"] != user.clearance
                and not self._lowers(user.clearance, changed["clearance"])
            )
            if user.id == actor.user_id and (added or raised_clearance):
                raise Forbidden(
                    "nobody grants themselves a role or a clearance; another administrator "
                    "does (a clearance, auditor or platform_admin: a platform administrator "
                    "asks and a second one approves)",
                    "self_grant",
                )
            elevated = sorted(added & _ELEVATED_ROLES)
            if elevated or raised_clearance:
                require_platform_admin(actor, _GRANT_DOING)
                clearance = changed.pop("clearance") if raised_clearance else None
                if elevated:
                    changed["roles"] = sorted(set(changed["roles"]) - set(elevated))
                pending = await self._file(s, actor, "grant", user, _grant(elevated, clearance))
            before = {name: getattr(user, name) for name in changed}
            for name, value in changed.items():
                setattr(user, name, value)
            if "roles" in changed:
                outgrown = await self._revoke_outgrown(s, user)
                if outgrown:
                    changed["revoked_keys"] = outgrown
            if changed.get("disabled") and not before.get("disabled"):
                # their web sessions end with the change, not when next seen: enabled again
                # before a stolen browser's next request, that session would have come back
                from sqlalchemy import delete

                from labgate.web.sessions import WebSessionRow

                await s.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user.id))
                # and so do their keys: enabling the account again restores none (a key
                # minted with a stolen credential before the disable must not come back)
                changed["revoked_keys"] = await self._revoke_all_keys(s, user.id)
            key_ids = await self._user_key_ids(s, user.id)
        view = UserView.of(user, revoked_keys=changed.get("revoked_keys", ()))
        if changed:
            await self._record(
                actor, "user.update", f"user:{user.id}", {"changed": changed, "before": before}
            )
        if _AUTH_FIELDS & changed.keys():
            await self.hooks.keys_changed(key_ids)
        await self.hooks.user_changed(user.id)
        if pending is not None:
            return replace(view, pending_grant=await self._filed(actor, pending))
        return view

    async def _revoke_all_keys(self, s: AsyncSession, user_id: str) -> list[str]:
        """Revoke every working key of ``user_id``; their ids, sorted."""
        rows = await s.execute(
            select(ApiKey).where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
        )
        revoked = []
        for key in rows.scalars():
            key.revoked_at = self.now()
            revoked.append(key.id)
        return sorted(revoked)

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
