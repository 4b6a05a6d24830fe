""":class:`~labgate.hpc.gateway.GatewayLink` over the gateway's own router.

Workers come from the router's pools (jobs register into them through ``/internal/workers``);
draining marks the pool's worker so no new request is routed to it. Demand is what the gateway
reports: it calls :meth:`RouterGatewayLink.note_request` for each request to a model (or passes
its own ``last_request_at``), and may pass ``queue_depth`` from its scheduler.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from labgate.hpc.gateway import WorkerInfo
from labgate.router.router import Router
from labgate.router.workers import BreakerState


class RouterGatewayLink:
    def __init__(
        self,
        router: Router,
        *,
        queue_depth: Callable[[str], int] | None = None,
        last_request_at: Callable[[str], float | None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.router = router
        self._queue_depth = queue_depth
        self._last_request_at = last_request_at
        self._clock = clock
        self._requests: dict[str, float] = {}

    def note_request(self, model: str) -> None:
        """A client asked for ``model`` (cheap: one dict write; call it on every request)."""
        self._requests[model] = self._clock()

    async def workers(self, model: str) -> list[WorkerInfo]:
        pool = self.router.pools.get(model)
        if pool is None:
            return []
        return [
            WorkerInfo(
                worker_id=w.worker_id,
                model=model,
                base_url=w.base_url,
                job_id=w.job_id,
                deployment=w.deployment,
                healthy=w.healthy and w.breaker is not BreakerState.OPEN,
                draining=w.draining,
                outstanding=w.outstanding,
                launch_id=w.launch_id,
            )
            for w in pool.workers.values()
        ]

    async def last_request_at(self, model: str) -> float | None:
        if self._last_request_at is not None:
            return self._last_request_at(model)
        return self._requests.get(model)

    async def queue_depth(self, model: str) -> int:
        return self._queue_depth(model) if self._queue_depth is not None else 0

    async def drain(self, model: str, worker_id: str) -> None:
        pool = self.router.pools.get(model)
        worker = pool.get(worker_id) if pool is not None else None
        if worker is not None:
            worker.draining = True
