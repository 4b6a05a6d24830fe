"""The plain worker call's own client (labgate.router.plain), against raw TCP servers that
misbehave on purpose: each test's server answers, closes, stalls or garbles exactly as said."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from labgate.router.plain import Origin, PlainClient, WorkerProtocolError, origin_of
from tests.support.servers import free_port

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]
OK = b'{"ok": true}'


class RawServer:
    """A TCP server whose handler gets each connection and its number (0, 1, …)."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.requests: list[tuple[bytes, bytes]] = []  # (head, body) as received
        self.closed_by_client = asyncio.Event()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        number, self.connections = self.connections, self.connections + 1
        try:
            await self.handler(reader, writer, number)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def read_request(self, reader: asyncio.StreamReader) -> bytes | None:
        """One request's body (None at the client's EOF)."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            self.closed_by_client.set()
            return None
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        body = await reader.readexactly(length)
        self.requests.append((head, body))
        return body


@contextlib.asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[tuple[RawServer, Origin]]:
    server = RawServer(handler)
    port = free_port()
    tcp = await asyncio.start_server(server._serve, "127.0.0.1", port)
    try:
        origin = origin_of(f"http://127.0.0.1:{port}/v1")
        assert origin is not None
        yield server, origin
    finally:
        tcp.close()


def answer(body: bytes, *extra: bytes) -> bytes:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n" % len(body)
    return head + b"".join(h + b"\r\n" for h in extra) + b"\r\n" + body


async def post(client: PlainClient, origin: Origin, timeout_s: float = 5.0) -> tuple[int, bytes]:
    return await client.post(
        origin, "/chat/completions", b'{"q": 1}', timeout_s=timeout_s, connect_timeout_s=2.0
    )


async def test_keeps_one_connection_for_sequential_calls_and_reads_both_framings() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        n = 0
        while await server.read_request(reader) is not None:
            if n % 2:  # chunked, split over two writes
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"ok\"")
                await writer.drain()
                writer.write(b"\r\n7\r\n: true}\r\n0\r\n\r\n")
            else:
                writer.write(answer(OK))
            n += 1

    async with raw_server(handler) as (server, origin):
        client = PlainClient()
        for _ in range(4):
            assert await post(client, origin) == (200, OK)
        assert server.connections == 1 and client.connections_made == 1
        head, body = server.requests[0]
        assert head.startswith(b"POST /v1/chat/completions HTTP/1.1\r\n")
        assert b"\r\nHost: 127.0.0.1:" in head and b"Content-Type: application/json" in head
        assert body == b'{"q": 1}'
        client.close()
        await asyncio.wait_for(server.closed_by_client.wait(), 5)


async def test_a_connection_the_worker_closed_while_idle_is_not_reused() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await server.read_request(reader)
        writer.write(answer(OK))  # keep-alive by default, then closes anyway
        await writer.drain()

    async with raw_server(handler) as (server, origin):
        client = PlainClient()
        assert await post(client, origin) == (200, OK)
        await asyncio.sleep(0.1)  # the close arrives while the connection is idle
        assert await post(client, origin) == (200, OK)
        assert server.connections == 2 and len(server.requests) == 2


async def test_closed_as_it_was_reused_the_request_is_sent_once_more_on_a_new_connection() -> None:
    """The keep-alive race: the worker closes an idle connection just as a request goes out on
    it, without answering. Sent again on a fresh connection; a fresh one that does the same
    is the worker's failure, not retried again."""
    unanswered = {1}

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await server.read_request(reader)
        writer.write(answer(OK))
        await writer.drain()
        if await server.read_request(reader) is not None and n not in unanswered:
            writer.write(answer(OK))
            await writer.drain()
            await server.read_request(reader)
        # closes with the second request unanswered on connection 0

    async with raw_server(handler) as (server, origin):
        client = PlainClient()
        assert await post(client, origin) == (200, OK)
        unanswered.add(0)
        assert await post(client, origin) == (200, OK)  # lost on 0, answered on 1
        assert server.connections == 2

    async def never(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await server2.read_request(reader)

    async with raw_server(never) as (server2, origin2):
        with pytest.raises(ConnectionError, match="without answering"):
            await post(PlainClient(), origin2)
        assert server2.connections == 1


async def test_an_answer_framed_by_the_close_is_read_and_its_connection_dropped() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await server.read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + OK)
        await writer.drain()

    async with raw_server(handler) as (server, origin):
        client = PlainClient()
        assert await post(client, origin) == (200, OK)
        assert await post(client, origin) == (200, OK)
        assert server.connections == 2


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"cut", "middle of its answer"),
        (b"SMTP ready\r\n\r\n", "not valid HTTP"),
        (answer(b"\x1f\x8b...", b"Content-Encoding: gzip"), "compressed"),
        (answer(b"x" * 5000), "larger than 4096 bytes"),
    ],
    ids=["cut-short", "not-http", "compressed", "too-large"],
)
async def test_answers_that_cannot_be_read_whole_are_errors(reply: bytes, message: str) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await server.read_request(reader)
        writer.write(reply)
        await writer.drain()

    async with raw_server(handler) as (server, origin):
        client = PlainClient(max_answer_bytes=4096)
        with pytest.raises(WorkerProtocolError, match=message):
            await post(client, origin)
        assert not client._idle.get((origin.host, origin.port))  # nothing kept


async def test_a_timeout_or_a_cancellation_closes_the_connection() -> None:
    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await server.read_request(reader)
        await server.read_request(reader)  # returns at the client's close

    async with raw_server(stall) as (server, origin):
        client = PlainClient()
        with pytest.raises(TimeoutError):
            await post(client, origin, timeout_s=0.2)
        await asyncio.wait_for(server.closed_by_client.wait(), 5)

        server.closed_by_client.clear()
        task = asyncio.create_task(post(client, origin))
        while len(server.requests) < 2:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.wait_for(server.closed_by_client.wait(), 5)
        assert server.connections == 2


async def test_calls_on_one_connection_share_one_timer_and_each_keeps_its_own_bound() -> None:
    """Issue 25: the whole-call bound is one timer per connection, not one per call (what
    ``asyncio.timeout`` armed); a call's bound still holds whether the timer was armed for an
    earlier deadline (a short call after a long one times out at its own) or a later one is
    re-armed (a long call after short ones is not cut at their deadlines)."""
    delays = [0.0] * 20 + [0.0, 0.6, 5.0]

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        while await server.read_request(reader) is not None:
            await asyncio.sleep(delays[len(server.requests) - 1])
            writer.write(answer(OK))

    loop = asyncio.get_running_loop()
    armed = 0
    real_call_at = loop.call_at

    def call_at(when: float, callback: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal armed
        armed += 1
        return real_call_at(when, callback, *args, **kwargs)

    async with raw_server(handler) as (server, origin):
        client = PlainClient()
        loop.call_at = call_at  # type: ignore[method-assign]
        try:
            for _ in range(20):
                assert await post(client, origin, timeout_s=30) == (200, OK)
        finally:
            loop.call_at = real_call_at  # type: ignore[method-assign]
        assert armed <= 2, armed  # one a call armed 20
        # a short call after them (the timer is armed 30 s out): cut at its own 0.3 s
        assert await post(client, origin, timeout_s=0.3) == (200, OK)
        assert await post(client, origin, timeout_s=30) == (200, OK)  # 0.6 s: not cut at 0.3
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(post(client, origin, timeout_s=0.3), 3)  # the 5 s answer
        assert server.connections == 1  # the same connection, until the timeout closed it
        await asyncio.wait_for(server.closed_by_client.wait(), 10)


async def test_nothing_listening_is_connection_refused() -> None:
    origin = origin_of(f"http://127.0.0.1:{free_port()}/v1")
    assert origin is not None
    with pytest.raises(ConnectionRefusedError):
        await post(PlainClient(), origin)


def test_which_worker_urls_it_takes() -> None:
    assert origin_of("http://gh200-n17:8000/v1") == Origin(
        "gh200-n17", 8000, b"/v1", b"gh200-n17:8000"
    )
    assert origin_of("http://[::1]:9101/v1/") == Origin("::1", 9101, b"/v1", b"[::1]:9101")
    assert origin_of("http://worker") == Origin("worker", 80, b"", b"worker")
    # left to aiohttp: TLS, credentials in the URL, a query
    assert origin_of("https://api.example.org/v1") is None
    assert origin_of("http://user:secret@worker:8000/v1") is None
    assert origin_of("http://worker:8000/v1?x=1") is None
