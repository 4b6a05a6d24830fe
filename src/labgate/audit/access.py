"""The two-person rule: nobody reads a transcript alone.

1. An auditor files an access request: a reason and a scope (one project, optionally narrowed
   to record indices and/or a time range) and how long access should last once approved.
2. A *different* auditor approves it: a different person, not created or raised (a role, a
   clearance) by the same person as the requester within ``separation_window`` (30 days),
   nor made by the requester (``sponsors``; see ``docs/security.md``, "Separation of duties").
3. Only then, and only until the approval expires, can the auditor who filed it decrypt the
   transcripts inside the scope.

Filing, approving and every read are appended to the audit log, and each is committed before
it takes effect. Anyone without the auditor role (platform administrators included) is refused
at every step. An optional ``label_check`` lets the clearance rules refuse a read as well.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.audit.log import AuditLog
from labgate.audit.models import ACCESS_REQUESTS
from labgate.audit.records import AuditRecord, RecordKind, text_digest
from labgate.audit.transcripts import (
    OpenedTranscript,
    TranscriptError,
    TranscriptMeta,
    TranscriptVault,
)
from labgate.identity.principal import Principal, Role

_rows = ACCESS_REQUESTS
MAX_SCOPE_INDICES = 10_000
LabelCheck = Callable[[Principal, str | None], bool]
SponsorLookup = Callable[[str, datetime], Awaitable[frozenset[str]]]
"""``sponsors(user_id, since)``: the person and whoever created or raised them since then
(:func:`labgate.tenancy.approvals.sponsors_of`)."""
SEPARATION_WINDOW = timedelta(days=30)
"""How far back an account's creation or elevation ties its two auditors together."""


class AccessDenied(PermissionError):
    """The two-person rule (or the role or label rules) refuses this step."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class AccessRequestNotFound(LookupError):
    """No access request with that id."""


class AccessConflict(RuntimeError):
    """The request changed state meanwhile (for example, another auditor approved it first)."""


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"


@dataclass(frozen=True, slots=True)
class AccessScope:
    """Which transcripts a request covers: one project, narrowed by indices and/or time."""

    project: str
    indices: frozenset[int] | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        if not self.project:
            raise ValueError("an access request must name the project whose records it covers")
        if self.indices is not None:
            if not self.indices:
                raise ValueError("indices, when given, must list at least one record")
            if len(self.indices) > MAX_SCOPE_INDICES:
                raise ValueError(f"a request may list at most {MAX_SCOPE_INDICES} records")
            if min(self.indices) < 0:
                raise ValueError("record indices are not negative")
        for moment in (self.since, self.until):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("since and until must carry a timezone (end them with Z)")
        if self.since and self.until and self.since >= self.until:
            raise ValueError("since must be earlier than until")

    def covers(self, meta: TranscriptMeta) -> bool:
        if meta.project != self.project:
            return False
        if self.indices is not None and meta.index not in self.indices:
            return False
        if self.since is not None and meta.created_at < self.since:
            return False
        return not (self.until is not None and meta.created_at >= self.until)

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "indices": sorted(self.indices) if self.indices is not None else None,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


@dataclass(frozen=True, slots=True)
class AccessRequest:
    id: str
    requester: str
    requester_lab: str | None
    reason: str
    scope: AccessScope
    duration: timedelta
    status: RequestStatus
    created_at: datetime
    request_record: int | None
    approver: str | None = None
    approved_at: datetime | None = None
    expires_at: datetime | None = None
    approval_record: int | None = None
    label: str | None = None  # its filer's clearance: who may see, approve and read under it

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "requester": self.requester,
            "requester_lab": self.requester_lab,
            "reason": self.reason,
            "scope": self.scope.to_json(),
            "duration_s": int(self.duration.total_seconds()),
            "status": self.status.value,
            "created_at": self.created_at.isoformat(),
            "request_record": self.request_record,
            "approver": self.approver,
            "approved_at": self.approved_at.isoformat() if self.approved_at else None,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "approval_record": self.approval_record,
        }


@dataclass(frozen=True, slots=True)
class TranscriptReading:
    """A decrypted transcript, and whether it still matches the digests its record holds."""

    transcript: OpenedTranscript
    read_record: int
    digests_match: bool
    mismatched: list[str] = field(default_factory=list)


def _require_auditor(principal: Principal, doing: str) -> None:
    if Role.AUDITOR not in principal.roles:
        raise AccessDenied(
            f"only auditors may {doing}; administrators without the auditor role cannot read "
            "transcripts",
            "auditor_role_required",
        )


class AccessControl:
    """Access requests, approvals and reads of transcripts under the two-person rule."""

    def __init__(
        self,
        engine: AsyncEngine,
        audit_log: AuditLog,
        vault: TranscriptVault,
        *,
        max_duration: timedelta = timedelta(hours=8),
        request_ttl: timedelta = timedelta(days=7),
        label_check: LabelCheck | None = None,
        sponsors: SponsorLookup | None = None,
        separation_window: timedelta = SEPARATION_WINDOW,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.engine = engine
        self.log = audit_log
        self.vault = vault
        self.max_duration = max_duration
        self.request_ttl = request_ttl
        self.label_check = label_check
        self.sponsors = sponsors
        self.separation_window = separation_window
        self._now = clock or (lambda: datetime.now(UTC))

    async def file_request(
        self,
        principal: Principal,
        *,
        reason: str,
        scope: AccessScope,
        duration: timedelta = timedelta(hours=1),
        label: str | None = None,
    ) -> AccessRequest:
        """File a request; it does nothing until a different auditor approves it. ``label``:
        the filer's clearance; only auditors whose clearance dominates it see the request (its
        reason and scope may tell of work at that label), approve it, or read its record."""
        _require_auditor(principal, "request access to transcripts")
        reason = reason.strip()
        if len(reason) < 10:
            raise ValueError("give a reason of at least 10 characters: approvers judge by it")
        if not timedelta(0) < duration <= self.max_duration:
            hours = self.max_duration.total_seconds() / 3600
            raise ValueError(f"access lasts more than 0 and at most {hours:g} hours")
        request_id = "tar_" + uuid.uuid4().hex
        now = self._now()
        record = await self._record(
            principal,
            RecordKind.TRANSCRIPT_ACCESS_REQUEST,
            scope.project,
            {
                "request_id": request_id,
                "reason": reason,
                "scope": scope.to_json(),
                "duration_s": int(duration.total_seconds()),
            },
            label=label,
        )
        values = {
            "id": request_id,
            "requester": principal.user_id,
            "requester_lab": principal.lab,
            "reason": reason,
            "project": scope.project,
            "indices": (
                None if scope.indices is None else orjson.dumps(sorted(scope.indices)).decode()
            ),
            "since": scope.since,
            "until": scope.until,
            "duration_s": int(duration.total_seconds()),
            "status": RequestStatus.PENDING.value,
            "created_at": now,
            "request_record": record,
            "label": label,
        }
        async with self.engine.begin() as conn:
            await conn.execute(insert(_rows).values(**values))
        return await self._load(request_id)

    async def approve(self, principal: Principal, request_id: str) -> AccessRequest:
        """Approve someone else's pending request; access starts now and lasts its duration."""
        _require_auditor(principal, "approve access to transcripts")
        request = await self._load_visible(principal, request_id)
        if request.requester == principal.user_id:
            raise AccessDenied(
                "you filed this request; a different auditor must approve it", "same_auditor"
            )
        if request.status is not RequestStatus.PENDING:
            raise AccessConflict(f"request {request_id} is already {request.status.value}")
        now = self._now()
        if now >= request.created_at + self.request_ttl:
            raise AccessDenied(
                f"request {request_id} waited too long for approval; file a new one",
                "request_expired",
            )
        await self._check_separation(request.requester, principal.user_id, now)
        expires = now + request.duration
        record = await self._record(
            principal,
            RecordKind.TRANSCRIPT_ACCESS_APPROVAL,
            request.scope.project,
            {
                "request_id": request_id,
                "requester": request.requester,
                "expires_at": expires.isoformat(),
            },
            label=request.label,
        )
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(_rows)
                .where(_rows.c.id == request_id, _rows.c.status == RequestStatus.PENDING.value)
                .values(
                    status=RequestStatus.APPROVED.value,
                    approver=principal.user_id,
                    approved_at=now,
                    expires_at=expires,
                    approval_record=record,
                )
            )
        if not result.rowcount:
            raise AccessConflict(f"request {request_id} was approved by someone else meanwhile")
        return await self._load(request_id)

    async def _check_separation(self, requester: str, approver: str, now: datetime) -> None:
        """The two auditors must be two people: not both created or raised (a role, a
        clearance) by the same person within :attr:`separation_window` before the approval,
        nor one made by the other. With the auditor role granted by two platform admins, one
        administrator alone can no longer stand up both halves of the rule."""
        if self.sponsors is None:
            return
        since = now - self.separation_window
        common = await self.sponsors(requester, since) & await self.sponsors(approver, since)
        if common:
            days = self.separation_window.days
            raise AccessDenied(
                f"the requester {requester} and the approver {approver} are not two people: "
                f"both were created or raised by {', '.join(sorted(common))} in the last "
                f"{days} days, or one holds a key of the other's; an auditor who owes their "
                "account to someone else must approve",
                "same_sponsor",
            )

    async def read(self, principal: Principal, request_id: str, index: int) -> TranscriptReading:
        """Decrypt the transcript of record ``index`` under an approved request of the caller."""
        _require_auditor(principal, "read transcripts")
        request = await self._load(request_id)
        if request.requester != principal.user_id:
            raise AccessDenied(
                f"only the auditor who filed request {request_id} may read under it",
                "not_requester",
            )
        if request.status is not RequestStatus.APPROVED or request.expires_at is None:
            raise AccessDenied(
                f"request {request_id} is not approved yet; a different auditor must approve it",
                "not_approved",
            )
        if self._now() >= request.expires_at:
            raise AccessDenied(
                f"the approval of request {request_id} expired at "
                f"{request.expires_at.isoformat()}; file a new request",
                "approval_expired",
            )
        if request.approver is not None:  # still two people now (a key minted since, …)
            await self._check_separation(request.requester, request.approver, self._now())
        meta = await self.vault.meta(index)
        if meta is None:
            raise TranscriptError(
                f"record {index} has no transcript: none was stored, or retention purged it"
            )
        if not request.scope.covers(meta):
            raise AccessDenied(
                f"record {index} is outside the scope of request {request_id}", "out_of_scope"
            )
        if self.label_check is not None and not self.label_check(principal, meta.label):
            raise AccessDenied(
                f"your clearance does not cover the label of record {index}", "label_denied"
            )
        read_record = await self._record(
            principal,
            RecordKind.TRANSCRIPT_READ,
            meta.project,
            {"request_id": request_id, "record_index": index},
        )
        opened = await self.vault.open(index)
        mismatched = await self._digest_mismatches(index, opened)
        return TranscriptReading(opened, read_record, not mismatched, mismatched)

    async def list_requests(
        self, principal: Principal, status: RequestStatus | None = None
    ) -> list[AccessRequest]:
        """All requests (newest first), for auditors deciding what to approve."""
        _require_auditor(principal, "list transcript access requests")
        query = select(_rows).order_by(_rows.c.created_at.desc()).limit(500)
        if status is not None:
            query = query.where(_rows.c.status == status.value)
        async with self.engine.connect() as conn:
            found = [_from_row(r) for r in await conn.execute(query)]
        return [r for r in found if self._may_see(principal, r)]

    async def get(self, principal: Principal, request_id: str) -> AccessRequest:
        _require_auditor(principal, "see transcript access requests")
        return await self._load_visible(principal, request_id)

    def _may_see(self, principal: Principal, request: AccessRequest) -> bool:
        """No read-up: a request is shown only to auditors whose clearance dominates its label."""
        return self.label_check is None or self.label_check(principal, request.label)

    async def _load_visible(self, principal: Principal, request_id: str) -> AccessRequest:
        request = await self._load(request_id)
        if not self._may_see(principal, request):  # as if it did not exist
            raise AccessRequestNotFound(f"there is no access request {request_id}")
        return request

    async def _load(self, request_id: str) -> AccessRequest:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(_rows).where(_rows.c.id == request_id))).one_or_none()
        if row is None:
            raise AccessRequestNotFound(f"there is no access request {request_id}")
        return _from_row(row)

    async def _record(
        self,
        principal: Principal,
        kind: RecordKind,
        project: str | None,
        details: dict[str, Any],
        *,
        label: str | None = None,
    ) -> int:
        return await self.log.append(
            AuditRecord(
                kind=kind,
                label=label,
                user=principal.user_id,
                lab=principal.lab,
                project=project,
                key_id=principal.key_id,
                auth_method=principal.auth_method,
                outcome="ok",
                details=details,
            )
        )

    async def _digest_mismatches(self, index: int, opened: OpenedTranscript) -> list[str]:
        record = orjson.loads((await self.log.get_record(index)).data)
        digests = record.get("digests") or {}
        texts = {
            "prompt": opened.prompt,
            "reasoning": opened.reasoning,
            "response": opened.response,
        }
        return [
            name
            for name, text in texts.items()
            if f"{name}_sha256" in digests and digests[f"{name}_sha256"] != text_digest(text)
        ]


def _from_row(row: Any) -> AccessRequest:
    indices: Iterable[int] | None = orjson.loads(row.indices) if row.indices else None
    return AccessRequest(
        id=row.id,
        requester=row.requester,
        requester_lab=row.requester_lab,
        reason=row.reason,
        scope=AccessScope(
            row.project, frozenset(indices) if indices is not None else None, row.since, row.until
        ),
        duration=timedelta(seconds=row.duration_s),
        status=RequestStatus(row.status),
        created_at=row.created_at,
        request_record=row.request_record,
        approver=row.approver,
        approved_at=row.approved_at,
        expires_at=row.expires_at,
        approval_record=row.approval_record,
        label=row.label,
    )
