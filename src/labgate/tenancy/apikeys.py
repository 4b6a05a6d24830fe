"""API keys: each belongs to one user and one project the user is a member of.

A key belongs to its holder: everyone mints their own keys, in projects they belong to. A key
for someone else is a platform administrator's request that a second platform administrator
approves (``docs/security.md``, "Credentials"). A project's leads and its lab's admins may
list and revoke every key of the project. Listings show a key's prefix, name and dates, never
its hash. Revoking drops the key from this replica's cache at once and tells the others
through ``on_key_revoked``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from labgate.identity.keys import generate_key, hash_key, new_id
from labgate.identity.principal import Principal, Role
from labgate.identity.resolve import BASELINE_ROLES, covered_roles
from labgate.store.tenancy import ApiKey, Project, User
from labgate.tenancy.access import (
    administers_lab,
    is_platform_admin,
    require_project_manager,
    sees_everything,
)
from labgate.tenancy.approvals import ApprovalOps
from labgate.tenancy.errors import Conflict, Forbidden, InvalidInput
from labgate.tenancy.inputs import KeyCreate
from labgate.tenancy.models import UserGrant
from labgate.tenancy.views import CreatedKey, KeyView, aware

_BASELINE_ROLES = BASELINE_ROLES


class KeyOps(ApprovalOps):
    async def create_key(self, actor: Principal, spec: KeyCreate) -> CreatedKey:
        """A new key for ``spec.user_id`` (default: the caller) charged to ``spec.project_id``
        (default: the caller's project). The secret is in the answer only.

        A key belongs to its holder: everyone mints their own. A key for someone else is a
        platform administrator's request that a second platform administrator approves
        (:mod:`labgate.tenancy.approvals`); until then the key authenticates nothing. Keys
        carry their user's live roles and clearance, so whoever asks for another person's key
        must hold every role and dominate the clearance that key would carry.
        """
        project_id = spec.project_id or actor.project
        if not project_id:
            raise InvalidInput(
                "name the project the key's requests are charged to (project_id)",
                "project_required",
            )
        expires_at = _utc(spec.expires_at)
        if expires_at is not None and expires_at <= self.now():
            raise InvalidInput("expires_at is in the past; give a future time", "invalid_expiry")
        key, prefix = generate_key()
        pending = None
        async with self.sessions.begin() as s:
            project = await self._project(s, project_id)
            user = await self._user(s, spec.user_id or actor.user_id, project.lab_id)
            if user.id != actor.user_id:
                self._check_key_for_other(actor, user)
            if await self._membership(s, project.id, user.id) is None:
                raise InvalidInput(
                    f"user {user.username!r} is not a member of project {project.id!r}; add "
                    "them first ('labgate admin members add')",
                    "not_a_member",
                )
            if user.disabled:
                raise InvalidInput(f"user {user.username!r} is disabled", "user_disabled")
            if user.id != actor.user_id:
                key_id = new_id()
                pending = await self._file(
                    s,
                    actor,
                    "key.create",
                    user,
                    {
                        "key_id": key_id,
                        "key_hash": hash_key(key),
                        "prefix": prefix,
                        "name": spec.name,
                        "expires_at": expires_at.isoformat() if expires_at else None,
                        "cap": {
                            "roles": sorted(r.value for r in actor.roles),
                            "clearance": actor.clearance,
                        },
                    },
                    project_id=project.id,
                )
                view = KeyView(
                    key_id, prefix, spec.name, user.id, project.id, None, expires_at, None,
                    None, "pending_approval",
                )  # fmt: skip
            else:
                # a key made with a key minted by someone else is theirs to the same degree:
                # it keeps that key's cap; one made with a lab token (or a web session's)
                # carries no more than that token gave (its IdP may give less than the account
                # holds in labgate: the key must not outlive that)
                made_with = await s.get(ApiKey, actor.key_id) if actor.key_id else None
                cap = made_with.cap if made_with is not None else None
                if actor.auth_method == "oidc":
                    cap = {
                        "roles": sorted(r.value for r in actor.roles),
                        "clearance": actor.clearance,
                    }
                row = ApiKey(
                    cap=cap,
                    id=new_id(),
                    key_hash=hash_key(key),
                    prefix=prefix,
                    name=spec.name,
                    user_id=user.id,
                    project_id=project.id,
                    created_at=self.now(),
                    expires_at=expires_at,
                )
                s.add(row)
                if made_with is not None and made_with.cap:
                    # whoever asked for that key could have made this one: it ties them too
                    minters = await s.execute(
                        select(UserGrant.granted_by, UserGrant.approved_by).where(
                            UserGrant.user_id == user.id,
                            UserGrant.kind == "key",
                            UserGrant.value == made_with.id,
                        )
                    )
                    for minter, approver in minters.all():
                        self._grant_row(s, user.id, "key", row.id, minter, approver)
        if pending is not None:
            return CreatedKey(key, view, await self._filed(actor, pending))
        view = KeyView.of(row, self.now())
        await self._record(
            actor,
            "key.create",
            f"key:{row.id}",
            {
                "user_id": row.user_id,
                "project_id": row.project_id,
                "name": row.name,
                "prefix": row.prefix,
                "expires_at": view.as_dict()["expires_at"],
            },
        )
        return CreatedKey(key, view)

    def _check_key_for_other(self, actor: Principal, user: User) -> None:
        """Who may ask for a key that someone else will hold, and what it may carry."""
        if not is_platform_admin(actor):
            raise Forbidden(
                f"a key belongs to its holder: {user.username!r} creates their own keys (POST "
                "/v1/admin/keys with their own credential). A key for someone else is asked "
                "for by a platform administrator and approved by a second one",
                "key_for_other",
            )
        held = covered_roles(r.value for r in actor.roles)
        beyond = sorted(set(user.roles or ()) - held - _BASELINE_ROLES)
        if beyond:
            raise Forbidden(
                f"a key of {user.username!r} would carry the role(s) {', '.join(beyond)}, which "
                "you do not hold; a key never carries more than the person who asked for it",
                "key_exceeds_creator",
            )
        if not self._clearance_covers(actor.clearance, user.clearance):
            raise Forbidden(
                f"a key of {user.username!r} would carry the clearance {user.clearance!r}, "
                "which yours does not dominate; a key never carries more than the person who "
                "asked for it",
                "key_exceeds_creator",
            )

    async def revoke_key(self, actor: Principal, key_id: str) -> KeyView:
        async with self.sessions.begin() as s:
            row = await self._key(s, key_id)
            if row.user_id != actor.user_id:
                await self._require_key_manager(s, actor, row)
            if row.revoked_at is not None:
                raise Conflict(
                    f"key {key_id!r} was already revoked at {aware(row.revoked_at)}",
                    "already_revoked",
                )
            row.revoked_at = self.now()
        view = KeyView.of(row, self.now())
        await self._record(
            actor,
            "key.revoke",
            f"key:{key_id}",
            {"user_id": row.user_id, "project_id": row.project_id, "prefix": row.prefix},
        )
        await self.hooks.keys_changed([key_id])
        return view

    async def _require_key_manager(self, s: AsyncSession, actor: Principal, row: ApiKey) -> None:
        """Someone else's key: its project's leads and lab admins, or its user's lab admins."""
        owner = await s.get(User, row.user_id)
        if owner is not None and administers_lab(actor, owner.lab_id):
            return
        project = await s.get(Project, row.project_id) if row.project_id else None
        if project is None:
            raise Forbidden(
                "only the key's owner, their lab's administrators or a platform administrator "
                "may revoke it",
                "not_key_manager",
            )
        leads = await self._leads(s, actor, project)
        require_project_manager(
            actor, project.lab_id, project.id, leads, "revoke other users' keys of the project"
        )

    async def list_keys(
        self,
        actor: Principal,
        *,
        user_ref: str | None = None,
        project_id: str | None = None,
        active_only: bool = False,
    ) -> list[KeyView]:
        """Keys the caller may see, newest first, optionally of one user and/or project."""
        stmt = select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id)
        now = self.now()
        async with self.sessions() as s:
            if user_ref is not None:
                user = await self._user(s, user_ref)
                stmt = stmt.where(ApiKey.user_id == user.id)
            if project_id is not None:
                stmt = stmt.where(ApiKey.project_id == project_id)
            if active_only:
                stmt = stmt.where(
                    ApiKey.revoked_at.is_(None),
                    or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
                )
            if not sees_everything(actor):
                stmt = stmt.where(await self._visible_keys(s, actor))
            rows = (await s.execute(stmt)).scalars().all()
        return [KeyView.of(row, now) for row in rows]

    async def _visible_keys(self, s: AsyncSession, actor: Principal) -> ColumnElement[bool]:
        conditions: list[ColumnElement[bool]] = [ApiKey.user_id == actor.user_id]
        if actor.has_role(Role.LAB_ADMIN) and actor.lab:
            lab_users = select(User.id).where(User.lab_id == actor.lab)
            lab_projects = select(Project.id).where(Project.lab_id == actor.lab)
            conditions += [ApiKey.user_id.in_(lab_users), ApiKey.project_id.in_(lab_projects)]
        led = await self._led_projects(s, actor.user_id)
        if led:
            conditions.append(ApiKey.project_id.in_(led))
        return or_(*conditions)


def _utc(moment: datetime | None) -> datetime | None:
    """An expiry without a zone is taken as UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
