"""The HTTP edge: what a connection may cost labgate before anyone is authenticated.

uvicorn's httptools protocol (0.54) reads a request's headers with no size limit and no time
limit: a 64 MB header was read into memory before the key was looked at, and a connection that
never finished its header (slowloris) was held for ever. Its keep-alive timer is armed only
after an answer and cancelled by the next byte, so it does not bound a trickling header either.
:func:`edge_protocol` adds both, counted per request head from its first byte (a connection's
opening for the first) and never reset by more bytes:

* more than ``max_header_bytes`` of request line and headers: ``431`` and the connection
  closed, having read at most one socket read (64 KiB) past the limit;
* the head not complete within ``header_timeout_s``: ``408`` (or, if nothing came at all,
  a silent close) and the connection closed;
* the body not complete within ``body_timeout_s`` of the head's end: the connection closed
  (the handler reading it sees the client gone).

``max_connections``: a request arriving while that many other connections are open (or that
many requests are in progress) gets ``503`` in the OpenAI shape (uvicorn's own
``limit_concurrency`` answers in plain text). :func:`server_options` is what ``labgate serve``
passes to uvicorn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from labgate.api.errors import error_body
from labgate.config import ServerConfig, Settings
from labgate.gateway.record import new_request_id


def _refusal(status: str, message: str, code: str) -> Callable[[], bytes]:
    body = error_body(message, "invalid_request_error", code)
    head = (
        b"HTTP/1.1 " + status.encode("ascii") + b"\r\n"
        b"content-type: application/json\r\n"
        b"connection: close\r\n"
        b"content-length: " + str(len(body)).encode("ascii") + b"\r\n"
    )

    def answer() -> bytes:
        return head + b"x-request-id: " + new_request_id().encode("ascii") + b"\r\n\r\n" + body

    return answer


def _busy(cap: int) -> ASGIApp:
    """The answer to a request on a connection past the cap: 503 in the OpenAI shape."""
    body = error_body(
        f"this gateway is serving its limit of {cap} connections; retry shortly",
        "service_unavailable",
        "too_many_connections",
    )

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode("ascii")),
            (b"retry-after", b"1"),
            (b"connection", b"close"),
            (b"x-request-id", new_request_id().encode("ascii")),
        ]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


class _HeadTooLarge(Exception):
    pass


# what a connection's one timer times (see EdgeProtocol)
_HEAD = "head"  # a request head, from its first byte (a connection's opening for the first)
_BODY = "body"  # a request body, from its head's end
_IDLE = "idle"  # a keep-alive connection between an answer and the next request


def edge_protocol(cfg: ServerConfig) -> type[asyncio.Protocol]:
    """uvicorn's httptools protocol with a limit on the size and the time of request heads."""
    limit = cfg.max_header_bytes
    timeout = cfg.header_timeout_s
    body_timeout = cfg.body_timeout_s
    too_large = _refusal(
        "431 Request Header Fields Too Large",
        f"the request's headers are larger than this gateway's limit of {limit} bytes",
        "request_header_too_large",
    )
    too_slow = _refusal(
        "408 Request Timeout",
        f"the request's headers did not arrive within {timeout:g} s",
        "request_header_timeout",
    )

    cap = cfg.max_connections
    busy = _busy(cap)

    class EdgeProtocol(HttpToolsProtocol):
        """One timer per connection, not three per request: the phase a connection is in
        (its head, its body, idle between requests) has a deadline, and a single timer handle,
        re-armed only when it fires early or a nearer deadline comes, enforces it. uvicorn's
        own keep-alive timer is never armed (:meth:`on_response_complete`)."""

        _head_bytes = 0  # bytes received since this head began (bounds an unfinished head)
        _head_size = 0  # the parsed request line and headers (bounds a head read at once)
        _reading_head = True  # between a message's end (or the connection's start) and its head's
        _oversized = False
        _phase: str | None = None  # what is timed now: _HEAD, _BODY, _IDLE, or nothing
        _deadline = 0.0  # when the phase runs out (loop time)
        _timer: asyncio.TimerHandle | None = None
        _timer_at = 0.0  # when the timer fires: never after the deadline

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._expect(_HEAD, timeout)

        def connection_lost(self, exc: Exception | None) -> None:
            self._phase = None
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self._reading_head:
                if self._phase is not _HEAD:
                    self._expect(_HEAD, timeout)  # the next request's head starts with this byte
                self._head_bytes += len(data)
            super().data_received(data)
            if self._reading_head and self._head_bytes > limit:
                self._refuse(too_large)

        def on_message_begin(self) -> None:
            self._head_size = 0
            super().on_message_begin()

        def on_url(self, url: bytes) -> None:
            self._grow(len(url))
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._grow(len(name) + len(value) + 4)
            super().on_header(name, value)

        def _grow(self, size: int) -> None:
            self._head_size += size
            if self._head_size > limit:
                self._oversized = True
                # stops the parser, which uvicorn answers with send_400_response: 431 here
                raise _HeadTooLarge

        def send_400_response(self, msg: str) -> None:
            if self._oversized:
                self._refuse(too_large)
            else:
                super().send_400_response(msg)

        def on_headers_complete(self) -> None:
            self._reading_head = False
            self._head_bytes = 0
            # the connection cap (uvicorn's limit_concurrency answers in plain text, and
            # counts the asking connection among the open ones)
            full = len(self.connections) > cap or len(self.tasks) >= cap
            self.app = busy if full else self.config.loaded_app
            super().on_headers_complete()
            self._expect(_BODY, body_timeout)

        def on_message_complete(self) -> None:
            self._phase = None  # the answer is the application's: not timed here
            super().on_message_complete()
            self._reading_head = True  # pipelined data or a keep-alive request may follow

        def on_response_complete(self) -> None:
            # uvicorn's, with its keep-alive timer replaced by the idle phase
            self.server_state.total_requests += 1
            if self.transport.is_closing():
                return
            self.flow.resume_reading()
            if self.pipeline:
                cycle, app = self.pipeline.pop()
                self._start_asgi_task(cycle, app)
            elif self._phase is None:  # a head already begun stays timed as a head
                self._expect(_IDLE, self.timeout_keep_alive)

        def _expect(self, phase: str, seconds: float) -> None:
            """Enter ``phase``, which must end within ``seconds``."""
            at = self.loop.time() + seconds
            self._phase, self._deadline = phase, at
            if self._timer is None or at < self._timer_at:
                if self._timer is not None:
                    self._timer.cancel()
                self._timer_at = at
                self._timer = self.loop.call_at(at, self._tick)

        def _tick(self) -> None:
            self._timer = None
            phase = self._phase
            if phase is None:
                return  # nothing timed now: the next phase arms the timer again
            if self.loop.time() < self._deadline:  # the phase began after the timer was set
                self._timer_at = self._deadline
                self._timer = self.loop.call_at(self._deadline, self._tick)
                return
            if phase is _HEAD:
                self._head_timed_out()
                return
            # a body still coming too slowly (the handler reading it sees the client gone, a
            # quiet line), or a keep-alive connection idle too long: the connection is closed
            self._phase = None
            if not self.transport.is_closing():
                self.transport.close()

        def _head_timed_out(self) -> None:
            if self.cycle is not None and not self.cycle.response_complete:
                # a head pipelined behind an answer still going: timed after it
                self._expect(_HEAD, timeout)
                return
            # a connection that sent nothing is closed without a word (as a pre-connect)
            self._refuse(too_slow if self._head_bytes else None)

        def _refuse(self, answer: Callable[[], bytes] | None) -> None:
            self._reading_head = False
            self._phase = None
            if self.transport.is_closing():
                return
            if answer is not None:
                self.transport.write(answer())
            self.transport.close()

    return EdgeProtocol


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's settings for the edge limits (``[server]``): for ``uvicorn.run`` or
    ``uvicorn.Config``."""
    cfg = settings.server
    return {
        "http": edge_protocol(cfg),
        "timeout_keep_alive": cfg.keep_alive_timeout_s,
        "h11_max_incomplete_event_size": cfg.max_header_bytes,
    }
