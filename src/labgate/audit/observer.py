"""Turning the gateway's finished request into an audit record and its sealed transcript.

:class:`AuditObserver` is a ``RecordKeeper`` (see :mod:`labgate.gateway.record`): when a
request ends (answered, refused or failed) the gateway calls ``observer.begin(request_record)``,
which queues the record, and awaits what it returns *before* the response's last byte leaves:
it resolves only once the record (and transcript) has committed, and raises
:class:`labgate.audit.log.AuditWriteError` if it could not be.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from labgate.audit.log import AuditLog
from labgate.audit.records import AuditRecord
from labgate.audit.transcripts import Transcript

if TYPE_CHECKING:
    from labgate.gateway.record import RequestRecord


def audit_record_for(request: RequestRecord) -> AuditRecord:
    """The audit record of one request, validated (for tests and tools; the gateway's request
    path uses :func:`request_payload`, which builds the same payload without the model)."""
    return AuditRecord.model_validate(request_payload(request))


def request_payload(request: RequestRecord) -> dict[str, Any]:
    """The payload of one request's audit record: who, what, where, what the guardrails said,
    digests.

    Built directly as the dict :meth:`AuditRecord.payload` would give (empty fields left out):
    every value here comes from the gateway's own typed record, so validating it again through
    the pydantic model on every request would only cost time (a test checks both agree).
    """
    principal = request.principal
    started = datetime.fromtimestamp(request.started_at, UTC)
    timings: dict[str, float] = {"total_ms": round(request.duration_s * 1000, 3)}
    if request.ttft_s is not None:
        timings["first_token_ms"] = round(request.ttft_s * 1000, 3)
    payload: dict[str, Any] = {
        "v": 1,
        "kind": "request",
        "time": started.isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "request_id": request.request_id,
        "user": principal.user_id,
        "lab": principal.lab,
        "project": principal.project,
        "key_id": principal.key_id,
        "auth_method": principal.auth_method,
        "model": request.model,
        "model_version": request.model_version,
        "worker": request.worker_id,
        "label": request.label,
        "safety": list(request.safety),
        "usage": {
            "prompt_tokens": request.prompt_tokens,
            "completion_tokens": request.completion_tokens,
            "reasoning_tokens": request.reasoning_tokens,
            "total_tokens": request.prompt_tokens + request.completion_tokens,
        },
        "timings": timings,
        "outcome": request.outcome,
        "status": request.status,
        "error": request.error,
        "digests": request.digests(),
        "details": {
            "endpoint": request.kind,
            "stream": request.stream,
            "attempts": request.attempts,
        },
    }
    if request.batch is not None:
        payload["details"]["batch"] = request.batch
    return {k: v for k, v in payload.items() if v is not None}


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

    def begin(self, record: RequestRecord) -> Awaitable[int]:
        """Queue the record (and transcript); the awaitable is its commit (see RecordKeeper)."""
        transcript = transcript_for(record) if self.store_transcripts else None
        return self.log.submit(request_payload(record), transcript=transcript)
