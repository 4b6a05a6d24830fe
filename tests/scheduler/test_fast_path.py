"""The uncontended fast path (:meth:`Pool.grant_now`) leaves exactly the state that queueing and
dispatching the request would have: the same counters, usage, lifts and grant order, so fairness
after a quiet spell is unchanged by it."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from labgate.scheduler import ClientPath, FairScheduler, SchedulerConfig, Ticket
from labgate.scheduler.pool import Pool
from labgate.scheduler.tree import Node
from tests.scheduler.conftest import POOL, ROOMY, FakeClock, settle

PATHS = [
    ClientPath(lab, project, f"{lab}-{project}-{u}")
    for lab in ("lab-a", "lab-b")
    for project in ("p1", "p2")
    for u in ("u1", "u2")
]


def _scheduler(clock: FakeClock, capacity: int) -> FairScheduler:
    config = SchedulerConfig(
        interactive=ROOMY, batch=ROOMY, shares={"lab-a": 2.0, "lab-b/p2": 3.0}, half_life_s=60
    )
    scheduler = FairScheduler(config, registry=CollectorRegistry(), clock=clock)
    scheduler.set_capacity(POOL, capacity)
    return scheduler


def _state(node: Node, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, child in node.children.items():
        key = f"{prefix}/{name}"
        out[key] = (
            round(child.counter, 9),
            round(child.usage, 9),
            child.running,
            tuple(child.queued),
            None if child.last_left is None else child.last_left.name,
        )
        out.update(_state(child, key))
    return out


async def _script(scheduler: FairScheduler, clock: FakeClock, seed: int) -> list[str]:
    """Random arrivals, settlements and releases, with quiet spells (a slot free, nobody
    waiting: the fast path) and bursts (requests queue); returns who got a slot, in order."""
    rng = random.Random(seed)
    granted: list[str] = []
    held: list[Ticket] = []
    waiting: list[asyncio.Task[Ticket]] = []

    async def wait(path: ClientPath, cls: str, prompt: int) -> Ticket:
        ticket = await scheduler.acquire(POOL, path, cls, prompt_tokens=prompt)
        granted.append(ticket.path.user)
        return ticket

    for step in range(400):
        clock.advance(rng.uniform(0.0, 3.0))
        busy = (step // 40) % 2  # quiet spells and bursts in turn
        if rng.random() < (0.7 if busy else 0.3):
            path = rng.choice(PATHS)
            cls = "batch" if rng.random() < 0.2 else "interactive"
            waiting.append(asyncio.create_task(wait(path, cls, rng.randint(0, 300))))
        elif held:
            ticket = held.pop(rng.randrange(len(held)))
            ticket.settle(ticket.input_tokens, rng.randint(1, 500), rng.randint(0, 200))
            ticket.release()
        await settle()
        for task in [t for t in waiting if t.done()]:
            waiting.remove(task)
            held.append(task.result())
    for ticket in held:
        ticket.release()
    await settle()
    for task in waiting:
        task.cancel()
    await asyncio.gather(*waiting, return_exceptions=True)
    return granted


@pytest.mark.parametrize("seed", range(6))
async def test_fast_path_leaves_the_state_queueing_would(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast_clock, slow_clock = FakeClock(), FakeClock()
    fast, slow = _scheduler(fast_clock, 2), _scheduler(slow_clock, 2)
    taken = 0
    original = Pool.grant_now

    def counted(self: Pool, *args: Any) -> Ticket | None:
        nonlocal taken
        ticket = original(self, *args)
        taken += ticket is not None
        return ticket

    monkeypatch.setattr(Pool, "grant_now", counted)
    fast_order = await _script(fast, fast_clock, seed)
    monkeypatch.setattr(Pool, "grant_now", lambda self, *args: None)  # always queue
    slow_order = await _script(slow, slow_clock, seed)

    assert taken >= 10, "the script should exercise the fast path"
    assert len(fast_order) > taken, "and queue some requests too"
    assert fast_order == slow_order
    assert _state(fast.pool(POOL).tree.root) == _state(slow.pool(POOL).tree.root)
    assert fast.pool(POOL).decisions == slow.pool(POOL).decisions


async def test_fast_path_is_not_taken_while_anyone_waits() -> None:
    clock = FakeClock()
    scheduler = _scheduler(clock, 1)
    pool = scheduler.pool(POOL)
    first = await scheduler.acquire(POOL, PATHS[0], prompt_tokens=10)
    queued = asyncio.create_task(scheduler.acquire(POOL, PATHS[1], prompt_tokens=10))
    await settle()
    assert not queued.done()
    first.release()  # the slot goes to the waiting request, not to a newcomer
    newcomer = pool.grant_now(PATHS[2], first.request_class, 10, first._weights)
    assert newcomer is None
    second = await queued
    assert second.path == PATHS[1]
    second.release()
