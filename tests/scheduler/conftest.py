"""Fixtures for scheduler tests: a fake clock, a scheduler with its own metrics registry, and a
harness that submits requests as tasks and serves them one slot at a time, recording the order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from labgate.scheduler import ClassLimits, ClientPath, FairScheduler, SchedulerConfig, Ticket

POOL = "model-a"
#: Limits that never refuse or time out, for tests about order rather than limits.
ROOMY = ClassLimits(max_wait_s=3600.0, max_queued=100_000, max_queued_per_user=100_000)


class FakeClock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def settle(rounds: int = 10) -> None:
    """Let every runnable task run until it blocks again."""
    for _ in range(rounds):
        await asyncio.sleep(0)


def user(lab: str, project: str = "p", name: str | None = None) -> ClientPath:
    return ClientPath(lab, project, name or f"{lab}-{project}-user")


class Harness:
    """Requests as tasks; :meth:`serve` plays a one-slot worker and records who it served."""

    opened: list[Harness] = []  # cancelled after each test, so no task outlives its test

    def __init__(self, scheduler: FairScheduler, pool: str = POOL) -> None:
        Harness.opened.append(self)
        self.scheduler = scheduler
        self.pool = pool
        self.granted: list[tuple[str, Ticket]] = []  # in the order the slots were granted
        self.tasks: list[asyncio.Task[Ticket]] = []

    def submit(
        self, label: str, path: ClientPath, cls: str = "interactive", prompt: int = 0
    ) -> asyncio.Task[Ticket]:
        async def wait_for_slot() -> Ticket:
            ticket = await self.scheduler.acquire(self.pool, path, cls, prompt_tokens=prompt)
            self.granted.append((label, ticket))
            return ticket

        task = asyncio.create_task(wait_for_slot(), name=label)
        self.tasks.append(task)
        return task

    async def serve(
        self, limit: int | None = None, output: Callable[[str], int] | int = 0
    ) -> list[str]:
        """Take granted requests one at a time: charge their output, release, repeat."""
        order: list[str] = []
        await settle()
        while self.granted and (limit is None or len(order) < limit):
            label, ticket = self.granted.pop(0)
            order.append(label)
            ticket.charge(output_tokens=output(label) if callable(output) else output)
            ticket.release()
            await settle()
        return order


@pytest.fixture(autouse=True)
async def cancel_leftover_requests() -> AsyncIterator[None]:
    yield
    while Harness.opened:
        harness = Harness.opened.pop()
        for task in harness.tasks:
            task.cancel()
        await asyncio.gather(*harness.tasks, return_exceptions=True)
        for _, ticket in harness.granted:
            ticket.release()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def make_scheduler(
    clock: FakeClock, registry: CollectorRegistry
) -> Callable[..., FairScheduler]:
    """A scheduler with pool ``POOL`` at ``capacity`` and config fields from keyword arguments."""

    def make(capacity: int = 1, **config: Any) -> FairScheduler:
        config.setdefault("half_life_s", None)
        config.setdefault("interactive", ROOMY)
        config.setdefault("batch", ROOMY)
        config.setdefault("interactive_hold_s", 0.0)  # tests of order; test_hold.py sets it
        scheduler = FairScheduler(SchedulerConfig(**config), registry=registry, clock=clock)
        scheduler.set_capacity(POOL, capacity)
        return scheduler

    return make
