"""The record of one request as it crosses the gateway.

Filled in step by step on the request path and handed, when the request ends (answered,
refused, or failed), to the observers: metrics, usage accounting, and the audit log. The texts
are kept only in memory, for digests and encrypted transcripts; they are never logged.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Awaitable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from labgate.identity.principal import Principal


class BatchItemContext:
    """The batch item a runner loop is answering: every record begun in its context carries
    ``tag`` (batch id, line, custom_id) into its audit record, and is kept in ``records`` so the
    runner can read how the request ended (a guardrail block, for one)."""

    __slots__ = ("records", "tag")

    def __init__(self, tag: dict[str, Any]) -> None:
        self.tag = tag
        self.records: list[RequestRecord] = []


BATCH_ITEM: ContextVar[BatchItemContext | None] = ContextVar("labgate_batch_item", default=None)


def new_request_id() -> str:
    """``req_`` and 128 random bits in hex (what ``uuid4().hex`` gave, without the UUID object)."""
    return "req_" + os.urandom(16).hex()


@dataclass(slots=True)
class RequestRecord:
    kind: str  # "chat" | "completion"
    principal: Principal
    model: str
    stream: bool
    request_id: str = field(default_factory=new_request_id)
    started_at: float = field(default_factory=time.time)
    started: float = field(default_factory=time.perf_counter)
    worker_id: str | None = None
    worker_url: str | None = None
    model_version: str | None = None
    label: str | None = None
    status: int = 200
    # ok | client_error | refused | queue_timeout | unavailable | worker_error | cancelled |
    # content_filter  (worker_error only when a worker failed: see completions._outcome_of)
    outcome: str = "ok"
    error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    weighted_tokens: float = 0.0
    usage_estimated: bool = False
    first_token_at: float | None = None
    finished: float | None = None
    attempts: int = 0
    prompt_text: str = ""
    reasoning_text: str = ""
    response_text: str = ""
    safety: list[dict[str, Any]] = field(default_factory=list)
    batch: dict[str, Any] | None = None  # the batch item it answers (batch id, line, custom_id)

    def __post_init__(self) -> None:
        item = BATCH_ITEM.get()
        if item is not None:
            self.batch = item.tag
            item.records.append(self)

    @property
    def duration_s(self) -> float:
        return (self.finished or time.perf_counter()) - self.started

    @property
    def ttft_s(self) -> float | None:
        return None if self.first_token_at is None else self.first_token_at - self.started

    def digests(self) -> dict[str, str]:
        return {
            "prompt_sha256": _sha(self.prompt_text),
            "reasoning_sha256": _sha(self.reasoning_text),
            "response_sha256": _sha(self.response_text),
        }


_EMPTY_SHA = hashlib.sha256(b"").hexdigest()


def _sha(text: str) -> str:
    # most answers have no reasoning text: its digest is a constant
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text else _EMPTY_SHA


class RequestObserver(Protocol):
    """Told about every request that ends. ``finish`` must not block the event loop."""

    async def finish(self, record: RequestRecord) -> None: ...


class RecordKeeper(Protocol):
    """Keeps the durable record of every request that ends (the audit log).

    ``begin`` queues the record and returns what to await for its commit, so the gateway can
    do its remaining work (settling, metrics) while the commit is in flight; the answer waits
    for it before it completes. Either may raise: the request is then not recorded."""

    def begin(self, record: RequestRecord) -> Awaitable[object]: ...
