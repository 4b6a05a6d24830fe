"""Usage decays with the configured half-life (fake clock: no sleeping), without changing the
order between clients, and survives the rescaling that keeps the growing factor finite."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from labgate.scheduler import FairScheduler
from labgate.scheduler.decay import RENORMALISE_AT
from tests.scheduler.conftest import POOL, FakeClock, Harness, settle, user

HALF_LIFE = 100.0


def lab_state(scheduler: FairScheduler, name: str) -> dict[str, float]:
    labs = scheduler.snapshot()["pools"][POOL]["labs"]
    return next(lab for lab in labs if lab["name"] == name)


async def test_usage_halves_after_each_half_life(
    make_scheduler: Callable[..., FairScheduler], clock: FakeClock
) -> None:
    scheduler = make_scheduler(capacity=1, half_life_s=HALF_LIFE, shares={"a": 2})
    harness = Harness(scheduler)
    harness.submit("a", user("a"), prompt=1000)
    await harness.serve()
    assert lab_state(scheduler, "a")["usage"] == pytest.approx(1000)
    assert lab_state(scheduler, "a")["counter"] == pytest.approx(500)  # 1000 / share 2

    clock.advance(HALF_LIFE)
    assert lab_state(scheduler, "a")["usage"] == pytest.approx(500)
    assert lab_state(scheduler, "a")["counter"] == pytest.approx(250)

    clock.advance(2 * HALF_LIFE)
    assert lab_state(scheduler, "a")["usage"] == pytest.approx(125)


@pytest.mark.parametrize(
    ("half_life", "elapsed", "catch_up"),
    [(None, HALF_LIFE, 100), (HALF_LIFE, HALF_LIFE, 50), (HALF_LIFE, 2 * HALF_LIFE, 25)],
)
async def test_a_lead_in_usage_fades_with_the_half_life(
    make_scheduler: Callable[..., FairScheduler],
    clock: FakeClock,
    half_life: float | None,
    elapsed: float,
    catch_up: int,
) -> None:
    scheduler = make_scheduler(capacity=0, half_life_s=half_life)
    harness = Harness(scheduler)
    harness.submit("A", user("a"), prompt=1000)
    harness.submit("A", user("a"), prompt=10)
    for _ in range(150):
        harness.submit("B", user("b"), prompt=10)
    await settle()
    scheduler.set_capacity(POOL, 1)
    await settle()
    assert [label for label, _ in harness.granted] == ["A"]  # charged 1000: A leads B by 1000

    clock.advance(elapsed)
    order = await harness.serve(limit=catch_up + 3)

    # B is served until it has caught up with what is left of A's lead, then A's turn comes.
    assert order == ["A"] + ["B"] * catch_up + ["A", "B"]


async def test_rescaling_the_growing_factor_keeps_values_and_order(
    make_scheduler: Callable[..., FairScheduler], clock: FakeClock
) -> None:
    scheduler = make_scheduler(capacity=1, half_life_s=HALF_LIFE)
    harness = Harness(scheduler)
    harness.submit("a", user("a"), prompt=1000)
    await harness.serve()
    scheduler.set_capacity(POOL, 0)
    for _ in range(3):
        harness.submit("a", user("a"), prompt=100)
    for _ in range(3):
        harness.submit("b", user("b"), prompt=10)
    await settle()
    clock.advance(45 * HALF_LIFE)  # G(t) = 2**45 > RENORMALISE_AT: the next charge rescales
    assert scheduler.pool(POOL).tree.decay.factor() > RENORMALISE_AT

    scheduler.set_capacity(POOL, 1)
    order = await harness.serve()

    assert scheduler.pool(POOL).tree.decay.factor() < 2.0  # restarted at 1
    # Equal counters after the lift: a first (queued first), then b's cheap requests until
    # b's counter passes a's, then a's.
    assert order == ["a", "b", "b", "b", "a", "a"]
    assert lab_state(scheduler, "a")["usage"] == pytest.approx(300, rel=1e-6)
    assert lab_state(scheduler, "b")["usage"] == pytest.approx(30, rel=1e-6)


@pytest.mark.parametrize("half_life", [None, 0])
async def test_without_half_life_usage_is_kept(
    make_scheduler: Callable[..., FairScheduler], clock: FakeClock, half_life: float | None
) -> None:
    scheduler = make_scheduler(capacity=1, half_life_s=half_life)
    harness = Harness(scheduler)
    harness.submit("a", user("a"), prompt=1000)
    await harness.serve()
    clock.advance(1e9)
    assert lab_state(scheduler, "a")["usage"] == 1000


async def test_a_pool_idle_for_thousands_of_half_lives_still_works(
    make_scheduler: Callable[..., FairScheduler], clock: FakeClock
) -> None:
    scheduler = make_scheduler(capacity=1, half_life_s=HALF_LIFE)
    harness = Harness(scheduler)
    harness.submit("a", user("a"), prompt=1000)
    await harness.serve()

    clock.advance(5000 * HALF_LIFE)  # 2**5000 overflows a float; decay must not

    assert lab_state(scheduler, "a")["usage"] == 0.0
    harness.submit("a", user("a"), prompt=10)
    await harness.serve()
    assert lab_state(scheduler, "a")["usage"] == pytest.approx(10)
