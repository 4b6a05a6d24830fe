"""Priority classes: interactive goes first, batch keeps its configured minimum share."""

from __future__ import annotations

from collections.abc import Callable

from labgate.scheduler import FairScheduler
from tests.scheduler.conftest import POOL, Harness, settle, user


async def queue_both_classes(scheduler: FairScheduler, harness: Harness, each: int) -> None:
    for _ in range(each):
        harness.submit("batch", user("lab-b"), cls="batch", prompt=5)
    for _ in range(each):
        harness.submit("interactive", user("lab-i"), cls="interactive", prompt=5)
    await settle()
    scheduler.set_capacity(POOL, 1)


async def test_batch_gets_its_minimum_share_of_contended_dispatches(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=0, batch_min_share=0.1)
    harness = Harness(scheduler)
    await queue_both_classes(scheduler, harness, each=60)

    order = await harness.serve(limit=50)

    # Batch queued first, yet interactive leads; every tenth dispatch is batch's.
    expected = ["batch" if (i + 1) % 10 == 0 else "interactive" for i in range(50)]
    assert order == expected


async def test_batch_takes_every_slot_interactive_leaves(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=0, batch_min_share=0.1)
    harness = Harness(scheduler)
    await queue_both_classes(scheduler, harness, each=10)

    order = await harness.serve()

    assert order.count("interactive") == 10
    assert order[-9:] == ["batch"] * 9  # once interactive is done, batch runs alone
    assert order.count("batch") == 10


async def test_zero_minimum_share_is_strict_priority(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=0, batch_min_share=0.0)
    harness = Harness(scheduler)
    await queue_both_classes(scheduler, harness, each=30)

    assert await harness.serve(limit=30) == ["interactive"] * 30


async def test_batch_usage_counts_against_the_same_lab_in_interactive(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=0, batch_min_share=0.5)
    harness = Harness(scheduler)
    for _ in range(20):
        harness.submit("flood-batch", user("flood", "etl"), cls="batch", prompt=12)
    for lab in ("quiet", "flood"):
        for _ in range(20):
            harness.submit(lab, user(lab, "chat"), cls="interactive", prompt=10)
    await settle()
    scheduler.set_capacity(POOL, 1)

    order = await harness.serve(limit=30)

    # Half the dispatches go to flood's batch work; that raises flood's counter, so every
    # interactive dispatch goes to quiet. Strict class queues would have split them.
    assert order.count("flood-batch") == 15
    assert order.count("quiet") == 15
    assert order.count("flood") == 0
