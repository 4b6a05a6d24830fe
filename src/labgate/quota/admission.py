"""One request's way through rate limits and its project's budget, as the request path uses it.

:meth:`QuotaGate.admit` checks the per-minute limits and reserves the request's weighted worst
case from the project's budget for the current period; with Redis one script does both in one
round trip. A request the limits refuse holds no reservation. The :class:`Admission` it returns
is settled with the real usage when the completion ends, or released when the request failed
before its first token; it does either at most once, so a retry path that ends twice cannot
charge twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from labgate.quota.amounts import TokenUsage, Weights, usage_amount, worst_case_amount
from labgate.quota.errors import QuotaUnavailable
from labgate.quota.periods import budget_period
from labgate.quota.ratelimit import RateLimiter, RateLimits
from labgate.quota.redis_budget import RedisQuotaService
from labgate.quota.redis_ratelimit import RedisRateLimiter
from labgate.quota.service import BudgetUsage, QuotaService, Reservation

log = logging.getLogger("labgate.quota")


@dataclass(frozen=True, slots=True)
class BudgetPolicy:
    """A project's allocation: ``limit`` budget units per ``period`` (None: no budget)."""

    limit: int | None
    period: str = "month"


@dataclass(slots=True)
class Admission:
    """A request let through; settle or release it exactly once."""

    budgets: QuotaService
    weights: Weights
    reservation: Reservation | None
    done: bool = field(default=False)

    async def settle(self, usage: TokenUsage) -> BudgetUsage | None:
        """Charge the real, weighted usage (None without a budget, or if already done)."""
        if self.done:
            return None
        self.done = True
        if self.reservation is None:
            return None
        amount = usage_amount(self.weights, usage)
        if amount > self.reservation.amount:
            # a worker that overran max_tokens (the gateway cuts streams at the reservation;
            # a plain answer's figures come from the worker): never more than was reserved
            log.warning(
                "usage of %d units above the reservation of %d (project %s); charged the "
                "reservation",
                amount,
                self.reservation.amount,
                self.reservation.project_id,
            )
            amount = self.reservation.amount
        return await self.budgets.settle(self.reservation, amount)

    async def release(self) -> None:
        """Give the whole hold back: the request failed before producing any token.

        Never raises for an unreachable store: the hold then expires on its own.
        """
        if self.done:
            return
        self.done = True
        if self.reservation is None:
            return
        try:
            await self.budgets.release(self.reservation)
        except QuotaUnavailable as exc:
            log.warning("could not release a reservation (it will expire): %s", exc)


class QuotaGate:
    """Rate limits and budgets for the request path, in the order they are cheapest."""

    def __init__(self, budgets: QuotaService, rate_limiter: RateLimiter) -> None:
        self.budgets = budgets
        self.rate_limiter = rate_limiter
        # Both in one Redis: one script checks the limits and reserves (one round trip).
        self._combined: tuple[RedisRateLimiter, RedisQuotaService] | None = None
        if (
            isinstance(budgets, RedisQuotaService)
            and isinstance(rate_limiter, RedisRateLimiter)
            and rate_limiter.shares_redis_with(budgets.redis)
        ):
            self._combined = (rate_limiter, budgets)

    async def admit(
        self,
        *,
        user_id: str,
        project_id: str,
        weights: Weights,
        prompt_tokens: int,
        max_tokens: int,
        budget: BudgetPolicy,
        rate_limits: RateLimits,
        now: datetime | None = None,
        answers: int = 1,
    ) -> Admission:
        """Admit a request or raise ``RateLimited``, ``BudgetExhausted`` or
        ``QuotaUnavailable`` (which the API layer turns into 429, 429 and 503).

        ``answers``: how many answers of up to ``max_tokens`` the request asks for (OpenAI's
        ``n``); the worst case is all of them at full length. Settling never charges more than
        was reserved."""
        max_tokens *= max(1, answers)
        tokens = prompt_tokens + max_tokens
        if budget.limit is None:
            await self.rate_limiter.admit(user_id, project_id, tokens, rate_limits)
            return Admission(self.budgets, weights, None)
        period = budget_period(budget.period, now or datetime.now(UTC))
        amount = worst_case_amount(weights, prompt_tokens, max_tokens)
        if self._combined is not None:
            limiter, redis_budgets = self._combined
            plan = limiter.plan(user_id, project_id, tokens, rate_limits)
            reservation = await redis_budgets.limit_and_reserve(
                project_id, period, amount, budget.limit, plan
            )
        else:
            await self.rate_limiter.admit(user_id, project_id, tokens, rate_limits)
            reservation = await self.budgets.reserve(project_id, period, amount, budget.limit)
        return Admission(self.budgets, weights, reservation)
