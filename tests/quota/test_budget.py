"""Budget arithmetic, refusals and expiry, run against every backend.

Each test runs three times: the database backend on SQLite, the database backend on the real
PostgreSQL, and the Redis backend (real Redis, flushing to the real PostgreSQL).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from labgate.quota import BudgetExhausted, BudgetPeriod, QuotaService, budget_period
from labgate.quota.service import DEFAULT_IN_FLIGHT_RETRY_S

from .conftest import T0, FakeClock


@pytest.fixture
def period() -> BudgetPeriod:
    return budget_period("month", datetime.fromtimestamp(T0, UTC))


async def test_reserve_settle_release_arithmetic(
    budgets: QuotaService, project: str, period: BudgetPeriod
) -> None:
    first = await budgets.reserve(project, period, 300, limit=1000)
    assert (first.project_id, first.period, first.amount) == (project, period, 300)
    assert await budgets.usage(project, period) == (0, 300)

    settled = await budgets.settle(first, 200)  # used less than its worst case
    assert (settled.used, settled.reserved) == (200, 0)

    second = await budgets.reserve(project, period, 500, limit=1000)
    third = await budgets.reserve(project, period, 300, limit=1000)  # exactly fills the budget
    assert await budgets.usage(project, period) == (200, 800)

    assert await budgets.release(second) is True
    assert await budgets.release(second) is False  # a second release gives nothing back
    assert await budgets.usage(project, period) == (200, 300)

    await budgets.settle(third, 300)
    assert await budgets.usage(project, period) == (500, 0)


async def test_settling_more_than_reserved_charges_the_real_usage(
    budgets: QuotaService, project: str, period: BudgetPeriod
) -> None:
    held = await budgets.reserve(project, period, 100, limit=1000)
    usage = await budgets.settle(held, 250)
    assert (usage.used, usage.reserved) == (250, 0)


async def test_a_budget_is_filled_exactly_and_never_beyond(
    budgets: QuotaService, project: str, period: BudgetPeriod
) -> None:
    for _ in range(4):
        await budgets.settle(await budgets.reserve(project, period, 250, limit=1000), 250)
    with pytest.raises(BudgetExhausted):
        await budgets.reserve(project, period, 1, limit=1000)
    assert await budgets.usage(project, period) == (1000, 0)


async def test_exhausted_error_names_project_period_and_reset(
    budgets: QuotaService, project: str, period: BudgetPeriod, clock: FakeClock
) -> None:
    await budgets.settle(await budgets.reserve(project, period, 900_000, limit=1_000_000), 900_000)
    with pytest.raises(BudgetExhausted) as caught:
        await budgets.reserve(project, period, 200_000, limit=1_000_000)
    err = caught.value
    assert (err.project, err.period, err.limit, err.used) == (project, period, 1_000_000, 900_000)
    assert (err.reserved, err.requested) == (0, 200_000)
    first_of_next_month = (period.starts_at + timedelta(days=32)).replace(day=1)
    assert err.resets_at == first_of_next_month
    assert err.retry_after_s == pytest.approx(err.resets_at.timestamp() - clock.now)
    assert not err.blocked_only_by_in_flight
    message = str(err)
    assert f"project '{project}'" in message
    assert f"900 of its 1,000 weighted-token budget for period {period.key}" in message
    assert f"resets at {first_of_next_month:%Y-%m-%d} 00:00 UTC" in message
    assert err.retry_after_header == str(int(err.resets_at.timestamp() - clock.now))


async def test_refusal_caused_only_by_in_flight_requests_asks_for_a_short_retry(
    budgets: QuotaService, project: str, period: BudgetPeriod
) -> None:
    await budgets.reserve(project, period, 800, limit=1000)
    with pytest.raises(BudgetExhausted) as caught:
        await budgets.reserve(project, period, 300, limit=1000)
    err = caught.value
    assert (err.used, err.reserved) == (0, 800)
    assert err.blocked_only_by_in_flight
    assert err.retry_after_s == DEFAULT_IN_FLIGHT_RETRY_S
    assert "held by requests in flight" in str(err)


async def test_a_request_larger_than_the_whole_budget_says_so(
    budgets: QuotaService, project: str, period: BudgetPeriod
) -> None:
    with pytest.raises(BudgetExhausted) as caught:
        await budgets.reserve(project, period, 5000, limit=1000)
    assert "more than the whole budget" in str(caught.value)
    assert await budgets.usage(project, period) == (0, 0)


async def test_expired_reservations_are_reclaimed_by_the_next_reserve(
    budgets: QuotaService, project: str, period: BudgetPeriod, clock: FakeClock
) -> None:
    await budgets.reserve(project, period, 600, limit=1000, ttl_s=10)  # its replica "crashes"
    with pytest.raises(BudgetExhausted):
        await budgets.reserve(project, period, 600, limit=1000)
    clock.advance(11)
    fresh = await budgets.reserve(project, period, 600, limit=1000)
    assert await budgets.usage(project, period) == (0, 600)
    await budgets.settle(fresh, 600)
    assert await budgets.usage(project, period) == (600, 0)


async def test_sweep_returns_expired_holds_and_keeps_live_ones(
    budgets: QuotaService, project: str, period: BudgetPeriod, clock: FakeClock
) -> None:
    await budgets.reserve(project, period, 100, limit=1000, ttl_s=5)
    await budgets.reserve(project, period, 200, limit=1000, ttl_s=5)
    live = await budgets.reserve(project, period, 300, limit=1000, ttl_s=60)
    clock.advance(6)
    assert await budgets.reclaim_expired() >= 2  # other tests' leftovers may be swept too
    assert await budgets.usage(project, period) == (0, 300)
    assert await budgets.reclaim_expired() == 0
    assert await budgets.release(live) is True
    assert await budgets.usage(project, period) == (0, 0)


async def test_settling_a_reclaimed_reservation_charges_it_once(
    budgets: QuotaService, project: str, period: BudgetPeriod, clock: FakeClock
) -> None:
    late = await budgets.reserve(project, period, 400, limit=1000, ttl_s=5)
    clock.advance(6)
    await budgets.reclaim_expired()
    usage = await budgets.settle(late, 350)  # the tokens were spent: charge them
    assert (usage.used, usage.reserved) == (350, 0)
    assert await budgets.release(late) is False


async def test_periods_and_projects_are_counted_apart(
    budgets: QuotaService, project: str, period: BudgetPeriod
) -> None:
    next_month = budget_period("month", period.ends_at)
    await budgets.settle(await budgets.reserve(project, period, 1000, limit=1000), 1000)
    held = await budgets.reserve(project, next_month, 1000, limit=1000)
    other = await budgets.reserve(project + "-b", period, 1000, limit=1000)
    month = next_month.starts_at.strftime("%Y-%m")
    assert (held.period.key, other.project_id) == (month, project + "-b")
    assert next_month.starts_at == period.ends_at
    assert await budgets.usage(project, next_month) == (0, 1000)


async def test_negative_amounts_are_programming_errors(
    budgets: QuotaService, project: str, period: BudgetPeriod
) -> None:
    with pytest.raises(ValueError, match="negative"):
        await budgets.reserve(project, period, -1, limit=10)
    held = await budgets.reserve(project, period, 1, limit=10)
    with pytest.raises(ValueError, match="negative"):
        await budgets.settle(held, -5)


async def test_budgets_stay_exact_up_to_two_to_the_53_units(
    budgets: QuotaService, project: str, period: BudgetPeriod
) -> None:
    """Nine thousand billion weighted tokens: the largest budget Lua's doubles count exactly."""
    limit = 2**53 - 1
    first = await budgets.reserve(project, period, 2**52, limit=limit)
    await budgets.reserve(project, period, 2**52 - 1, limit=limit)
    with pytest.raises(BudgetExhausted):
        await budgets.reserve(project, period, 1, limit=limit)
    usage = await budgets.settle(first, 2**52 - 7)
    assert (usage.used, usage.reserved) == (2**52 - 7, 2**52 - 1)
