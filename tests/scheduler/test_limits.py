"""Queue limits and departures: timeouts, full queues, and cancelled waiters leaving at once
without leaking a slot, including the races where cancellation and a grant meet."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from prometheus_client import CollectorRegistry

from labgate.scheduler import ClassLimits, FairScheduler, QueueFull, QueueTimeout
from tests.scheduler.conftest import POOL, Harness, settle, user


def not_admitted(registry: CollectorRegistry, lab: str, reason: str) -> float:
    value = registry.get_sample_value(
        "labgate_scheduler_not_admitted_total",
        {"lab": lab, "class": "interactive", "reason": reason},
    )
    return value or 0.0


def queue_length(registry: CollectorRegistry, lab: str) -> float:
    value = registry.get_sample_value(
        "labgate_scheduler_queue_length", {"lab": lab, "class": "interactive"}
    )
    return value or 0.0


async def test_request_waiting_past_its_limit_gets_queue_timeout(
    make_scheduler: Callable[..., FairScheduler], registry: CollectorRegistry
) -> None:
    limits = ClassLimits(max_wait_s=0.02, max_queued=10, max_queued_per_user=10)
    scheduler = make_scheduler(capacity=0, interactive=limits)

    with pytest.raises(QueueTimeout) as caught:
        await scheduler.acquire(POOL, user("a"), "interactive")

    error = caught.value
    assert (error.pool, error.request_class) == (POOL, "interactive")
    assert error.retry_after_s >= 1.0
    assert "retry after" in error.message and POOL in error.message
    assert scheduler.pool(POOL).queued(0) == 0
    assert queue_length(registry, "a") == 0
    assert not_admitted(registry, "a", "timeout") == 1
    scheduler.set_capacity(POOL, 1)
    assert scheduler.pool(POOL).running == 0  # the timed-out request holds nothing


async def test_timer_does_not_touch_a_request_that_got_its_slot(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    limits = ClassLimits(max_wait_s=0.05, max_queued=10, max_queued_per_user=10)
    scheduler = make_scheduler(capacity=1, interactive=limits)
    holder = await scheduler.acquire(POOL, user("a"))
    waiting = asyncio.create_task(scheduler.acquire(POOL, user("b")))
    await settle()
    holder.release()

    await asyncio.sleep(0.1)  # past the wait limit

    assert waiting.done() and not waiting.cancelled()
    assert not waiting.result().released  # a ticket, not a QueueTimeout
    assert scheduler.pool(POOL).running == 1


async def test_full_class_queue_refuses_at_once_with_retry_hint(
    make_scheduler: Callable[..., FairScheduler], registry: CollectorRegistry
) -> None:
    limits = ClassLimits(max_wait_s=60, max_queued=2, max_queued_per_user=10)
    scheduler = make_scheduler(capacity=0, interactive=limits)
    harness = Harness(scheduler)
    harness.submit("a", user("a"))
    harness.submit("b", user("b"))
    await settle()

    with pytest.raises(QueueFull) as caught:
        await scheduler.acquire(POOL, user("c"))

    assert caught.value.retry_after_s >= 1.0
    assert "2 interactive requests waiting" in caught.value.message
    assert not_admitted(registry, "c", "queue_full") == 1
    harness.submit("c-batch", user("c"), cls="batch")  # the batch queue has its own limit
    await settle()
    assert scheduler.pool(POOL).queued(1) == 1
    for task in harness.tasks:
        task.cancel()
    await settle()


async def test_one_user_cannot_fill_the_queue_for_everybody(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    limits = ClassLimits(max_wait_s=60, max_queued=100, max_queued_per_user=2)
    scheduler = make_scheduler(capacity=0, interactive=limits)
    harness = Harness(scheduler)
    harness.submit("a", user("a"))
    harness.submit("a", user("a"))
    await settle()

    with pytest.raises(QueueFull, match="you already have 2 interactive requests waiting"):
        await scheduler.acquire(POOL, user("a"))
    harness.submit("b", user("b"))
    await settle()
    assert scheduler.pool(POOL).queued(0) == 3
    for task in harness.tasks:
        task.cancel()
    await settle()


async def test_cancelled_waiter_leaves_the_queue_at_once(
    make_scheduler: Callable[..., FairScheduler], registry: CollectorRegistry
) -> None:
    scheduler = make_scheduler(capacity=1)
    harness = Harness(scheduler)
    holder = await scheduler.acquire(POOL, user("h"))
    gone = harness.submit("a", user("a"))
    harness.submit("b", user("b"))
    await settle()

    gone.cancel()
    await settle()

    assert gone.cancelled()
    assert scheduler.pool(POOL).queued(0) == 1
    lab_a = next(x for x in scheduler.snapshot()["pools"][POOL]["labs"] if x["name"] == "a")
    assert lab_a["queued"] == {"interactive": 0, "batch": 0}
    assert queue_length(registry, "a") == 0
    assert not_admitted(registry, "a", "cancelled") == 1
    holder.release()
    assert await harness.serve() == ["b"]


async def test_slot_granted_to_a_task_cancelled_before_it_ran_is_given_back(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=1)
    harness = Harness(scheduler)
    holder = await scheduler.acquire(POOL, user("h"))
    unlucky = harness.submit("a", user("a"))
    harness.submit("b", user("b"))
    await settle()

    holder.release()  # grants a's slot synchronously…
    unlucky.cancel()  # …and a's client disconnects before a's task runs
    await settle()

    assert unlucky.cancelled()
    assert await harness.serve() == ["b"]
    assert scheduler.pool(POOL).running == 0


async def test_cancelled_waiter_reached_before_its_task_ran_is_skipped(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=1)
    harness = Harness(scheduler)
    holder = await scheduler.acquire(POOL, user("h"))
    unlucky = harness.submit("a", user("a"))
    harness.submit("b", user("b"))
    await settle()

    unlucky.cancel()  # a's future is cancelled now; its task handles it later
    holder.release()  # the dispatch that would pick a must skip to b
    await settle()

    assert unlucky.cancelled()
    pool = scheduler.pool(POOL)
    assert (pool.running, pool.queued(0)) == (1, 0)
    assert [label for label, _ in harness.granted] == ["b"]
    harness.granted[0][1].release()


async def test_cancelling_the_holder_releases_the_slot(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=1)
    inside = asyncio.Event()

    async def hold_forever() -> None:
        async with scheduler.admit(POOL, user("a")):
            inside.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(hold_forever())
    await inside.wait()
    assert scheduler.pool(POOL).running == 1
    task.cancel()
    await settle()
    assert scheduler.pool(POOL).running == 0


async def test_mass_cancellation_keeps_the_order_of_those_who_stay(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=0)
    harness = Harness(scheduler)
    tasks = [harness.submit(f"u{i}", user("lab", "p", f"u{i}")) for i in range(100)]
    await settle()
    for i, task in enumerate(tasks):
        if i % 10:
            task.cancel()
    await settle()

    project = scheduler.pool(POOL).tree.find(("lab", "p"))
    assert project is not None and project.live[0] == 10
    assert len(project.heaps[0]) <= 2 * 10 + 32  # dead entries were compacted away
    scheduler.set_capacity(POOL, 1)
    assert await harness.serve() == [f"u{i}" for i in range(0, 100, 10)]
