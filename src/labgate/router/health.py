"""Active health checks and heartbeat expiry for every worker of every model.

Runs as one background task. Each round probes every worker with ``GET {base}/models`` (cheap
on vLLM, SGLang and llama.cpp) concurrently, and drops registered workers whose last heartbeat
is older than ``heartbeat_timeout_s``: a Slurm job that died without deregistering stops
receiving requests within one timeout.

One slow probe does not take a worker out: a probe that times out or answers an error counts,
and the worker is marked down after ``failures`` of them in a row (a gateway starting on a busy
node, its event loop held by start-up work, used to time out its first probe and answer 503 for
a worker that was up). The count is the worker's own ``failed_probes``: a removed worker takes
it along, and ``/v1/admin/workers`` shows it. A refused connection (nothing listening) takes
it out at once; real requests that fail still open the circuit breaker on their own count.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import aiohttp

from labgate.router.router import Router
from labgate.router.workers import Worker, WorkerPool

log = logging.getLogger("labgate.router.health")


class HealthChecker:
    def __init__(
        self,
        router: Router,
        *,
        interval_s: float = 5.0,
        timeout_s: float = 2.0,
        failures: int = 2,
        heartbeat_timeout_s: float = 30.0,
        on_change: Callable[[WorkerPool], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.router = router
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.failures = max(1, failures)
        self.heartbeat_timeout_s = heartbeat_timeout_s
        self.on_change = on_change
        self._clock = clock
        self._wake = asyncio.Event()

    def poke(self) -> None:
        """Run a round now (e.g. after a worker registered)."""
        self._wake.set()

    async def check_worker(self, pool: WorkerPool, worker: Worker) -> bool:
        try:
            async with self.router.session.get(
                worker.base_url + "/models",
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            ) as resp:
                ok = resp.status == 200
                await resp.read()
                error = None if ok else f"health check answered HTTP {resp.status}"
        except aiohttp.ClientConnectorError as exc:  # nothing listening: down now
            worker.failed_probes = 0
            pool.mark_health(worker, False, f"health check failed: {exc.__class__.__name__}")
            return False
        except Exception as exc:  # noqa: BLE001 - any failure counts
            ok, error = False, f"health check failed: {exc.__class__.__name__}"
        if ok:
            worker.failed_probes = 0
            pool.mark_health(worker, True)
            return True
        failed = worker.failed_probes + 1
        if failed >= self.failures or not worker.healthy:
            worker.failed_probes = 0
            pool.mark_health(worker, False, error)
        else:
            worker.failed_probes = failed
            worker.last_error = error  # seen by operators; the worker still serves
        return False

    def expire_silent_workers(self) -> list[Worker]:
        now = self._clock()
        expired: list[Worker] = []
        for pool in self.router.pools.values():
            for w in list(pool.workers.values()):
                if w.source == "registered" and now - w.last_heartbeat > self.heartbeat_timeout_s:
                    pool.remove(w.worker_id)
                    expired.append(w)
                    log.warning("worker %s stopped heart-beating; removed", w.base_url)
        return expired

    async def run_round(self) -> None:
        self.expire_silent_workers()
        checks = [
            self.check_worker(pool, w)
            for pool in self.router.pools.values()
            for w in list(pool.workers.values())
        ]
        if checks:
            await asyncio.gather(*checks)
        if self.on_change is not None:
            for pool in self.router.pools.values():
                self.on_change(pool)

    async def run(self) -> None:
        while True:
            try:
                await self.run_round()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - never let the checker die
                log.exception("health round failed")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval_s)
            except TimeoutError:
                pass
            self._wake.clear()
