"""The plain worker call: one keep-alive HTTP/1.1 ``POST`` to an ``http://`` worker, its whole
answer parsed by ``httptools`` (the parser uvicorn uses).

Why not aiohttp here, as everywhere else: a plain answer is the hottest path labgate has, and
measured on it (``docs/benchmarks.md``, "The worker call"), aiohttp's client costs about twice
what this does per call. Four other maintained clients were measured in the same runs
(pyreqwest, pyqwest, httpr, aiosonic); none came closer: the Rust-based ones pay a hop to
their own runtime's thread and back. This module does one thing only, and everything else
stays on aiohttp: streams, ``https://`` workers, health probes, OIDC, the judge.

What a call promises:

* **Connections are reused**, newest first, per worker address; at most ``max_idle`` are kept
  per address and none longer than ``idle_timeout_s``. A connection the worker closes while
  idle is dropped when its close arrives. A request that finds its reused connection closed
  before a single byte of the answer came back is sent once more, on a fresh connection (the
  worker closed an idle connection just as it was reused, the race every keep-alive client
  has; the worker had not answered it).
* **A call is bounded as a whole** by ``timeout_s`` (connecting by ``connect_timeout_s``). On
  a timeout, a cancellation (the client went away) or any error the connection is closed,
  never reused, so the worker sees the disconnect and stops the work. The bound is kept by
  one timer per connection, not one per call: a call sets its connection's deadline, and the
  timer, armed at the earliest deadline and re-armed when it fires early, fails the call
  (``TimeoutError``) once the deadline has passed (``asyncio.timeout`` cost a timer handle and
  a context manager on every call).
* **An answer is read whole**, up to ``max_answer_bytes``, framed by ``Content-Length``,
  chunked encoding, or the worker closing the connection. An answer that is not HTTP, is cut
  short, or is compressed (none is asked for) raises :class:`WorkerProtocolError`.

Failures are :class:`ConnectionError` (or :class:`TimeoutError`), so the router treats them as
it treats aiohttp's: the worker's failure, retried on another replica before the first byte.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httptools


class WorkerProtocolError(ConnectionError):
    """The worker's answer was not a complete, readable HTTP answer."""


class _ClosedUnanswered(ConnectionError):
    """The connection closed before any byte of the answer arrived."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a worker listens, and what goes before a request's path."""

    host: str
    port: int
    prefix: bytes  # the base URL's path, e.g. b"/v1"
    host_header: bytes


@functools.lru_cache(maxsize=4096)
def origin_of(base_url: str) -> Origin | None:
    """The :class:`Origin` of a plain ``http://`` worker URL; None for anything this client
    leaves to aiohttp (``https://``, credentials or a query in the URL, a non-ASCII host)."""
    parts = urlsplit(base_url)
    if parts.scheme != "http" or not parts.hostname or parts.username or parts.query:
        return None
    try:
        host_header = parts.netloc.encode("ascii")
        prefix = parts.path.rstrip("/").encode("ascii")
        port = parts.port or 80
    except (UnicodeEncodeError, ValueError):
        return None
    return Origin(parts.hostname, port, prefix, host_header)


class _Connection(asyncio.Protocol):
    """One connection to a worker, and the answer it is waiting for (one at a time)."""

    def __init__(self, max_answer_bytes: int) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self.max_answer_bytes = max_answer_bytes
        self.waiter: asyncio.Future[tuple[int, bytes, bool]] | None = None
        self.chunks: list[bytes] = []
        self.size = 0
        self.received = False  # a byte of the current answer has arrived
        self.headers_done = False
        self.framed = False  # Content-Length or chunked: the answer's end is in the stream
        self.encoded = False
        self.deadline = 0.0  # loop time by which the current answer must have come
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0  # when the timer fires: never after the deadline of a call

    # -- asyncio.Protocol -------------------------------------------------------------------

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.waiter is None or self.waiter.done():
            self.close()  # bytes nobody asked for: the connection is out of step
            return
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(WorkerProtocolError(f"the worker's answer is not valid HTTP ({exc})"))

    def eof_received(self) -> bool:
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        if self.headers_done and not self.framed:
            self.on_message_complete()  # an answer framed by the close itself
        elif not self.received:
            waiter.set_exception(
                _ClosedUnanswered("the worker closed the connection without answering")
            )
        else:
            waiter.set_exception(
                WorkerProtocolError("the worker closed the connection in the middle of its answer")
            )

    # -- httptools callbacks ----------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if name == b"content-length":
            self.framed = True
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            self.framed = True
        elif name == b"content-encoding" and value.strip().lower() not in (b"", b"identity"):
            self.encoded = True

    def on_headers_complete(self) -> None:
        self.headers_done = True

    def on_body(self, body: bytes) -> None:
        self.size += len(body)
        if self.size > self.max_answer_bytes:
            self._fail(
                WorkerProtocolError(
                    f"the worker's answer is larger than {self.max_answer_bytes} bytes"
                )
            )
            return
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        if self.encoded:
            self._fail(WorkerProtocolError("the worker compressed its answer, which was not asked"))
            return
        status = self.parser.get_status_code()
        keep = not self.closed and self.parser.should_keep_alive()
        waiter.set_result((status, b"".join(self.chunks), keep))

    # -- use --------------------------------------------------------------------------------

    def exchange(self, request: bytes, deadline: float) -> asyncio.Future[tuple[int, bytes, bool]]:
        """Send ``request`` (head and body, one write); the answer's status, body, and
        whether the connection may be reused; ``TimeoutError`` if it has not come by
        ``deadline`` (loop time)."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        self.waiter = waiter
        self.deadline = deadline
        if self._timer is None or deadline < self._timer_at:
            if self._timer is not None:
                self._timer.cancel()
            self._timer_at = deadline
            self._timer = loop.call_at(deadline, self._tick)
        self.chunks = []
        self.size = 0
        self.received = self.headers_done = self.framed = self.encoded = False
        if self.closed:
            waiter.set_exception(_ClosedUnanswered("the connection was already closed"))
        else:
            self.transport.write(request)
        return waiter

    def _tick(self) -> None:
        self._timer = None
        waiter = self.waiter
        if waiter is None or waiter.done():
            return  # idle: the next call arms the timer again
        loop = waiter.get_loop()
        if loop.time() < self.deadline:  # a later call's deadline: time it from here
            self._timer_at = self.deadline
            self._timer = loop.call_at(self.deadline, self._tick)
            return
        self._fail(TimeoutError())

    def _fail(self, exc: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)
        self.close()

    def close(self) -> None:
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.transport is not None:
            self.transport.close()


class PlainClient:
    """Keep-alive connections to workers for plain (not streamed) JSON calls; see the module
    docstring for what a call promises."""

    def __init__(
        self,
        *,
        max_idle: int = 256,
        idle_timeout_s: float = 60.0,
        max_answer_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.max_idle = max_idle
        self.idle_timeout_s = idle_timeout_s
        self.max_answer_bytes = max_answer_bytes
        self._idle: dict[tuple[str, int], list[_Connection]] = {}
        self.connections_made = 0  # for tests and diagnostics

    async def post(
        self,
        origin: Origin,
        path: str,
        body: bytes,
        *,
        timeout_s: float,
        connect_timeout_s: float,
    ) -> tuple[int, bytes]:
        """``POST`` the JSON ``body`` to ``path`` under ``origin``: the status and the body."""
        request = b"".join(
            (
                b"POST %s%s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n"
                % (origin.prefix, path.encode("ascii"), origin.host_header, len(body)),
                body,
            )
        )
        loop = asyncio.get_running_loop()
        now = loop.time()
        deadline = now + timeout_s  # the whole call's, retry and connecting included
        conn = self._take(origin, now)
        if conn is not None:
            try:
                return await self._exchange(origin, conn, request, deadline)
            except _ClosedUnanswered:
                pass  # closed by the worker as it was reused: once more, on a new connection
        left = deadline - loop.time()
        if left <= 0:
            raise TimeoutError
        conn = await self._connect(origin, min(connect_timeout_s, left))
        return await self._exchange(origin, conn, request, deadline)

    async def _exchange(
        self, origin: Origin, conn: _Connection, request: bytes, deadline: float
    ) -> tuple[int, bytes]:
        """One request on ``conn``; the connection is kept for reuse or closed, never left
        open with an answer half read (an error, a timeout, a cancellation)."""
        try:
            answer = await conn.exchange(request, deadline)
        except BaseException:
            conn.close()
            raise
        return self._keep(origin, conn, answer)

    def _take(self, origin: Origin, now: float) -> _Connection | None:
        """The newest idle connection to ``origin`` that is still open and young enough
        (``now``: the loop's time)."""
        idle = self._idle.get((origin.host, origin.port))
        if not idle:
            return None
        oldest = now - self.idle_timeout_s
        while idle:
            conn = idle.pop()
            if not conn.closed and conn.idle_since >= oldest:
                return conn
            conn.close()
        return None

    def _keep(
        self, origin: Origin, conn: _Connection, answer: tuple[int, bytes, bool]
    ) -> tuple[int, bytes]:
        status, body, reusable = answer
        conn.waiter = None
        idle = self._idle.setdefault((origin.host, origin.port), [])
        if reusable and not conn.closed and len(idle) < self.max_idle:
            conn.idle_since = asyncio.get_running_loop().time()
            idle.append(conn)
        else:
            conn.close()
        return status, body

    async def _connect(self, origin: Origin, connect_timeout_s: float) -> _Connection:
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(connect_timeout_s):
            _, conn = await loop.create_connection(
                lambda: _Connection(self.max_answer_bytes), origin.host, origin.port
            )
        self.connections_made += 1
        return conn

    def close(self) -> None:
        """Close every idle connection (calls in flight close theirs when they end)."""
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()
