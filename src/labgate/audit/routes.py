"""The audit API under ``/v1/audit``: records, proofs, checkpoints, transcript access.

Needs three services on ``request.app.state.services``: ``audit`` (:class:`AuditLog`),
``transcripts`` (:class:`TranscriptVault`) and ``audit_access`` (:class:`AccessControl`).

* Proofs and the checkpoint hold only hashes, but they give the log's size, a count of the
  work at every label: they are for auditors and platform administrators cleared for the
  deployment's whole range (``docs/labels.md``, "No read-down").
* Records (metadata and digests, never texts) are for auditors and platform administrators,
  within their clearance.
* Transcripts follow the two-person rule (see :mod:`labgate.audit.access`): auditors only;
  an access request carries its filer's clearance and is shown only to auditors cleared for
  it.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from labgate.api.deps import current_principal
from labgate.api.errors import APIError, forbidden, invalid_request, not_found
from labgate.audit.access import (
    AccessConflict,
    AccessControl,
    AccessDenied,
    AccessRequestNotFound,
    AccessScope,
    RequestStatus,
)
from labgate.audit.keyring import KeyringError
from labgate.audit.log import AuditLog, NotInLog
from labgate.audit.transcripts import TranscriptError
from labgate.identity.principal import Principal, Role

# Indices and tree sizes are stored as 64-bit integers: a larger number can name no record,
# and would fail in the database driver (a 500) instead of being refused here (a 400)
_INDEX_MAX = 2**63 - 1
RecordIndex = Annotated[int, Path(ge=0, le=_INDEX_MAX, description="The record's index.")]

router = APIRouter(prefix="/v1/audit", tags=["audit"])


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _log(request: Request) -> AuditLog:
    audit: AuditLog = request.app.state.services.audit
    return audit


def _require_whole_range(request: Request, principal: Principal) -> None:
    """The log's size (a checkpoint's, a proof's) counts the records of every label: it is for
    auditors and platform admins cleared for the deployment's whole range (no read-down of an
    aggregate). ``labgate audit verify`` and checkpoint publishing run on the database."""
    if not principal.has_role(Role.AUDITOR, Role.PLATFORM_ADMIN):
        raise forbidden(
            "the log's checkpoints and proofs are for auditors and platform administrators",
            code="insufficient_role",
        )
    access = getattr(request.app.state.services, "access", None)
    if access is not None and not access.may_read(principal, access.range_max):
        raise forbidden(
            "the log's checkpoints and proofs give its size, which counts the work at every "
            "label; they are for auditors and platform administrators cleared for the whole "
            "range this deployment serves",
            code="insufficient_clearance",
        )


def _clearance_marking(request: Request, principal: Principal) -> str | None:
    """The caller's clearance as a canonical marking (None with labels off)."""
    access = getattr(request.app.state.services, "access", None)
    if access is None or not access.enabled:
        return None
    clearance = access.clearance_of(principal)
    return clearance.marking if clearance is not None else access.range_max.marking


def _access(request: Request) -> AccessControl:
    access: AccessControl = request.app.state.services.audit_access
    return access


@router.get("/records/{index}")
async def get_record(
    index: RecordIndex, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    """One record as stored: its canonical bytes parsed, its leaf hash, when it was committed."""
    if not principal.has_role(Role.AUDITOR, Role.PLATFORM_ADMIN):
        raise forbidden(
            "audit records are for auditors and platform administrators", code="insufficient_role"
        )
    access = getattr(request.app.state.services, "access", None)
    whole_range = access is None or access.may_read(principal, access.range_max)
    try:
        stored = await _log(request).get_record(index)
    except NotInLog as exc:
        if whole_range:
            raise not_found(str(exc), code="record_not_found", param="index") from None
        raise _no_record_you_may_read(index) from None
    record = orjson.loads(stored.data)
    model = record.get("model")
    if access is not None and (
        not access.reader_may_see(principal, record.get("label"))
        or (isinstance(model, str) and not access.sees_model(principal, model))
    ):
        # no read-up: even a record's metadata stays within the reader's clearance, and the
        # answer is the one for an index past the end (the log's size counts every label)
        raise _no_record_you_may_read(index)
    return {
        "index": stored.index,
        "leaf_hash": _b64(stored.leaf_hash),
        "recorded_at": stored.recorded_at.isoformat(),
        "record": record,
    }


def _no_record_you_may_read(index: int) -> APIError:
    return not_found(
        f"there is no record {index} that your clearance covers (none at that index, or one "
        "labelled above your clearance)",
        code="record_not_found",
        param="index",
    )


@router.get("/proofs/inclusion")
async def inclusion_proof(
    request: Request,
    index: int = Query(ge=0, le=_INDEX_MAX, description="The record's index."),
    tree_size: int | None = Query(
        default=None, ge=1, le=_INDEX_MAX, description="Default: the current size."
    ),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    """RFC 9162 inclusion proof of a record in the tree of ``tree_size`` records."""
    _require_whole_range(request, principal)
    try:
        proof = await _log(request).inclusion_proof(index, tree_size)
    except NotInLog as exc:
        raise invalid_request(str(exc), param="index", code="not_in_log") from None
    return {
        "index": proof.index,
        "tree_size": proof.tree_size,
        "leaf_hash": _b64(proof.leaf_hash),
        "hashes": [_b64(h) for h in proof.hashes],
        "root": _b64(proof.root),
    }


@router.get("/proofs/consistency")
async def consistency_proof(
    request: Request,
    first: int = Query(ge=1, le=_INDEX_MAX, description="The smaller tree size."),
    second: int | None = Query(
        default=None, ge=1, le=_INDEX_MAX, description="Default: the current size."
    ),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    """RFC 9162 consistency proof that the tree of ``second`` records extends that of ``first``."""
    _require_whole_range(request, principal)
    try:
        proof = await _log(request).consistency_proof(first, second)
    except NotInLog as exc:
        raise invalid_request(str(exc), param="first", code="not_in_log") from None
    return {
        "first": proof.first,
        "second": proof.second,
        "first_root": _b64(proof.first_root),
        "second_root": _b64(proof.second_root),
        "hashes": [_b64(h) for h in proof.hashes],
    }


@router.get("/checkpoint", response_class=PlainTextResponse)
async def latest_checkpoint(
    request: Request, principal: Principal = Depends(current_principal)
) -> PlainTextResponse:
    """The latest signed checkpoint, as a C2SP signed note (text/plain)."""
    _require_whole_range(request, principal)
    checkpoint = await _log(request).latest_checkpoint()
    if checkpoint is None:
        raise not_found(
            "no checkpoint has been signed yet; try again in a few seconds", code="no_checkpoint"
        )
    return PlainTextResponse(checkpoint.note, media_type="text/plain; charset=utf-8")


@router.get("/verifier-key")
async def verifier_key(
    request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, str]:
    """The public key checkpoints are signed with, as this gateway states it (the same string
    ``labgate audit verifier-key`` prints). Public by design; an independent check compares it
    with the key the oversight body was handed, not with this answer."""
    parts = getattr(request.app.state.services, "audit_parts", None)
    if parts is None:
        raise not_found("this gateway keeps no audit log", code="no_audit_log")
    verifier = parts.publisher.signer.verifier
    return {
        "key": verifier.to_string(),
        "name": verifier.name,
        "key_id": verifier.key_id.hex(),
        "algorithm": "Ed25519",
    }


class AccessRequestBody(BaseModel):
    reason: str = Field(min_length=10, max_length=4000, description="Why access is needed.")
    project: str = Field(min_length=1, max_length=256, description="Whose records.")
    indices: list[Annotated[int, Field(ge=0, le=_INDEX_MAX)]] | None = Field(
        default=None, description="Only these records."
    )
    since: datetime | None = Field(default=None, description="Only records from this time.")
    until: datetime | None = Field(default=None, description="Only records before this time.")
    # a year at most here, so the number stays a time span; the deployment's max_duration (8 h
    # by default) is the real bound, and its refusal says so
    duration_minutes: int = Field(
        default=60, ge=1, le=366 * 24 * 60, description="How long access lasts."
    )


def _denied(exc: Exception) -> APIError:
    if isinstance(exc, AccessDenied):
        return forbidden(str(exc), code=exc.code)
    if isinstance(exc, AccessRequestNotFound):
        return not_found(str(exc), code="access_request_not_found")
    if isinstance(exc, AccessConflict):
        return APIError(409, str(exc), code="access_request_conflict")
    if isinstance(exc, TranscriptError):
        return not_found(str(exc), code="transcript_not_found")
    if isinstance(exc, KeyringError):
        return APIError(
            500,
            "the transcript cannot be decrypted; an operator must check the "
            "master keys (see the gateway log)",
            code="transcript_unreadable",
        )
    return invalid_request(str(exc))


_ACCESS_ERRORS = (
    AccessDenied,
    AccessRequestNotFound,
    AccessConflict,
    TranscriptError,
    KeyringError,
    ValueError,
)


@router.post("/access-requests", status_code=201)
async def file_access_request(
    body: AccessRequestBody, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    """File a request to read transcripts; a different auditor must approve it."""
    try:
        scope = AccessScope(
            body.project,
            frozenset(body.indices) if body.indices is not None else None,
            body.since,
            body.until,
        )
        filed = await _access(request).file_request(
            principal,
            reason=body.reason,
            scope=scope,
            duration=timedelta(minutes=body.duration_minutes),
            label=_clearance_marking(request, principal),
        )
    except _ACCESS_ERRORS as exc:
        raise _denied(exc) from None
    return filed.to_json()


@router.get("/access-requests")
async def list_access_requests(
    request: Request,
    status: RequestStatus | None = Query(default=None, description="pending or approved"),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    try:
        found = await _access(request).list_requests(principal, status)
    except _ACCESS_ERRORS as exc:
        raise _denied(exc) from None
    return {"data": [r.to_json() for r in found]}


@router.post("/access-requests/{request_id}/approve")
async def approve_access_request(
    request_id: str, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    """Approve another auditor's request (the two-person rule's second person)."""
    try:
        approved = await _access(request).approve(principal, request_id)
    except _ACCESS_ERRORS as exc:
        raise _denied(exc) from None
    return approved.to_json()


@router.get("/access-requests/{request_id}/transcripts/{index}")
async def read_transcript(
    request_id: str,
    index: RecordIndex,
    request: Request,
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    """Decrypt one transcript under an approved request you filed (the read is logged first)."""
    try:
        reading = await _access(request).read(principal, request_id, index)
    except _ACCESS_ERRORS as exc:
        raise _denied(exc) from None
    t = reading.transcript
    return {
        "index": t.meta.index,
        "project": t.meta.project,
        "lab": t.meta.lab,
        "label": t.meta.label,
        "created_at": t.meta.created_at.isoformat(),
        "prompt": t.prompt,
        "reasoning": t.reasoning,
        "response": t.response,
        "digests_match": reading.digests_match,
        "read_record": reading.read_record,
    }
