"""What labgate adds on top of a worker: latency (p50/p99) and throughput, plain and streamed.

Starts a minimal fast OpenAI-compatible worker (``labgate.testing.fake_worker``: canned
answers, no model) and ``labgate serve`` in front of it (one process, SQLite, no embedded
worker), then sends the same load to the worker directly and through labgate:

* latency: one client, requests one after another; labgate's added latency is the
  difference of the percentiles (through − direct), measured in ``--rounds`` alternating
  rounds and reported as the median of the rounds;
* throughput: ``--concurrency`` clients for ``--duration`` seconds;
* streaming: time to first token (first content chunk), one client.

Everything runs on this machine (2 cores shared by the load generator, labgate and the
worker), so the figures are a floor on what a dedicated gateway host does.

With ``--store postgres`` the gateway keeps its state in PostgreSQL and its counters in Redis
(the production stores), and the default project gets a budget and per-minute limits, so every
request also passes authentication, rate limiting (user and project RPM/TPM, one Redis round
trip), budget reservation and settlement (Redis), fair-share admission and the audit log.

    python bench/overhead.py [--requests 2000] [--rounds 3] [--duration 8]
                             [--concurrency 32] [--store sqlite|postgres]
                             [--audit-sync FULL|NORMAL] [--sync-interval-ms 5]

``--all-rows`` runs issue 25's whole ``wrk`` table in one run instead (labgate on SQLite, with
the guardrail, on PostgreSQL + Redis plain / + rate limits / + limits and budget, the Responses
path and streams, beside the worker, the bare floors and LiteLLM), our own client on two of
the rows, and ``--streams`` streams held at once (``--streams-only --stream-delay 1`` for
just those).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


def start_gateway(home: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``labgate serve`` on ``port`` with ``home``'s data directory and ``labgate.toml``, its
    output in ``home/gateway.log``."""
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "labgate.cli", "serve", "--port", str(port)),
            *("--data-dir", str(home / "data"), "--config", str(home / "labgate.toml")),
        ],
        env=env,
        stdout=(home / "gateway.log").open("wb"),
        stderr=subprocess.STDOUT,
    )


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


QUESTIONS = [
    "What is the capital of France?",
    "How does a tokamak confine plasma?",
    "Explain the half-life of tritium.",
    "What limits the efficiency of a heat pump?",
    "Why is the sky blue?",
    "How do GPUs schedule warps?",
]
UNIQUE = False  # --safety: every request a different prompt, so no cache answers for the screen
# --conversation: the turns before each numbered question (as a running chat resends them;
# the guardrail's segment cache has read them before, the new question it has not)
HISTORY: list[dict[str, str]] = []
CONVERSATION = [
    {
        "role": "user",
        "content": "I am preparing a seminar on fusion energy for first-year students.",
    },
    {
        "role": "assistant",
        "content": "Good idea. Start with why fusion releases energy, then how a reactor keeps "
        "the plasma hot and confined, and end with what is still unsolved.",
    },
    {"role": "user", "content": "Which experiments should I mention, and what did each show?"},
    {
        "role": "assistant",
        "content": "JET's record shots, the National Ignition Facility's ignition in 2022 and "
        "ITER's design choices make a clear story: each answered one question the last left.",
    },
]


def body_of(i: int, stream: bool) -> bytes:
    """A request body; with ``UNIQUE`` the prompt differs every time (numbered)."""
    if not UNIQUE:
        return json.dumps({**CHAT, "stream": stream}).encode()
    question = f"{QUESTIONS[i % len(QUESTIONS)]} (question {i})"
    messages = [*HISTORY, {"role": "user", "content": question}]
    return json.dumps({**CHAT, "messages": messages, "stream": stream}).encode()


_counter = iter(range(10**9))


async def sequential(url: str, headers: dict[str, str], n: int, stream: bool) -> list[float]:
    headers = {**headers, "Content-Type": "application/json"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as s:
        fn = ttft if stream else one
        for _ in range(min(50, n)):  # warm up connections and caches
            await fn(s, url, headers, body_of(next(_counter), stream))
        return [await fn(s, url, headers, body_of(next(_counter), stream)) for _ in range(n)]


async def throughput(
    url: str, headers: dict[str, str], concurrency: int, duration: float
) -> tuple[float, list[float]]:
    headers = {**headers, "Content-Type": "application/json"}
    latencies: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as s:
        for _ in range(concurrency):
            await one(s, url, headers, body_of(next(_counter), False))
        stop = time.perf_counter() + duration

        async def client() -> None:
            while time.perf_counter() < stop:
                latencies.append(await one(s, url, headers, body_of(next(_counter), False)))

        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return len(latencies) / elapsed, latencies


async def latency_rounds(
    direct: str,
    via: str,
    auth: dict[str, str],
    n: int,
    stream: bool,
    rounds: int,
    pid: int | None,
) -> dict[str, Any]:
    """``rounds`` alternating runs, direct then through labgate; the added p50/p99 of each
    round, and their medians (one round on a shared machine can catch another job's burst)."""
    added50, added99, direct50, via50, cpu = [], [], [], [], []
    for _ in range(rounds):
        d = await sequential(direct, {}, n, stream)
        before = cpu_seconds(pid) if pid else 0.0
        v = await sequential(via, auth, n, stream)
        if pid:
            cpu.append((cpu_seconds(pid) - before) / (n + min(50, n)))
        direct50.append(pct(d, 50))
        via50.append(pct(v, 50))
        added50.append(pct(v, 50) - pct(d, 50))
        added99.append(pct(v, 99) - pct(d, 99))
    return {
        "rounds50": added50,
        "rounds99": added99,
        "direct50": statistics.median(direct50),
        "via50": statistics.median(via50),
        "added50": statistics.median(added50),
        "added99": statistics.median(added99),
        "cpu": statistics.median(cpu) if cpu else float("nan"),
    }


async def rotate(
    urls: list[str], headers: list[dict[str, str]], n: int, pids: list[int | None]
) -> tuple[list[list[float]], list[float | None]]:
    """Requests one after another, one client, every URL in turn with the order rotated each
    time (so none is always first or last); their latencies, and the CPU per request of the
    processes ``pids`` (None where not measured)."""
    body = json.dumps(CHAT).encode()
    sessions = [aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) for _ in urls]
    times: list[list[float]] = [[] for _ in urls]

    async def one(i: int) -> float:
        t = time.perf_counter()
        async with sessions[i].post(urls[i], data=body, headers=headers[i]) as r:
            await r.read()
            if r.status != 200:
                raise RuntimeError(f"{urls[i]}: HTTP {r.status}")
        return time.perf_counter() - t

    try:
        for _ in range(200):  # warm up connections and caches
            for i in range(len(urls)):
                await one(i)
        before = [None if p is None else cpu_seconds(p) for p in pids]
        for k in range(n):
            for j in range(len(urls)):
                i = (j + k) % len(urls)  # every position in the rotation, in turn
                times[i].append(await one(i))
        cpu = [
            None if p is None or b is None else (cpu_seconds(p) - b) / n
            for p, b in zip(pids, before, strict=True)
        ]
    finally:
        for s in sessions:
            await s.close()
    return times, cpu


RESPONSES = {
    "model": "fake",
    "input": "What is the capital of France?",
    "max_output_tokens": 16,
    "store": False,
}
EMBED = {"model": "embed", "input": ["What is the capital of France?"]}


async def responses_side_by_side(
    direct: str, via_chat: str, via_responses: str, auth: dict[str, str], n: int, stream: bool
) -> dict[str, float]:
    """One client; per request, the worker directly, chat completions through labgate and the
    Responses API through labgate, in rotated order: what each path adds to the worker's p50
    and p99 (for ``stream``, to the first content token)."""
    chat = json.dumps({**CHAT, "stream": stream}).encode()
    resp = json.dumps({**RESPONSES, "stream": stream}).encode()
    marks = (b'"content"', b'"content"', b"response.output_text.delta")
    targets = [(direct, {}, chat), (via_chat, auth, chat), (via_responses, auth, resp)]
    times: list[list[float]] = [[], [], []]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=3)) as s:

        async def call(i: int) -> float:
            url, headers, body = targets[i]
            headers = {**headers, "Content-Type": "application/json"}
            t = time.perf_counter()
            first = None
            async with s.post(url, data=body, headers=headers) as r:
                if not stream:
                    await r.read()
                else:
                    async for line in r.content:
                        if first is None and marks[i] in line:
                            first = time.perf_counter() - t
                if r.status != 200:
                    raise RuntimeError(f"{url}: HTTP {r.status}")
            return first if stream and first is not None else time.perf_counter() - t

        for _ in range(50):  # warm up connections and caches
            for i in range(3):
                await call(i)
        for k in range(n):
            for j in range(3):
                i = (j + k) % 3  # every position in the rotation, in turn
                times[i].append(await call(i))
    d50, d99 = pct(times[0], 50), pct(times[0], 99)
    return {
        "direct_p50_ms": d50 * 1000,
        "chat_added_p50_ms": (pct(times[1], 50) - d50) * 1000,
        "responses_added_p50_ms": (pct(times[2], 50) - d50) * 1000,
        "chat_added_p99_ms": (pct(times[1], 99) - d99) * 1000,
        "responses_added_p99_ms": (pct(times[2], 99) - d99) * 1000,
    }


async def embed_throughput(
    url: str, headers: dict[str, str], concurrency: int, duration: float
) -> tuple[float, list[float]]:
    body = json.dumps(EMBED).encode()
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


async def responses_and_embeddings(
    args: Any, wport: int, gport: int, auth: dict[str, str], results: dict[str, object]
) -> None:
    """The Responses API beside chat completions in one run, and embeddings' throughput."""
    direct = f"http://127.0.0.1:{wport}/v1/chat/completions"
    via_chat = f"http://127.0.0.1:{gport}/v1/chat/completions"
    via_responses = f"http://127.0.0.1:{gport}/v1/responses"
    n = max(100, args.requests // 2)
    for stream in (False, True):
        r = await responses_side_by_side(direct, via_chat, via_responses, auth, n, stream)
        what = "time to first token, streamed" if stream else "non-streaming"
        print(f"\nResponses API beside chat completions ({what}), 1 client, {n} requests each")
        print(f"  worker direct p50 {r['direct_p50_ms']:.2f} ms")
        print(
            f"  added by labgate: chat p50 {r['chat_added_p50_ms']:+.2f} ms "
            f"(p99 {r['chat_added_p99_ms']:+.2f}), Responses p50 "
            f"{r['responses_added_p50_ms']:+.2f} ms (p99 {r['responses_added_p99_ms']:+.2f})"
        )
        results["responses_stream" if stream else "responses_plain"] = r
    print(f"\nembeddings throughput, {args.concurrency} clients, {args.duration:.0f} s")
    rd, ld = await embed_throughput(
        f"http://127.0.0.1:{wport}/v1/embeddings", {}, args.concurrency, args.duration
    )
    rv, lv = await embed_throughput(
        f"http://127.0.0.1:{gport}/v1/embeddings", auth, args.concurrency, args.duration
    )
    print(f"  direct  {rd:8.0f} req/s  p50 {ms(pct(ld, 50))}  p99 {ms(pct(ld, 99))}")
    print(f"  labgate {rv:8.0f} req/s  p50 {ms(pct(lv, 50))}  p99 {ms(pct(lv, 99))}")
    results["embeddings_direct_rps"] = rd
    results["embeddings_labgate_rps"] = rv


def report_rounds(r: dict[str, Any]) -> None:
    print(f"  direct  p50 {ms(r['direct50'])}   labgate p50 {ms(r['via50'])}  (medians)")
    for i, (a50, a99) in enumerate(zip(r["rounds50"], r["rounds99"], strict=True), 1):
        print(f"  round {i}: added p50 {ms(a50)}  p99 {ms(a99)}")
    print(f"  added   p50 {ms(r['added50'])}  p99 {ms(r['added99'])}  (median of the rounds)")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) a process and its descendants have used so far,
    from /proc: with the guardrail on, the gateway's screening lane prepares long inputs in a
    child process (the preparer), whose time the process's own counters leave out."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # a descendant gone between the listing and the reading
        return 0.0
    # its own time and that of the children it has waited for
    own = sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children += [int(c) for c in task.read_text().split()]
        except OSError:
            continue
    return own + sum(cpu_seconds(c) for c in children)


def ms(x: float) -> str:
    return f"{x * 1000:.2f} ms"


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--requests", type=int, default=2000, help="sequential requests per run")
    ap.add_argument("--duration", type=float, default=8.0, help="seconds per throughput run")
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="latency rounds (direct, then labgate); the medians are reported",
    )
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument(
        "--audit-sync",
        choices=["FULL", "NORMAL"],
        default="FULL",
        help="SQLite audit durability: FULL survives power loss, NORMAL a crash",
    )
    ap.add_argument(
        "--sync-interval-ms",
        type=float,
        help="with --audit-sync NORMAL: the WAL syncer's interval (default: 5)",
    )
    ap.add_argument(
        "--safety",
        action="store_true",
        help="keep the guardrail on (its own cost is measured by bench/safety.py); every "
        "request then carries a different prompt, so its embedding cache cannot answer",
    )
    ap.add_argument(
        "--pg",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="PostgreSQL server (a scratch database is created and dropped)",
    )
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    ap.add_argument(
        "--wrk-duration",
        type=float,
        default=4.0,
        help="seconds per wrk run (side by side, every target, every round)",
    )
    ap.add_argument("--no-litellm", action="store_true", help="leave LiteLLM's proxy out")
    ap.add_argument(
        "--wrk-only",
        action="store_true",
        help="run only the wrk side-by-side table (and our client's latency rounds)",
    )
    ap.add_argument(
        "--all-rows",
        action="store_true",
        help="the whole wrk table of issue 25 in one run: labgate on SQLite, with the "
        "guardrail, on PostgreSQL + Redis (plain, + rate limits, + limits and budget), the "
        "Responses path and streams, beside the floors and LiteLLM; then 500 streams held",
    )
    ap.add_argument("--streams", type=int, default=500, help="with --all-rows: streams held")
    ap.add_argument(
        "--stream-delay",
        type=float,
        default=0.2,
        help="seconds between a held stream's chunks (the fake worker's delay)",
    )
    ap.add_argument(
        "--streams-only", action="store_true", help="only hold --streams streams at once"
    )
    ap.add_argument(
        "--only-responses",
        action="store_true",
        help="run only the Responses API and embeddings parts",
    )
    ap.add_argument(
        "--redis-rows",
        action="store_true",
        help="only the PostgreSQL + Redis rows of --all-rows (plain, + rate limits, + limits and "
        "budget) in wrk's table, beside the worker and the floors",
    )
    ap.add_argument(
        "--conversation",
        action="store_true",
        help="with --safety: every request carries four earlier turns before its numbered "
        "question, as a running chat does (the screen reads the whole conversation)",
    )
    ap.add_argument(
        "--before-src",
        type=Path,
        help="with --redis-rows: also run the + rate limits and + budget rows from this "
        "labgate source tree (e.g. an older commit's `src`, by `git archive`), side by side; "
        "with the wrk table alone (--wrk-only or the default run): also a labgate on SQLite "
        "served from it, so a change to the request path is measured before/after in one run",
    )
    args = ap.parse_args()
    global UNIQUE
    UNIQUE = args.safety  # the guardrail caches segment vectors: repeated prompts would hit it
    if args.conversation:
        HISTORY[:] = CONVERSATION

    wport, gport = free_port(), free_port()
    tmp = Path(tempfile.mkdtemp(prefix="labgate-bench-"))
    (tmp / "labgate.toml").write_text(
        '[embedded]\nenabled = false\n\n[[models]]\nname = "fake"\n'
        f'workers = ["http://127.0.0.1:{wport}/v1"]\nmax_in_flight_per_worker = 1024\n'
        '\n[[models]]\nname = "embed"\nkind = "embedding"\n'
        f'workers = ["http://127.0.0.1:{wport}/v1"]\nmax_in_flight_per_worker = 256\n'
        "\n[approval]\nenforce = false\n"
        + ("" if args.safety else "\n[safety]\nenabled = false\n")
        + f'\n[audit]\nsqlite_synchronous = "{args.audit_sync}"\n'
        + (
            ""
            if args.sync_interval_ms is None
            else f"sqlite_sync_interval_ms = {args.sync_interval_ms}\n"
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABGATE_")}
    env["PYTHONUNBUFFERED"] = "1"
    scratch_db = None
    if args.store == "postgres":
        import asyncpg

        scratch_db = f"lgbench_{os.getpid()}"
        conn = await asyncpg.connect(args.pg)
        await conn.execute(f'CREATE DATABASE "{scratch_db}"')
        await conn.close()
        env["LABGATE_DATABASE_URL"] = args.pg.rsplit("/", 1)[0] + "/" + scratch_db
        env["LABGATE_REDIS_URL"] = args.redis
        env["LABGATE_REDIS_PREFIX"] = f"lgbench:{os.getpid()}:"
    worker = subprocess.Popen(
        [sys.executable, "-m", "labgate.testing.fake_worker", "--port", str(wport)], env=env
    )
    gateway = start_gateway(tmp, gport, env)
    try:
        await wait_http(f"http://127.0.0.1:{wport}/v1/models")
        await wait_http(f"http://127.0.0.1:{gport}/healthz")
        key = (tmp / "data" / "admin.key").read_text().strip()
        if args.store == "postgres":
            try:
                await limit_default_project(f"http://127.0.0.1:{gport}", key)
            except AssertionError:
                print((tmp / "gateway.log").read_text()[-3000:])
                raise
        direct = f"http://127.0.0.1:{wport}/v1/chat/completions"
        via = f"http://127.0.0.1:{gport}/v1/chat/completions"
        auth = {"Authorization": f"Bearer {key}"}
        results: dict[str, object] = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}",
        }

        results["store"] = args.store
        results["audit_sync"] = args.audit_sync
        print(
            f"labgate overhead benchmark — {results['machine']} — store: {args.store}"
            + (
                " + Redis; auth, rate limits, budget, fair share, audit"
                if args.store == "postgres"
                else f"; auth, fair share, audit ({args.audit_sync})"
            )
        )
        if args.only_responses:
            await responses_and_embeddings(args, wport, gport, auth, results)
            if args.json:
                args.json.write_text(json.dumps(results, indent=2))
            return
        if args.streams_only:
            await hold_streams(args, wport, gport, gateway.pid, auth, results)
            if args.json:
                args.json.write_text(json.dumps(results, indent=2))
            return
        if args.redis_rows:
            await redis_rows(args, tmp, env, wport, results)
            if args.json:
                args.json.write_text(json.dumps(results, indent=2))
            return
        if args.all_rows:
            await all_rows(args, tmp, env, wport, gport, gateway.pid, auth, results)
            if args.json:
                args.json.write_text(json.dumps(results, indent=2))
            return
        if shutil.which("wrk"):
            await sqlite_side_by_side(args, tmp, env, wport, gport, gateway.pid, auth, results)
        else:
            print("\n(wrk is not installed: `apt-get install -y wrk`; its table is left out)")
        plain = await latency_rounds(
            direct, via, auth, args.requests, False, args.rounds, gateway.pid
        )
        print(f"\nnon-streaming, our own client, 1 client, {args.requests} requests a round")
        report_rounds(plain)
        if args.wrk_only:
            if args.json:
                args.json.write_text(json.dumps(results, indent=2))
            return
        results["plain_added_p50_ms"] = plain["added50"] * 1000
        results["plain_added_p99_ms"] = plain["added99"] * 1000
        results["gateway_cpu_per_request_us"] = plain["cpu"] * 1e6
        print(f"  labgate's CPU per request (all its threads): {plain['cpu'] * 1e6:.0f} µs")

        ttft = await latency_rounds(
            direct, via, auth, args.requests // 2, True, args.rounds, gateway.pid
        )
        print(f"\nstreaming, 1 client, {args.requests // 2} requests a round: time to first token")
        report_rounds(ttft)
        results["ttft_added_p50_ms"] = ttft["added50"] * 1000
        results["ttft_added_p99_ms"] = ttft["added99"] * 1000

        print(f"\nnon-streaming throughput, {args.concurrency} clients, {args.duration:.0f} s")
        rd, ld = await throughput(direct, {}, args.concurrency, args.duration)
        rv, lv = await throughput(via, auth, args.concurrency, args.duration)
        print(f"  direct  {rd:8.0f} req/s  p50 {ms(pct(ld, 50))}  p99 {ms(pct(ld, 99))}")
        print(f"  labgate {rv:8.0f} req/s  p50 {ms(pct(lv, 50))}  p99 {ms(pct(lv, 99))}")
        results["direct_rps"] = rd
        results["labgate_rps"] = rv
        results["labgate_loaded_p50_ms"] = pct(lv, 50) * 1000
        results["labgate_loaded_p99_ms"] = pct(lv, 99) * 1000
        results["sequential_direct_p50_ms"] = plain["direct50"] * 1000
        await responses_and_embeddings(args, wport, gport, auth, results)
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
        if scratch_db:
            import asyncpg

            conn = await asyncpg.connect(args.pg)
            await conn.execute(f'DROP DATABASE IF EXISTS "{scratch_db}" WITH (FORCE)')
            await conn.close()


# ---------------------------------------------------------------- wrk, side by side
LITELLM_VERSION = "1.80.0"  # pinned; in .cache/litellm-venv, never a labgate dependency
# (newer releases' [proxy] extra needs the separate litellm-proxy package, which the index here
# lacks; 1.107.0 was a compromised release)
LITELLM_VENV = ROOT / ".cache" / "litellm-venv"


def load_average() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def ensure_litellm() -> Path | None:
    """LiteLLM's proxy in a venv of its own (created on first use); None if it cannot be had."""
    exe = LITELLM_VENV / "bin" / "litellm"
    if exe.exists():
        return exe
    try:
        subprocess.run([sys.executable, "-m", "venv", str(LITELLM_VENV)], check=True)
        subprocess.run(
            [
                str(LITELLM_VENV / "bin" / "pip"),
                "install",
                "-q",
                f"litellm[proxy]=={LITELLM_VERSION}",
            ],
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"  (LiteLLM could not be installed: {exc}; its rows are left out)")
        return None
    return exe if exe.exists() else None


def start_litellm(
    exe: Path, port: int, worker: str, tmp: Path, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    """LiteLLM's proxy: one worker, a master key, the fake model at the same fake worker."""
    (tmp / "litellm.yaml").write_text(
        "model_list:\n  - model_name: fake\n    litellm_params:\n      model: openai/fake\n"
        f"      api_base: {worker}\n      api_key: none\n"
        "general_settings:\n  master_key: sk-bench-master\n"
        "litellm_settings:\n  telemetry: false\n"
    )
    lenv = {**env, "LITELLM_TELEMETRY": "False", "LITELLM_LOG": "ERROR"}
    return subprocess.Popen(
        [
            str(exe),
            "--config",
            str(tmp / "litellm.yaml"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--num_workers",
            "1",
        ],
        env=lenv,
        stdout=(tmp / "litellm.log").open("wb"),
        stderr=subprocess.STDOUT,
    )


@dataclass
class Target:
    """One row of the wrk table: where to send, with what; ``added`` is measured against the
    row named ``base`` (the worker asked the same way) in the same round."""

    name: str
    port: int
    headers: dict[str, str]
    path: str = "/v1/chat/completions"
    body: dict[str, Any] = field(default_factory=lambda: CHAT)
    unique: bool = False  # a new prompt every request (the guardrail's cache never answers)
    base: str = "worker direct"
    pid: int | None = None  # its process: CPU time per request at --concurrency is reported

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"


_MARK = "@@QUESTION@@"


def wrk_script(path: Path, body: bytes, headers: dict[str, str], unique: bool = False) -> Path:
    """wrk's Lua script for a POST: the body and headers; with ``unique``, every request's
    prompt is new (numbered per wrk thread), as ``body_of`` does for our own client."""
    lines = [
        'wrk.method = "POST"',
        f"wrk.body = {json.dumps(body.decode())}",
        'wrk.headers["Content-Type"] = "application/json"',
    ]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    if unique:
        doc = json.loads(body)
        doc["messages"] = [*HISTORY, {"role": "user", "content": _MARK}]
        head, tail = json.dumps(doc).split(_MARK)
        lines += [
            f"local head, tail = {json.dumps(head)}, {json.dumps(tail)}",
            "local questions = {" + ", ".join(json.dumps(q) for q in QUESTIONS) + "}",
            # A number of this run's own, read when wrk loads the script: the same script is
            # run again every round (and for the warm-up and the one-connection run), and with
            # numbering alone each run sent the earlier runs' prompts again, so the guardrail's
            # caches answered most of them. Digits only, as the question numbers are: letters
            # beside digits read as leetspeak and would change what is screened.
            "local f = io.open('/proc/sys/kernel/random/uuid', 'r')",
            "local run = f and tostring(tonumber(f:read('*l'):sub(1, 4), 16))"
            " or tostring(os.time())",
            "if f then f:close() end",
            "local threads = 0",
            "function setup(thread) threads = threads + 1; thread:set('tid', threads) end",
            "local n = 0",
            "function request()",
            "  n = n + 1",
            "  local q = questions[n % #questions + 1] .. ' (question ' .. run .. '-'"
            " .. tostring(tid) .. '-' .. n .. ')'",
            "  return wrk.format(nil, nil, nil, head .. q .. tail)",
            "end",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _seconds(text: str) -> float:
    for unit, scale in (("us", 1e-6), ("ms", 1e-3), ("s", 1.0), ("m", 60.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale
    raise ValueError(text)


def run_wrk(url: str, script: Path, connections: int, duration: float) -> dict[str, float]:
    """One wrk run; its p50/p99 (seconds) and requests/s. Any non-2xx answer is an error."""
    threads = 1 if connections == 1 else 2
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{duration:g}s",
            "--latency",
            "--timeout",
            "30s",  # a slow target's answers are measured, not dropped as errors (wrk: 2 s)
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk against {url} saw errors:\n{out}")
    result: dict[str, float] = {}
    in_dist = False
    for line in out.splitlines():
        parts = line.split()
        if line.strip().startswith("Latency Distribution"):
            in_dist = True
        elif in_dist and len(parts) == 2 and parts[0] in ("50%", "99%"):
            result["p" + parts[0][:-1]] = _seconds(parts[1])
        elif line.startswith("Requests/sec:"):
            result["rps"] = float(parts[1])
    return result


async def side_by_side(
    args: Any,
    tmp: Path,
    env: dict[str, str],
    wport: int,
    labgates: list[tuple[str, int, dict[str, str]] | Target],
    results: dict[str, object],
    extra_direct: list[Target] = (),  # type: ignore[assignment]
) -> None:
    """wrk against the worker directly, a bare pass-through, every labgate given and LiteLLM's
    proxy: ``--rounds`` rounds, the targets in rotated order in each, one connection for the
    latency (added = the target's p50 minus the worker's in the same round) and
    ``--concurrency`` connections for the throughput; medians of the rounds."""
    worker = f"http://127.0.0.1:{wport}/v1"
    bport = free_port()
    procs = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "floor.py"), "--proxy", str(bport), worker],
            env=env,
        )
    ]
    # the same bare proxy with labgate's worker client and one SQLite insert committed with
    # synchronous=FULL before each answer: the floor under "in the audit log before its answer"
    cport = free_port()
    procs.append(
        subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "bench" / "floor.py"),
                "--proxy",
                str(cport),
                worker,
                "--plain",
                "--db",
                str(tmp / "floor.db"),
            ],
            env=env,
        )
    )
    targets: list[Target] = [
        Target("worker direct", wport, {}),
        Target("bare pass-through", bport, {}, pid=procs[0].pid),
        Target("bare + durable commit", cport, {}, pid=procs[1].pid),
        *extra_direct,
    ]
    targets += [t if isinstance(t, Target) else Target(*t) for t in labgates]
    exe = None if args.no_litellm else ensure_litellm()
    if exe is not None:
        lport = free_port()
        procs.append(start_litellm(exe, lport, worker, tmp, env))
        targets.append(Target("LiteLLM proxy", lport, {"Authorization": "Bearer sk-bench-master"}))
    try:
        for t in targets:
            for _ in range(300):
                try:
                    with socket.create_connection(("127.0.0.1", t.port), 0.2):
                        break
                except OSError:
                    await asyncio.sleep(0.2)
        scripts = []
        for i, t in enumerate(targets):
            script = wrk_script(
                tmp / f"wrk{i}.lua", json.dumps(t.body).encode(), t.headers, t.unique
            )
            scripts.append(script)
            run_wrk(t.url, script, 4, 2)  # warm up
        n = len(targets)
        names = [t.name for t in targets]
        lat: list[list[dict[str, float]]] = [[] for _ in targets]
        thr: list[list[dict[str, float]]] = [[] for _ in targets]
        loads = [load_average()]
        for r in range(args.rounds):
            for j in range(n):
                i = (j + r) % n
                lat[i].append(run_wrk(targets[i].url, scripts[i], 1, args.wrk_duration))
                pid = targets[i].pid
                used = cpu_seconds(pid) if pid else 0.0
                thr[i].append(
                    run_wrk(targets[i].url, scripts[i], args.concurrency, args.wrk_duration)
                )
                if pid:  # the target's CPU time (all its threads) per request served
                    used = cpu_seconds(pid) - used
                    thr[i][-1]["cpu_us"] = used / (thr[i][-1]["rps"] * args.wrk_duration) * 1e6
            loads.append(load_average())
        # added: the target's percentile minus its baseline's (the worker, asked the same way)
        # in the same round
        base = [names.index(t.base) for t in targets]
        added = [
            [lat[i][r]["p50"] - lat[base[i]][r]["p50"] for r in range(args.rounds)]
            for i in range(n)
        ]
        added99 = [
            [lat[i][r]["p99"] - lat[base[i]][r]["p99"] for r in range(args.rounds)]
            for i in range(n)
        ]
        med = statistics.median
        print(
            f"\nwrk side by side: {args.rounds} rounds, targets rotated, "
            f"{args.wrk_duration:g} s a run; load average before and after each round: "
            + " | ".join(loads)
        )
        print(
            f"  {'':48s} {'p50':>9s} {'added p50':>10s} {'added p99':>10s} "
            f"{'req/s @' + str(args.concurrency):>10s} {'CPU/req':>8s}  rounds (added p50, ms)"
        )
        rows = {}
        for i, name in enumerate(names):
            p50 = med(x["p50"] for x in lat[i])
            rps = med(x["rps"] for x in thr[i])
            cpus = [x["cpu_us"] for x in thr[i] if "cpu_us" in x]
            cpu = f"{med(cpus):6.0f}us" if cpus else ""
            rows[name] = {
                "p50_ms": p50 * 1000,
                "added_p50_ms": med(added[i]) * 1000,
                "added_p99_ms": med(added99[i]) * 1000,
                "rps": rps,
                "rounds_added_p50_ms": [a * 1000 for a in added[i]],
                "rounds_rps": [x["rps"] for x in thr[i]],
                "cpu_us_per_request": med(cpus) if cpus else None,
                "rounds_cpu_us": cpus,
            }
            each = " ".join(f"{a * 1000:.2f}" for a in added[i])
            print(
                f"  {name:48s} {p50 * 1000:7.2f}ms {med(added[i]) * 1000:8.2f}ms "
                f"{med(added99[i]) * 1000:8.2f}ms {rps:10.0f} {cpu:>8s}  {each}"
            )
        results["wrk"] = rows
        results["load_average"] = loads
        bare = rows["bare pass-through"]
        lite = rows.get("LiteLLM proxy")
        for t in targets:
            name = t.name
            if not name.startswith("labgate") or t.base != "worker direct":
                continue
            me = rows[name]
            line = (
                f"  {name}: added p50 {me['added_p50_ms'] / bare['added_p50_ms']:.2f}× the "
                f"bare pass-through's (goal ≤ 2), req/s {me['rps'] / bare['rps']:.0%} of "
                "its (goal ≥ 50%)"
            )
            if lite:
                ratio = lite["added_p50_ms"] / me["added_p50_ms"]
                line += (
                    f"; LiteLLM's added p50 is {ratio:.1f}×"
                    f" (goal ≥ 10), req/s {me['rps'] / lite['rps']:.1f}× LiteLLM's "
                    "(goal ≥ 10)"
                )
            print(line)
            floor = rows["bare + durable commit"]
            print(
                f"  {name}: added p50 {me['added_p50_ms'] / floor['added_p50_ms']:.2f}× and req/s "
                f"{me['rps'] / floor['rps']:.0%} of the bare pass-through with a durable commit"
            )
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()


async def sqlite_side_by_side(
    args: Any,
    tmp: Path,
    env: dict[str, str],
    wport: int,
    gport: int,
    gpid: int,
    auth: dict[str, str],
    results: dict[str, object],
) -> None:
    """The wrk table for labgate on SQLite; with ``--before-src``, a second ``labgate serve``
    from that source tree (same settings) in the same rotated rounds, so a change's
    before/after figures share the machine's moment."""
    labgates: list[tuple[str, int, dict[str, str]] | Target] = [
        Target("labgate", gport, auth, unique=UNIQUE, pid=gpid)
    ]
    proc = None
    if args.before_src:
        proc, port, headers, _ = await extra_gateway(
            args,
            tmp,
            env,
            wport,
            "before",
            src=args.before_src,
            audit_sync=args.audit_sync,
            safety=args.safety,  # the same guardrail setting on both sides
        )
        labgates.append(Target("labgate (before)", port, headers, unique=UNIQUE, pid=proc.pid))
    try:
        await side_by_side(args, tmp, env, wport, labgates, results)
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    rows: Any = results["wrk"]
    if "labgate (before)" in rows:
        now, old = rows["labgate"], rows["labgate (before)"]
        pairs = zip(now["rounds_added_p50_ms"], old["rounds_added_p50_ms"], strict=True)
        wins = sum(a < b for a, b in pairs)
        print(
            f"  after/before: added p50 {now['added_p50_ms'] / old['added_p50_ms']:.2f}× "
            f"(lower in {wins} of {args.rounds} rounds), req/s @{args.concurrency} "
            f"{now['rps'] / old['rps']:.2f}× (rounds "
            + " ".join(
                f"{a / b:.2f}" for a, b in zip(now["rounds_rps"], old["rounds_rps"], strict=True)
            )
            + f"), CPU per request {now['cpu_us_per_request'] / old['cpu_us_per_request']:.2f}× "
            "(rounds "
            + " ".join(
                f"{a / b:.2f}"
                for a, b in zip(now["rounds_cpu_us"], old["rounds_cpu_us"], strict=True)
            )
            + ")"
        )


async def limit_default_project(
    base: str, key: str, *, limits: bool = True, budget: bool = True
) -> None:
    """A budget and per-minute limits high enough never to refuse, but checked every time."""
    headers = {"Authorization": f"Bearer {key}"}
    async with aiohttp.ClientSession(headers=headers) as s:
        if budget:
            async with s.put(
                f"{base}/v1/admin/projects/default/allocation", json={"budget_tokens": 10**12}
            ) as r:
                assert r.status == 200, await r.text()
        if not limits:
            return
        async with s.patch(
            f"{base}/v1/admin/projects/default/limits",
            json={
                "rpm_limit": 10**7,
                "tpm_limit": 10**10,
                "user_rpm_limit": 10**7,
                "user_tpm_limit": 10**10,
            },
        ) as r:
            assert r.status == 200, await r.text()


# ---------------------------------------------------------------- issue 25: every row
def gateway_toml(wport: int, safety: bool, audit_sync: str | None = None) -> str:
    return (
        '[embedded]\nenabled = false\n\n[[models]]\nname = "fake"\n'
        f'workers = ["http://127.0.0.1:{wport}/v1"]\nmax_in_flight_per_worker = 1024\n'
        "\n[approval]\nenforce = false\n"
        + ("" if safety else "\n[safety]\nenabled = false\n")
        + (f'\n[audit]\nsqlite_synchronous = "{audit_sync}"\n' if audit_sync else "")
    )


async def extra_gateway(
    args: Any,
    tmp: Path,
    env: dict[str, str],
    wport: int,
    name: str,
    *,
    postgres: bool = False,
    safety: bool = False,
    limits: bool = False,
    budget: bool = False,
    src: Path | None = None,
    audit_sync: str | None = None,
) -> tuple[subprocess.Popen[bytes], int, dict[str, str], str | None]:
    """Another ``labgate serve`` beside the first (its own data directory, and on PostgreSQL
    its own scratch database and Redis prefix): its process, port, auth header and database."""
    home = tmp / name
    home.mkdir()
    (home / "labgate.toml").write_text(gateway_toml(wport, safety, audit_sync))
    genv = dict(env)
    db = None
    if postgres:
        import asyncpg

        db = f"lgbench_{os.getpid()}_{name}"
        conn = await asyncpg.connect(args.pg)
        await conn.execute(f'CREATE DATABASE "{db}"')
        await conn.close()
        genv["LABGATE_DATABASE_URL"] = args.pg.rsplit("/", 1)[0] + "/" + db
        genv["LABGATE_REDIS_URL"] = args.redis
        genv["LABGATE_REDIS_PREFIX"] = f"lgbench:{os.getpid()}:{name}:"
    if src is not None:  # another labgate source tree ahead of the installed one
        genv["PYTHONPATH"] = str(src.resolve())
    port = free_port()
    proc = start_gateway(home, port, genv)
    try:
        await wait_http(f"http://127.0.0.1:{port}/healthz", timeout=180)
        key = (home / "data" / "admin.key").read_text().strip()
        if limits or budget:
            await limit_default_project(
                f"http://127.0.0.1:{port}", key, limits=limits, budget=budget
            )
    except BaseException:
        print((home / "gateway.log").read_text()[-3000:])
        proc.kill()
        raise
    return proc, port, {"Authorization": f"Bearer {key}"}, db


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def streams_held(
    url: str, headers: dict[str, str], n: int, pid: int | None, delay_s: float
) -> dict[str, float]:
    """``n`` streams opened at once and held (the worker sends a chunk every ``delay_s``):
    how many were open together, their time to first token, whether every one ended with
    [DONE], and (``pid``) the process's RSS before and at its highest while they were held."""
    body = json.dumps({**CHAT, "stream": True, "fake": f"delay={delay_s}"}).encode()
    headers = {**headers, "Content-Type": "application/json"}
    first: list[float] = []
    open_now = 0
    most_open = 0
    done = 0
    rss = [rss_mib(pid)] if pid else []
    stop = asyncio.Event()

    async def sample() -> None:
        while not stop.is_set() and pid:
            rss.append(rss_mib(pid))
            await asyncio.sleep(0.05)

    timeout = aiohttp.ClientTimeout(total=300)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=timeout) as s:

        async def one() -> None:
            nonlocal open_now, most_open, done
            t = time.perf_counter()
            seen = False
            async with s.post(url, data=body, headers=headers) as r:
                if r.status != 200:
                    raise RuntimeError(f"{url}: HTTP {r.status}: {await r.text()}")
                async for line in r.content:
                    if not seen and b'"content"' in line:
                        seen = True
                        first.append(time.perf_counter() - t)
                        open_now += 1
                        most_open = max(most_open, open_now)
                    if line.startswith(b"data: [DONE]"):
                        done += 1
            open_now -= 1

        sampler = asyncio.create_task(sample())
        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        elapsed = time.perf_counter() - start
        stop.set()
        await sampler
    return {
        "streams": n,
        "completed": done,
        "most_open_at_once": most_open,
        "ttft_p50_ms": pct(first, 50) * 1000,
        "ttft_p99_ms": pct(first, 99) * 1000,
        "elapsed_s": elapsed,
        "rss_before_mib": rss[0] if rss else float("nan"),
        "rss_peak_mib": max(rss) if rss else float("nan"),
    }


async def hold_streams(
    args: Any, wport: int, gport: int, gpid: int, auth: dict[str, str], results: dict[str, object]
) -> None:
    """``--streams`` streams opened at once, to the worker directly and through labgate."""
    delay = args.stream_delay
    print(f"\n{args.streams} streams held at once (a chunk every {delay:g} s), one client")
    direct = f"http://127.0.0.1:{wport}/v1/chat/completions"
    via = f"http://127.0.0.1:{gport}/v1/chat/completions"
    held = {}
    for name, url, headers, pid in (
        ("worker direct", direct, {}, None),
        ("labgate SQLite", via, auth, gpid),
    ):
        r = await streams_held(url, headers, args.streams, pid, delay)
        held[name] = r
        print(
            f"  {name:16s} completed {r['completed']}/{r['streams']}, "
            f"{r['most_open_at_once']} open at once, TTFT p50 {r['ttft_p50_ms']:.1f} ms "
            f"p99 {r['ttft_p99_ms']:.1f} ms, {r['elapsed_s']:.1f} s"
            + (f"; RSS {r['rss_before_mib']:.0f} -> {r['rss_peak_mib']:.0f} MiB" if pid else "")
        )
    results["streams_held"] = held
    results["stream_delay_s"] = delay
    results["load_average_streams"] = load_average()


async def all_rows(
    args: Any,
    tmp: Path,
    env: dict[str, str],
    wport: int,
    gport: int,
    gpid: int,
    auth: dict[str, str],
    results: dict[str, object],
) -> None:
    """Issue 25's whole table in one run: every labgate row beside the floors and LiteLLM
    (``side_by_side``, rotated rounds), then ``--streams`` streams held at once."""
    procs: list[subprocess.Popen[bytes]] = []
    dbs: list[str] = []
    try:
        extra: list[Target] = []
        for name, kw in (
            ("guard", {"safety": True}),
            ("pg", {"postgres": True}),
            ("pglimits", {"postgres": True, "limits": True}),
            ("pgbudget", {"postgres": True, "limits": True, "budget": True}),
        ):
            proc, port, headers, db = await extra_gateway(args, tmp, env, wport, name, **kw)
            procs.append(proc)
            if db:
                dbs.append(db)
            label = {
                "guard": "labgate + guardrail (new short prompt each request)",
                "pg": "labgate PostgreSQL + Redis",
                "pglimits": "labgate PG + Redis + rate limits",
                "pgbudget": "labgate PG + Redis + rate limits + budget",
            }[name]
            extra.append(Target(label, port, headers, unique=name == "guard", pid=proc.pid))
        stream_body = {**CHAT, "stream": True}
        targets = [
            Target("labgate SQLite", gport, auth, pid=gpid),
            *extra,
            Target("labgate Responses (SQLite)", gport, auth, "/v1/responses", RESPONSES),
            Target("labgate SQLite, stream", gport, auth, body=stream_body, base="worker, stream"),
        ]
        direct_stream = [Target("worker, stream", wport, {}, body=stream_body)]
        await side_by_side(args, tmp, env, wport, targets, results, extra_direct=direct_stream)
        rows: Any = results["wrk"]
        chat = rows["labgate SQLite"]["added_p50_ms"]
        resp = rows["labgate Responses (SQLite)"]["added_p50_ms"]
        print(f"  Responses added p50 {resp / chat:.2f}× chat completions' (goal ≤ 1.2)")
        results["responses_over_chat"] = resp / chat

        # the same rows with our own client (one client, requests one after another) in this
        # run, for the gap between what wrk and a client with think time see (issue 25)
        direct = f"http://127.0.0.1:{wport}/v1/chat/completions"
        own = {}
        for t in (targets[0], targets[4]):
            r = await latency_rounds(
                direct, t.url, t.headers, args.requests, False, args.rounds, None
            )
            own[t.name] = {"added_p50_ms": r["added50"] * 1000, "rounds": r["rounds50"]}
            each = " ".join(f"{a * 1000:.2f}" for a in r["rounds50"])
            print(
                f"  our own client, {t.name}: added p50 {r['added50'] * 1000:.2f} ms "
                f"(rounds {each}); wrk: {rows[t.name]['added_p50_ms']:.2f} ms"
            )
        r = await latency_rounds(
            direct, targets[0].url, auth, args.requests // 2, True, args.rounds, None
        )
        own["labgate SQLite, time to first token"] = {
            "added_p50_ms": r["added50"] * 1000,
            "added_p99_ms": r["added99"] * 1000,
            "rounds": r["rounds50"],
        }
        print(
            f"  our own client, streams: time to first token added p50 "
            f"{r['added50'] * 1000:.2f} ms, p99 {r['added99'] * 1000:.2f} ms"
        )
        results["own_client"] = own

        await hold_streams(args, wport, gport, gpid, auth, results)
        results["load_average_end"] = load_average()
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        if dbs:
            import asyncpg

            conn = await asyncpg.connect(args.pg)
            for db in dbs:
                await conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            await conn.close()


async def redis_rows(
    args: Any, tmp: Path, env: dict[str, str], wport: int, results: dict[str, object]
) -> None:
    """The PostgreSQL + Redis rows of :func:`all_rows` alone (and, with ``--before-src``, the
    rate-limit and budget rows of another source tree beside them), one ``side_by_side``."""
    rows: list[tuple[str, str, dict[str, Any]]] = [
        ("pg", "labgate PostgreSQL + Redis", {}),
        ("pglimits", "labgate PG + Redis + rate limits", {"limits": True}),
        ("pgbudget", "labgate PG + Redis + rate limits + budget", {"limits": True, "budget": True}),
    ]
    if args.before_src:
        old = {"src": args.before_src}
        rows += [
            ("pglimitsold", "labgate PG + Redis + rate limits (before)", {"limits": True, **old}),
            (
                "pgbudgetold",
                "labgate PG + Redis + rate limits + budget (before)",
                {"limits": True, "budget": True, **old},
            ),
        ]
    procs: list[subprocess.Popen[bytes]] = []
    dbs: list[str] = []
    try:
        targets: list[Target] = []
        for name, label, kw in rows:
            proc, port, headers, db = await extra_gateway(
                args, tmp, env, wport, name, postgres=True, **kw
            )
            procs.append(proc)
            dbs.append(db or "")
            targets.append(Target(label, port, headers, pid=proc.pid))
        await side_by_side(args, tmp, env, wport, targets, results)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        import asyncpg

        conn = await asyncpg.connect(args.pg)
        for db in filter(None, dbs):
            await conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
