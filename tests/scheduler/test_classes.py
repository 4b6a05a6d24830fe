"""Priority classes: inside a lab interactive goes first and batch keeps its configured minimum
share; across labs the class plays no part, so marking work as batch never costs a lab its
share (issue 26: a lab sending only batch got 10% against a lab flooding interactive work,
whatever the shares said)."""

from __future__ import annotations

from collections.abc import Callable

from labgate.scheduler import FairScheduler
from tests.scheduler.conftest import POOL, Harness, settle, user


async def queue_both_classes(
    scheduler: FairScheduler, harness: Harness, each: int, *, batch_lab: str = "lab",
    interactive_lab: str = "lab",
) -> None:
    for _ in range(each):
        harness.submit("batch", user(batch_lab, "etl"), cls="batch", prompt=5)
    for _ in range(each):
        harness.submit("interactive", user(interactive_lab, "chat"), cls="interactive", prompt=5)
    await settle()
    scheduler.set_capacity(POOL, 1)


async def test_inside_a_lab_batch_gets_its_minimum_share_of_contended_dispatches(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=0, batch_min_share=0.1)
    harness = Harness(scheduler)
    await queue_both_classes(scheduler, harness, each=60)

    order = await harness.serve(limit=50)

    # Batch queued first, yet interactive leads; every tenth dispatch is batch's.
    expected = ["batch" if (i + 1) % 10 == 0 else "interactive" for i in range(50)]
    assert order == expected


async def test_inside_a_lab_batch_takes_every_slot_interactive_leaves(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=0, batch_min_share=0.1)
    harness = Harness(scheduler)
    await queue_both_classes(scheduler, harness, each=10)

    order = await harness.serve()

    assert order.count("interactive") == 10
    assert order[-9:] == ["batch"] * 9  # once interactive is done, batch runs alone
    assert order.count("batch") == 10


async def test_zero_minimum_share_is_strict_priority_inside_a_lab(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=0, batch_min_share=0.0)
    harness = Harness(scheduler)
    await queue_both_classes(scheduler, harness, each=30)

    assert await harness.serve(limit=30) == ["interactive"] * 30


async def test_a_lab_sending_only_batch_keeps_its_share_against_an_interactive_flood(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    """Equal shares: half each, though one lab marks all its work batch and the other none."""
    scheduler = make_scheduler(capacity=0, batch_min_share=0.1)
    harness = Harness(scheduler)
    await queue_both_classes(scheduler, harness, each=100, batch_lab="honest",
                             interactive_lab="flood")

    order = await harness.serve(limit=100)

    assert 49 <= order.count("batch") <= 51, order


async def test_unequal_shares_hold_whatever_each_lab_marks_its_work(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=0, batch_min_share=0.1, shares={"honest": 3.0})
    harness = Harness(scheduler)
    await queue_both_classes(scheduler, harness, each=200, batch_lab="honest",
                             interactive_lab="flood")

    order = await harness.serve(limit=120)

    assert 88 <= order.count("batch") <= 92, order  # 3 : 1


async def test_batch_usage_counts_against_the_same_lab_in_interactive(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=0, batch_min_share=0.5)
    harness = Harness(scheduler)
    for _ in range(20):
        harness.submit("flood-batch", user("flood", "etl"), cls="batch", prompt=10)
    for lab in ("quiet", "flood"):
        for _ in range(20):
            harness.submit(lab, user(lab, "chat"), cls="interactive", prompt=10)
    await settle()
    scheduler.set_capacity(POOL, 1)

    order = await harness.serve(limit=30)

    # The two labs split the dispatches; inside flood, its batch work takes half of flood's
    # turns (batch_min_share 0.5), and that half counts against flood's interactive turns.
    assert order.count("quiet") == 15
    assert order.count("flood-batch") + order.count("flood") == 15
    assert 7 <= order.count("flood-batch") <= 8
