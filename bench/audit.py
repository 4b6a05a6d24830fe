"""Benchmark of the audit log: durable appends/s, proof latency and full verification time.

    .venv/bin/python bench/audit.py                      # defaults: 1,000,000-record tree
    .venv/bin/python bench/audit.py --records 100000     # quicker
    .venv/bin/python bench/audit.py --no-postgres        # SQLite only

1. Durable appends per second, SQLite (``synchronous=FULL``) and PostgreSQL
   (``synchronous_commit=on``): ``--concurrency`` callers each awaiting ``AuditLog.append``
   (validation included), as gateway requests would. Target: at least 5,000/s.
2. A ``--records`` tree built with bulk inserts on SQLite, and a signed checkpoint of it.
3. Inclusion and consistency proof generation from storage at that size (each proof checked
   against the root, outside the timing). Target: at most 5 ms per proof.
4. ``verify_log`` over the whole tree: every leaf, node and checkpoint. Target: at most 30 s.

Figures are printed, never asserted. Everything is written under a temporary directory (or
``--workdir``) and a PostgreSQL schema of its own, removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from labgate.audit.checkpoint import CheckpointPublisher
from labgate.audit.log import AuditLog
from labgate.audit.merkle import verify_consistency, verify_inclusion
from labgate.audit.models import AUDIT_TABLES
from labgate.audit.note import NoteSigner
from labgate.audit.records import AuditRecord
from labgate.audit.verify import verify_log
from labgate.store.base import Base
from labgate.store.engine import make_engine

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def request_payload(n: int) -> dict[str, Any]:
    """A realistic request record (about 600 bytes of canonical JSON)."""
    return {
        "kind": "request",
        "request_id": f"req_{n:032x}",
        "user": f"user{n % 997}",
        "lab": ("ornl", "llnl", "anl", "lanl")[n % 4],
        "project": f"proj{n % 131}",
        "key_id": f"key_{n % 4093:08x}",
        "model": "o1-lab",
        "model_version": "2025-06-01",
        "worker": f"gh200-node{n % 64:03d}",
        "label": "CUI",
        "safety": [{"action": "allow", "stage": "input", "score": 0.01}],
        "usage": {"prompt_tokens": n % 4000, "completion_tokens": n % 9000,
                  "reasoning_tokens": n % 7000, "total_tokens": n % 4000 + n % 9000},
        "timings": {"first_token_ms": 180.5, "total_ms": 9120.25},
        "outcome": "ok",
        "status": 200,
        "digests": {"prompt_sha256": f"{n:064x}", "reasoning_sha256": f"{n + 1:064x}",
                    "response_sha256": f"{n + 2:064x}"},
    }


async def create_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: Base.metadata.create_all(sync, tables=AUDIT_TABLES))


async def durable_appends(engine: AsyncEngine, appends: int, concurrency: int) -> dict[str, float]:
    """Appends/s with ``concurrency`` callers awaiting ``append`` one record at a time."""
    latencies: list[float] = []
    counter = iter(range(appends))
    async with AuditLog(engine) as audit_log:
        await audit_log.append(request_payload(appends))  # warm the connection and the edge

        async def caller() -> None:
            for n in counter:
                started = time.perf_counter()
                await audit_log.append(request_payload(n))
                latencies.append(time.perf_counter() - started)

        batches_before = audit_log.batches
        started = time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        batches = audit_log.batches - batches_before
    latencies.sort()
    return {
        "per_s": appends / elapsed,
        "batch": appends / max(batches, 1),
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
    }


def payloads(count: int) -> Iterator[dict[str, Any]]:
    template = AuditRecord.model_validate(request_payload(0)).payload()
    for n in range(count):
        payload = dict(template)
        payload["request_id"] = f"req_{n:032x}"
        payload["user"] = f"user{n % 997}"
        payload["digests"] = {"prompt_sha256": f"{n:064x}", "reasoning_sha256": f"{n + 1:064x}",
                              "response_sha256": f"{n + 2:064x}"}
        yield payload


async def build(audit_log: AuditLog, records: int) -> float:
    started = time.perf_counter()
    step = 100_000
    for start in range(0, records, step):
        await audit_log.append_bulk(payloads(min(step, records - start)), batch=25_000)
        if sys.stdout.isatty():
            print(f"    built {min(start + step, records):>9,} records", end="\r", flush=True)
    if sys.stdout.isatty():
        print(" " * 40, end="\r")
    return time.perf_counter() - started


async def proof_latency(audit_log: AuditLog, size: int, samples: int) -> dict[str, list[float]]:
    rng = random.Random(7)
    root = await audit_log.root_at(size)
    timings: dict[str, list[float]] = {"inclusion": [], "consistency": []}
    for _ in range(samples):
        index = rng.randrange(size)
        started = time.perf_counter()
        proof = await audit_log.inclusion_proof(index, size)
        timings["inclusion"].append(time.perf_counter() - started)
        verify_inclusion(index, size, proof.leaf_hash, proof.hashes, root)

        first = rng.randrange(1, size)
        started = time.perf_counter()
        consistency = await audit_log.consistency_proof(first, size)
        timings["consistency"].append(time.perf_counter() - started)
        verify_consistency(first, size, consistency.first_root, root, consistency.hashes)
    return timings


def summary(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    return (f"mean {statistics.fmean(ms):.2f} ms, p50 {ms[len(ms) // 2]:.2f} ms, "
            f"p99 {ms[int(len(ms) * 0.99)]:.2f} ms, max {ms[-1]:.2f} ms")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{cpu}, {os.cpu_count()} cores (load {load:.1f}), Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}")


async def run(args: argparse.Namespace, workdir: Path) -> None:
    print(f"machine: {machine()}")
    print(f"\n1. durable appends ({args.appends:,} records, {args.concurrency} concurrent "
          "callers, each awaiting its own commit)")
    sqlite_engine = make_engine(f"sqlite:///{workdir / 'appends.db'}")
    await create_tables(sqlite_engine)
    result = await durable_appends(sqlite_engine, args.appends, args.concurrency)
    await sqlite_engine.dispose()
    print(f"   SQLite (WAL, synchronous=FULL): {result['per_s']:,.0f} appends/s "
          f"(mean batch {result['batch']:.0f}, p50 {result['p50_ms']:.1f} ms, "
          f"p99 {result['p99_ms']:.1f} ms)")
    if not args.no_postgres:
        await postgres_appends(args)

    print(f"\n2. building a {args.records:,}-record tree on SQLite (bulk inserts)")
    engine = make_engine(f"sqlite:///{workdir / 'big.db'}")
    await create_tables(engine)
    signer = NoteSigner.generate("bench.labgate/audit")
    async with AuditLog(engine) as audit_log:
        elapsed = await build(audit_log, args.records)
        megabytes = (await asyncio.to_thread(os.path.getsize, workdir / "big.db")) / 2**20
        print(f"   built in {elapsed:.1f} s ({args.records / elapsed:,.0f} records/s); "
              f"database {megabytes:,.0f} MiB")
        await CheckpointPublisher(audit_log, signer).publish()

        print(f"\n3. proofs from storage at tree size {args.records:,} ({args.proofs} each)")
        timings = await proof_latency(audit_log, args.records, args.proofs)
        print(f"   inclusion:   {summary(timings['inclusion'])}")
        print(f"   consistency: {summary(timings['consistency'])}")

        print(f"\n4. full verification of {args.records:,} records")
        started = time.perf_counter()
        report = await verify_log(audit_log, signer.verifier)
        elapsed = time.perf_counter() - started
        verdict = "OK" if report.ok else f"FAILED: {report.first_bad}"
        print(f"   {verdict}: {elapsed:.1f} s ({args.records / elapsed:,.0f} records/s)")
    await engine.dispose()


async def postgres_appends(args: argparse.Namespace) -> None:
    schema = f"audit_bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(args.postgres_url)
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OSError as exc:
        print(f"   PostgreSQL: skipped ({exc})")
        await admin.dispose()
        return
    engine = create_async_engine(
        args.postgres_url, connect_args={"server_settings": {"search_path": schema}}
    )
    try:
        await create_tables(engine)
        result = await durable_appends(engine, args.appends, args.concurrency)
        print(f"   PostgreSQL (synchronous_commit=on): {result['per_s']:,.0f} appends/s "
              f"(mean batch {result['batch']:.0f}, p50 {result['p50_ms']:.1f} ms, "
              f"p99 {result['p99_ms']:.1f} ms)")
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000,
                        help="size of the tree for proofs and verification (default 1,000,000)")
    parser.add_argument("--appends", type=int, default=20_000,
                        help="durable appends to time per database (default 20,000)")
    parser.add_argument("--concurrency", type=int, default=256,
                        help="concurrent callers during the append test (default 256)")
    parser.add_argument("--proofs", type=int, default=500,
                        help="inclusion and consistency proofs to time (default 500 each)")
    parser.add_argument("--postgres-url", default=DEFAULT_PG,
                        help=f"PostgreSQL for the append test (default {DEFAULT_PG})")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--workdir", help="keep the databases here instead of a temporary dir")
    args = parser.parse_args()
    if args.records < 2:
        sys.exit("--records must be at least 2")
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="labgate-audit-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        asyncio.run(run(args, workdir))
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
