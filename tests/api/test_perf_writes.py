"""Fewer writes per request (issue 25): an answer leaves the edge in one send, and the log's
lines from one step of the event loop in one write; nothing is lost, reordered or held back."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import uvicorn

from labgate.app import create_app
from labgate.edge import _Coalescing, server_options
from labgate.logs import StepHandler, TextFormatter
from tests.support.servers import RunningWorker, free_port


class _Transport:
    """What a socket is sent, call by call."""

    def __init__(self) -> None:
        self.sends: list[bytes] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.sends.append(bytes(data))

    def writelines(self, parts: list[bytes]) -> None:
        self.sends.append(b"".join(parts))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def get_extra_info(self, name: str) -> str:
        return f"extra {name}"


async def test_the_writes_of_one_step_go_out_in_one_send_when_flushed_or_when_the_step_ends() -> (
    None
):
    sock = _Transport()
    out = _Coalescing(sock, asyncio.get_running_loop())  # type: ignore[arg-type]
    out.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
    out.write(b"{}")
    assert sock.sends == []  # held while the response is being written
    out.flush()  # the response completed
    assert sock.sends == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"]
    out.write(b"data: 1\n\n")  # a stream's chunk: out at the end of the step that wrote it
    await asyncio.sleep(0)
    assert sock.sends[1:] == [b"data: 1\n\n"]
    out.write(b"last")
    out.close()  # what was written goes before the close
    assert sock.sends[2:] == [b"last"] and sock.closing
    out.write(b"after the client went away")
    out.flush()
    assert len(sock.sends) == 3  # nothing is written to a closing transport
    assert out.get_extra_info("peername") == "extra peername"  # the rest is the transport's


@contextlib.asynccontextmanager
async def _edge(
    make_settings: Callable[..., Any], worker: RunningWorker
) -> AsyncIterator[tuple[int, str]]:
    settings = make_settings([{"name": "fake", "workers": [worker.base_url]}])
    app = create_app(settings)
    port = free_port()
    config = uvicorn.Config(
        app,
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
        yield port, app.state.services.bootstrap.admin_key
    finally:
        srv.should_exit = True
        await task


def _chat(key: str, stream: bool = False) -> bytes:
    body = (
        b'{"model": "fake", "messages": [{"role": "user", "content": "hi"}]'
        + (b', "stream": true' if stream else b"")
        + b"}"
    )
    return (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Authorization: Bearer " + key.encode() + b"\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


async def test_an_answer_is_one_send_and_pipelined_ones_come_whole_and_in_order(
    make_settings: Callable[..., Any], fake_worker: RunningWorker, monkeypatch: Any
) -> None:
    sends: list[tuple[int, bytes]] = []  # (the sending socket's port, what it sent)
    write = asyncio.selector_events._SelectorSocketTransport.write  # type: ignore[attr-defined]

    def counted(self: Any, data: bytes) -> None:
        sends.append((self.get_extra_info("sockname")[1], bytes(data)))
        write(self, data)

    monkeypatch.setattr(asyncio.selector_events._SelectorSocketTransport, "write", counted)  # type: ignore[attr-defined]
    async with _edge(make_settings, fake_worker) as (port, key):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(_chat(key))
        await writer.drain()
        first = await asyncio.wait_for(reader.read(65536), 30)
        # the gateway sent its answer, head and body, in one send (uvicorn alone: two)
        answers = [data for sender, data in sends if sender == port]
        assert len(answers) == 1 and answers[0] == first, answers
        head, _, body = first.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), first[:200]
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        assert len(body) == length and body.endswith(b"}")
        assert b"x-request-id: req_" in head
        # two requests sent at once are answered, whole and in order, on the same connection
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + _chat(key))
        await writer.drain()
        data = b""
        while data.count(b"HTTP/1.1 200") < 2 or not data.endswith(b"}"):
            chunk = await asyncio.wait_for(reader.read(65536), 30)
            assert chunk, data
            data += chunk
        assert data.index(b"HTTP/1.1 200") < data.index(b'"chat.completion"')
        # a stream still arrives chunk by chunk, to its end
        writer.write(_chat(key, stream=True))
        await writer.drain()
        data = b""
        while b"data: [DONE]" not in data:
            chunk = await asyncio.wait_for(reader.read(65536), 30)
            assert chunk, data
            data += chunk
        assert data.startswith(b"HTTP/1.1 200") and b"text/event-stream" in data
        assert data.count(b"data: {") >= 2
        writer.close()


async def test_log_lines_of_one_loop_step_are_written_together_in_order() -> None:
    stream = io.StringIO()
    writes: list[str] = []
    real = stream.write
    stream.write = lambda text: writes.append(text) or real(text)  # type: ignore[method-assign]
    handler = StepHandler(stream)
    handler.setFormatter(TextFormatter())
    log = logging.getLogger("labgate.tests.step")
    log.propagate = False
    log.setLevel(logging.INFO)
    log.addHandler(handler)
    try:
        log.info("one")
        log.info("two")
        assert writes == []  # held until the loop's step ends
        await asyncio.sleep(0)
        assert len(writes) == 1 and writes[0].index("one") < writes[0].index("two")
        log.info("three")
        log.warning("four")  # a warning goes at once, after what was held
        assert len(writes) == 2 and writes[1].index("three") < writes[1].index("four")
        log.info("five")
        handler.flush()  # as at exit
        assert "five" in writes[2]
        await asyncio.sleep(0)
        assert len(writes) == 3
        # a thread without a running loop writes at once
        await asyncio.to_thread(log.info, "six")
        assert "six" in writes[3]
        lines = stream.getvalue().splitlines()
        assert [line.rsplit(" ", 1)[1] for line in lines] == [
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
        ]
        assert " INFO labgate.tests.step: one" in lines[0]
    finally:
        log.removeHandler(handler)
