"""A request ready for admission and dispatch (built by the completion service)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from labgate.config import ModelConfig
from labgate.gateway.record import RequestRecord
from labgate.quota import Admission
from labgate.scheduler import RequestClass, Ticket


@dataclass(slots=True)
class Prepared:
    """A request ready for dispatch."""

    record: RequestRecord
    model: ModelConfig
    payload: dict[str, Any]
    path: str
    affinity_key: str | None
    show_reasoning: bool
    include_usage: bool
    request_class: RequestClass = RequestClass.INTERACTIVE
    ticket: Ticket | None = None
    quota: Admission | None = None
    label_header: str | None = None
    messages: int = 1
    wait_s: float = 0.0  # X-Labgate-Wait: how long the client will wait for a cold model
    label: Any = None  # the request's Label once access control decided it
    # a plain answer's remaining work (metrics, usage rows), run once the answer is sent
    after_answer: Callable[[], Awaitable[None]] | None = None
