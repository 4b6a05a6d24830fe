"""Shared fixtures: the store under test (SQLite, or PostgreSQL in the second pass), fake
workers, and a gateway served for real on loopback."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

STORE = os.environ.get("LABGATE_TEST_STORE", "sqlite")
PG_ADMIN_DSN = os.environ.get("LABGATE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("LABGATE_TEST_REDIS", "redis://127.0.0.1:6379/0")
REPO = Path(__file__).resolve().parents[1]


async def _pg_exec(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database of the kind this pass tests."""
    if STORE != "postgres":
        yield f"sqlite+aiosqlite:///{tmp_path / 'labgate.db'}"
        return
    name = "lgtest_" + uuid.uuid4().hex[:12]
    await _pg_exec(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    try:
        yield f"postgresql+asyncpg://{base.split('://', 1)[1]}/{name}"
    finally:
        await _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url() -> str | None:
    return REDIS_URL if STORE == "postgres" else None


@pytest.fixture
async def fake_worker() -> AsyncIterator[Any]:
    from tests.support.servers import start_fake_worker

    w = await start_fake_worker("fake")
    yield w
    await w.stop()


@pytest.fixture
async def redis_prefix(redis_url: str | None) -> AsyncIterator[str]:
    """A key prefix of this test's own in the shared Redis, removed afterwards."""
    prefix = f"lgtest:{uuid.uuid4().hex[:10]}:"
    yield prefix
    if redis_url:
        import redis.asyncio as aioredis

        client = aioredis.from_url(redis_url)
        try:
            keys = [k async for k in client.scan_iter(match=prefix + "*")]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()


@pytest.fixture
def make_settings(
    tmp_path: Path, database_url: str, redis_url: str | None, redis_prefix: str
) -> Callable[..., Any]:
    """Settings for a gateway with no embedded worker and the given models."""
    from labgate.config import load_settings

    def make(models: list[dict[str, Any]], **extra: Any) -> Any:
        overrides: dict[str, Any] = {
            "data_dir": str(tmp_path / "data"),
            "database_url": database_url,
            "embedded": {"enabled": False},
            "models": models,
            "router": {"health_interval_s": 0.5, "breaker_cooldown_s": 1.0},
            "redis_url": redis_url,
            # the guardrail model loads in seconds; tests that exercise it turn it on
            "safety": {"enabled": False},
            # the model gate (tests/approval) would refuse every unapproved fake model; tests
            # of the gate turn it on
            "approval": {"enforce": False},
            "redis_prefix": redis_prefix,
        }
        overrides.update(extra)
        return load_settings(None, environ={}, overrides=overrides)

    return make
