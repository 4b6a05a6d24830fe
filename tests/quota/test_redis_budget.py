"""What only the Redis backend does: seed from the database, flush to it, survive lost state."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.quota import (
    BudgetExhausted,
    BudgetPeriod,
    QuotaUnavailable,
    RedisQuotaService,
    budget_period,
)
from labgate.quota.factory import make_redis
from labgate.quota.usage_store import UsageRow, read_used, write_used

from .conftest import T0, FakeClock

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
def period() -> BudgetPeriod:
    return budget_period("month", datetime.fromtimestamp(T0, UTC))


@pytest.fixture
def service(
    redis: Redis, pg_engine: AsyncEngine, key_prefix: str, clock: FakeClock
) -> RedisQuotaService:
    return RedisQuotaService(redis, pg_engine, prefix=key_prefix, clock=clock)


async def test_start_seeds_redis_from_the_database(
    service: RedisQuotaService, pg_engine: AsyncEngine, project: str, period: BudgetPeriod
) -> None:
    row = UsageRow(project, period.key, period.ends_at_epoch, used=700)
    await write_used(pg_engine, [row], T0)
    await service.start()
    assert await service.usage(project, period) == (700, 0)
    with pytest.raises(BudgetExhausted) as caught:
        await service.reserve(project, period, 400, limit=1000)
    assert caught.value.used == 700


async def test_a_counter_redis_lost_is_reseeded_from_the_last_flush(
    service: RedisQuotaService,
    redis: Redis,
    pg_engine: AsyncEngine,
    key_prefix: str,
    project: str,
    period: BudgetPeriod,
) -> None:
    await service.start()
    await service.settle(await service.reserve(project, period, 300, limit=1000), 300)
    assert await service.flush() == 1
    assert await read_used(pg_engine, project, period.key) == 300
    async for key in redis.scan_iter(match=key_prefix + "quota:*"):  # Redis loses its data
        await redis.delete(key)
    held = await service.reserve(project, period, 700, limit=1000)
    assert await service.usage(project, period) == (300, 700)
    with pytest.raises(BudgetExhausted):
        await service.reserve(project, period, 1, limit=1000)
    await service.settle(held, 650)
    await service.close()  # flushes
    assert await read_used(pg_engine, project, period.key) == 950


async def test_settling_after_redis_lost_the_counter_still_charges(
    service: RedisQuotaService,
    redis: Redis,
    pg_engine: AsyncEngine,
    key_prefix: str,
    project: str,
    period: BudgetPeriod,
) -> None:
    await service.start()
    held = await service.reserve(project, period, 500, limit=1000)
    async for key in redis.scan_iter(match=key_prefix + "quota:*"):
        await redis.delete(key)
    usage = await service.settle(held, 450)
    assert (usage.used, usage.reserved) == (450, 0)


async def test_flushes_never_move_the_database_backwards(
    pg_engine: AsyncEngine, project: str, period: BudgetPeriod
) -> None:
    newer = UsageRow(project, period.key, period.ends_at_epoch, used=900)
    older = UsageRow(project, period.key, period.ends_at_epoch, used=400)
    await write_used(pg_engine, [newer], T0)
    await write_used(pg_engine, [older], T0 + 1)  # a slower replica's stale snapshot
    assert await read_used(pg_engine, project, period.key) == 900


async def test_only_settled_counters_are_flushed_and_only_once(
    service: RedisQuotaService, pg_engine: AsyncEngine, project: str, period: BudgetPeriod
) -> None:
    await service.start()
    held = await service.reserve(project, period, 100, limit=1000)
    assert await service.flush() == 0  # a reservation is not spend
    await service.settle(held, 80)
    assert await service.flush() == 1
    assert await service.flush() == 0
    assert await read_used(pg_engine, project, period.key) == 80


async def test_scripts_are_reloaded_when_redis_forgot_them(
    service: RedisQuotaService, project: str, period: BudgetPeriod
) -> None:
    await service.start()
    # Stand-in for a Redis restart: the SHA the runner holds is no longer known to Redis.
    service._scripts._shas["reserve"] = "0" * 40
    held = await service.reserve(project, period, 10, limit=100)
    assert held.amount == 10


async def test_an_unreachable_redis_is_reported_as_unavailable(
    pg_engine: AsyncEngine, project: str, period: BudgetPeriod
) -> None:
    dead = make_redis("redis://127.0.0.1:1/0")
    service = RedisQuotaService(dead, pg_engine, prefix="labgate-test:dead:")
    with pytest.raises(QuotaUnavailable, match="Redis is not answering"):
        await service.reserve(project, period, 10, limit=100)
    await dead.aclose()


async def test_reservations_expire_on_redis_time_without_a_clock(
    redis: Redis, pg_engine: AsyncEngine, key_prefix: str, project: str
) -> None:
    """Production passes no clock: the script reads Redis' TIME for now and expiry."""
    service = RedisQuotaService(redis, pg_engine, prefix=key_prefix)
    await service.start()
    period = budget_period("month")
    held = await service.reserve(project, period, 10, limit=100, ttl_s=30)
    seconds, micros = await redis.time()
    assert held.expires_at == pytest.approx(seconds + micros / 1e6 + 30, abs=5)
