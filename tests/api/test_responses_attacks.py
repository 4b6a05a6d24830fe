"""Attacks on the Responses API: someone else's response ids, a chained turn written down to a
lower label, a harmful request hidden in input items, all refused as the chat path refuses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from labgate.app import create_app
from labgate.identity.keys import KeyRepository, new_id, utcnow
from labgate.store.tenancy import User
from tests.api.test_labels_path import labelled  # noqa: F401  (the fixture)
from tests.api.test_safety_path import HARMFUL
from tests.support.servers import RunningWorker, serve_app

pytestmark = pytest.mark.store


async def _user(services: Any, clearance: str | None = None) -> str:
    uid = new_id()
    async with services.sessions.begin() as s:
        s.add(
            User(
                id=uid,
                lab_id="default",
                username="u-" + uid[:8],
                roles=[],
                clearance=clearance,
                created_at=utcnow(),
            )
        )
    key, _ = await KeyRepository(services.sessions).create(uid, None)
    return key


def _client(url: str, key: str, label: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {key}"}
    if label:
        headers["X-Labgate-Label"] = label
    return httpx.AsyncClient(base_url=url, headers=headers, timeout=60)


async def test_another_users_response_is_a_missing_one(
    make_settings: Callable[..., Any], fake_worker: RunningWorker
) -> None:
    app = create_app(make_settings([{"name": "fake", "workers": [fake_worker.base_url]}]))
    async with serve_app(app) as url:
        services = app.state.services
        other = await _user(services)
        async with _client(url, services.bootstrap.admin_key) as owner, _client(url, other) as c:
            r = await owner.post("/v1/responses", json={"model": "fake", "input": "my secret"})
            assert r.status_code == 200, r.text
            rid = r.json()["id"]
            for method, path in (
                ("GET", f"/v1/responses/{rid}"),
                ("GET", f"/v1/responses/{rid}/input_items"),
                ("DELETE", f"/v1/responses/{rid}"),
            ):
                got = await c.request(method, path)
                missing = await c.request(method, path.replace(rid, "resp_" + "0" * 32))
                assert got.status_code == 404, (method, path, got.text)
                assert got.json()["error"]["message"].replace(rid, "X") == missing.json()["error"][
                    "message"
                ].replace("resp_" + "0" * 32, "X")
            chained = await c.post(
                "/v1/responses",
                json={"model": "fake", "input": "go on", "previous_response_id": rid},
            )
            assert chained.status_code == 404
            assert chained.json()["error"]["code"] == "previous_response_not_found"
            assert fake_worker.worker.requests == 1  # the other user's turn reached no worker
            # still there for its owner
            assert (await owner.get(f"/v1/responses/{rid}")).status_code == 200


async def test_a_chained_turn_keeps_the_chains_label(labelled: dict[str, Any]) -> None:  # noqa: F811
    url, key, services = labelled["url"], labelled["key"], labelled["services"]
    async with _client(url, key, "SECRET//NUC") as secret:
        r = await secret.post("/v1/responses", json={"model": "nuc", "input": "device 7 yields"})
        assert r.status_code == 200, r.text
        assert r.json()["labgate_label"] == "SECRET//NUC"
        rid = r.json()["id"]
    follow = {"input": "summarise for the open report", "previous_response_id": rid}
    # no label stated: the chain's mark governs, and the open model may not take it
    async with _client(url, key) as plain:
        r = await plain.post("/v1/responses", json={"model": "open", **follow})
        assert r.status_code == 403, r.text
    # a lower label stated on the accredited model: the chat path's write-down refusal
    async with _client(url, key, "SECRET") as lower:
        r = await lower.post("/v1/responses", json={"model": "nuc", **follow})
        assert r.status_code in (400, 403), r.text
        chat = await lower.post(
            "/v1/chat/completions",
            json={
                "model": "nuc",
                "messages": [
                    {"role": "user", "content": "device 7 yields", "labgate_label": "SECRET//NUC"},
                    {"role": "user", "content": "summarise for the open report"},
                ],
            },
        )
        assert (r.status_code, r.json()["error"]["code"]) == (
            chat.status_code,
            chat.json()["error"]["code"],
        )
    # at the chain's label it is answered, and labelled so
    async with _client(url, key, "SECRET//NUC") as secret:
        r = await secret.post("/v1/responses", json={"model": "nuc", **follow})
        assert r.status_code == 200, r.text
        assert r.json()["labgate_label"] == "SECRET//NUC"
    # a reader whose clearance no longer dominates the label finds nothing
    async with services.sessions.begin() as s:
        await s.execute(update(User).values(clearance="SECRET"))
    services.auth.invalidate_all()
    async with _client(url, key) as plain:
        assert (await plain.get(f"/v1/responses/{rid}")).status_code == 404
        assert (await plain.get(f"/v1/responses/{rid}/input_items")).status_code == 404


@pytest.fixture
async def guarded(
    make_settings: Callable[..., Any], fake_worker: RunningWorker
) -> AsyncIterator[dict[str, Any]]:
    settings = make_settings(
        [{"name": "fake", "workers": [fake_worker.base_url]}], safety={"enabled": True}
    )
    app = create_app(settings)
    async with serve_app(app) as url:
        services = app.state.services
        async with _client(url, services.bootstrap.admin_key) as client:
            yield {"client": client, "services": services, "worker": fake_worker.worker}


@pytest.mark.parametrize(
    "items",
    [
        [{"role": "user", "content": HARMFUL}],
        [{"role": "user", "content": [{"type": "input_text", "text": HARMFUL}]}],
        [
            {"role": "user", "content": "Look this up for me."},
            {"type": "function_call", "call_id": "c1", "name": "search", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": HARMFUL},
        ],
        [
            {"role": "user", "content": "Continue."},
            {"type": "function_call", "call_id": "c1", "name": "search", "arguments": "{}"},
            {
                "type": "function_call_output",
                "call_id": "c1",
                "output": [{"type": "input_text", "text": HARMFUL}],
            },
        ],
    ],
)
async def test_a_harmful_request_in_input_items_is_refused(
    guarded: dict[str, Any], items: list[dict[str, Any]]
) -> None:
    c, worker = guarded["client"], guarded["worker"]
    before = worker.requests
    r = await c.post("/v1/responses", json={"model": "fake", "input": items})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "incomplete"
    assert body["incomplete_details"] == {"reason": "content_filter"}
    request_id = r.headers["x-request-id"]
    text = body["output"][0]["content"][0]["text"]
    assert request_id in text or request_id in str(body.get("labgate_report"))
    assert worker.requests == before  # no worker saw it
    # streamed: the same refusal, ending response.incomplete
    async with c.stream(
        "POST", "/v1/responses", json={"model": "fake", "input": items, "stream": True}
    ) as s:
        raw = b"".join([chunk async for chunk in s.aiter_bytes()])
    assert b"event: response.incomplete" in raw and b"content_filter" in raw
    assert worker.requests == before


async def test_a_harmful_instruction_is_refused(guarded: dict[str, Any]) -> None:
    r = await guarded["client"].post(
        "/v1/responses", json={"model": "fake", "instructions": HARMFUL, "input": "go"}
    )
    assert r.status_code == 200 and r.json()["incomplete_details"]["reason"] == "content_filter"
