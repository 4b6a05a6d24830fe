"""The floor under labgate's added latency: what the same stack adds with nothing to do.

labgate's hot path is uvicorn (httptools, uvloop) in front of its own client for plain worker
calls (``labgate.router.plain``; aiohttp for streams), and a plain answer waits for a durable
audit commit. This benchmark runs, beside ``labgate serve``, pass-through proxies built from
exactly those parts and nothing else:

* ``bare``: uvicorn + a raw ASGI app that forwards the body to the worker with aiohttp and
  returns the worker's answer (no authentication, no parsing, no record);
* ``bare (plain client)``: ``bare`` with labgate's own client for plain worker calls
  (``labgate.router.plain``: keep-alive connections, ``httptools`` parses the answer) in place
  of aiohttp's, to show what each costs;
* ``bare+commit``: ``bare (plain client)``, plus one SQLite insert committed with
  ``synchronous=FULL`` in WAL mode before the answer (what "durable before the answer" costs
  at the least): the floor under labgate's plain answers.
* ``bare+overlapped commit`` (issue 25, a prototype, measured only): the request's record
  (who, what) committed durably (``FULL``) on a thread of its own *while* the worker call is
  in flight, and its outcome (the answer) committed after it without an fsync of its own
  (``NORMAL``: durable at the next durable commit), both before the answer is sent. The answer
  then waits for the longer of the worker call and the fsync, not their sum. A crash between
  the two commits leaves a request record with no outcome record: the request was made, and
  whether it was answered is unknown.

One client sends requests one after another, rotating over direct, the proxies and
labgate, so all see the same machine. The gap between ``bare+commit`` and labgate is what
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

from labgate.router.plain import PlainClient, origin_of

sys.path.insert(0, str(Path(__file__).resolve().parent))
from overhead import free_port, pct, rotate, start_gateway, wait_http  # noqa: E402


def proxy_app(worker: str, db: str | None, plain: bool = False, overlap: bool = False) -> Any:
    """The pass-through proxy: a raw ASGI app (no framework), one pooled aiohttp session (or,
    with ``plain``, labgate's plain client); with ``db``, a record committed before each
    answer (with ``overlap``, on a thread, overlapping the worker call)."""
    session: aiohttp.ClientSession | None = None
    client = PlainClient()
    origin = origin_of(worker)
    assert origin is not None
    conn: sqlite3.Connection | None = None
    if db:
        conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE IF NOT EXISTS r (id INTEGER PRIMARY KEY, at REAL, body BLOB)")
    lane = _CommitThread(conn) if conn is not None and overlap else None

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
        opened = None
        if lane is not None:  # the request's record, durably, while the worker answers
            opened = lane.submit("FULL", (time.time(), body))
        if plain:
            status, answer = await client.post(
                origin, path, body, timeout_s=60.0, connect_timeout_s=5.0
            )
        else:
            if session is None:
                session = aiohttp.ClientSession()
            async with session.post(
                worker + path, data=body, headers={"Content-Type": "application/json"}
            ) as r:
                status, answer = r.status, await r.read()
        if lane is not None and opened is not None:
            await opened  # the request's record is durable
            await lane.submit("NORMAL", (time.time(), answer))  # its outcome, in the WAL
        elif conn is not None:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO r (at, body) VALUES (?, ?)", (time.time(), answer))
            conn.execute("COMMIT")
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    return app


class _CommitThread:
    """One SQLite connection on a thread of its own (as labgate's write lane): each call
    inserts one row and commits it, with an fsync (``FULL``) or without one (``NORMAL``: the
    WAL frames reach the disk with the next ``FULL`` commit's fsync)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        import queue
        import threading

        self.conn = conn
        self.calls: queue.SimpleQueue[tuple[str, tuple[float, bytes], asyncio.Future[None]]]
        self.calls = queue.SimpleQueue()
        threading.Thread(target=self._serve, daemon=True).start()

    def submit(self, sync: str, row: tuple[float, bytes]) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.calls.put((sync, row, future))
        return future

    def _serve(self) -> None:
        mode = "FULL"
        while True:
            sync, row, future = self.calls.get()
            error: BaseException | None = None
            try:
                if sync != mode:
                    self.conn.execute(f"PRAGMA synchronous={sync}")
                    mode = sync
                self.conn.execute("BEGIN IMMEDIATE")
                self.conn.execute("INSERT INTO r (at, body) VALUES (?, ?)", row)
                self.conn.execute("COMMIT")
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
                error = exc
            future.get_loop().call_soon_threadsafe(_settle, future, error)


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if not future.done():
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)


def serve_proxy(port: int, worker: str, db: str | None, plain: bool, overlap: bool) -> None:
    import uvicorn

    uvicorn.run(
        proxy_app(worker, db, plain, overlap),
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )


async def main(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="labgate-floor-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABGATE_")}
    wport, bare, bare_plain, durable, overlapped, gport = (free_port() for _ in range(6))
    worker_url = f"http://127.0.0.1:{wport}/v1"
    (tmp / "labgate.toml").write_text(
        '[embedded]\nenabled = false\n\n[[models]]\nname = "fake"\n'
        f'workers = ["{worker_url}"]\nmax_in_flight_per_worker = 256\n'
        "\n[safety]\nenabled = false\n"
        # the fake model is not approved: the model gate would refuse it (403)
        "\n[approval]\nenforce = false\n"
    )
    me = [sys.executable, str(Path(__file__).resolve())]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "labgate.testing.fake_worker", "--port", str(wport)], env=env
        ),
        subprocess.Popen([*me, "--proxy", str(bare), worker_url], env=env),
        subprocess.Popen([*me, "--proxy", str(bare_plain), worker_url, "--plain"], env=env),
        subprocess.Popen(
            [*me, "--proxy", str(durable), worker_url, "--plain", "--db", str(tmp / "floor.db")],
            env=env,
        ),
        subprocess.Popen(
            [
                *me,
                "--proxy",
                str(overlapped),
                worker_url,
                "--plain",
                "--db",
                str(tmp / "overlap.db"),
                "--overlap",
            ],
            env=env,
        ),
        start_gateway(tmp, gport, env),
    ]
    try:
        await wait_http(f"{worker_url}/models")
        await wait_http(f"http://127.0.0.1:{gport}/healthz")
        for port in (bare, bare_plain, durable, overlapped):
            for _ in range(100):
                try:
                    with __import__("socket").create_connection(("127.0.0.1", port), 0.2):
                        break
                except OSError:
                    await asyncio.sleep(0.1)
        key = (tmp / "data" / "admin.key").read_text().strip()
        names = [
            "direct",
            "bare",
            "bare (plain client)",
            "bare+commit",
            "bare+overlapped commit",
            "labgate",
        ]
        ports = (wport, bare, bare_plain, durable, overlapped, gport)
        urls = [f"http://127.0.0.1:{p}/v1/chat/completions" for p in ports]
        json_headers = {"Content-Type": "application/json"}
        headers = [json_headers] * 5 + [{**json_headers, "Authorization": f"Bearer {key}"}]
        pids: list[int | None] = [None, *(p.pid for p in procs[1:])]
        times, cpu = await rotate(urls, headers, args.requests, pids)
        d50, d99 = pct(times[0], 50), pct(times[0], 99)
        print(
            f"the floor under labgate: {args.requests} plain requests each, one client, "
            f"rotating (direct p50 {d50 * 1000:.3f} ms)"
        )
        for name, t, c in zip(names[1:], times[1:], cpu[1:], strict=True):
            assert c is not None
            print(
                f"  {name:22s} added p50 {(pct(t, 50) - d50) * 1000:.3f} ms  "
                f"p99 {(pct(t, 99) - d99) * 1000:.3f} ms  CPU/request {c * 1e6:.0f} µs"
            )
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
    ap.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--overlap", action="store_true", help=argparse.SUPPRESS)
    cli = ap.parse_args()
    if cli.proxy:  # one of the pass-through proxies, started by main()
        serve_proxy(int(cli.proxy[0]), cli.proxy[1], cli.db, cli.plain, cli.overlap)
    else:
        asyncio.run(main(cli))
