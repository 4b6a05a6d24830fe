"""Why a request was not admitted. Each carries a retry hint and a message a user can act on.

The scheduler knows nothing of HTTP; ``labgate.scheduler.routes.admission_error`` maps these
to OpenAI-shaped responses (``QueueFull`` → 429, ``QueueTimeout`` → 503, both with
``Retry-After``).
"""

from __future__ import annotations


class AdmissionRejected(Exception):
    """A request the scheduler turned away; ``retry_after_s`` says when trying again is sensible."""

    def __init__(self, message: str, *, pool: str, request_class: str, retry_after_s: float):
        super().__init__(message)
        self.message = message
        self.pool = pool
        self.request_class = request_class
        self.retry_after_s = retry_after_s


class QueueFull(AdmissionRejected):
    """The class's queue for this model, or this user's part of it, is already full."""


class QueueTimeout(AdmissionRejected):
    """The request waited longer than its class allows without getting a slot."""


class UnknownPool(KeyError):
    """A request named a model the scheduler has no capacity for (``set_capacity`` never ran)."""

    def __init__(self, pool: str):
        super().__init__(pool)
        self.pool = pool

    def __str__(self) -> str:
        return f"the scheduler has no pool named {self.pool!r}; call set_capacity first"
