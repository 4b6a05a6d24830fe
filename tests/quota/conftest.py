"""Fixtures for the quota tests: the real Redis and PostgreSQL, and SQLite in a temp dir.

Every run gets its own PostgreSQL schema and Redis key prefix (and each test its own project
ids), so parallel runs by other engineers never see each other's rows or keys; both are removed
at the end. Override the servers with ``LABGATE_TEST_PG`` / ``LABGATE_TEST_REDIS``, as for the
root conftest.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from labgate.quota import (
    QUOTA_TABLES,
    DatabaseQuotaService,
    InMemoryRateLimiter,
    QuotaService,
    RateLimiter,
    RedisQuotaService,
    RedisRateLimiter,
)
from labgate.store.base import Base
from labgate.store.engine import make_engine, normalise_url

POSTGRES_URL = normalise_url(
    os.environ.get("LABGATE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
)
REDIS_URL = os.environ.get("LABGATE_TEST_REDIS", "redis://127.0.0.1:6379/0")
RUN_ID = uuid.uuid4().hex[:10]
PG_SCHEMA = f"quota_test_{RUN_ID}"

# "Now" for the tests: today at noon (UTC), so period arithmetic in assertions is exact. Not a
# fixed date: Redis expires a budget counter at its period's end plus a grace week by its own
# clock, so a counter seeded for a period long past vanished at once (the tests failed a week
# after the date they once named).
T0 = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0).timestamp()


class FakeClock:
    """A clock tests move by hand; passed to the services as their time source."""

    def __init__(self, start: float = T0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def postgres_engine(schema: str, url: str = POSTGRES_URL) -> AsyncEngine:
    """An engine whose connections all use ``schema`` (asyncpg ``search_path``)."""
    return create_async_engine(
        url,
        pool_size=10,
        max_overflow=10,
        connect_args={"server_settings": {"search_path": schema}},
    )


@pytest.fixture(scope="session")
async def pg_engine() -> AsyncIterator[AsyncEngine]:
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{PG_SCHEMA}"'))
    engine = postgres_engine(PG_SCHEMA)
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: Base.metadata.create_all(sync, tables=list(QUOTA_TABLES)))
    yield engine
    await engine.dispose()
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP SCHEMA "{PG_SCHEMA}" CASCADE'))
    await admin.dispose()


@pytest.fixture(scope="session")
async def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncEngine]:
    path = tmp_path_factory.mktemp("quota") / "labgate.db"
    engine = make_engine(f"sqlite:///{path}")
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: Base.metadata.create_all(sync, tables=list(QUOTA_TABLES)))
    yield engine
    await engine.dispose()


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture
async def key_prefix(redis: Redis) -> AsyncIterator[str]:
    """A Redis key prefix of this test alone; its keys are deleted afterwards."""
    prefix = f"labgate-test:{RUN_ID}:{uuid.uuid4().hex[:8]}:"
    yield prefix
    async for key in redis.scan_iter(match=prefix + "*", count=500):
        await redis.delete(key)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def project() -> str:
    return f"proj-{uuid.uuid4().hex[:12]}"


BUDGET_BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    pytest.param("redis", id="redis+postgres", marks=[pytest.mark.redis, pytest.mark.postgres]),
]


@pytest.fixture(params=BUDGET_BACKENDS)
def budget_store(request: pytest.FixtureRequest) -> dict[str, Any]:
    """What a budget backend needs. A plain fixture: it may pull in the async ones lazily."""
    if request.param == "sqlite":
        return {"kind": "database", "engine": request.getfixturevalue("sqlite_engine")}
    if request.param == "postgres":
        return {"kind": "database", "engine": request.getfixturevalue("pg_engine")}
    return {
        "kind": "redis",
        "engine": request.getfixturevalue("pg_engine"),
        "redis": request.getfixturevalue("redis"),
        "prefix": request.getfixturevalue("key_prefix"),
    }


def make_budgets(store: dict[str, Any], clock: FakeClock | None) -> QuotaService:
    if store["kind"] == "database":
        return DatabaseQuotaService(store["engine"], clock=clock)
    return RedisQuotaService(store["redis"], store["engine"], prefix=store["prefix"], clock=clock)


@pytest.fixture
async def budgets(budget_store: dict[str, Any], clock: FakeClock) -> AsyncIterator[QuotaService]:
    """Each budget backend in turn (SQLite, PostgreSQL, Redis+PostgreSQL), on the fake clock."""
    service = make_budgets(budget_store, clock)
    await service.start()
    yield service
    await service.close()


RATE_BACKENDS = [
    pytest.param("memory", id="memory"),
    pytest.param("redis", id="redis", marks=pytest.mark.redis),
]


@pytest.fixture(params=RATE_BACKENDS)
def rate_store(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "memory":
        return {"kind": "memory"}
    return {
        "kind": "redis",
        "redis": request.getfixturevalue("redis"),
        "prefix": request.getfixturevalue("key_prefix"),
    }


@pytest.fixture
async def limiter(rate_store: dict[str, Any], clock: FakeClock) -> AsyncIterator[RateLimiter]:
    """Each rate-limiter backend in turn (in-memory, Redis), on the fake clock."""
    made: RateLimiter
    if rate_store["kind"] == "memory":
        made = InMemoryRateLimiter(clock=clock)
    else:
        made = RedisRateLimiter(rate_store["redis"], prefix=rate_store["prefix"], clock=clock)
    await made.start()
    yield made
    await made.close()


UniqueName = Callable[[str], str]


@pytest.fixture
def unique() -> UniqueName:
    return lambda stem: f"{stem}-{uuid.uuid4().hex[:10]}"
