"""Capacity: changes at run time, unknown pools, and many concurrent tasks that never hold more
slots than there are and leave the scheduler empty when they are done."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import pytest

from labgate.scheduler import (
    ClassLimits,
    ClientPath,
    FairScheduler,
    QueueTimeout,
    UnknownPool,
)
from tests.scheduler.conftest import POOL, Harness, settle, user


def assert_empty(scheduler: FairScheduler) -> None:
    """No request waits or runs anywhere in the pool's tree."""
    pool = scheduler.pool(POOL)
    assert (pool.running, pool.queued(0), pool.queued(1)) == (0, 0, 0)
    for node in pool.tree.root.walk():
        assert node.queued == [0, 0] and node.running == 0
        assert node.live == [0, 0]


async def test_raising_capacity_dispatches_waiting_requests_at_once(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=0)
    harness = Harness(scheduler)
    for i in range(5):
        harness.submit(f"r{i}", user(f"lab{i}"))
    await settle()
    assert harness.granted == []

    scheduler.set_capacity(POOL, 3)
    await settle()

    assert [label for label, _ in harness.granted] == ["r0", "r1", "r2"]
    assert scheduler.pool(POOL).queued(0) == 2


async def test_lowering_capacity_lets_running_requests_finish_first(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=3)
    harness = Harness(scheduler)
    for i in range(5):
        harness.submit(f"r{i}", user(f"lab{i}"))
    await settle()
    scheduler.set_capacity(POOL, 1)
    pool = scheduler.pool(POOL)
    running = [ticket for _, ticket in harness.granted]

    running[0].release()
    running[1].release()
    assert (pool.running, pool.queued(0)) == (1, 2)  # still one over the new capacity
    running[2].release()
    assert (pool.running, pool.queued(0)) == (1, 1)


async def test_unknown_pool_and_bad_capacity_are_refused(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler()
    with pytest.raises(UnknownPool, match="no pool named 'other'"):
        await scheduler.acquire("other", user("a"))
    with pytest.raises(ValueError, match="capacity"):
        scheduler.set_capacity(POOL, -1)
    with pytest.raises(ValueError, match="unknown request class"):
        await scheduler.acquire(POOL, user("a"), "urgent")


async def test_many_tasks_never_exceed_capacity_and_leave_nothing_behind(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    capacity = 7
    scheduler = make_scheduler(capacity=capacity)
    rng = random.Random(11)
    paths = [ClientPath(f"lab{i % 4}", f"proj{i % 8}", f"user{i}") for i in range(40)]
    holding = 0
    most = 0

    async def client(path: ClientPath, cls: str) -> None:
        nonlocal holding, most
        async with scheduler.admit(POOL, path, cls, prompt_tokens=rng.randint(1, 50)) as ticket:
            holding += 1
            most = max(most, holding)
            for _ in range(rng.randint(0, 3)):
                await asyncio.sleep(0)
                ticket.charge(output_tokens=rng.randint(1, 20))
            holding -= 1

    tasks = [
        asyncio.create_task(client(rng.choice(paths), rng.choice(("interactive", "batch"))))
        for _ in range(600)
    ]
    for _ in range(40):  # disconnect some clients while they wait or run
        await asyncio.sleep(0)
        rng.choice(tasks).cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    assert 0 < most <= capacity
    assert sum(not t.cancelled() for t in tasks) >= 560
    assert_empty(scheduler)


async def test_capacity_changing_under_load_finishes_every_request(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    limits = ClassLimits(max_wait_s=5.0, max_queued=10_000, max_queued_per_user=10_000)
    scheduler = make_scheduler(capacity=2, interactive=limits, batch=limits)
    rng = random.Random(5)
    done = 0

    async def client(i: int) -> None:
        nonlocal done
        path = ClientPath(f"lab{i % 3}", f"proj{i % 5}", f"user{i % 17}")
        async with scheduler.admit(POOL, path, "batch" if i % 4 == 0 else "interactive"):
            await asyncio.sleep(0)
            done += 1

    tasks = [asyncio.create_task(client(i)) for i in range(400)]
    while not all(t.done() for t in tasks):
        scheduler.set_capacity(POOL, rng.randint(0, 9))
        await settle(3)
        scheduler.set_capacity(POOL, max(1, scheduler.pool(POOL).capacity))
    results = await asyncio.gather(*tasks, return_exceptions=True)

    assert not [r for r in results if isinstance(r, QueueTimeout)]
    assert done == 400
    assert_empty(scheduler)
