"""Charging a ticket: per-chunk increments, the final settle, and per-model token weights."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import pytest

from labgate.scheduler import FairScheduler
from tests.scheduler.conftest import POOL, user


class Weights(NamedTuple):
    input: float
    output: float
    reasoning: float


def usage_of(scheduler: FairScheduler, lab: str) -> float:
    labs = scheduler.snapshot()["pools"][POOL]["labs"]
    return next(x["usage"] for x in labs if x["name"] == lab)


async def test_prompt_is_charged_at_dispatch_and_chunks_as_they_stream(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=1)
    weights = Weights(input=1.0, output=2.0, reasoning=3.0)
    async with scheduler.admit(POOL, user("a"), prompt_tokens=100, weights=weights) as ticket:
        assert usage_of(scheduler, "a") == 100
        ticket.charge(output_tokens=5)
        ticket.charge(reasoning_tokens=10)
        assert usage_of(scheduler, "a") == 100 + 2 * 5 + 3 * 10
        assert (ticket.input_tokens, ticket.output_tokens, ticket.reasoning_tokens) == (
            100, 5, 10,
        )
    assert ticket.released and ticket.charged == 140


async def test_settle_charges_only_what_the_chunks_missed(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=1)
    ticket = await scheduler.acquire(POOL, user("a"), prompt_tokens=100)
    ticket.charge(output_tokens=40)
    ticket.release()

    ticket.settle(prompt_tokens=120, output_tokens=50, reasoning_tokens=30)  # after release too
    assert usage_of(scheduler, "a") == 120 + 50 + 30
    ticket.settle(prompt_tokens=120, output_tokens=50, reasoning_tokens=30)
    assert usage_of(scheduler, "a") == 200  # settling twice charges nothing more

    ticket.settle(prompt_tokens=10, output_tokens=1)  # an over-estimate is not refunded
    assert usage_of(scheduler, "a") == 200


async def test_release_is_idempotent_and_negative_tokens_are_refused(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=1)
    ticket = await scheduler.acquire(POOL, user("a"))
    ticket.release()
    ticket.release()
    assert scheduler.pool(POOL).running == 0
    with pytest.raises(ValueError, match="negative"):
        ticket.charge(output_tokens=-1)
    with pytest.raises(ValueError, match="negative"):
        await scheduler.acquire(POOL, user("a"), prompt_tokens=-5)
