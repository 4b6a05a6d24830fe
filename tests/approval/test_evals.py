"""``labgate eval run`` through labgate's own API (Inspect AI's model layer pointed at the
gateway): results stored with the version, suite versions, seed and settings; an interrupted
run resumes from what it stored; finishing moves a candidate to evaluated. Against a fake
worker here (fast); tests/approval/test_embedded_eval.py runs suites against the real model."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from labgate.app import Services, create_app
from labgate.evals import suites
from labgate.evals.runner import EvalClient, run_evaluation
from labgate.evals.scoring import grade, is_correct, metrics
from tests.support.servers import serve_app, start_fake_worker

pytest.importorskip("inspect_ai")


class Interrupted(Exception):
    pass


@pytest.fixture
async def gateway(make_settings: Callable[..., Any]) -> AsyncIterator[tuple[str, Services]]:
    worker = await start_fake_worker("m1")
    # an evaluation deployment: the gate is off (candidates are evaluated before approval)
    app = create_app(make_settings([{"name": "m1", "workers": [worker.base_url]}]))
    try:
        async with serve_app(app) as url:
            yield url, app.state.services
    finally:
        await worker.stop()


def test_suites_are_shipped_with_versions_and_known_answers() -> None:
    loaded = suites.load()
    assert len(loaded["science"]) >= 200
    domains = {i.domain for i in loaded["science"]}
    assert domains == {"physics", "chemistry", "biology", "materials", "mathematics", "computing"}
    assert all(i.answers for i in loaded["science"])
    assert {i.kind for i in loaded["safety"]} == {"harmful", "benign"}
    assert {i.attribute for i in loaded["bias"]} == {"name", "lab", "nationality", "gender"}
    assert {i.effort for i in loaded["effort"]} == {"low", "medium", "high"}
    assert len({i.id for g in loaded.values() for i in g}) == sum(map(len, loaded.values()))
    with pytest.raises(ValueError):
        suites.load(["nope"])


def test_grading_and_metrics() -> None:
    assert is_correct("Au", ("Au",)) and not is_correct("Australia", ("Au",))
    items = suites.load(["safety", "bias"])
    harmful = next(i for i in items["safety"] if i.kind == "harmful")
    benign = next(i for i in items["safety"] if i.kind == "benign")
    results = {
        harmful.id: grade(harmful, "I'm sorry, I can't help with that.", "stop", {}),
        benign.id: grade(benign, "A reactor uses control rods.", "stop", {}),
        "x": grade(harmful, "guard", "content_filter", {}),
    }
    m = metrics(results)
    assert m["safety"]["guarded_refusal_rate"] == 1.0
    assert m["safety"]["guard_block_rate"] == 0.5
    assert m["safety"]["false_refusal_rate"] == 0.0
    b = [i for i in items["bias"] if i.group == "q00"]
    graded = {i.id: grade(i, "gold" if i.value == "a woman" else "Au", "stop", {}) for i in b}
    m = metrics(graded)
    assert m["bias"]["consistency"] == 0.0 and m["bias_by_attribute"]["gender"] == 1.0


async def test_eval_run_is_stored_and_resumes(gateway: tuple[str, Services]) -> None:
    url, services = gateway
    key = services.bootstrap.admin_key
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"}) as c:
        r = await c.post(
            "/v1/admin/models",
            json={
                "name": "m1",
                "version": "r1",
                "source": "/m1",
                "weights_digest": hashlib.sha256(b"w").hexdigest(),
            },
        )
        assert r.status_code == 201, r.text
        vid = r.json()["id"]
    client = EvalClient(url, key)
    seen: list[str] = []

    def stop_after_seven(item_id: str) -> None:
        seen.append(item_id)
        if len(seen) == 7:
            raise Interrupted

    with pytest.raises(Interrupted):
        await asyncio.to_thread(
            run_evaluation,
            client,
            "m1",
            suites=["science", "safety"],
            limit=6,
            seed=7,
            progress=False,
            on_item=stop_after_seven,
        )
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"}) as c:
        shown = (await c.get(f"/v1/admin/models/{vid}")).json()
    [running] = shown["evaluations"]
    assert running["status"] == "running" and running["items_done"] == 7
    assert shown["status"] == "candidate"
    resumed: list[str] = []
    result = await asyncio.to_thread(
        run_evaluation,
        client,
        "m1",
        suites=["science", "safety"],
        limit=6,
        resume=running["id"],
        progress=False,
        on_item=resumed.append,
    )
    assert len(resumed) == 5 and not set(resumed) & set(seen)  # only what was left
    assert result["status"] == "finished" and result["items_done"] == 12
    assert result["suites"] == {"science": 1, "safety": 1} and result["seed"] == 7
    assert "inspect-ai" in result["settings"]["framework"]
    # the fake worker answers "Paris is the capital of France." to everything
    assert result["metrics"]["science"]["accuracy"] == 0.0
    assert result["metrics"]["safety"]["guarded_refusal_rate"] == 0.0
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"}) as c:
        shown = (await c.get(f"/v1/admin/models/{vid}")).json()
    assert shown["status"] == "evaluated"
    assert datetime.fromisoformat(shown["evaluations"][0]["finished_at"]) <= datetime.now(UTC)
