"""What one audit record says, and the canonical bytes its leaf hash is computed over.

A record is JSON with sorted keys and no whitespace (UTF-8, as :mod:`orjson` writes it), so
anyone can re-serialise a parsed record and get the same bytes, hence the same leaf hash. The
log adds the record's own position as ``"index"`` when it allocates it, so a record moved to
another position no longer matches its place in the tree.

Records never hold secrets: texts appear only as SHA-256 digests (the texts themselves go,
encrypted, to :mod:`labgate.audit.transcripts`), and keys only by their public id.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import orjson
from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict


class RecordKind(StrEnum):
    """Why a record was written."""

    REQUEST = "request"
    ADMIN = "admin"
    TRANSCRIPT_ACCESS_REQUEST = "transcript_access_request"
    TRANSCRIPT_ACCESS_APPROVAL = "transcript_access_approval"
    TRANSCRIPT_READ = "transcript_read"
    TRANSCRIPT_PURGE = "transcript_purge"
    TRANSCRIPT_REWRAP = "transcript_rewrap"


# The nested parts are TypedDicts, not models: validated just as strictly, but about twice as
# cheap to validate and dump, which matters on the request path (every request appends one).
_STRICT = ConfigDict(extra="forbid")
_Count = Annotated[int, Field(ge=0)]
_Millis = Annotated[float, Field(ge=0)]
_Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class Usage(TypedDict, total=False):
    __pydantic_config__ = _STRICT  # type: ignore[misc]

    prompt_tokens: _Count
    completion_tokens: _Count
    reasoning_tokens: _Count
    total_tokens: _Count


class Timings(TypedDict, total=False):
    """Milliseconds from the request's arrival."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]

    queue_ms: _Millis
    first_token_ms: _Millis
    total_ms: _Millis


class Digests(TypedDict, total=False):
    """Hex SHA-256 of the UTF-8 texts, as :func:`text_digest` computes them."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]

    prompt_sha256: _Sha256
    reasoning_sha256: _Sha256
    response_sha256: _Sha256


class AuditRecord(BaseModel):
    """One event: a model request (accepted, refused or failed) or an administrative action.

    ``safety`` holds the guardrail decisions as the safety area reports them (no prompt text);
    ``details`` holds what an administrative or transcript-access action needs to be understood
    later (the target, a reason, the ids involved).
    """

    model_config = ConfigDict(extra="forbid")

    v: int = 1
    kind: RecordKind
    time: str = Field(
        default_factory=lambda: utc_now_text(),
        pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$",
        description="RFC 3339 with a UTC offset, e.g. 2025-01-31T12:00:00.123456Z.",
    )
    request_id: str | None = None
    user: str | None = None
    lab: str | None = None
    project: str | None = None
    key_id: str | None = None
    auth_method: str | None = None
    model: str | None = None
    model_version: str | None = None
    worker: str | None = None
    label: str | None = None
    safety: list[dict[str, Any]] = Field(default_factory=list)
    usage: Usage | None = None
    timings: Timings | None = None
    outcome: str | None = None
    status: int | None = None
    error: str | None = None
    digests: Digests | None = None
    action: str | None = None
    target: str | None = None
    details: dict[str, Any] | None = None

    def payload(self) -> dict[str, Any]:
        """The record as a JSON-ready dict, without the fields left empty."""
        return self.model_dump(mode="json", exclude_none=True)


def utc_now_text() -> str:
    """Now, as RFC 3339 UTC with microseconds: ``2025-01-31T12:00:00.123456Z``."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def canonical_json(obj: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the bytes a leaf hash is computed over."""
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)


def record_bytes(payload: dict[str, Any], index: int) -> bytes:
    """The canonical bytes of ``payload`` stored at ``index`` (the index becomes part of it)."""
    return canonical_json({**payload, "index": index})


def text_digest(text: str | None) -> str:
    """Hex SHA-256 of ``text`` in UTF-8 (of the empty string when there is no text)."""
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()


def digests_of(prompt: str | None, reasoning: str | None, response: str | None) -> Digests:
    """The three digests a request record carries."""
    return {
        "prompt_sha256": text_digest(prompt),
        "reasoning_sha256": text_digest(reasoning),
        "response_sha256": text_digest(response),
    }


def to_payload(record: AuditRecord | dict[str, Any]) -> dict[str, Any]:
    """Validate a record given as a model or a plain dict; raise ``ValueError`` if it is wrong."""
    if isinstance(record, AuditRecord):
        return record.payload()
    if "index" in record:
        raise ValueError("a record must not set 'index': the log assigns it")
    return AuditRecord.model_validate(record).payload()
