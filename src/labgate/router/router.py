"""Routing requests over worker replicas, with retries before the first byte.

:meth:`Router.open` picks a worker (:meth:`WorkerPool.choose`), sends the request, and returns
an :class:`UpstreamCall` only once the worker has answered with a success status and, for a
stream, its first event. A failure before that point (connection refused, timeout, 5xx, 429,
a stream that ends before its first event) is recorded against the worker and the request is
retried on another replica, up to ``retries`` times. After that point the call belongs to the
caller; failures there are mid-stream failures that the API layer turns into a final SSE error
event.

Errors the worker reports about the request itself (4xx other than 429: context too long,
bad parameter) are not retried: they are returned to the client in the OpenAI shape.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
import orjson

from labgate.router.plain import PlainClient, origin_of
from labgate.router.workers import Worker, WorkerPool

if TYPE_CHECKING:
    from labgate.access.labels import Label
    from labgate.approval.gate import ModelGate

log = logging.getLogger("labgate.router")


class NoWorkerAvailable(Exception):
    """No usable replica for the model (all down, open, draining or none registered)."""

    def __init__(self, model: str, detail: str) -> None:
        super().__init__(detail)
        self.model = model
        self.detail = detail


class UpstreamError(Exception):
    """The worker rejected the request itself (a 4xx other than 429); not retried."""

    def __init__(self, status: int, payload: dict[str, object] | None, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.payload = payload
        self.text = text


class StreamBroken(Exception):
    """The worker's stream failed after its first event."""


_RETRYABLE_STATUS = {429, 500, 502, 503, 504}


@dataclass(slots=True)
class UpstreamCall:
    """A worker's accepted answer: a JSON body, or an SSE stream whose first event is read."""

    worker: Worker
    pool: WorkerPool
    response: aiohttp.ClientResponse | None
    body: dict[str, Any] | None = None
    first_event: bytes | None = None
    attempts: int = 1
    started: float = field(default_factory=time.perf_counter)
    _released: bool = False

    async def events(self) -> AsyncIterator[bytes]:
        """The SSE ``data:`` payloads, first one included, up to (not including) ``[DONE]``."""
        assert self.response is not None
        if self.first_event is not None:
            yield self.first_event
        try:
            async for payload in _iter_sse(self.response):
                if payload == b"[DONE]":
                    return
                yield payload
        except (TimeoutError, aiohttp.ClientError, ConnectionError) as exc:
            self.pool.record_failure(self.worker, f"stream broken: {exc!r}")
            raise StreamBroken(str(exc) or exc.__class__.__name__) from exc
        # A stream that ends without [DONE] was cut off.
        self.pool.record_failure(self.worker, "stream ended without [DONE]")
        raise StreamBroken("the worker's stream ended before it was complete")

    def release(self, ok: bool = True) -> None:
        if self._released:
            return
        self._released = True
        self.worker.outstanding -= 1
        if ok:
            self.pool.record_success(self.worker)
        if self.response is not None:
            self.response.release()

    def abort(self, ok: bool = True) -> None:
        """Close the connection to the worker: the worker cancels the work. ``ok``: the worker
        was not at fault (the client went away, the guardrail ended the answer); False when its
        stream failed, whose failure is already recorded and must not be undone as a success."""
        if self.response is not None and not self._released:
            self.response.close()
        self.release(ok=ok)


async def _iter_sse(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    async for raw in response.content:
        line = raw.strip()
        if not line or not line.startswith(b"data:"):
            continue
        yield line[5:].lstrip()


class Router:
    """The worker pools of every model, and the dispatch that retries across them."""

    def __init__(self, session: aiohttp.ClientSession, *, retries: int = 2) -> None:
        self.session = session
        self.plain = PlainClient()
        """Plain answers from ``http://`` workers (:mod:`labgate.router.plain`)."""
        self.pools: dict[str, WorkerPool] = {}
        self.retries = retries
        self.gate: ModelGate | None = None
        """The model gate (:mod:`labgate.approval.gate`): unapproved models and workers whose
        weights digest is not the approved one get no traffic."""

    def pool(self, model: str) -> WorkerPool:
        return self.pools[model]

    async def open(
        self,
        model: str,
        path: str,
        payload: dict[str, object],
        *,
        stream: bool,
        affinity_key: str | None = None,
        timeout_s: float = 600.0,
        connect_timeout_s: float = 5.0,
        exclude: set[str] | frozenset[str] = frozenset(),
        label: Label | None = None,
    ) -> UpstreamCall:
        pool = self.pools.get(model)
        if pool is None:
            raise NoWorkerAvailable(model, f"model {model!r} has no worker pool")
        if self.gate is not None:  # raises when the model may not be served (at ``label``)
            exclude = set(exclude) | self.gate.check(model, pool.workers.values(), label)
        body = orjson.dumps(payload)
        tried: list[str] = list(exclude)  # e.g. workers not accredited for the request's label
        last_error = "no usable worker"
        for attempt in range(1, self.retries + 2):
            worker = pool.choose(affinity_key, exclude=tried)
            if worker is None:
                break
            tried.append(worker.worker_id)
            worker.outstanding += 1
            worker.total_requests += 1
            call = UpstreamCall(worker, pool, None, attempts=attempt)
            try:
                await self._send(call, path, body, stream, timeout_s, connect_timeout_s)
                return call
            except UpstreamError:
                call.release(ok=True)  # the worker is fine; the request was bad
                raise
            except asyncio.CancelledError:
                call.abort()
                raise
            except Exception as exc:  # noqa: BLE001 - every other failure is the worker's
                last_error = _describe(exc)
                pool.record_failure(worker, last_error)
                call.release(ok=False)
                if call.response is not None:
                    call.response.close()
                log.warning("worker %s failed before first byte: %s", worker.base_url, last_error)
        if not pool.workers:
            detail = "it has no workers registered"
        elif len(tried) == len(exclude):
            detail = (
                "none of its usable workers is accredited for this request's label"
                if exclude and pool.any_usable()
                else "all of its workers are down, draining, or cooling off after failures"
            )
        else:
            detail = f"{len(tried) - len(exclude)} worker(s) failed ({last_error})"
        raise NoWorkerAvailable(model, detail)

    async def _send(
        self,
        call: UpstreamCall,
        path: str,
        body: bytes,
        stream: bool,
        timeout_s: float,
        connect_timeout_s: float,
    ) -> None:
        if not stream:
            origin = origin_of(call.worker.base_url)
            if origin is not None:
                status, raw = await self.plain.post(
                    origin, path, body, timeout_s=timeout_s, connect_timeout_s=connect_timeout_s
                )
                if status >= 400:
                    _reject(status, raw)
                call.body = _json_object(raw)
                return
        resp = await self.session.post(
            call.worker.base_url + path,
            data=body,
            headers=_JSON_HEADERS,
            timeout=_timeout(stream, timeout_s, connect_timeout_s),
        )
        call.response = resp
        if resp.status >= 400:
            raw = await resp.read()
            resp.release()
            _reject(resp.status, raw)
        if not stream:
            call.body = _json_object(await resp.read())
            return
        async for payload in _iter_sse(resp):
            if payload == b"[DONE]":
                raise ConnectionError("stream ended before its first event")
            if b'"error"' in payload[:16]:
                resp.close()  # the stream has nothing else to say
                _first_event_error(payload)
            call.first_event = payload
            return
        raise ConnectionError("stream ended before its first event")

    async def close(self) -> None:
        self.plain.close()
        with contextlib.suppress(Exception):
            await self.session.close()


def _first_event_error(payload: bytes) -> None:
    """A stream that opens with an error event instead of a chunk: vLLM and SGLang report a
    request they cannot serve that way once they have answered 200 (and so does the embedded
    worker, for a prompt longer than its context). Nothing has reached the client yet, so it
    is handled as that status would be: a request error goes back to the client (400 in the
    OpenAI shape), a server error is the worker's and is retried on another replica."""
    try:
        loaded = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return
    if not isinstance(loaded, dict) or "choices" in loaded:
        return
    error = loaded.get("error")
    if not isinstance(error, dict):
        return
    code, kind = error.get("code"), str(error.get("type") or "")
    if isinstance(code, int) and 400 <= code < 500:
        status = code  # 429 included: retried elsewhere
    elif kind in ("invalid_request_error", "BadRequestError") and not isinstance(code, int):
        status = 400
    else:
        status = 500  # any other failure is the worker's
    _reject(status, payload)


def _reject(status: int, raw: bytes) -> None:
    """A worker's error status: retried elsewhere (429, 5xx) or handed to the client (4xx)."""
    if status in _RETRYABLE_STATUS:
        raise _RetryableStatus(status, raw[:200].decode("utf-8", "replace"))
    parsed: dict[str, object] | None
    try:
        loaded = orjson.loads(raw)
        parsed = loaded if isinstance(loaded, dict) else None
    except orjson.JSONDecodeError:
        parsed = None
    raise UpstreamError(status, parsed, raw[:500].decode("utf-8", "replace"))


def _json_object(raw: bytes) -> dict[str, Any]:
    data = orjson.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("worker answered with JSON that is not an object")
    return data


_JSON_HEADERS = {"Content-Type": "application/json"}


@functools.lru_cache(maxsize=64)
def _timeout(stream: bool, timeout_s: float, connect_timeout_s: float) -> aiohttp.ClientTimeout:
    """A plain answer is bounded as a whole; a stream (which may run for many minutes) by the
    silence between its chunks. One timer each: a plain call needs no per-read timer, which
    aiohttp would reset on every chunk it reads."""
    if stream:
        return aiohttp.ClientTimeout(sock_connect=connect_timeout_s, sock_read=timeout_s)
    return aiohttp.ClientTimeout(total=timeout_s, sock_connect=connect_timeout_s)


class _RetryableStatus(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(f"HTTP {status}: {text}")
        self.status = status


def _describe(exc: BaseException) -> str:
    if isinstance(exc, _RetryableStatus):
        return str(exc)
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    if isinstance(exc, aiohttp.ClientConnectorError | ConnectionRefusedError):
        return "connection refused"
    text = str(exc)
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__
