"""The proof that budgets hold across replicas: two OS processes, many clients each, one budget.

For every backend (SQLite alone, PostgreSQL alone, Redis with PostgreSQL) two separate
``hammer_budget.py`` processes start, wait on a shared go file, and drain one project's budget
with 20 concurrent clients each. Settlements never exceed their reservations, so the exact
bound is that ``used`` never exceeds the limit at all; and every unit a client was charged must
be in ``used`` (nothing lost, nothing counted twice), with no reservation left behind.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.quota import DatabaseQuotaService, QuotaService, RedisQuotaService, budget_period
from labgate.quota.models import QUOTA_TABLES
from labgate.quota.usage_store import read_used
from labgate.store.base import Base
from labgate.store.engine import make_engine

from .conftest import PG_SCHEMA, POSTGRES_URL, REDIS_URL

HAMMER = Path(__file__).with_name("hammer_budget.py")
LIMIT = 3_000_000  # units: a few hundred requests of up to MAX_RESERVATION each
MAX_RESERVATION = 20_000  # as in hammer_budget.py
PROCESS_TIMEOUT_S = 240


async def run_two_processes(extra_args: list[str], project: str, tmp_path: Path) -> list[dict]:
    go_file = tmp_path / f"go-{project}"
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            str(HAMMER),
            "--project",
            project,
            "--limit",
            str(LIMIT),
            "--seed",
            str(seed),
            "--go-file",
            str(go_file),
            *extra_args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for seed in (1, 2)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), PROCESS_TIMEOUT_S)
            if line.strip() != b"ready":
                _, err = await proc.communicate()
                pytest.fail(f"hammer process did not start: {line!r} {err.decode()[-2000:]}")
        go_file.touch()  # both are connected: release them at once
        results = []
        for proc in procs:
            out, err = await asyncio.wait_for(proc.communicate(), PROCESS_TIMEOUT_S)
            assert proc.returncode == 0, err.decode()[-2000:]
            results.append(json.loads(out.decode().strip().splitlines()[-1]))
        return results
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


def check_bounds(results: list[dict[str, Any]], used: int, reserved: int) -> None:
    charged = sum(r["charged"] for r in results)
    assert reserved == 0, "every reservation was settled or released"
    assert used == charged, "the budget counted exactly what clients were charged"
    assert used <= LIMIT, f"overspent: used {used} > limit {LIMIT}"
    # The proof only means something if both processes really competed for the budget.
    for r in results:
        assert r["admitted"] > 0 and r["refused"] > 0, results
    # Clients stop only when settled usage leaves less than their request: the budget was
    # drained to within one reservation, so the upper bound above was really tested.
    assert LIMIT - used < MAX_RESERVATION, results


async def final_usage(service: QuotaService, project: str) -> tuple[int, int]:
    await service.start()
    usage = await service.usage(project, budget_period("month"))
    await service.close()
    return usage.used, usage.reserved


async def test_sqlite_alone_holds_across_processes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'labgate.db'}"
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: Base.metadata.create_all(sync, tables=list(QUOTA_TABLES)))
    project = f"hammer-{uuid.uuid4().hex[:8]}"
    results = await run_two_processes(["--database", url], project, tmp_path)
    used, reserved = await final_usage(DatabaseQuotaService(engine), project)
    await engine.dispose()
    check_bounds(results, used, reserved)


@pytest.mark.postgres
async def test_postgres_alone_holds_across_processes(
    pg_engine: AsyncEngine, tmp_path: Path
) -> None:
    project = f"hammer-{uuid.uuid4().hex[:8]}"
    args = ["--database", POSTGRES_URL, "--schema", PG_SCHEMA]
    results = await run_two_processes(args, project, tmp_path)
    used, reserved = await final_usage(DatabaseQuotaService(pg_engine), project)
    check_bounds(results, used, reserved)


@pytest.mark.redis
@pytest.mark.postgres
async def test_redis_with_postgres_holds_across_processes(
    pg_engine: AsyncEngine, redis: Redis, key_prefix: str, tmp_path: Path
) -> None:
    project = f"hammer-{uuid.uuid4().hex[:8]}"
    args = [
        "--database", POSTGRES_URL, "--schema", PG_SCHEMA,
        "--redis", REDIS_URL, "--prefix", key_prefix,
    ]  # fmt: skip
    results = await run_two_processes(args, project, tmp_path)
    used, reserved = await final_usage(
        RedisQuotaService(redis, pg_engine, prefix=key_prefix), project
    )
    check_bounds(results, used, reserved)
    # Each process flushed on close: the durable record agrees with Redis.
    assert await read_used(pg_engine, project, budget_period("month").key) == used
