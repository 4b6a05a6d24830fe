"""What labgate adds on top of a worker: latency (p50/p99) and throughput, plain and streamed.

Starts a minimal fast OpenAI-compatible worker (``labgate.testing.fake_worker``: canned
answers, no model) and ``labgate serve`` in front of it (one process, SQLite, no embedded
worker), then sends the same load to the worker directly and through labgate:

* latency: one client, requests one after another; labgate's added latency is the
  difference of the percentiles (through − direct);
* throughput: ``--concurrency`` clients for ``--duration`` seconds;
* streaming: time to first token (first content chunk), one client.

Everything runs on this machine (2 cores shared by the load generator, labgate and the
worker), so the figures are a floor on what a dedicated gateway host does.

    python bench/overhead.py [--requests 2000] [--duration 8] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
CHAT = {
    "model": "fake",
    "messages": [{"role": "user", "content": "What is the capital of France?"}],
    "max_tokens": 16,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as s:
        while time.monotonic() < deadline:
            try:
                async with s.get(url) as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


async def one(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], body: bytes
) -> float:
    t = time.perf_counter()
    async with session.post(url, data=body, headers=headers) as r:
        await r.read()
        if r.status != 200:
            raise RuntimeError(f"HTTP {r.status}")
    return time.perf_counter() - t


async def ttft(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], body: bytes
) -> float:
    t = time.perf_counter()
    first = None
    async with session.post(url, data=body, headers=headers) as r:
        async for line in r.content:
            if first is None and line.startswith(b"data: ") and b'"content"' in line:
                first = time.perf_counter() - t
        if r.status != 200:
            raise RuntimeError(f"HTTP {r.status}")
    assert first is not None
    return first


async def sequential(url: str, headers: dict[str, str], n: int, stream: bool) -> list[float]:
    body = json.dumps({**CHAT, "stream": stream}).encode()
    headers = {**headers, "Content-Type": "application/json"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as s:
        fn = ttft if stream else one
        for _ in range(min(50, n)):  # warm up connections and caches
            await fn(s, url, headers, body)
        return [await fn(s, url, headers, body) for _ in range(n)]


async def throughput(
    url: str, headers: dict[str, str], concurrency: int, duration: float
) -> tuple[float, list[float]]:
    body = json.dumps(CHAT).encode()
    headers = {**headers, "Content-Type": "application/json"}
    latencies: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as s:
        for _ in range(concurrency):
            await one(s, url, headers, body)
        stop = time.perf_counter() + duration

        async def client() -> None:
            while time.perf_counter() < stop:
                latencies.append(await one(s, url, headers, body))

        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return len(latencies) / elapsed, latencies


def ms(x: float) -> str:
    return f"{x * 1000:.2f} ms"


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--requests", type=int, default=2000, help="sequential requests per run")
    ap.add_argument("--duration", type=float, default=8.0, help="seconds per throughput run")
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    wport, gport = free_port(), free_port()
    tmp = Path(tempfile.mkdtemp(prefix="labgate-bench-"))
    (tmp / "labgate.toml").write_text(
        '[embedded]\nenabled = false\n\n[[models]]\nname = "fake"\n'
        f'workers = ["http://127.0.0.1:{wport}/v1"]\nmax_in_flight_per_worker = 256\n'
    )
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("LABGATE_CONFIG", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "labgate.testing.fake_worker", "--port", str(wport)], env=env
    )
    gateway = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "labgate.cli",
            "serve",
            "--port",
            str(gport),
            "--data-dir",
            str(tmp / "data"),
            "--config",
            str(tmp / "labgate.toml"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        await wait_http(f"http://127.0.0.1:{wport}/v1/models")
        await wait_http(f"http://127.0.0.1:{gport}/healthz")
        key = (tmp / "data" / "admin.key").read_text().strip()
        direct = f"http://127.0.0.1:{wport}/v1/chat/completions"
        via = f"http://127.0.0.1:{gport}/v1/chat/completions"
        auth = {"Authorization": f"Bearer {key}"}
        results: dict[str, object] = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}",
        }

        print(f"labgate overhead benchmark — {results['machine']}")
        d = await sequential(direct, {}, args.requests, False)
        v = await sequential(via, auth, args.requests, False)
        print(f"\nnon-streaming, 1 client, {args.requests} requests")
        print(f"  direct  p50 {ms(pct(d, 50))}  p99 {ms(pct(d, 99))}")
        print(f"  labgate p50 {ms(pct(v, 50))}  p99 {ms(pct(v, 99))}")
        added50, added99 = pct(v, 50) - pct(d, 50), pct(v, 99) - pct(d, 99)
        print(f"  added   p50 {ms(added50)}  p99 {ms(added99)}")
        results["plain_added_p50_ms"] = added50 * 1000
        results["plain_added_p99_ms"] = added99 * 1000

        ds = await sequential(direct, {}, args.requests // 2, True)
        vs = await sequential(via, auth, args.requests // 2, True)
        print(f"\nstreaming, 1 client, {args.requests // 2} requests: time to first token")
        print(f"  direct  p50 {ms(pct(ds, 50))}  p99 {ms(pct(ds, 99))}")
        print(f"  labgate p50 {ms(pct(vs, 50))}  p99 {ms(pct(vs, 99))}")
        t50, t99 = pct(vs, 50) - pct(ds, 50), pct(vs, 99) - pct(ds, 99)
        print(f"  added   p50 {ms(t50)}  p99 {ms(t99)}")
        results["ttft_added_p50_ms"] = t50 * 1000
        results["ttft_added_p99_ms"] = t99 * 1000

        print(f"\nnon-streaming throughput, {args.concurrency} clients, {args.duration:.0f} s")
        rd, ld = await throughput(direct, {}, args.concurrency, args.duration)
        rv, lv = await throughput(via, auth, args.concurrency, args.duration)
        print(f"  direct  {rd:8.0f} req/s  p50 {ms(pct(ld, 50))}  p99 {ms(pct(ld, 99))}")
        print(f"  labgate {rv:8.0f} req/s  p50 {ms(pct(lv, 50))}  p99 {ms(pct(lv, 99))}")
        results["direct_rps"] = rd
        results["labgate_rps"] = rv
        results["labgate_loaded_p50_ms"] = pct(lv, 50) * 1000
        results["labgate_loaded_p99_ms"] = pct(lv, 99) * 1000
        results["sequential_direct_mean_ms"] = statistics.mean(d) * 1000
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    finally:
        for p in (gateway, worker):
            p.send_signal(signal.SIGTERM)
        for p in (gateway, worker):
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    asyncio.run(main())
