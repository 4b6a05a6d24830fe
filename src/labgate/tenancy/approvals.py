"""Separation of duties: what one person asks for and a second one approves.

Three actions never take effect on one person's word (``docs/security.md``, "Separation of
duties"):

- ``key.create``: a key minted for *someone else*. Only a platform administrator may ask; the
  key's secret is returned to them at once, but the key does not exist (it authenticates
  nothing) until a different platform administrator approves. Only the key's hash is kept
  while it waits.
- ``grant``: a clearance, or the ``auditor`` or ``platform_admin`` role. Asked by one platform
  administrator, approved by a different one; never for oneself.
- ``member.add``: a user of another lab joining a project. Asked by an administrator of the
  project's lab, approved by an administrator of the user's lab (a different person).

Nobody approves their own request, nor a request that would raise themselves. A request filed
by the ``labgate admin`` CLI (the operator at the server, ``cli:<login>``) is approved by a
platform administrator through the API, never by another CLI login (a login name is whatever
the shell says it is). Requests wait the service's ``approval_ttl`` (7 days) and then
lapse. Filing, approving and rejecting are each an audit record (``pending.request``,
``pending.approve``, ``pending.reject``), and the change itself is recorded as it was always
(``key.create``, ``user.grant``, ``member.add``) with who asked and who approved.

:func:`sponsors_of` reads ``user_grants`` (who created an account, who raised it, who asked
for a key of theirs): the two-person rule of transcripts (:mod:`labgate.audit.access`) refuses
two auditors with a sponsor in common.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from labgate.identity.principal import Principal, Role
from labgate.identity.resolve import covered_roles
from labgate.store.tenancy import ApiKey, ProjectMember, User
from labgate.tenancy.access import administers_lab, is_platform_admin
from labgate.tenancy.core import ServiceCore
from labgate.tenancy.errors import Conflict, Forbidden, InvalidInput, NotFound
from labgate.tenancy.models import PendingAction, UserGrant
from labgate.tenancy.views import _View, aware

if TYPE_CHECKING:
    from labgate.access.policy import AccessPolicy

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
MODEL_SIGNOFF = "model.approve"  # a model version's first sign-off (labgate.approval)


def model_version_visible(
    labels: AccessPolicy | None, reader: Principal, name: str | None, label: str | None
) -> bool:
    """No read-up in the model registry: a version of a model accredited above the reader's
    clearance, or labelled above it, is, for them, a version that does not exist."""
    if labels is None or not labels.enabled:
        return True
    if name is not None and not labels.may_read(reader, labels.accreditation(name)):
        return False
    return label is None or labels.may_read(reader, label)


SEPARATION_WINDOW = timedelta(days=30)
"""How far back creating or raising an account ties it to its maker: such an account is no
second person for its maker's requests, nor (``labgate.audit.access``) for a transcript."""

NEXT_STEP = (
    "a second platform administrator must approve it: 'labgate admin approvals approve {id}' "
    "or POST /v1/admin/approvals/{id}/approve. With one platform administrator, make a second "
    "one first: the operator at the server asks ('labgate admin users create NAME --lab LAB "
    "--role user --role platform_admin') and the administrator approves that request over the "
    "API"
)


def next_step(action_id: str, kind: str) -> str:
    if kind == "member.add":
        return (
            f"an administrator of the user's lab must approve it: 'labgate admin approvals "
            f"approve {action_id}' or POST /v1/admin/approvals/{action_id}/approve"
        )
    return NEXT_STEP.format(id=action_id)


@dataclass(frozen=True, slots=True)
class PendingView(_View):
    """A request waiting for (or decided by) its second person; never a key's hash."""

    id: str
    kind: str
    status: str
    requested_by: str
    target_user_id: str
    project_id: str | None
    details: dict[str, Any]
    created_at: datetime | None
    expires_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    next_step: str

    @classmethod
    def of(cls, row: PendingAction) -> PendingView:
        details = {k: v for k, v in (row.details or {}).items() if k != "key_hash"}
        step = next_step(row.id, row.kind) if row.status == PENDING else ""
        return cls(
            row.id,
            row.kind,
            row.status,
            row.requested_by,
            row.target_user_id,
            row.project_id,
            details,
            aware(row.created_at),
            aware(row.expires_at),
            row.decided_by,
            aware(row.decided_at),
            step,
        )


def _is_operator(user_id: str) -> bool:
    return user_id.startswith("cli:")


class ApprovalOps(ServiceCore):
    # ------------------------------------------------------------------ filing

    async def _file(
        self,
        s: AsyncSession,
        actor: Principal,
        kind: str,
        target: User,
        details: dict[str, Any],
        *,
        project_id: str | None = None,
        approver_lab: str | None = None,
    ) -> PendingAction:
        now = self.now()
        row = PendingAction(
            id="pa_" + uuid.uuid4().hex,
            kind=kind,
            status=PENDING,
            requested_by=actor.user_id,
            requester_lab=actor.lab,
            target_user_id=target.id,
            project_id=project_id,
            approver_lab=approver_lab,
            details=details,
            created_at=now,
            expires_at=now + self.approval_ttl,
        )
        s.add(row)
        return row

    async def _filed(self, actor: Principal, row: PendingAction) -> PendingView:
        """Record a committed request in the audit log; its view."""
        view = PendingView.of(row)
        await self._record(
            actor,
            "pending.request",
            f"pending:{row.id}",
            {
                "kind": row.kind,
                "target_user_id": row.target_user_id,
                "project_id": row.project_id,
                "details": view.details,
            },
        )
        return view

    # ------------------------------------------------------------------ reading

    async def list_pending(
        self, actor: Principal, status: str | None = PENDING
    ) -> list[PendingView]:
        """Platform admins and auditors: every request. Lab admins: those about their lab's
        users. Everyone: the requests they filed and those about themselves."""
        stmt = select(PendingAction).order_by(PendingAction.created_at.desc()).limit(500)
        if status is not None:
            stmt = stmt.where(PendingAction.status == status)
        async with self.sessions() as s:
            rows = list((await s.execute(stmt)).scalars())
        return [PendingView.of(r) for r in rows if self._sees_action(actor, r)]

    def _sees_action(self, actor: Principal, row: PendingAction) -> bool:
        """Who may see (and so decide or withdraw) a request: platform admins and auditors
        every one; approvers the model sign-offs; everyone the requests they filed or that are
        about them; lab admins those their lab approves. A model sign-off names a model
        version: nobody sees one the registry would not show them (no read-up)."""
        if row.kind == MODEL_SIGNOFF:
            d = row.details or {}
            if not model_version_visible(self.labels, actor, d.get("name"), d.get("label")):
                return False
            if actor.has_role(Role.APPROVER):
                return True
        return (
            actor.has_role(Role.PLATFORM_ADMIN, Role.AUDITOR)
            or row.requested_by == actor.user_id
            or row.target_user_id == actor.user_id
            or (row.approver_lab is not None and administers_lab(actor, row.approver_lab))
        )

    async def get_pending(self, actor: Principal, action_id: str) -> PendingView:
        for view in await self.list_pending(actor, None):
            if view.id == action_id:
                return view
        raise NotFound(f"no pending action {action_id!r} that you may see", "pending_not_found")

    # ------------------------------------------------------------------ deciding

    async def approve(self, actor: Principal, action_id: str) -> PendingView:
        """Approve someone else's request: the action takes effect now, in this transaction."""
        async with self.sessions.begin() as s:
            row = await self._pending_row(s, action_id, actor)
            self._check_approver(actor, row)
            await self._check_not_made_by_requester(s, actor, row)
            if self.now() >= (aware(row.expires_at) or self.now()):
                raise Conflict(
                    f"request {action_id} waited more than {self.approval_ttl.days} days and "
                    "lapsed; file it again",
                    "pending_expired",
                )
            effect = await self._apply(s, actor, row)
            row.status = APPROVED
            row.decided_by = actor.user_id
            row.decided_at = self.now()
        view = PendingView.of(row)
        await self._record(
            actor,
            "pending.approve",
            f"pending:{row.id}",
            {
                "kind": row.kind,
                "requested_by": row.requested_by,
                "target_user_id": row.target_user_id,
            },
        )
        action, target, details, key_ids = effect
        details = {**details, "requested_by": row.requested_by, "approved_by": actor.user_id}
        await self._record(actor, action, target, details)
        await self.hooks.keys_changed(key_ids)
        await self.hooks.user_changed(row.target_user_id)
        return view

    async def reject(self, actor: Principal, action_id: str) -> PendingView:
        """Refuse a request (those who could approve it), or withdraw it (its requester)."""
        async with self.sessions.begin() as s:
            row = await self._pending_row(s, action_id, actor)
            if row.requested_by != actor.user_id:
                self._check_approver(actor, row)
            row.status = REJECTED
            row.decided_by = actor.user_id
            row.decided_at = self.now()
        view = PendingView.of(row)
        await self._record(
            actor,
            "pending.reject",
            f"pending:{row.id}",
            {
                "kind": row.kind,
                "requested_by": row.requested_by,
                "target_user_id": row.target_user_id,
            },
        )
        return view

    async def _pending_row(
        self, s: AsyncSession, action_id: str, actor: Principal
    ) -> PendingAction:
        row = await s.get(PendingAction, action_id, with_for_update=True)
        if row is None or not self._sees_action(actor, row):  # as GET answers: not its kind
            raise NotFound(
                f"no pending action {action_id!r} that you may see; 'labgate admin approvals "
                "list' shows them",
                "pending_not_found",
            )
        if row.status != PENDING:
            raise Conflict(
                f"request {action_id} was already {row.status} by {row.decided_by}",
                "pending_decided",
            )
        return row

    async def _check_not_made_by_requester(
        self, s: AsyncSession, actor: Principal, row: PendingAction
    ) -> None:
        """An approver whom the requester created, raised or holds a key of within the
        separation window is the requester's second hand, not a second person."""
        since = self.now() - SEPARATION_WINDOW
        conn = await s.connection()
        if row.requested_by in await sponsors_of(conn, actor.user_id, since):
            raise Forbidden(
                f"{row.requested_by} created or raised your account (or holds a key of yours) "
                f"in the last {SEPARATION_WINDOW.days} days: you cannot be the second person "
                f"for their request {row.id}; another administrator must approve it",
                "approver_made_by_requester",
            )

    def _check_approver(self, actor: Principal, row: PendingAction) -> None:
        if row.requested_by == actor.user_id:
            raise Forbidden(
                f"you filed request {row.id}; a different person must approve it "
                f"({next_step(row.id, row.kind)})",
                "same_person",
            )
        if row.target_user_id == actor.user_id:
            raise Forbidden(
                f"request {row.id} is about you; nobody approves their own key, role, "
                "clearance or membership",
                "self_approval",
            )
        if _is_operator(row.requested_by) and _is_operator(actor.user_id):
            raise Forbidden(
                f"request {row.id} was filed at the server by {row.requested_by}; a platform "
                "administrator approves it through the API (POST "
                f"/v1/admin/approvals/{row.id}/approve), not another CLI login",
                "operator_pair",
            )
        if row.kind == "model.approve":  # labgate.approval.service: two approvers sign
            if not actor.has_role(Role.APPROVER):
                raise Forbidden(
                    f"only an approver signs off a model version ({row.id}): 'labgate models "
                    "approve' or POST /v1/admin/models/{id}/approve, with a reason",
                    "approver_only",
                )
            return
        if row.kind == "member.add":
            lab = row.approver_lab or ""
            if not administers_lab(actor, lab):
                raise Forbidden(
                    f"only an administrator of lab {lab!r} (or a platform administrator) may "
                    f"approve request {row.id}: the user belongs to that lab",
                    "not_lab_admin",
                )
            return
        if not is_platform_admin(actor):
            raise Forbidden(
                f"only a platform administrator may approve request {row.id} ({row.kind})",
                "platform_admin_only",
            )

    async def _apply(
        self, s: AsyncSession, actor: Principal, row: PendingAction
    ) -> tuple[str, str, dict[str, Any], list[str]]:
        """Carry out an approved request; (audit action, target, details, keys to drop)."""
        if row.kind == "model.approve":
            raise InvalidInput(
                f"request {row.id} is a model sign-off: the second approver signs it with a "
                "reason through POST /v1/admin/models/{id}/approve ('labgate models approve')",
                "model_signoff",
            )
        user = await s.get(User, row.target_user_id)
        if user is None:
            raise NotFound(f"the user of request {row.id} no longer exists", "user_not_found")
        d = dict(row.details or {})
        if row.kind == "key.create":
            if user.disabled:
                raise InvalidInput(f"user {user.username!r} is disabled", "user_disabled")
            if await s.get(ProjectMember, (row.project_id, user.id)) is None:
                raise InvalidInput(
                    f"user {user.username!r} left project {row.project_id!r} meanwhile",
                    "not_a_member",
                )
            expires = datetime.fromisoformat(d["expires_at"]) if d.get("expires_at") else None
            s.add(
                ApiKey(
                    id=d["key_id"],
                    key_hash=d["key_hash"],
                    prefix=d["prefix"],
                    name=d.get("name", ""),
                    user_id=user.id,
                    project_id=row.project_id,
                    created_at=self.now(),
                    expires_at=expires,
                    cap=d.get("cap"),
                )
            )
            self._grant_row(s, user.id, "key", d["key_id"], row.requested_by, actor.user_id)
            details = {
                "user_id": user.id,
                "project_id": row.project_id,
                "name": d.get("name", ""),
                "prefix": d["prefix"],
                "expires_at": d.get("expires_at"),
            }
            return "key.create", f"key:{d['key_id']}", details, []
        if row.kind == "grant":
            before = {"roles": list(user.roles or ()), "clearance": user.clearance}
            added = [r for r in d.get("add_roles", []) if r not in (user.roles or ())]
            if added:
                user.roles = sorted(set(user.roles or ()) | set(added))
            for role in added:
                self._grant_row(s, user.id, "role", role, row.requested_by, actor.user_id)
            if "clearance" in d:
                user.clearance = d["clearance"]
                self._grant_row(
                    s, user.id, "clearance", d["clearance"], row.requested_by, actor.user_id
                )
            key_ids = await self._user_key_ids(s, user.id)
            revoked = await self._revoke_outgrown(s, user)
            after = {"roles": list(user.roles or ()), "clearance": user.clearance}
            details = {"before": before, "after": after, "revoked_keys": revoked}
            return "user.grant", f"user:{user.id}", details, key_ids
        if row.kind == "member.add":
            member = await s.get(ProjectMember, (row.project_id, user.id))
            role = d.get("role", "member")
            if member is None:
                s.add(ProjectMember(project_id=row.project_id, user_id=user.id, role=role))
            else:
                member.role = role
            changed = await self._sync_lead_role(s, user)
            key_ids = await self._user_key_ids(s, user.id) if changed else []
            details = {"user_id": user.id, "role": role, "previous_role": None}
            return "member.add", f"project:{row.project_id}", details, key_ids
        raise InvalidInput(f"request {row.id} is of an unknown kind {row.kind!r}", "bad_kind")

    async def _revoke_outgrown(self, s: AsyncSession, user: User) -> list[str]:
        """Revoke the keys of ``user`` that someone else minted and that would now carry more
        than that person held (a key never carries more than the person who asked for it)."""
        rows = await s.execute(
            select(ApiKey).where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None))
        )
        revoked = []
        for key in rows.scalars():
            if not key.cap:  # the holder's own key (JSON null or SQL NULL)
                continue
            cap = key.cap
            allowed = covered_roles(cap.get("roles") or ())
            if not set(user.roles or ()) <= allowed or not self._clearance_covers(
                cap.get("clearance"), user.clearance
            ):
                key.revoked_at = self.now()
                revoked.append(key.id)
        return sorted(revoked)

    def _grant_row(
        self,
        s: AsyncSession,
        user_id: str,
        kind: str,
        value: str | None,
        granted_by: str,
        approved_by: str | None,
    ) -> None:
        s.add(
            UserGrant(
                user_id=user_id,
                kind=kind,
                value=value,
                granted_by=granted_by,
                approved_by=approved_by,
                at=self.now(),
            )
        )


async def sponsors_of(conn: AsyncConnection, user_id: str, since: datetime) -> frozenset[str]:
    """The people who could have made this one: the person themselves, whoever created their
    account or asked for a role or a clearance of theirs at or after ``since``, and whoever
    asked for a key of theirs that still works (they hold its secret, whenever it was made)."""
    rows = await conn.execute(
        select(UserGrant.granted_by).where(
            UserGrant.user_id == user_id, UserGrant.at >= since, UserGrant.kind != "key"
        )
    )
    found = {user_id, *rows.scalars()}
    minted = await conn.execute(
        select(UserGrant.granted_by, ApiKey.expires_at)
        .join(ApiKey, ApiKey.id == UserGrant.value)
        .where(UserGrant.user_id == user_id, UserGrant.kind == "key", ApiKey.revoked_at.is_(None))
    )
    now = datetime.now(UTC)
    for who, expires in minted.all():
        until = aware(expires)
        if until is None or until > now:
            found.add(who)
    return frozenset(found)
