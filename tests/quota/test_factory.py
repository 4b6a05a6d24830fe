"""Assembling the quota parts for a deployment, their background work, and outages."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.quota import (
    DatabaseQuotaService,
    DatabaseRevocationBus,
    InMemoryRateLimiter,
    QuotaUnavailable,
    RateLimits,
    RedisQuotaService,
    RedisRateLimiter,
    RedisRevocationBus,
    budget_period,
    build_quota,
)
from labgate.quota.factory import make_redis
from labgate.quota.usage_store import read_used
from labgate.store.engine import make_engine

from .conftest import REDIS_URL

WAIT_S = 20  # ceiling for background work to show, not a timing assertion


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Poll state another task changes in the database (no event to wait on there)."""
    for _ in range(int(WAIT_S / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    pytest.fail(f"background work did not show within {WAIT_S} s")


async def test_without_redis_the_database_carries_everything(
    sqlite_engine: AsyncEngine, project: str
) -> None:
    parts = build_quota(sqlite_engine)
    assert parts.backend == "database"
    assert isinstance(parts.budgets, DatabaseQuotaService)
    assert isinstance(parts.rate_limiter, InMemoryRateLimiter)
    assert isinstance(parts.revocations, DatabaseRevocationBus)
    await parts.start()
    parts.sweep_interval_s = 0.02
    stop = asyncio.Event()
    background = asyncio.create_task(parts.run_background(stop))
    try:
        period = budget_period("month")
        await parts.budgets.reserve(project, period, 500, limit=1000, ttl_s=0.05)  # abandoned

        async def swept() -> bool:
            return (await parts.budgets.usage(project, period)).reserved == 0

        await eventually(swept)
    finally:
        stop.set()
        await asyncio.wait_for(background, WAIT_S)
        await parts.close()


@pytest.mark.redis
@pytest.mark.postgres
async def test_with_redis_settled_usage_is_flushed_in_the_background(
    pg_engine: AsyncEngine, key_prefix: str, project: str
) -> None:
    parts = build_quota(pg_engine, REDIS_URL, prefix=key_prefix, flush_interval_s=0.02)
    assert parts.backend == "redis"
    assert isinstance(parts.budgets, RedisQuotaService)
    assert isinstance(parts.rate_limiter, RedisRateLimiter)
    assert isinstance(parts.revocations, RedisRevocationBus)
    await parts.start()
    stop = asyncio.Event()
    background = asyncio.create_task(parts.run_background(stop))
    try:
        period = budget_period("month")
        held = await parts.budgets.reserve(project, period, 500, limit=1000)
        await parts.budgets.settle(held, 420)
        await parts.rate_limiter.admit("someone", project, 10, RateLimits(user_rpm=5))

        async def flushed() -> bool:
            return await read_used(pg_engine, project, period.key) == 420

        await eventually(flushed)
    finally:
        stop.set()
        await asyncio.wait_for(background, WAIT_S)
        await parts.close()


async def test_an_unreachable_database_is_reported_as_unavailable(project: str) -> None:
    engine = make_engine("postgresql://postgres@127.0.0.1:1/test")
    try:
        with pytest.raises(QuotaUnavailable, match="the database is not answering"):
            await DatabaseQuotaService(engine).reserve(project, budget_period("month"), 1, 10)
        with pytest.raises(QuotaUnavailable, match="nothing was charged"):
            await DatabaseRevocationBus(engine).publish("key-1")
    finally:
        await engine.dispose()


async def test_an_unreachable_redis_fails_rate_limits_and_publishes_clearly() -> None:
    dead = make_redis("redis://127.0.0.1:1/0")
    try:
        with pytest.raises(QuotaUnavailable, match="Redis is not answering"):
            await RedisRateLimiter(dead).admit("u", "p", 1, RateLimits(user_rpm=1))
        with pytest.raises(QuotaUnavailable, match="Redis is not answering"):
            await RedisRevocationBus(dead).publish("key-1")
    finally:
        await dead.aclose()
