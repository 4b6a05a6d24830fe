"""The interactive hold: a lab's interactive request that ends leaves its slot held for the
lab's next interactive request for ``interactive_hold_s``, so the lab's batch work, which fills
every other gap, does not take it in the instant between two requests of a client that sends
again at once (issue 26: interactive p99 rose with a batch running beside it). Holds bind only
the lab's own batch work; another lab's work is never held back, and batch keeps its share."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from labgate.scheduler import FairScheduler
from tests.scheduler.conftest import POOL, FakeClock, Harness, settle, user

HOLD = 0.05


async def test_a_slot_an_interactive_request_leaves_waits_for_the_labs_next_one(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=2, interactive_hold_s=HOLD)
    harness = Harness(scheduler)
    harness.submit("chat-1", user("lab", "chat"))
    harness.submit("batch-1", user("lab", "etl"), cls="batch")
    harness.submit("batch-2", user("lab", "etl"), cls="batch")
    await settle()
    assert [label for label, _ in harness.granted] == ["chat-1", "batch-1"]

    chat = harness.granted.pop(0)[1]
    chat.release()  # the client reads its answer; batch-2 waits, the slot is held
    await settle()
    assert [label for label, _ in harness.granted] == ["batch-1"]
    assert scheduler.pool(POOL).running == 1

    harness.submit("chat-2", user("lab", "chat"))  # the client sends again: its slot is free
    await settle()
    assert [label for label, _ in harness.granted] == ["batch-1", "chat-2"]


async def test_a_hold_nobody_takes_expires_and_batch_gets_the_slot(
    make_scheduler: Callable[..., FairScheduler], clock: FakeClock
) -> None:
    scheduler = make_scheduler(capacity=1, interactive_hold_s=HOLD)
    harness = Harness(scheduler)
    harness.submit("chat", user("lab", "chat"))
    await settle()
    harness.submit("batch", user("lab", "etl"), cls="batch")
    await settle()
    harness.granted.pop(0)[1].release()
    await settle()
    assert harness.granted == []  # held

    clock.advance(HOLD)
    await asyncio.sleep(HOLD * 2)  # the hold's timer dispatches again (no other event comes)
    await settle()
    assert [label for label, _ in harness.granted] == ["batch"]


async def test_a_batch_request_arriving_to_a_held_slot_queues(
    make_scheduler: Callable[..., FairScheduler], clock: FakeClock
) -> None:
    """The uncontended fast path respects the hold too."""
    scheduler = make_scheduler(capacity=1, interactive_hold_s=HOLD)
    harness = Harness(scheduler)
    harness.submit("chat", user("lab", "chat"))
    await settle()
    harness.granted.pop(0)[1].release()
    harness.submit("batch", user("lab", "etl"), cls="batch")
    await settle()
    assert harness.granted == []
    clock.advance(HOLD)
    scheduler.pool(POOL).pump()
    await settle()
    assert [label for label, _ in harness.granted] == ["batch"]


async def test_another_labs_work_is_never_held_back(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=1, interactive_hold_s=HOLD)
    harness = Harness(scheduler)
    harness.submit("chat", user("lab-a", "chat"))
    await settle()
    harness.submit("batch", user("lab-b", "etl"), cls="batch")
    await settle()
    harness.granted.pop(0)[1].release()
    await settle()
    assert [label for label, _ in harness.granted] == ["batch"]


async def test_held_lab_does_not_block_another_lab_waiting_behind_it(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    """The lab served next holds the free slot, yet another lab's request waits too: the
    hold gives way (a lab's hold never delays anybody else)."""
    scheduler = make_scheduler(capacity=1, interactive_hold_s=HOLD)
    harness = Harness(scheduler)
    harness.submit("chat-a", user("lab-a", "chat"))
    await settle()
    harness.submit("batch-a", user("lab-a", "etl"), cls="batch")
    harness.submit("chat-b", user("lab-b", "chat"))
    await settle()
    harness.granted.pop(0)[1].release()
    await settle()
    assert len(harness.granted) == 1  # somebody got the slot; nothing idles


async def test_batch_keeps_its_minimum_share_against_a_client_that_sends_again_at_once(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    """One slot, one interactive client that always comes back inside the hold, and a
    waiting batch: the returning request and the batch compete, so batch still gets its
    ``batch_min_share`` of the dispatches."""
    scheduler = make_scheduler(capacity=1, interactive_hold_s=HOLD, batch_min_share=0.1)
    harness = Harness(scheduler)
    for _ in range(20):
        harness.submit("batch", user("lab", "etl"), cls="batch")
    harness.submit("chat", user("lab", "chat"))
    await settle()
    served: list[str] = []
    for _ in range(100):
        label, ticket = harness.granted.pop(0)
        served.append(label)
        ticket.release()
        if label == "chat":
            harness.submit("chat", user("lab", "chat"))
        await settle()
    assert 8 <= served.count("batch") <= 12, served


async def test_a_returning_request_is_not_preempted_while_the_labs_batch_runs(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    """Two slots: the lab's batch runs in one, its client comes back to the other again and
    again. Batch is not starving, so the returning request never loses its held slot to the
    batch credit (it did every tenth time: a whole batch item's wait)."""
    scheduler = make_scheduler(capacity=2, interactive_hold_s=HOLD, batch_min_share=0.1)
    harness = Harness(scheduler)
    harness.submit("chat", user("lab", "chat"))
    for _ in range(40):
        harness.submit("batch", user("lab", "etl"), cls="batch")
    await settle()
    assert sorted(label for label, _ in harness.granted) == ["batch", "chat"]
    for _ in range(30):
        chat = next(t for label, t in harness.granted if label == "chat")
        harness.granted = [(label, t) for label, t in harness.granted if t is not chat]
        chat.release()
        harness.submit("chat", user("lab", "chat"))
        await settle()
        assert sorted(label for label, _ in harness.granted) == ["batch", "chat"]


async def test_zero_turns_the_hold_off(make_scheduler: Callable[..., FairScheduler]) -> None:
    scheduler = make_scheduler(capacity=1, interactive_hold_s=0.0)
    harness = Harness(scheduler)
    harness.submit("chat", user("lab", "chat"))
    await settle()
    harness.submit("batch", user("lab", "etl"), cls="batch")
    await settle()
    harness.granted.pop(0)[1].release()
    await settle()
    assert [label for label, _ in harness.granted] == ["batch"]
