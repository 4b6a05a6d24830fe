"""A large batch on two replicas while an interactive client keeps sending.

The scarce resource on a GPU cluster is the worker, not the gateway, so the fake worker is
given a declared capacity: ``--slots`` requests served at once, each holding its slot
``--delay`` seconds (``labgate.testing.fake_worker --slots``); its capacity is slots / delay
requests a second, well below what labgate relays on this host, and what the worker cannot
serve at once waits in its own first-come queue (as a vLLM engine's). Each replica is told
its part of the worker's slots (``max_in_flight_per_worker = slots / replicas``), so that the
gateways' fair-share schedulers, not the worker's queue, decide who runs. ``--slots 0`` is the
unconstrained worker (it answers as fast as the host lets it: then the gateways' CPU is the
limit, and the figures say so).

For each worker given (``--worker 16x0.5`` = 16 slots, 0.5 s; ``--worker 0x0.02`` the
unconstrained one), on a fresh PostgreSQL database (``bash scripts/services-up.sh``), a fresh
worker and two gateway processes:

1. the worker's direct throughput with more clients than it has slots;
2. interactive alone: ``--clients`` closed-loop clients for ``--phase-s`` seconds, through
   both replicas in turn: rate and latency p50/p99;
3. the same interactive load while a ``--lines`` batch runs (submitted with the openai SDK)
   until it completes or ``--max-s`` passes: interactive rate and p50/p99, batch items/s.

Printed, and as Markdown table rows: batch throughput as a share of what the interactive load
leaves of the direct rate (``batch / (direct - interactive alone)``), interactive p99 with and
without the batch, and the most requests that waited in the worker's own queue.
Run: ``.venv/bin/python bench/batch.py`` (``--lines 2000`` for a quick one).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import orjson
from openai import AsyncOpenAI

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.conftest import PG_ADMIN_DSN  # noqa: E402
from tests.support.servers import free_port, wait_http_ok  # noqa: E402

CHAT = {"model": "fake", "messages": [{"role": "user", "content": "hello"}], "max_tokens": 16}
REPLICAS = 2


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


async def _worker_waits(wurl: str, reset: bool = False) -> int:
    async with httpx.AsyncClient() as c:
        r = await c.get(wurl.removesuffix("/v1") + "/stats", params={"reset": 1} if reset else {})
        return int(r.json()["max_waiting"])


async def _interactive_waits(urls: list[str], key: str) -> dict[float, float]:
    """Interactive requests admitted so far, by queue-wait bucket bound (cumulative, both
    replicas): the scheduler's own histogram (``labgate_scheduler_queue_wait_seconds``)."""
    from prometheus_client.parser import text_string_to_metric_families

    out: dict[float, float] = {}
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {key}"}) as c:
        for url in urls:
            text = (await c.get(url.removesuffix("/v1") + "/metrics")).text
            for family in text_string_to_metric_families(text):
                if family.name != "labgate_scheduler_queue_wait_seconds":
                    continue
                for sample in family.samples:
                    if sample.name.endswith("_bucket") and sample.labels["class"] == "interactive":
                        le = float(sample.labels["le"])
                        out[le] = out.get(le, 0.0) + sample.value
    return out


def _wait_summary(before: dict[float, float], after: dict[float, float]) -> str:
    """'n, waited > 10 ms: k, p99 <= B ms' for the requests admitted between the two reads."""
    cum = {le: after.get(le, 0.0) - before.get(le, 0.0) for le in after}
    n = cum.get(float("inf"), 0.0)
    if not n:
        return "none"
    over = n - cum.get(0.01, 0.0)
    p99 = next(le for le in sorted(cum) if cum[le] >= 0.99 * n)
    return f"{n:.0f}, {over:.0f} waited > 10 ms, p99 <= {p99 * 1000:g} ms"


@dataclass
class Row:
    worker: str
    capacity: float  # declared: slots / delay (0: unconstrained, none declared)
    direct: float
    alone: list[float]
    alone_rate: float
    with_batch: list[float]
    with_rate: float
    done: int
    failed: int
    lines: int
    status: str
    elapsed: float
    waits_alone: int
    waits_batch: int
    qwait_alone: str
    qwait_batch: str

    @property
    def batch_rate(self) -> float:
        return self.done / self.elapsed

    @property
    def left(self) -> float:
        """What interactive leaves of the worker: of its declared capacity when it has one
        (the measured direct rate is a lower bound on a busy host: the bench's own client
        runs out of CPU first), else of the measured direct rate."""
        return max((self.capacity or self.direct) - self.alone_rate, 1e-9)


async def scenario(args: argparse.Namespace, slots: int, delay: float) -> Row:
    name = f"{slots} slots x {delay:g} s" if slots else f"unconstrained ({delay:g} s)"
    db = "lgbench_" + uuid.uuid4().hex[:8]
    await _pg(f'CREATE DATABASE "{db}"')
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].split("://", 1)[1]
    tmp = Path(tempfile.mkdtemp(prefix="lgbatch-"))
    wport = free_port()
    wurl = f"http://127.0.0.1:{wport}/v1"
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "labgate.testing.fake_worker", "--port", str(wport)]
            + ["--flags", f"delay={delay}", "--slots", str(slots)]
        )
    ]
    in_flight = max(1, slots // REPLICAS) if slots else 16
    config = tmp / "labgate.toml"
    config.write_text(
        "[embedded]\nenabled = false\n\n[approval]\nenforce = false\n\n[safety]\nenabled = false\n"
        f'\n[[models]]\nname = "fake"\nworkers = ["{wurl}"]\n'
        f"max_in_flight_per_worker = {in_flight}\n\n"
        f"[batch]\nconcurrency = {args.concurrency}\npoll_s = 0.2\n"
        + (f"\n[scheduler]\ninteractive_hold_s = {args.hold}\n" if args.hold is not None else "")
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABGATE_")}
    env["LABGATE_DATABASE_URL"] = f"postgresql://{base}/{db}"
    urls = []
    try:
        for _ in range(REPLICAS):
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
        wait_http_ok(f"{wurl}/models", procs[0])
        key = (tmp / "data" / "admin.key").read_text().strip()

        direct_clients = 2 * slots if slots else args.clients + REPLICAS * args.concurrency
        direct = await _timed([wurl], "x", direct_clients, args.phase_s)
        direct_rate = len(direct) / args.phase_s
        await _worker_waits(wurl, reset=True)
        q0 = await _interactive_waits(urls, key)
        alone = await _timed(urls, key, args.clients, args.phase_s)
        waits_alone = await _worker_waits(wurl, reset=True)
        q1 = await _interactive_waits(urls, key)

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
            await asyncio.sleep(0.5)
            b = await client.batches.retrieve(batch.id)
            elapsed = time.perf_counter() - t0
            counts = b.request_counts
            if (counts and counts.completed + counts.failed >= args.lines) or (
                elapsed > args.max_s
            ):
                break
        stop.set()
        with_batch = await inter
        waits_batch = await _worker_waits(wurl)
        q2 = await _interactive_waits(urls, key)
        assert counts is not None
        row = Row(
            worker=name,
            capacity=slots / delay if slots else 0.0,
            direct=direct_rate,
            alone=alone,
            alone_rate=len(alone) / args.phase_s,
            with_batch=with_batch,
            with_rate=len(with_batch) / elapsed,
            done=counts.completed + counts.failed,
            failed=counts.failed,
            lines=args.lines,
            status=b.status,
            elapsed=elapsed,
            waits_alone=waits_alone,
            waits_batch=waits_batch,
            qwait_alone=_wait_summary(q0, q1),
            qwait_batch=_wait_summary(q1, q2),
        )
        _print(row, direct_clients, args.clients)
        return row
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        await _pg(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def _ms(values: list[float], q: float) -> str:
    return f"{_p(values, q) * 1000:.0f}"


def _print(r: Row, direct_clients: int, clients: int) -> None:
    print(f"== worker: {r.worker}")
    print(
        f"worker direct, {direct_clients} clients: {r.direct:8.1f} req/s"
        f" (declared capacity {r.capacity:.1f} req/s)"
    )
    print(
        f"interactive alone, {clients} clients: {r.alone_rate:8.1f} req/s"
        f"  p50 {_ms(r.alone, 0.5)} ms  p99 {_ms(r.alone, 0.99)} ms"
        f"  (worker queue max {r.waits_alone})\n  interactive slot waits: {r.qwait_alone}"
    )
    print(
        f"interactive with the batch:  {r.with_rate:8.1f} req/s"
        f"  p50 {_ms(r.with_batch, 0.5)} ms  p99 {_ms(r.with_batch, 0.99)} ms"
        f"  (worker queue max {r.waits_batch})\n  interactive slot waits: {r.qwait_batch}"
    )
    print(
        f"batch: {r.done}/{r.lines} items in {r.elapsed:.1f} s ({r.status}, {r.failed} failed):"
        f" {r.batch_rate:.1f} items/s = {100 * r.batch_rate / r.left:.0f}% of what interactive"
        f" leaves ({r.left:.1f} req/s)",
        flush=True,
    )


def _table(rows: list[Row], clients: int) -> str:
    head = (
        "| worker | capacity, direct req/s "
        f"| interactive alone ({clients} clients): req/s, p50 / p99 ms "
        "| with the batch: req/s, p50 / p99 ms | batch items/s (done, s) "
        "| batch / what interactive leaves | worker queue max (alone / batch) "
        "| interactive slot waits alone; with the batch |\n"
        "|---|---|---|---|---|---|---|---|\n"
    )
    return head + "".join(
        f"| {r.worker} | {r.capacity or float('nan'):.1f}, {r.direct:.1f} "
        f"| {r.alone_rate:.1f}, {_ms(r.alone, 0.5)} / "
        f"{_ms(r.alone, 0.99)} | {r.with_rate:.1f}, {_ms(r.with_batch, 0.5)} / "
        f"{_ms(r.with_batch, 0.99)} | {r.batch_rate:.1f} ({r.done}/{r.lines}, {r.elapsed:.0f} s) "
        f"| {100 * r.batch_rate / r.left:.0f}% of {r.left:.1f} | {r.waits_alone} / "
        f"{r.waits_batch} | {r.qwait_alone}; {r.qwait_batch} |\n"
        for r in rows
    )


async def main(args: argparse.Namespace) -> None:
    rows = []
    for spec in args.worker or ["16x0.5", "0x0.02"]:
        slots, _, delay = spec.partition("x")
        rows.append(await scenario(args, int(slots), float(delay)))
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.uname().nodename}, "
          f"{os.cpu_count()} CPUs, load average {load}\n")  # fmt: skip
    print(_table(rows, args.clients))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=10_000, help="batch size")
    ap.add_argument("--clients", type=int, default=4, help="interactive closed-loop clients")
    ap.add_argument(
        "--concurrency",
        type=int,
        default=12,
        help="[batch] concurrency per replica (at least its part of the worker's slots)",
    )
    ap.add_argument(
        "--worker",
        action="append",
        help="SLOTSxSECONDS: the fake worker's slots (0: unconstrained) and seconds per answer; "
        "repeat for several (default: 16x0.5 and 0x0.02)",
    )
    ap.add_argument(
        "--hold", type=float, help="[scheduler] interactive_hold_s (default: labgate's)"
    )
    ap.add_argument("--phase-s", type=float, default=15.0, help="seconds per baseline phase")
    ap.add_argument("--max-s", type=float, default=900.0, help="stop watching the batch after")
    asyncio.run(main(ap.parse_args()))
