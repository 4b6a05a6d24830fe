"""Running real servers on loopback for tests: the gateway app under uvicorn, fake workers."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from aiohttp import web

from labgate.testing.fake_worker import FakeWorker


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RunningWorker:
    def __init__(self, worker: FakeWorker, runner: web.AppRunner, port: int) -> None:
        self.worker = worker
        self.runner = runner
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}/v1"

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_aiohttp(app: web.Application, port: int | None = None) -> tuple[web.AppRunner, int]:
    """Serve an aiohttp app on loopback at ``port`` (default: one the system picks); returns its
    runner (``cleanup()`` stops it) and the port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port or 0).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner, int(runner.addresses[0][1])


@contextlib.asynccontextmanager
async def serve_aiohttp(app: web.Application, port: int | None = None) -> AsyncIterator[str]:
    """Serve an aiohttp app on loopback (see :func:`start_aiohttp`) until the block ends;
    yields its URL, ``http://127.0.0.1:PORT`` (no trailing slash)."""
    runner, port = await start_aiohttp(app, port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def start_fake_worker(
    model: str = "fake", flags: str = "", port: int | None = None
) -> RunningWorker:
    return await start_worker(FakeWorker(model, flags), port)


async def start_worker(worker: FakeWorker, port: int | None = None) -> RunningWorker:
    """Serve ``worker`` (a fake worker built with other settings, e.g. ``slots``)."""
    runner, port = await start_aiohttp(worker.app(), port)
    return RunningWorker(worker, runner, port)


@contextlib.asynccontextmanager
async def serve_app(app: Any, port: int | None = None) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on ``port`` (default: a free one) in this event loop;
    yields its base URL."""
    port = port or free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", loop="asyncio"
    )
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the server did not start")
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def guarded_gateway(
    make_settings: Any, worker_url: str, safety: dict[str, Any] | None = None
) -> AsyncIterator[tuple[Any, Any]]:
    """A gateway with the guardrail on (and ``safety`` settings over the defaults) in front of
    the worker at ``worker_url``: yields an httpx client with the bootstrap admin's key, and
    the app's services."""
    import httpx

    from labgate.app import create_app

    settings = make_settings(
        [{"name": "fake", "workers": [worker_url]}], safety={"enabled": True, **(safety or {})}
    )
    app = create_app(settings)
    async with serve_app(app) as url:
        services = app.state.services
        async with httpx.AsyncClient(
            base_url=url,
            timeout=60,
            headers={"Authorization": f"Bearer {services.bootstrap.admin_key}"},
        ) as client:
            yield client, services


def wait_http_ok(url: str, proc: Any = None, timeout: float = 60.0) -> None:
    """Block until ``GET url`` answers 200 (a process we started, given as ``proc``, must not
    exit meanwhile)."""
    import time

    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the process serving {url} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {timeout:.0f} s")
