"""Budgets are never overspent: a request reserves ``n`` answers of ``max_tokens``, and a worker
that ignores ``max_tokens`` is cut at the reservation and charged no more than it (SQLite, and
PostgreSQL with Redis in the store pass)."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from sqlalchemy import update

from labgate.quota import budget_period, units_to_tokens
from labgate.store.tenancy import Project
from tests.api.conftest import Gateway

pytestmark = pytest.mark.store
ASK = {"model": "fake", "messages": [{"role": "user", "content": "q"}]}
# the reservation of ASK: a bound on the prompt ("user: q" is 7 bytes, + 16 per message + 16)
PROMPT_BOUND = 7 + 16 + 16


async def set_budget(gw: Gateway, tokens: int) -> None:
    async with gw.services.sessions.begin() as s:
        await s.execute(
            update(Project)
            .where(Project.id == "default")
            .values(budget_tokens=tokens, budget_period="month")
        )
    assert gw.services.projects is not None
    gw.services.projects.forget("default")


async def used_and_reserved(gw: Gateway) -> tuple[float, float]:
    quota = gw.services.quota
    assert quota is not None
    usage = await quota.budgets.usage("default", budget_period("month"))
    return units_to_tokens(usage.used), units_to_tokens(usage.reserved)


async def test_n_answers_are_reserved_n_times(gateway: Gateway) -> None:
    # one answer of 100 tokens fits a budget of 250 (39 + 100); three (39 + 300) do not
    await set_budget(gateway, 250)
    async with gateway.client() as c:
        three = await c.post("/v1/chat/completions", json={**ASK, "max_tokens": 100, "n": 3})
        one = await c.post("/v1/chat/completions", json={**ASK, "max_tokens": 100, "n": 1})
    assert three.status_code == 429, three.text
    assert three.json()["error"]["code"] == "budget_exhausted"
    assert "339" in three.json()["error"]["message"]  # the whole worst case, n times
    assert one.status_code == 200, one.text
    assert gateway.worker.worker.requests == 1


async def test_a_worker_that_overruns_max_tokens_is_charged_at_most_the_reservation(
    gateway: Gateway,
) -> None:
    budget = 1000
    await set_budget(gateway, budget)
    body = {**ASK, "max_tokens": 10, "fake": "words=400"}  # reserves 49, the worker sends 400
    async with gateway.client() as c:
        first = await c.post("/v1/chat/completions", json=body)
        assert first.status_code == 200, first.text
        usage = first.json()["usage"]
        assert usage["completion_tokens"] <= 10
        assert usage["prompt_tokens"] + usage["completion_tokens"] <= PROMPT_BOUND + 10
        statuses = []
        for _ in range(40):  # concurrent, as several clients (or replicas) would
            answers = await asyncio.gather(
                *(c.post("/v1/chat/completions", json=body) for _ in range(4))
            )
            statuses += [a.status_code for a in answers]
            if 429 in statuses:
                break
    assert 429 in statuses
    used, reserved = await used_and_reserved(gateway)
    assert used <= budget, f"{used} used of a budget of {budget}"
    assert reserved == 0


async def test_a_stream_is_cut_at_the_reservation_and_finishes_with_length(
    gateway: Gateway,
) -> None:
    budget = 1000
    await set_budget(gateway, budget)
    body = {
        **ASK,
        "max_tokens": 10,
        "stream": True,
        "stream_options": {"include_usage": True},
        "fake": "words=400,delay=0.01",  # still streaming when it is cut
    }
    async with gateway.client() as c:
        async with c.stream("POST", "/v1/chat/completions", json=body) as r:
            assert r.status_code == 200
            raw = b"".join([chunk async for chunk in r.aiter_bytes()])
    events = [e[6:] for e in raw.decode().split("\n\n") if e.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [orjson.loads(e) for e in events[:-1]]
    words = sum(
        1 for ch in chunks for choice in ch["choices"] if choice.get("delta", {}).get("content")
    )
    assert words <= 10
    reasons = [c["finish_reason"] for ch in chunks for c in ch["choices"] if c["finish_reason"]]
    assert reasons == ["length"]
    usage = chunks[-1]["usage"]
    assert usage["completion_tokens"] <= 10
    await asyncio.sleep(0.2)  # the worker saw the connection close
    assert gateway.worker.worker.cancelled == 1
    used, reserved = await used_and_reserved(gateway)
    assert used <= PROMPT_BOUND + 10 and reserved == 0
