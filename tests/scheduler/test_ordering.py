"""Who is served next: exact orders for small scripted scenarios (each differs from FIFO),
convergence to configured shares, and the lift that keeps idle time from banking credit."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

import pytest

from labgate.scheduler import FairScheduler
from tests.scheduler.conftest import POOL, Harness, settle, user


async def test_new_client_is_not_stuck_behind_earlier_arrivals(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    harness = Harness(make_scheduler(capacity=1))
    for label in ("A1", "A2", "A3"):
        harness.submit(label, user("lab-a"), prompt=10)
    await settle()
    for label in ("B1", "B2"):
        harness.submit(label, user("lab-b"), prompt=10)

    order = await harness.serve()

    # FIFO would serve A1 A2 A3 B1 B2. B arrives while A1 runs and A2, A3 wait: B's counter
    # is lifted to A's (10), the tie goes to A (queued first), then the two alternate.
    assert order == ["A1", "A2", "B1", "A3", "B2"]


async def test_hierarchy_splits_between_projects_before_users(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=0)
    harness = Harness(scheduler)
    u1, u2, u3 = user("lab", "p1", "u1"), user("lab", "p1", "u2"), user("lab", "p2", "u3")
    for path in (u1, u2, u3):
        for _ in range(4):
            harness.submit(path.user, path, prompt=10)
    await settle()
    scheduler.set_capacity(POOL, 1)

    order = await harness.serve()

    # Projects p1 and p2 alternate; within p1, u1 and u2 alternate; so u3 (alone in p2) gets
    # half of the slots while both projects wait. FIFO would serve u1×4, u2×4, u3×4.
    assert order == ["u1", "u3", "u2", "u3", "u1", "u3", "u2", "u3", "u1", "u2", "u1", "u2"]


async def test_equal_requests_follow_shares_three_two_one(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=0, shares={"a": 3, "b": 2, "c": 1})
    harness = Harness(scheduler)
    for lab in ("a", "b", "c"):
        for _ in range(400):
            harness.submit(lab, user(lab), prompt=60)
    await settle()
    scheduler.set_capacity(POOL, 1)

    served = Counter(await harness.serve(limit=600))

    assert abs(served["a"] - 300) <= 1
    assert abs(served["b"] - 200) <= 1
    assert abs(served["c"] - 100) <= 1


async def test_random_request_sizes_stay_within_one_request_of_fair(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    shares = {"a": 3.0, "b": 2.0, "c": 1.0}
    scheduler = make_scheduler(capacity=0, shares=shares)
    harness = Harness(scheduler)
    for lab in shares:
        for _ in range(700):
            harness.submit(lab, user(lab), prompt=1)
    await settle()
    scheduler.set_capacity(POOL, 1)
    rng = random.Random(4)
    max_cost = 1 + 500  # prompt + the largest output below

    worst_gap = 0.0
    for _ in range(900):
        await harness.serve(limit=1, output=lambda _label: rng.randint(0, 500))
        labs = scheduler.snapshot()["pools"][POOL]["labs"]
        normalised = [lab["usage"] / lab["share"] for lab in labs]
        worst_gap = max(worst_gap, max(normalised) - min(normalised))

    # VTC's bound: backlogged clients' service per share differs by at most one request's
    # cost per share (the smallest share is 1 here).
    assert worst_gap <= max_cost
    usage = {lab["name"]: lab["usage"] for lab in scheduler.snapshot()["pools"][POOL]["labs"]}
    assert usage["a"] / usage["c"] == pytest.approx(3.0, rel=0.05)
    assert usage["b"] / usage["c"] == pytest.approx(2.0, rel=0.05)


async def test_client_returning_from_idle_banks_no_credit(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=1)
    harness = Harness(scheduler)
    for _ in range(55):
        harness.submit("A", user("lab-a"), prompt=10)
    await harness.serve(limit=50)  # A alone: 51 dispatched (one running), 4 waiting
    for _ in range(5):
        harness.submit("B", user("lab-b"), prompt=10)
    await settle()

    labs = {lab["name"]: lab for lab in scheduler.snapshot()["pools"][POOL]["labs"]}
    assert labs["lab-b"]["counter"] == labs["lab-a"]["counter"] == 510
    # Without the lift B (counter 0) would take its five requests in a row.
    assert await harness.serve() == ["A", "A", "B", "A", "B", "A", "B", "A", "B", "B"]


async def test_client_arriving_at_an_empty_queue_is_lifted_to_the_last_one_served(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=1)
    harness = Harness(scheduler)
    for _ in range(10):
        harness.submit("A", user("lab-a"), prompt=10)
    assert await harness.serve() == ["A"] * 10
    scheduler.set_capacity(POOL, 0)
    for _ in range(3):
        harness.submit("B", user("lab-b"), prompt=10)
    await settle()
    for _ in range(3):
        harness.submit("A", user("lab-a"), prompt=10)
    await settle()
    scheduler.set_capacity(POOL, 1)

    # B joined an empty queue: VTC lifts it to the counter of the last lab to leave (A, 100),
    # so the two alternate instead of B taking three turns on credit from its idle time.
    assert await harness.serve() == ["B", "A", "B", "A", "B", "A"]


async def test_changed_share_applies_to_later_service(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=0)
    harness = Harness(scheduler)
    for lab in ("a", "b"):
        for _ in range(50):
            harness.submit(lab, user(lab), prompt=40)
    await settle()
    scheduler.set_share("b", 4)
    scheduler.set_capacity(POOL, 1)

    served = Counter(await harness.serve(limit=50))

    assert served == {"a": 10, "b": 40}
