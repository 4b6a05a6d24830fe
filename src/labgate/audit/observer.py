"""Turning the gateway's finished request into an audit record and its sealed transcript.

:class:`AuditObserver` is a ``RequestObserver`` (see :mod:`labgate.gateway.record`): the
gateway calls ``await observer.finish(request_record)`` when a request ends (answered, refused
or failed) and must do so *before* the response's last byte leaves, because ``finish`` returns
only once the record (and transcript) has committed, and raises
:class:`labgate.audit.log.AuditWriteError` if it could not be.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

from labgate.audit.log import AuditLog
from labgate.audit.records import AuditRecord, Digests, RecordKind, Timings, Usage
from labgate.audit.transcripts import Transcript

if TYPE_CHECKING:
    from labgate.gateway.record import RequestRecord


def audit_record_for(request: RequestRecord) -> AuditRecord:
    """The audit record of one request: who, what, where, what the guardrails said, digests."""
    principal = request.principal
    started = datetime.fromtimestamp(request.started_at, UTC)
    usage: Usage = {
        "prompt_tokens": request.prompt_tokens,
        "completion_tokens": request.completion_tokens,
        "reasoning_tokens": request.reasoning_tokens,
        "total_tokens": request.prompt_tokens + request.completion_tokens,
    }
    timings: Timings = {"total_ms": round(request.duration_s * 1000, 3)}
    if request.ttft_s is not None:
        timings["first_token_ms"] = round(request.ttft_s * 1000, 3)
    return AuditRecord(
        kind=RecordKind.REQUEST,
        time=started.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        request_id=request.request_id,
        user=principal.user_id,
        lab=principal.lab,
        project=principal.project,
        key_id=principal.key_id,
        auth_method=principal.auth_method,
        model=request.model,
        model_version=request.model_version,
        worker=request.worker_id,
        label=request.label,
        safety=list(request.safety),
        usage=usage,
        timings=timings,
        outcome=request.outcome,
        status=request.status,
        error=request.error,
        digests=cast(Digests, request.digests()),
        details={"endpoint": request.kind, "stream": request.stream, "attempts": request.attempts},
    )


def transcript_for(request: RequestRecord) -> Transcript:
    principal = request.principal
    return Transcript(
        prompt=request.prompt_text,
        reasoning=request.reasoning_text or None,
        response=request.response_text or None,
        project=principal.project,
        lab=principal.lab,
        label=request.label,
    )


class AuditObserver:
    """Writes every finished request to the audit log, with its transcript when a vault is set."""

    def __init__(self, audit_log: AuditLog, *, store_transcripts: bool = True) -> None:
        self.log = audit_log
        self.store_transcripts = store_transcripts

    async def finish(self, record: RequestRecord) -> None:
        transcript = transcript_for(record) if self.store_transcripts else None
        await self.log.append(audit_record_for(record), transcript=transcript)
