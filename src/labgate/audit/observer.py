"""Turning the gateway's finished request into an audit record and its sealed transcript.

:class:`AuditObserver` is a ``RecordKeeper`` (see :mod:`labgate.gateway.record`): when a
request ends (answered, refused or failed) the gateway calls ``observer.begin(request_record)``,
which queues the record, and awaits what it returns *before* the response's last byte leaves:
it resolves only once the record (and transcript) has committed, and raises
:class:`labgate.audit.log.AuditWriteError` if it could not be.
"""

from __future__ import annotations

import math
import time
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
    the pydantic model on every request would only cost time (a test checks both agree). The
    fields that may be empty are added only when they are not, instead of every field being
    filtered afterwards; the record's bytes are its canonical JSON, keys sorted, so the order
    they are added in changes nothing.
    """
    principal = request.principal
    timings: dict[str, float] = {"total_ms": round(request.duration_s * 1000, 3)}
    first_token_at = request.first_token_at
    if first_token_at is not None:
        timings["first_token_ms"] = round((first_token_at - request.started) * 1000, 3)
    prompt_tokens, completion_tokens = request.prompt_tokens, request.completion_tokens
    details: dict[str, Any] = {
        "endpoint": request.kind,
        "stream": request.stream,
        "attempts": request.attempts,
    }
    if request.batch is not None:
        details["batch"] = request.batch
    payload: dict[str, Any] = {
        "v": 1,
        "kind": "request",
        "time": utc_text(request.started_at),
        "safety": list(request.safety),
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "reasoning_tokens": request.reasoning_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
        "timings": timings,
        "digests": request.digests(),
        "details": details,
    }
    # the fields the record leaves out when empty (AuditRecord.payload's exclude_none)
    for key, value in (
        ("request_id", request.request_id),
        ("user", principal.user_id),
        ("lab", principal.lab),
        ("project", principal.project),
        ("key_id", principal.key_id),
        ("auth_method", principal.auth_method),
        ("model", request.model),
        ("model_version", request.model_version),
        ("worker", request.worker_id),
        ("label", request.label),
        ("outcome", request.outcome),
        ("status", request.status),
        ("error", request.error),
    ):
        if value is not None:
            payload[key] = value
    return payload


_second: tuple[int, str] = (-1, "")
"""The last whole second :func:`utc_text` wrote, and its text up to the seconds."""


def utc_text(timestamp: float) -> str:
    """``datetime.fromtimestamp(timestamp, UTC)`` as RFC 3339 with microseconds and ``Z``
    (``2025-01-31T12:00:00.123456Z``), what ``isoformat(timespec="microseconds")`` gives.

    The microseconds are rounded as ``fromtimestamp`` rounds them (half to even, carried into
    the next second), and the text up to the seconds is made once a second, not once a
    record: a request's record was a third of a ``datetime``'s cost to format (a test
    compares both over many moments)."""
    global _second
    if not 0.0 <= timestamp < _LAST_SECOND:  # before 1970 or after 9999: the slow way
        return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="microseconds")[:-6] + "Z"
    fraction, whole = math.modf(timestamp)
    micros = round(fraction * 1e6)
    seconds = int(whole)
    if micros >= 1_000_000:
        micros -= 1_000_000
        seconds += 1
    if seconds != _second[0]:
        _second = (seconds, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)))
    return f"{_second[1]}.{micros:06d}Z"


_LAST_SECOND = 253_402_300_799.0  # 9999-12-31T23:59:59Z: four-digit years only


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
