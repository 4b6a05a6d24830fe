"""The floor under labgate's added latency: what the same stack adds with nothing to do.

labgate's hot path is uvicorn (httptools, uvloop) in front of an aiohttp client, and a plain
answer waits for a durable audit commit. This benchmark runs, beside ``labgate serve``, two
pass-through proxies built from exactly those parts and nothing else:

* ``bare``: uvicorn + a raw ASGI app that forwards the body to the worker with aiohttp and
  returns the worker's answer (no authentication, no parsing, no record);
* ``bare (lean client)``: ``bare`` with a hand-written keep-alive connection to the worker
  (``httptools`` parses the answer) in place of aiohttp's client, to show what that costs;
* ``bare+commit``: ``bare``, plus one SQLite insert committed with ``synchronous=FULL`` in WAL
  mode before the answer (what "durable before the answer" costs at the least).

One client sends requests one after another, rotating over direct, the two proxies and
labgate, so all four see the same machine. The gap between ``bare+commit`` and labgate is what
labgate's own work (authentication, validation, admission, routing, the audit record, Merkle
tree and transcript) adds; the gap between direct and ``bare`` is the stack's.

    python bench/floor.py [--requests 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from overhead import free_port, pct, rotate, wait_http  # noqa: E402


class _LeanUpstream(asyncio.Protocol):
    """For comparison only: a keep-alive connection to the worker that writes a request in one
    call and parses the answer with ``httptools``, with none of a real client's care (no
    timeouts, no retries, no chunked request bodies, no TLS). What aiohttp's client costs is
    the difference between ``bare`` and ``bare (lean client)``."""

    def __init__(self) -> None:
        import httptools

        self.parser = httptools.HttpResponseParser(self)
        self.chunks: list[bytes] = []
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        body, self.chunks = b"".join(self.chunks), []
        waiter, self.waiter = self.waiter, None
        assert waiter is not None
        waiter.set_result((self.parser.get_status_code(), body))

    async def post(self, path: bytes, body: bytes) -> tuple[int, bytes]:
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(
            b"POST %s HTTP/1.1\r\nHost: worker\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (path, len(body), body)
        )
        return await self.waiter


def proxy_app(worker: str, db: str | None, lean: bool = False) -> Any:
    """The pass-through proxy: a raw ASGI app (no framework), one pooled aiohttp session (or,
    with ``lean``, the hand-written connection above)."""
    session: aiohttp.ClientSession | None = None
    idle: list[_LeanUpstream] = []
    host, port = worker.split("//")[1].split("/")[0].split(":")
    prefix = "/" + worker.split("//")[1].split("/", 1)[1]
    conn: sqlite3.Connection | None = None
    if db:
        conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE IF NOT EXISTS r (id INTEGER PRIMARY KEY, at REAL, body BLOB)")

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        nonlocal session
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path = scope["path"].removeprefix("/v1")
        if lean:
            if idle:
                upstream = idle.pop()
            else:
                _, upstream = await asyncio.get_running_loop().create_connection(
                    _LeanUpstream, host, int(port)
                )
            status, answer = await upstream.post((prefix + path).encode(), body)
            idle.append(upstream)
        else:
            if session is None:
                session = aiohttp.ClientSession()
            async with session.post(
                worker + path, data=body, headers={"Content-Type": "application/json"}
            ) as r:
                status, answer = r.status, await r.read()
        if conn is not None:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO r (at, body) VALUES (?, ?)", (time.time(), answer))
            conn.execute("COMMIT")
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    return app


def serve_proxy(port: int, worker: str, db: str | None, lean: bool) -> None:
    import uvicorn

    uvicorn.run(proxy_app(worker, db, lean), host="127.0.0.1", port=port, loop="uvloop",
                http="httptools", log_level="warning", access_log=False)


async def main(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="labgate-floor-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABGATE_")}
    wport, bare, lean, durable, gport = (free_port() for _ in range(5))
    worker_url = f"http://127.0.0.1:{wport}/v1"
    (tmp / "labgate.toml").write_text(
        '[embedded]\nenabled = false\n\n[[models]]\nname = "fake"\n'
        f'workers = ["{worker_url}"]\nmax_in_flight_per_worker = 256\n'
        "\n[safety]\nenabled = false\n"
    )
    me = [sys.executable, str(Path(__file__).resolve())]
    procs = [
        subprocess.Popen([sys.executable, "-m", "labgate.testing.fake_worker", "--port",
                          str(wport)], env=env),
        subprocess.Popen([*me, "--proxy", str(bare), worker_url], env=env),
        subprocess.Popen([*me, "--proxy", str(lean), worker_url, "--lean"], env=env),
        subprocess.Popen([*me, "--proxy", str(durable), worker_url, "--db",
                          str(tmp / "floor.db")], env=env),
        subprocess.Popen([sys.executable, "-m", "labgate.cli", "serve", "--port", str(gport),
                          "--data-dir", str(tmp / "data"), "--config", str(tmp / "labgate.toml")],
                         env=env, stdout=(tmp / "gateway.log").open("wb"),
                         stderr=subprocess.STDOUT),
    ]
    try:
        await wait_http(f"{worker_url}/models")
        await wait_http(f"http://127.0.0.1:{gport}/healthz")
        for port in (bare, lean, durable):
            for _ in range(100):
                try:
                    with __import__("socket").create_connection(("127.0.0.1", port), 0.2):
                        break
                except OSError:
                    await asyncio.sleep(0.1)
        key = (tmp / "data" / "admin.key").read_text().strip()
        names = ["direct", "bare", "bare (lean client)", "bare+commit", "labgate"]
        ports = (wport, bare, lean, durable, gport)
        urls = [f"http://127.0.0.1:{p}/v1/chat/completions" for p in ports]
        plain = {"Content-Type": "application/json"}
        headers = [plain] * 4 + [{**plain, "Authorization": f"Bearer {key}"}]
        pids: list[int | None] = [None, *(p.pid for p in procs[1:])]
        times, cpu = await rotate(urls, headers, args.requests, pids)
        d50, d99 = pct(times[0], 50), pct(times[0], 99)
        print(f"the floor under labgate: {args.requests} plain requests each, one client, "
              f"rotating (direct p50 {d50 * 1000:.3f} ms)")
        for name, t, c in zip(names[1:], times[1:], cpu[1:], strict=True):
            assert c is not None
            print(f"  {name:18s} added p50 {(pct(t, 50) - d50) * 1000:.3f} ms  "
                  f"p99 {(pct(t, 99) - d99) * 1000:.3f} ms  CPU/request {c * 1e6:.0f} µs")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--requests", type=int, default=3000, help="requests to each, rotating")
    ap.add_argument("--proxy", nargs=2, metavar=("PORT", "WORKER"), help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--lean", action="store_true", help=argparse.SUPPRESS)
    cli = ap.parse_args()
    if cli.proxy:  # one of the pass-through proxies, started by main()
        serve_proxy(int(cli.proxy[0]), cli.proxy[1], cli.db, cli.lean)
    else:
        asyncio.run(main(cli))
