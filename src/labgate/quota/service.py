"""The budget interface both backends implement, and the values it passes around.

The request path calls, in order: :meth:`QuotaService.reserve` with the worst case before
dispatch; then exactly one of :meth:`QuotaService.settle` with the real usage after the
completion, or :meth:`QuotaService.release` when the request failed before any token was
produced. A reservation that is neither settled nor released (its replica crashed) is reclaimed
after its expiry.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from labgate.quota.periods import BudgetPeriod

Clock = Callable[[], float]
"""Seconds since the Unix epoch; injectable so tests control time."""

DEFAULT_RESERVATION_TTL_S = 900.0
"""How long a reservation holds budget if its replica never settles it: above any sane request
timeout, so a live request is never reclaimed under it."""

DEFAULT_IN_FLIGHT_RETRY_S = 5.0
"""Retry-After when only in-flight reservations block a request: they settle within seconds."""


@dataclass(frozen=True, slots=True)
class Reservation:
    """A hold on ``amount`` budget units of ``project_id`` in ``period`` until ``expires_at``."""

    id: str
    project_id: str
    period: BudgetPeriod
    amount: int
    expires_at: float


class BudgetUsage(NamedTuple):
    """A project's spend in one period, in budget units."""

    used: int
    reserved: int

    def remaining(self, limit: int) -> int:
        return max(0, limit - self.used - self.reserved)


class QuotaService(ABC):
    """Per-project, per-period budgets that hold across every gateway replica.

    Implementations guarantee: ``reserve`` admits only if ``used + reserved + amount <= limit``
    at the moment it adds ``amount`` to ``reserved``, atomically with respect to every other
    replica; so as long as settlements do not exceed their reservations, ``used`` never
    exceeds ``limit``.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        reservation_ttl_s: float = DEFAULT_RESERVATION_TTL_S,
        in_flight_retry_s: float = DEFAULT_IN_FLIGHT_RETRY_S,
    ) -> None:
        self._clock = clock
        self.reservation_ttl_s = reservation_ttl_s
        self.in_flight_retry_s = in_flight_retry_s

    def now(self) -> float:
        """The current time as this service sees it (the injected clock, else the wall clock)."""
        return self._clock() if self._clock is not None else time.time()

    async def start(self) -> None:  # noqa: B027 - optional hook, most backends need nothing
        """Prepare connections and scripts; called once before the first request."""

    async def close(self) -> None:  # noqa: B027
        """Flush what must survive and drop connections."""

    @abstractmethod
    async def reserve(
        self,
        project_id: str,
        period: BudgetPeriod,
        amount: int,
        limit: int,
        *,
        ttl_s: float | None = None,
    ) -> Reservation:
        """Hold ``amount`` units of the project's budget, or raise
        :class:`~labgate.quota.errors.BudgetExhausted` if it would exceed ``limit``."""

    @abstractmethod
    async def settle(self, reservation: Reservation, actual_amount: int) -> BudgetUsage:
        """Replace the hold with the real charge ``actual_amount`` (less or more than held).

        A reservation already reclaimed after its expiry is still charged its real usage: the
        tokens were spent. Settle each reservation once.
        """

    @abstractmethod
    async def release(self, reservation: Reservation) -> bool:
        """Give the hold back (the request failed before any token); False if already gone."""

    @abstractmethod
    async def usage(self, project_id: str, period: BudgetPeriod) -> BudgetUsage:
        """Current settled and reserved units of a project in a period."""

    @abstractmethod
    async def reclaim_expired(self) -> int:
        """Return every expired reservation's hold to its budget; the number reclaimed."""

    def _check_amounts(self, amount: int, limit: int) -> None:
        if amount < 0:
            raise ValueError(f"a reservation cannot be negative, got {amount}")
        if limit < 0:
            raise ValueError(f"a budget limit cannot be negative, got {limit}")

    def _retry_after(
        self, period: BudgetPeriod, now: float, used: int, amount: int, limit: int
    ) -> float:
        """Until the reset when settled usage alone leaves too little, else a short wait."""
        if used + amount <= limit:
            return self.in_flight_retry_s
        return max(1.0, period.ends_at_epoch - now)


def epoch_to_datetime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
