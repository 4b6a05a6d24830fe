"""A large batch on two replicas while an interactive client keeps sending.

Starts a fake worker (``delay`` seconds per answer) and two gateway processes on a fresh
PostgreSQL database (the one tests use: ``bash scripts/services-up.sh``), then:

1. the worker's direct throughput at the same total concurrency (interactive + both runners);
2. interactive alone: ``--clients`` closed-loop clients for ``--phase-s`` seconds, through
   both replicas in turn: rate and latency p50/p99;
3. the same interactive load while a ``--lines`` batch runs (submitted with the openai SDK)
   until it completes or ``--max-s`` passes: interactive rate and p50/p99, batch items/s.

Printed: batch throughput as a share of what the interactive load leaves of the direct rate
(``batch / (direct - interactive)``), and interactive p99 with and without the batch.
Run: ``.venv/bin/python bench/batch.py`` (``--lines 2000`` for a quick one).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import orjson
from openai import AsyncOpenAI

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.conftest import PG_ADMIN_DSN  # noqa: E402
from tests.support.servers import free_port, wait_http_ok  # noqa: E402

CHAT = {"model": "fake", "messages": [{"role": "user", "content": "hello"}], "max_tokens": 16}


async def _pg(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def _closed_loop(
    urls: list[str], key: str, clients: int, stop: asyncio.Event, path: str = "/chat/completions"
) -> list[float]:
    lat: list[float] = []

    async def one(i: int) -> None:
        async with httpx.AsyncClient(
            base_url=urls[i % len(urls)], headers={"Authorization": f"Bearer {key}"}, timeout=60
        ) as c:
            while not stop.is_set():
                t = time.perf_counter()
                r = await c.post(path, json=CHAT)
                if r.status_code == 200:
                    lat.append(time.perf_counter() - t)

    await asyncio.gather(*(one(i) for i in range(clients)))
    return lat


async def _timed(urls: list[str], key: str, clients: int, seconds: float) -> list[float]:
    stop = asyncio.Event()
    task = asyncio.create_task(_closed_loop(urls, key, clients, stop))
    await asyncio.sleep(seconds)
    stop.set()
    return await task


async def main(args: argparse.Namespace) -> None:
    db = "lgbench_" + uuid.uuid4().hex[:8]
    await _pg(f'CREATE DATABASE "{db}"')
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].split("://", 1)[1]
    tmp = Path(tempfile.mkdtemp(prefix="lgbatch-"))
    wport = free_port()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "labgate.testing.fake_worker", "--port", str(wport)]
            + ["--flags", f"delay={args.delay}"]
        )
    ]
    config = tmp / "labgate.toml"
    config.write_text(
        "[embedded]\nenabled = false\n\n[approval]\nenforce = false\n\n[safety]\nenabled = false\n"
        f'\n[[models]]\nname = "fake"\nworkers = ["http://127.0.0.1:{wport}/v1"]\n\n'
        f"[batch]\nconcurrency = {args.concurrency}\npoll_s = 0.2\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABGATE_")}
    env["LABGATE_DATABASE_URL"] = f"postgresql://{base}/{db}"
    urls = []
    try:
        for _ in range(2):
            port = free_port()
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "labgate.cli", "serve", "--port", str(port)]
                    + ["--data-dir", str(tmp / "data"), "--config", str(config)],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            urls.append(f"http://127.0.0.1:{port}/v1")
            wait_http_ok(urls[-1].removesuffix("/v1") + "/healthz", procs[-1])
        wait_http_ok(f"http://127.0.0.1:{wport}/v1/models", procs[0])
        key = (tmp / "data" / "admin.key").read_text().strip()
        total = args.clients + 2 * args.concurrency

        direct = await _timed([f"http://127.0.0.1:{wport}/v1"], "x", total, args.phase_s)
        direct_rate = len(direct) / args.phase_s
        alone = await _timed(urls, key, args.clients, args.phase_s)
        alone_rate = len(alone) / args.phase_s

        client = AsyncOpenAI(base_url=urls[0], api_key=key, max_retries=2)
        lines = [
            {"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions", "body": CHAT}
            for i in range(args.lines)
        ]
        data = b"\n".join(orjson.dumps(x) for x in lines) + b"\n"
        f = await client.files.create(file=("b.jsonl", io.BytesIO(data)), purpose="batch")
        stop = asyncio.Event()
        inter = asyncio.create_task(_closed_loop(urls, key, args.clients, stop))
        t0 = time.perf_counter()
        batch = await client.batches.create(
            input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        while True:
            await asyncio.sleep(1)
            b = await client.batches.retrieve(batch.id)
            elapsed = time.perf_counter() - t0
            if b.status == "completed" or elapsed > args.max_s:
                break
        stop.set()
        with_batch = await inter
        done = b.request_counts.completed + b.request_counts.failed
        batch_rate = done / elapsed
        with_rate = len(with_batch) / elapsed
        left = max(direct_rate - alone_rate, 1e-9)
        print(f"worker direct, {total} clients:      {direct_rate:8.1f} req/s")
        print(
            f"interactive alone, {args.clients} clients:    {alone_rate:8.1f} req/s"
            f"  p50 {_p(alone, 0.5) * 1000:6.1f} ms  p99 {_p(alone, 0.99) * 1000:6.1f} ms"
        )
        print(
            f"interactive with the batch:       {with_rate:8.1f} req/s"
            f"  p50 {_p(with_batch, 0.5) * 1000:6.1f} ms  p99 {_p(with_batch, 0.99) * 1000:6.1f} ms"
        )
        print(
            f"batch: {done}/{args.lines} items in {elapsed:.1f} s ({b.status}, "
            f"{b.request_counts.failed} failed): {batch_rate:.1f} items/s = "
            f"{100 * batch_rate / left:.0f}% of what interactive leaves "
            f"({left:.1f} req/s)"
        )
        print(f"  median interactive latency ratio with/without: "
              f"{statistics.median(with_batch) / statistics.median(alone):.2f}")  # fmt: skip
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        await _pg(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=10_000, help="batch size")
    ap.add_argument("--clients", type=int, default=4, help="interactive closed-loop clients")
    ap.add_argument("--concurrency", type=int, default=8, help="[batch] concurrency per replica")
    ap.add_argument("--delay", type=float, default=0.02, help="fake worker seconds per answer")
    ap.add_argument("--phase-s", type=float, default=15.0, help="seconds per baseline phase")
    ap.add_argument("--max-s", type=float, default=300.0, help="stop watching the batch after")
    asyncio.run(main(ap.parse_args()))
