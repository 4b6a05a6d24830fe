"""The HTTP edge, tried with raw sockets as an attacker would: a header too large is refused
before it is read, a client that never finishes its header is cut off, and connections past
the cap are refused with 503 (``[server]`` settings, served as ``labgate serve`` serves)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import uvicorn

from labgate.app import create_app
from labgate.edge import server_options
from tests.support.servers import RunningWorker, free_port


@contextlib.asynccontextmanager
async def edge_gateway(
    make_settings: Callable[..., Any], worker: RunningWorker, **server: Any
) -> AsyncIterator[int]:
    settings = make_settings([{"name": "fake", "workers": [worker.base_url]}], server=server)
    port = free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        loop="asyncio",
        **server_options(settings),
    )
    srv = uvicorn.Server(config)
    srv.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(srv.serve())
    while not srv.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield port
    finally:
        srv.should_exit = True
        await task


async def _read_all(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes the connection."""
    out = b""
    with contextlib.suppress(ConnectionError):
        while chunk := await reader.read(65536):
            out += chunk
    return out


async def test_a_header_larger_than_the_limit_is_refused_with_431_and_closed(
    make_settings: Callable[..., Any], fake_worker: RunningWorker
) -> None:
    async with edge_gateway(make_settings, fake_worker, max_header_bytes=8192) as port:
        # a header under the limit is served
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 4000 + b"\r\n\r\n")
        await writer.drain()
        assert (await reader.readline()).startswith(b"HTTP/1.1 200")
        writer.close()
        # a whole head over the limit, arriving in one piece, is refused before it is served
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 9000 + b"\r\n\r\n")
        await writer.drain()
        answer = await asyncio.wait_for(_read_all(reader), 30)
        assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
        writer.close()
        # one over it is answered 431 and the connection closed, before its end ever came
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 20000)
        await writer.drain()
        answer = await asyncio.wait_for(_read_all(reader), 30)
        assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
        assert b'"code":"request_header_too_large"' in answer and b"x-request-id: req_" in answer
        writer.close()
        # 64 MB of header is never read: the server hangs up long before
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sent = 0
        with pytest.raises(ConnectionError):
            writer.write(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Pad: ")
            for _ in range(1024):
                writer.write(b"a" * 65536)
                await asyncio.wait_for(writer.drain(), 30)
                sent += 65536
            raise AssertionError(f"the server read {sent} bytes of one header")
        assert sent < 64 * 1024 * 1024
        writer.close()


async def test_a_client_that_never_finishes_its_header_is_cut_off(
    make_settings: Callable[..., Any], fake_worker: RunningWorker
) -> None:
    async with edge_gateway(make_settings, fake_worker, header_timeout_s=0.5) as port:
        # slowloris: a header line now and then, never the end of the header
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        closed = asyncio.ensure_future(_read_all(reader))
        lines = 0
        while not closed.done():
            with contextlib.suppress(ConnectionError):
                writer.write(b"X-Slow-%d: 1\r\n" % lines)
                await writer.drain()
            lines += 1
            assert lines < 300, "the server kept a trickling header open"
            await asyncio.sleep(0.1)
        answer = await closed
        assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert lines >= 3  # it was let in, then cut off at the timeout
        writer.close()
        # a connection that sends nothing at all is closed too
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(_read_all(reader), 30) == b""  # closed, silently
        writer.close()
        # and a keep-alive connection, after its answer, cannot trickle a second header
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        assert (await reader.readline()).startswith(b"HTTP/1.1 200")
        writer.write(b"GET /healthz HTTP/1.1\r\n")
        closed = asyncio.ensure_future(_read_all(reader))
        for i in range(300):
            if closed.done():
                break
            with contextlib.suppress(ConnectionError):
                writer.write(b"X-Slow-%d: 1\r\n" % i)
                await writer.drain()
            await asyncio.sleep(0.1)
        assert closed.done(), "the server kept a trickling second header open"
        writer.close()


async def test_connections_past_the_cap_are_refused_with_503(
    make_settings: Callable[..., Any], fake_worker: RunningWorker
) -> None:
    async with edge_gateway(
        make_settings, fake_worker, max_connections=3, header_timeout_s=30
    ) as port:
        idle = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
        await asyncio.sleep(0.2)  # the server has accepted them
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        await writer.drain()
        answer = await asyncio.wait_for(_read_all(reader), 30)
        assert answer.startswith(b"HTTP/1.1 503"), answer[:200]
        assert b'"code":"too_many_connections"' in answer and b"x-request-id: req_" in answer
        writer.close()
        for _, w in idle:
            w.close()
        await asyncio.sleep(0.2)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        await writer.drain()
        answer = await asyncio.wait_for(_read_all(reader), 30)
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
        writer.close()


async def test_a_body_that_trickles_in_past_the_body_timeout_is_cut_off(
    make_settings: Callable[..., Any], fake_worker: RunningWorker
) -> None:
    async with edge_gateway(make_settings, fake_worker, body_timeout_s=0.5) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer lg-x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        )
        closed = asyncio.ensure_future(_read_all(reader))
        sent = 0
        while not closed.done():
            with contextlib.suppress(ConnectionError):
                writer.write(b" ")
                await writer.drain()
            sent += 1
            assert sent < 300, "the server kept a trickling body open"
            await asyncio.sleep(0.1)
        assert sent >= 3  # it was let in, then cut off
        writer.close()
        # a body that arrives whole is served as usual
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        assert (await reader.readline()).startswith(b"HTTP/1.1 200")
        writer.close()


async def test_a_keep_alive_connection_arms_one_timer_not_three_per_request(
    make_settings: Callable[..., Any], fake_worker: RunningWorker
) -> None:
    """Issue 25: the edge's head, body and keep-alive limits share one timer per connection
    (uvicorn's keep-alive timer and a head and a body timer per request cost three timer
    handles each request); the limits still hold: an idle keep-alive connection is closed,
    a busy one is not."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    loop = asyncio.get_running_loop()
    armed: list[str] = []
    real_call_at = loop.call_at

    def call_at(when: float, callback: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(getattr(callback, "__self__", None), HttpToolsProtocol):
            armed.append(callback.__name__)
        return real_call_at(when, callback, *args, **kwargs)

    loop.call_at = call_at  # type: ignore[method-assign]
    try:
        async with edge_gateway(make_settings, fake_worker, keep_alive_timeout_s=0.6) as port:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            for _ in range(3):  # a keep-alive connection used more often than its limit
                for _ in range(10):
                    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    await writer.drain()
                    assert (await reader.readline()).startswith(b"HTTP/1.1 200")
                    length = 0
                    while (line := await reader.readline()) != b"\r\n":
                        if line.lower().startswith(b"content-length:"):
                            length = int(line.split(b":")[1])
                    await reader.readexactly(length)
                await asyncio.sleep(0.3)
            # 30 requests over 0.9 s: a handful of timers, where three a request made 90
            assert len(armed) <= 6, armed
            assert not reader.at_eof()
            # left idle, it is closed
            assert await asyncio.wait_for(_read_all(reader), 30) is not None
            assert reader.at_eof()
            writer.close()
    finally:
        loop.call_at = real_call_at  # type: ignore[method-assign]
