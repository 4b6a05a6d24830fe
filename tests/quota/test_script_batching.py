"""Concurrent script calls share round trips (a pipeline) and behave as if sent alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.quota import (
    BudgetExhausted,
    BudgetPeriod,
    QuotaUnavailable,
    RedisQuotaService,
    budget_period,
)
from labgate.quota.factory import make_redis

from .conftest import T0, FakeClock

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
def period() -> BudgetPeriod:
    return budget_period("month", datetime.fromtimestamp(T0, UTC))


@pytest.fixture
async def service(
    redis: Redis, pg_engine: AsyncEngine, key_prefix: str, clock: FakeClock
) -> RedisQuotaService:
    made = RedisQuotaService(redis, pg_engine, prefix=key_prefix, clock=clock)
    await made.start()
    return made


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per write to any Redis connection (a command or a whole pipeline)."""
    seen: list[int] = []
    original = AbstractConnection.send_packed_command

    async def counting(self: AbstractConnection, command: Any, check_health: bool = True) -> None:
        seen.append(1)
        await original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    return seen


async def outcomes(calls: list[Any]) -> list[Any]:
    return await asyncio.gather(*calls, return_exceptions=True)


async def test_concurrent_reservations_hold_the_limit_in_fewer_round_trips(
    service: RedisQuotaService, project: str, period: BudgetPeriod, writes: list[int]
) -> None:
    await service.reserve(project, period, 0, limit=100)  # seed the counter
    writes.clear()
    got = await outcomes([service.reserve(project, period, 10, limit=100) for _ in range(30)])
    held = [g for g in got if not isinstance(g, BaseException)]
    refused = [g for g in got if isinstance(g, BudgetExhausted)]
    assert len(held) == 10 and len(refused) == 20
    assert len({h.id for h in held}) == 10
    assert len(writes) < 30  # the old runner: one round trip each
    usage = await service.usage(project, period)
    assert usage.reserved == 100
    settled = await outcomes([service.settle(h, 3) for h in held])
    assert all(not isinstance(s, BaseException) for s in settled)
    assert await service.usage(project, period) == (30, 0)


async def test_a_forgotten_script_in_a_batch_is_reloaded(
    service: RedisQuotaService, project: str, period: BudgetPeriod
) -> None:
    await service.reserve(project, period, 0, limit=100)
    service._scripts._shas["reserve"] = "0" * 40  # as after a Redis restart
    got = await outcomes([service.reserve(project, period, 10, limit=100) for _ in range(5)])
    assert all(not isinstance(g, BaseException) for g in got), got
    assert (await service.usage(project, period)).reserved == 50


async def test_concurrent_callers_of_an_unreachable_redis_each_get_unavailable(
    pg_engine: AsyncEngine, project: str, period: BudgetPeriod
) -> None:
    dead = make_redis("redis://127.0.0.1:1/0")
    service = RedisQuotaService(dead, pg_engine, prefix="labgate-test:dead:")
    service._scripts._shas.update({"reserve": "0" * 40})  # skip the load; it cannot answer
    got = await outcomes([service.reserve(project, period, 10, limit=100) for _ in range(5)])
    assert all(isinstance(g, QuotaUnavailable) for g in got), got
    await dead.aclose()
