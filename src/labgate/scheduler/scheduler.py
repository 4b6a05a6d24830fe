"""The fair-share scheduler: the object the gateway admits every model request through.

One :class:`FairScheduler` serves every model; each model is a *pool* with its own slots and
its own fair-share tree, because GPU time on one model's workers cannot be traded for another's
and VTC's fairness bound holds per served resource. Shares and the half-life are common.

Usage, from a request handler::

    async with scheduler.admit("o1-lab", ClientPath.of(principal), "interactive",
                               prompt_tokens=n, weights=model.weights) as ticket:
        async for chunk in worker_stream:        # the slot is held in here
            ticket.charge(output_tokens=k, reasoning_tokens=r)
        ticket.settle(prompt_tokens=p, output_tokens=o, reasoning_tokens=r)

For a streamed HTTP response whose body outlives the handler, call :meth:`acquire` in the
handler (so a rejection still becomes a 429/503) and ``ticket.release()`` in the body's
``finally``. The scheduler is bound to one event loop and is not thread-safe.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry

from labgate.scheduler.config import SchedulerConfig
from labgate.scheduler.errors import UnknownPool
from labgate.scheduler.metrics import SchedulerMetrics
from labgate.scheduler.path import ClientPath, RequestClass, TokenWeights, UnitWeights
from labgate.scheduler.pool import Pool
from labgate.scheduler.snapshot import pool_snapshot
from labgate.scheduler.ticket import Ticket


class FairScheduler:
    """Admission by hierarchical Virtual Token Counter (lab ▸ project ▸ user), per model pool.

    ``registry``: where the metrics go (default the global registry; ``None``: no metrics). A
    registry holds one scheduler's metrics: the gateway passes its own ``Metrics.registry``.
    ``clock``: monotonic seconds for decay and measured waits (tests pass a fake one); the
    wait limits themselves are timers on the event loop.
    """

    def __init__(
        self,
        config: SchedulerConfig | None = None,
        *,
        registry: CollectorRegistry | None = REGISTRY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config or SchedulerConfig()
        self._shares = dict(self.config.shares)
        self._clock = clock
        self._pools: dict[str, Pool] = {}
        self._metrics = (
            SchedulerMetrics(registry, self._pools.values) if registry is not None else None
        )

    # -- configuration at run time -----------------------------------------------------------------

    def set_capacity(self, pool: str, capacity: int) -> None:
        """Set how many requests ``pool`` runs at once (creating the pool the first time).

        Call it whenever workers come, go, or report their limits; raising it dispatches
        waiting requests at once, lowering it lets running requests finish.
        """
        found = self._pools.get(pool)
        if found is None:
            found = Pool(pool, self.config, self._clock, self._share_of, self._metrics)
            self._pools[pool] = found
        found.set_capacity(capacity)

    def set_share(self, key: str, share: float) -> None:
        """Change the share of ``"lab"``, ``"lab/project"`` or ``"lab/project/user"`` now.

        Counters are not rescaled: the new share applies to service charged from now on.
        """
        names = tuple(key.split("/"))
        if not 1 <= len(names) <= 3 or not all(n.strip() for n in names):
            raise ValueError(
                f"share key {key!r} must be 'lab', 'lab/project' or 'lab/project/user'"
            )
        if not share > 0:
            raise ValueError(f"share must be greater than 0, not {share}")
        self._shares[key] = share
        for pool in self._pools.values():
            node = pool.tree.find(names)
            if node is not None:
                node.share = share

    def _share_of(self, path: ClientPath, depth: int) -> float:
        return self._shares.get(path.key(depth), self.config.default_share)

    @property
    def pools(self) -> tuple[str, ...]:
        return tuple(self._pools)

    def pool(self, name: str) -> Pool:
        found = self._pools.get(name)
        if found is None:
            raise UnknownPool(name)
        return found

    # -- admission ---------------------------------------------------------------------------------

    async def acquire(
        self,
        pool: str,
        path: ClientPath,
        request_class: RequestClass | str = RequestClass.INTERACTIVE,
        *,
        prompt_tokens: int = 0,
        weights: TokenWeights | None = None,
    ) -> Ticket:
        """Wait for a slot in ``pool``; the caller must ``release()`` the ticket it gets.

        Raises :class:`QueueFull` at once if the queue is full, :class:`QueueTimeout` when the
        class's wait limit passes, :class:`UnknownPool` for a pool never given a capacity. If
        the awaiting task is cancelled (the client went away) the request leaves the queue at
        once, or gives back a slot granted in the same instant.
        """
        if prompt_tokens < 0:
            raise ValueError("prompt_tokens cannot be negative")
        target = self.pool(pool)
        cls = RequestClass.parse(request_class)
        ticket = target.grant_now(path, cls, prompt_tokens, weights or UnitWeights())
        if ticket is not None:
            return ticket
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Ticket] = loop.create_future()
        waiter = target.enqueue(path, cls, prompt_tokens, weights or UnitWeights(), future)
        if future.done():
            return future.result()
        waiter.timer = loop.call_later(target.limits(cls).max_wait_s, target.expire, waiter)
        try:
            return await future
        except asyncio.CancelledError:
            target.abandon(waiter)
            raise

    @asynccontextmanager
    async def admit(
        self,
        pool: str,
        path: ClientPath,
        request_class: RequestClass | str = RequestClass.INTERACTIVE,
        *,
        prompt_tokens: int = 0,
        weights: TokenWeights | None = None,
    ) -> AsyncIterator[Ticket]:
        """:meth:`acquire` as a context: the slot is held inside and released on the way out."""
        ticket = await self.acquire(
            pool, path, request_class, prompt_tokens=prompt_tokens, weights=weights
        )
        try:
            yield ticket
        finally:
            ticket.release()

    # -- observation -------------------------------------------------------------------------------

    def snapshot(self, *, lab: str | None = None, project: str | None = None) -> dict[str, Any]:
        """Shares, counters, decayed usage, queued and running counts of every pool.

        ``lab``/``project`` restrict the trees (a lab admin sees only their lab).
        """
        return {
            "half_life_s": self.config.half_life_s,
            "batch_min_share": self.config.batch_min_share,
            "pools": {
                name: pool_snapshot(pool, lab, project) for name, pool in self._pools.items()
            },
        }
