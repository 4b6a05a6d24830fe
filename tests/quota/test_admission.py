"""The request path's view: rate limits, then the weighted worst case, then settle or release."""

from __future__ import annotations

from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

import pytest

from labgate.quota import (
    ALL_KEYS,
    Admission,
    BudgetExhausted,
    BudgetPolicy,
    InMemoryRateLimiter,
    QuotaGate,
    QuotaService,
    RateLimited,
    RateLimiter,
    RateLimits,
    TokenUsage,
    Weights,
    budget_period,
    revocation_handler,
    tokens_to_units,
)

from .conftest import T0, FakeClock

NOW = datetime.fromtimestamp(T0, UTC)
WEIGHTS = Weights(input=1.0, output=2.0, reasoning=3.0)


@pytest.fixture
def gate(budgets: QuotaService, clock: FakeClock) -> QuotaGate:
    return QuotaGate(budgets, InMemoryRateLimiter(clock=clock))


async def test_admit_reserves_the_weighted_worst_case_and_settles_the_real_usage(
    gate: QuotaGate, project: str
) -> None:
    policy = BudgetPolicy(limit=tokens_to_units(10_000), period="month")
    admission = await gate.admit(
        user_id="alice",
        project_id=project,
        weights=WEIGHTS,
        prompt_tokens=100,
        max_tokens=1000,
        budget=policy,
        rate_limits=RateLimits(),
        now=NOW,
    )
    period = budget_period("month", NOW)
    # 100 input at 1 + 1000 at the dearer of output (2) and reasoning (3).
    assert await gate.budgets.usage(project, period) == (0, tokens_to_units(3100))
    usage = await admission.settle(TokenUsage(prompt=100, output=50, reasoning=200))
    assert usage == (tokens_to_units(100 + 100 + 600), 0)
    assert await admission.settle(TokenUsage(prompt=100, output=50)) is None  # once only
    await admission.release()  # after settling, nothing left to give back
    assert await gate.budgets.usage(project, period) == (tokens_to_units(800), 0)


async def test_a_failed_request_gives_its_whole_hold_back(gate: QuotaGate, project: str) -> None:
    policy = BudgetPolicy(limit=tokens_to_units(5000))
    admission = await gate.admit(
        user_id="bob",
        project_id=project,
        weights=WEIGHTS,
        prompt_tokens=10,
        max_tokens=1000,
        budget=policy,
        rate_limits=RateLimits(),
        now=NOW,
    )
    await admission.release()
    assert await gate.budgets.usage(project, budget_period("month", NOW)) == (0, 0)
    assert await admission.settle(TokenUsage(prompt=10)) is None


async def test_the_budget_refuses_what_it_cannot_cover(gate: QuotaGate, project: str) -> None:
    policy = BudgetPolicy(limit=tokens_to_units(2000), period="day")
    with pytest.raises(BudgetExhausted) as caught:
        await gate.admit(
            user_id="carol",
            project_id=project,
            weights=WEIGHTS,
            prompt_tokens=500,
            max_tokens=1000,
            budget=policy,
            rate_limits=RateLimits(),
            now=NOW,
        )
    assert caught.value.period.key == NOW.date().isoformat()


async def test_rate_limits_are_checked_on_prompt_plus_max_tokens(
    gate: QuotaGate, project: str
) -> None:
    async def admit() -> Admission:
        return await gate.admit(
            user_id="dave",
            project_id=project,
            weights=WEIGHTS,
            prompt_tokens=200,
            max_tokens=800,
            budget=BudgetPolicy(limit=None),
            rate_limits=RateLimits(user_tpm=1500),
            now=NOW,
        )

    admission = await admit()
    assert admission.reservation is None  # no budget: nothing reserved
    assert await admission.settle(TokenUsage(prompt=200, output=10)) is None
    with pytest.raises(RateLimited) as caught:
        await admit()  # 1000 more tokens would make 2000 in the minute
    assert (caught.value.metric, caught.value.scope) == ("tokens", "user")


def test_revocation_handler_routes_single_keys_and_drop_all() -> None:
    dropped: list[str] = []
    cleared: list[bool] = []
    handler = revocation_handler(dropped.append, lambda: cleared.append(True))
    handler("key-1")
    handler(ALL_KEYS)
    handler("key-2")
    assert (dropped, cleared) == (["key-1", "key-2"], [True])


def _gate_admit(
    gate: QuotaGate, project: str, user: str, prompt: int, max_tokens: int, limit: int,
    user_rpm: int,
) -> Coroutine[Any, Any, Admission]:
    return gate.admit(
        user_id=user,
        project_id=project,
        weights=WEIGHTS,
        prompt_tokens=prompt,
        max_tokens=max_tokens,
        budget=BudgetPolicy(limit=tokens_to_units(limit), period="month"),
        rate_limits=RateLimits(user_rpm=user_rpm),
        now=NOW,
    )


BOTH_LIMITERS = pytest.mark.parametrize(
    "rate_store", ["memory", pytest.param("redis", marks=pytest.mark.redis)], indirect=True
)


@BOTH_LIMITERS
async def test_a_rate_limited_request_holds_no_reservation(
    budgets: QuotaService, limiter: RateLimiter, project: str
) -> None:
    """With Redis the limits and the reservation go out together; a refusal gives it back."""
    gate = QuotaGate(budgets, limiter)
    held = await _gate_admit(gate, project, "erin", 100, 400, 100_000, user_rpm=1)
    period = budget_period("month", NOW)
    assert await budgets.usage(project, period) == (0, tokens_to_units(100 + 400 * 3))
    with pytest.raises(RateLimited) as caught:
        await _gate_admit(gate, project, "erin", 100, 400, 100_000, user_rpm=1)
    assert (caught.value.metric, caught.value.scope) == ("requests", "user")
    assert await budgets.usage(project, period) == (0, tokens_to_units(100 + 400 * 3))
    await held.settle(TokenUsage(prompt=100, output=20))
    assert await budgets.usage(project, period) == (tokens_to_units(100 + 40), 0)


@BOTH_LIMITERS
async def test_a_request_the_budget_refuses_still_counts_against_the_rate_limits(
    budgets: QuotaService, limiter: RateLimiter, project: str
) -> None:
    """The same on every backend, whether the limits and the budget go in one script or two."""
    gate = QuotaGate(budgets, limiter)
    with pytest.raises(BudgetExhausted):  # over the budget: refused, but a request this minute
        await _gate_admit(gate, project, "fay", 10, 5000, 1000, user_rpm=2)
    await (await _gate_admit(gate, project, "fay", 10, 10, 1000, user_rpm=2)).release()
    with pytest.raises(RateLimited) as caught:  # the third request in the minute
        await _gate_admit(gate, project, "fay", 10, 10, 1000, user_rpm=2)
    assert caught.value.retry_after_s > 0
    assert await budgets.usage(project, budget_period("month", NOW)) == (0, 0)
