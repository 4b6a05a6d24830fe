"""What the quota module raises, with every field the HTTP layer needs for its 429 or 503.

Nothing here knows about HTTP: the API layer maps :class:`BudgetExhausted` and
:class:`RateLimited` to ``429`` with ``Retry-After: ceil(retry_after_s)`` and ``str(exc)`` as
the message, and :class:`QuotaUnavailable` to ``503``.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

from labgate.quota.amounts import units_to_tokens
from labgate.quota.periods import BudgetPeriod


class QuotaError(Exception):
    """Base of every error the quota module raises."""


class BudgetExhausted(QuotaError):
    """The project's allocation for this period cannot cover the request's worst case.

    ``limit``, ``used``, ``reserved`` and ``requested`` are budget units
    (:data:`~labgate.quota.amounts.UNITS_PER_TOKEN` per weighted token). ``retry_after_s`` is
    the time until the period resets when settled usage alone leaves too little, or a short
    wait when only other requests' in-flight reservations stand in the way (they settle soon
    and usually hand most of their reservation back).
    """

    def __init__(
        self,
        project: str,
        period: BudgetPeriod,
        limit: int,
        used: int,
        resets_at: datetime,
        retry_after_s: float,
        *,
        reserved: int = 0,
        requested: int = 0,
    ) -> None:
        self.project = project
        self.period = period
        self.limit = limit
        self.used = used
        self.reserved = reserved
        self.requested = requested
        self.resets_at = resets_at
        self.retry_after_s = retry_after_s
        super().__init__(self._message())

    @property
    def blocked_only_by_in_flight(self) -> bool:
        """True when the budget would cover the request once in-flight requests settle."""
        return self.used + self.requested <= self.limit

    @property
    def retry_after_header(self) -> str:
        return str(max(1, math.ceil(self.retry_after_s)))

    def _message(self) -> str:
        used = _tokens(self.used)
        limit = _tokens(self.limit)
        head = (
            f"project '{self.project}' has used {used} of its {limit} weighted-token budget "
            f"for period {self.period.key}"
        )
        if self.requested > self.limit:
            return (
                f"{head}; this request may cost up to {_tokens(self.requested)}, more than the "
                "whole budget: lower max_tokens or shorten the prompt, or ask the project lead "
                "for a larger allocation"
            )
        if self.blocked_only_by_in_flight:
            return (
                f"{head}; {_tokens(self.reserved)} more is held by requests in flight. Retry in "
                f"{self.retry_after_header} s, or lower max_tokens"
            )
        return (
            f"{head}; it resets at {self.resets_at.strftime('%Y-%m-%d %H:%M UTC')}. Lower "
            "max_tokens, or ask the project lead for a larger allocation"
        )


class RateLimited(QuotaError):
    """A requests-per-minute or tokens-per-minute limit would be exceeded by this request."""

    def __init__(
        self,
        scope: Literal["user", "project"],
        subject: str,
        metric: Literal["requests", "tokens"],
        limit: int,
        retry_after_s: float,
        *,
        requested: int = 1,
    ) -> None:
        self.scope = scope
        self.subject = subject
        self.metric = metric
        self.limit = limit
        self.retry_after_s = retry_after_s
        self.requested = requested
        super().__init__(self._message())

    @property
    def never_admissible(self) -> bool:
        """True when the request alone is larger than the per-minute limit."""
        return self.requested > self.limit

    @property
    def retry_after_header(self) -> str:
        return str(max(1, math.ceil(self.retry_after_s)))

    @property
    def code(self) -> str:
        return f"{self.scope}_{self.metric}_per_minute_exceeded"

    def _message(self) -> str:
        head = (
            f"{self.scope} '{self.subject}' is over its limit of {self.limit} {self.metric} "
            "per minute"
        )
        if self.never_admissible:
            return (
                f"{head}: this request needs {self.requested} tokens, more than a minute allows. "
                "Lower max_tokens or shorten the prompt"
            )
        return f"{head}; retry in {self.retry_after_header} s"


class QuotaUnavailable(QuotaError):
    """The store behind quotas (Redis or the database) did not answer; nothing was charged."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"labgate cannot check quotas right now ({what} is not answering); nothing was "
            "charged. Try again in a few seconds"
        )


def _tokens(units: int) -> str:
    value = units_to_tokens(units)
    return f"{value:,.0f}" if value == int(value) else f"{value:,.3f}"
