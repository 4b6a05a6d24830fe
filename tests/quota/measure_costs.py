"""Print what a budget round (reserve + settle) and a rate-limit check cost, per backend.

Not a test (pytest does not collect it): run it by hand against the real servers, e.g.

    .venv/bin/python tests/quota/measure_costs.py --rounds 2000

One client measures latency (p50/p99 of one operation, in µs); then ``--concurrency`` clients
in one process measure throughput. It works in a throw-away PostgreSQL schema, a temporary
SQLite file and a unique Redis prefix, and removes them all.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from labgate.quota import (
    QUOTA_TABLES,
    DatabaseQuotaService,
    InMemoryRateLimiter,
    QuotaService,
    RateLimiter,
    RateLimits,
    RedisQuotaService,
    RedisRateLimiter,
    budget_period,
)
from labgate.store.base import Base
from labgate.store.engine import make_engine

Op = Callable[[int], Awaitable[None]]


async def latencies(op: Op, rounds: int) -> list[float]:
    for i in range(min(50, rounds)):  # warm connections and caches
        await op(-1 - i)
    samples = []
    for i in range(rounds):
        start = time.perf_counter()
        await op(i)
        samples.append((time.perf_counter() - start) * 1e6)
    return samples


async def throughput(op: Op, rounds: int, concurrency: int) -> float:
    counter = iter(range(rounds))

    async def worker() -> None:
        for i in counter:
            await op(i)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return rounds / (time.perf_counter() - start)


def budget_round(service: QuotaService) -> Op:
    period = budget_period("month")

    async def op(i: int) -> None:
        # One project per 16 requests: hot rows, as many users share a project.
        held = await service.reserve(f"bench-{i % 16}", period, 5_000, 10**15)
        await service.settle(held, 3_000)

    return op


def rate_check(limiter: RateLimiter) -> Op:
    limits = RateLimits(user_rpm=10**9, user_tpm=10**12, project_rpm=10**9, project_tpm=10**12)

    async def op(i: int) -> None:
        await limiter.admit(f"user-{i % 64}", f"proj-{i % 8}", 1200, limits)

    return op


def report(name: str, samples: list[float], per_s: float) -> None:
    samples.sort()
    p50 = statistics.median(samples)
    p99 = samples[int(len(samples) * 0.99) - 1]
    print(f"{name:<34} {p50:>9.0f} {p99:>9.0f} {per_s:>12.0f}")


async def create_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: Base.metadata.create_all(sync, tables=list(QUOTA_TABLES)))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()

    schema = f"quota_bench_{uuid.uuid4().hex[:8]}"
    prefix = f"labgate-bench:{uuid.uuid4().hex[:8]}:"
    admin = create_async_engine(args.postgres, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    pg = create_async_engine(
        args.postgres,
        pool_size=args.concurrency,
        connect_args={"server_settings": {"search_path": schema}},
    )
    tmp = tempfile.TemporaryDirectory()
    lite = make_engine(f"sqlite:///{Path(tmp.name) / 'labgate.db'}")
    redis = Redis.from_url(args.redis)
    try:
        await create_tables(pg)
        await create_tables(lite)
        redis_budgets = RedisQuotaService(redis, pg, prefix=prefix)
        redis_limiter = RedisRateLimiter(redis, prefix=prefix)
        await redis_budgets.start()
        await redis_limiter.start()
        cases: list[tuple[str, Op, int]] = [
            ("budget reserve+settle, Redis+PG", budget_round(redis_budgets), args.rounds),
            ("budget reserve+settle, PostgreSQL", budget_round(DatabaseQuotaService(pg)),
             args.rounds // 2),
            ("budget reserve+settle, SQLite", budget_round(DatabaseQuotaService(lite)),
             args.rounds // 4),
            ("rate-limit check (4 limits), Redis", rate_check(redis_limiter), args.rounds),
            ("rate-limit check (4 limits), memory", rate_check(InMemoryRateLimiter()),
             args.rounds * 10),
        ]  # fmt: skip
        rate_header = f"ops/s @{args.concurrency}"
        print(f"{'operation':<34} {'p50 µs':>9} {'p99 µs':>9} {rate_header:>12}")
        for name, op, rounds in cases:
            samples = await latencies(op, rounds)
            per_s = await throughput(op, rounds, args.concurrency)
            report(name, samples, per_s)
        await redis_budgets.close()
    finally:
        async for key in redis.scan_iter(match=prefix + "*", count=1000):
            await redis.delete(key)
        await redis.aclose()
        await pg.dispose()
        await lite.dispose()
        tmp.cleanup()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
