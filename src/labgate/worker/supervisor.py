"""Supervising a worker process: start it, wait until it is ready, restart it when it dies,
stop it on shutdown.

Readiness is ``GET {base}/models`` answering 200. A worker that exits is restarted with
exponential back-off (1 s, 2 s, 4 s … capped at 30 s); more than ``max_restarts`` exits within
``restart_window_s`` means something is wrong with it rather than unlucky, and the supervisor
gives up and says so in the log (``/readyz`` then reports the model down). On shutdown the
process gets SIGTERM, then SIGKILL after a grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import aiohttp

log = logging.getLogger("labgate.worker")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class WorkerProcess:
    """One supervised worker process serving an OpenAI-compatible API at ``base_url``."""

    def __init__(
        self,
        argv: Sequence[str],
        base_url: str,
        *,
        log_file: Path | None = None,
        startup_timeout_s: float = 120.0,
        max_restarts: int = 5,
        restart_window_s: float = 300.0,
        on_ready: Callable[[], None] | None = None,
        on_down: Callable[[], None] | None = None,
    ) -> None:
        self.argv = list(argv)
        self.base_url = base_url
        self.log_file = log_file
        self.startup_timeout_s = startup_timeout_s
        self.max_restarts = max_restarts
        self.restart_window_s = restart_window_s
        self.on_ready = on_ready
        self.on_down = on_down
        self.proc: asyncio.subprocess.Process | None = None
        self.ready = asyncio.Event()
        self.gave_up = False
        self.starts = 0
        self._exits: list[float] = []
        self._stopping = False

    async def _spawn(self) -> None:
        out: Any = asyncio.subprocess.DEVNULL
        if self.log_file:
            out = await asyncio.to_thread(open, self.log_file, "ab")
        try:
            self.proc = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        finally:
            if self.log_file and not isinstance(out, int):
                out.close()
        self.starts += 1
        log.info("started worker pid %s: %s", self.proc.pid, self.base_url)

    async def wait_ready(self, session: aiohttp.ClientSession) -> bool:
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.returncode is not None:
                return False
            with contextlib.suppress(Exception):
                async with session.get(
                    self.base_url + "/models", timeout=aiohttp.ClientTimeout(total=2)
                ) as resp:
                    if resp.status == 200:
                        return True
            await asyncio.sleep(0.25)
        return False

    async def run(self, session: aiohttp.ClientSession) -> None:
        """Keep the worker running until cancelled."""
        backoff = 1.0
        try:
            while not self._stopping:
                await self._spawn()
                if await self.wait_ready(session):
                    backoff = 1.0
                    self.ready.set()
                    if self.on_ready:
                        self.on_ready()
                    log.info("worker ready at %s", self.base_url)
                else:
                    log.error("worker at %s did not become ready", self.base_url)
                assert self.proc is not None
                code = await self.proc.wait()
                self.ready.clear()
                if self.on_down:
                    self.on_down()
                if self._stopping:
                    break
                now = time.monotonic()
                self._exits = [t for t in self._exits if now - t < self.restart_window_s] + [now]
                if len(self._exits) > self.max_restarts:
                    self.gave_up = True
                    log.error(
                        "worker exited %d times in %.0f s (last code %s); not restarting it. "
                        "See its log%s",
                        len(self._exits),
                        self.restart_window_s,
                        code,
                        f" at {self.log_file}" if self.log_file else "",
                    )
                    return
                log.warning("worker exited with code %s; restarting in %.0f s", code, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
        finally:
            await self.stop()

    async def stop(self, grace_s: float = 10.0) -> None:
        self._stopping = True
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), timeout=grace_s)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()

    def kill(self) -> None:
        """Kill the worker abruptly (tests use it to prove the restart)."""
        if self.proc is not None and self.proc.returncode is None:
            os.killpg(self.proc.pid, signal.SIGKILL)


def embedded_argv(
    model_path: Path,
    alias: str,
    host: str,
    port: int,
    n_ctx: int,
    threads: int,
    module: str = "labgate.worker.embedded",
) -> list[str]:
    """The command of an embedded worker: the chat worker, or (``module`` =
    ``labgate.worker.embedding``) the embedding worker."""
    return [
        sys.executable,
        "-m",
        module,
        "--model-path",
        str(model_path),
        "--model-alias",
        alias,
        "--host",
        host,
        "--port",
        str(port),
        "--n-ctx",
        str(n_ctx),
        "--threads",
        str(threads),
    ]
