"""One "gateway process" of the concurrency proof: many asyncio clients draining one budget.

Run by ``test_concurrency.py`` as a separate OS process (twice at once). It builds its own
quota service on the backend named on the command line, prints ``ready``, waits for the go
file, then runs ``--clients`` concurrent clients. Each client reserves a random worst case,
holds it for a moment, then settles a real usage at or below it (or releases it, as a failed
request would), until the budget refuses it ``--give-up`` times. The process prints one JSON
line: what it was charged in total and how often it was admitted and refused.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import create_async_engine

from labgate.quota import (
    BudgetExhausted,
    DatabaseQuotaService,
    QuotaService,
    RedisQuotaService,
    budget_period,
)
from labgate.store.engine import make_engine

MAX_RESERVATION = 20_000


def build(args: argparse.Namespace) -> QuotaService:
    if args.database.startswith("sqlite"):
        engine = make_engine(args.database)
    else:
        engine = create_async_engine(
            args.database,
            pool_size=20,
            max_overflow=10,
            connect_args={"server_settings": {"search_path": args.schema}},
        )
    if args.redis:
        return RedisQuotaService(Redis.from_url(args.redis), engine, prefix=args.prefix)
    return DatabaseQuotaService(engine)


async def client(
    service: QuotaService, args: argparse.Namespace, rng: random.Random, tally: dict[str, int]
) -> None:
    """Spend until the budget itself (not other clients' in-flight holds) refuses us."""
    period = budget_period("month")
    final_refusals = 0
    while final_refusals < args.give_up:
        amount = rng.randint(1_000, MAX_RESERVATION)
        try:
            held = await service.reserve(args.project, period, amount, args.limit)
        except BudgetExhausted as refused:
            tally["refused"] += 1
            if refused.blocked_only_by_in_flight:
                tally["refused_in_flight"] += 1
            else:
                final_refusals += 1
            await asyncio.sleep(rng.random() * 0.005)
            continue
        tally["admitted"] += 1
        await asyncio.sleep(rng.random() * 0.003)  # the "model" at work
        if rng.random() < 0.15:
            await service.release(held)  # the request failed before its first token
            tally["released"] += 1
        else:
            actual = amount if rng.random() < 0.5 else rng.randint(0, amount)
            await service.settle(held, actual)
            tally["charged"] += actual


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", required=True)
    parser.add_argument("--schema", default="public")
    parser.add_argument("--redis", default="")
    parser.add_argument("--prefix", default="labgate-test:")
    parser.add_argument("--project", required=True)
    parser.add_argument("--limit", type=int, required=True)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--give-up", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--go-file", type=Path, required=True)
    args = parser.parse_args()

    service = build(args)
    await service.start()
    print("ready", flush=True)
    deadline = time.monotonic() + 60
    while not args.go_file.exists():
        if time.monotonic() > deadline:
            sys.exit("the go file never appeared")
        await asyncio.sleep(0.01)

    tally = {"charged": 0, "admitted": 0, "refused": 0, "refused_in_flight": 0, "released": 0}
    rngs = [random.Random(args.seed * 1000 + i) for i in range(args.clients)]
    await asyncio.gather(*(client(service, args, rng, tally) for rng in rngs))
    await service.close()
    print(json.dumps(tally), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
