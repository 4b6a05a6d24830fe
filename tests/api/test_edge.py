"""The edge holds: no 500 from any input, every refusal recorded, every answer with an id."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import update

from labgate.store.tenancy import Project
from tests.api.conftest import Gateway

pytestmark = pytest.mark.store
CHAT = {"model": "fake", "messages": [{"role": "user", "content": "capital of France?"}]}


async def _records(gw: Gateway) -> list[dict[str, Any]]:
    log = gw.services.audit
    assert log is not None
    return [orjson.loads((await log.get_record(i)).data) for i in range(await log.size())]


async def _record_of(gw: Gateway, resp: httpx.Response) -> dict[str, Any]:
    rid = resp.headers["X-Request-Id"]
    found = [p for p in await _records(gw) if p.get("request_id") == rid]
    assert len(found) == 1, (rid, resp.status_code, resp.text)
    return found[0]


async def set_project(gw: Gateway, **values: object) -> None:
    async with gw.services.sessions.begin() as s:
        await s.execute(update(Project).where(Project.id == "default").values(**values))
    assert gw.services.projects is not None
    gw.services.projects.forget("default")


@pytest.mark.parametrize(
    ("route", "body", "param"),
    [
        ("/v1/chat/completions", {**CHAT, "seed": 10**20}, "seed"),
        ("/v1/chat/completions", {**CHAT, "seed": -(10**19)}, "seed"),
        ("/v1/chat/completions", {**CHAT, "logit_bias": {"42": 2**64}}, "logit_bias.42"),
        (
            "/v1/chat/completions",
            {"model": "fake", "messages": [{"role": "user", "content": "hi", "x": [1, 10**30]}]},
            "messages.0.x.1",
        ),
        ("/v1/completions", {"model": "fake", "prompt": "hi", "seed": 10**20}, "seed"),
    ],
)
async def test_an_integer_beyond_64_bits_is_a_400_naming_the_field_and_recorded(
    gateway: Gateway, route: str, body: dict[str, Any], param: str
) -> None:
    async with gateway.client() as c:
        r = await c.post(
            route, content=_big_json(body), headers={"Content-Type": "application/json"}
        )
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["param"] == param and err["code"] == "invalid_value"
    assert param.split(".")[0] in err["message"] and "64-bit" in err["message"]
    rec = await _record_of(gateway, r)
    assert rec["status"] == 400 and rec["outcome"] == "refused"
    assert gateway.worker.worker.requests == 0
    if "." not in param:  # and an integer that fits still goes through
        async with gateway.client() as c:
            ok = await c.post(route, json={**body, param: 2**63 - 1})
        assert ok.status_code == 200, ok.text


def _big_json(value: Any) -> bytes:
    """JSON with integers of any size (orjson refuses those beyond 64 bits)."""
    import json

    return json.dumps(value).encode()


async def test_every_refusal_after_authentication_is_recorded_with_its_request_id(
    gateway: Gateway,
) -> None:
    await set_project(gateway, budget_tokens=1000, budget_period="month")
    async with gateway.client() as c:
        invalid = await c.post("/v1/chat/completions", json={**CHAT, "temperature": 9})
        unknown = await c.post("/v1/chat/completions", json={**CHAT, "model": "nope"})
        too_big = await c.post("/v1/chat/completions", json={**CHAT, "max_tokens": 4000})
        bad_header = await c.post(
            "/v1/chat/completions", json=CHAT, headers={"X-Labgate-Wait": "soon"}
        )
        failed = await c.post(
            "/v1/chat/completions", json={**CHAT, "fake": "fail", "max_tokens": 10}
        )
        await set_project(gateway, allowed_models=["other"])
        not_allowed = await c.post("/v1/chat/completions", json=CHAT)
    expected = {
        id(invalid): 400,
        id(unknown): 404,
        id(too_big): 429,
        id(bad_header): 400,
        id(failed): 503,
        id(not_allowed): 404,  # a model the project may not use is not named to its members
    }
    for resp in (invalid, unknown, too_big, bad_header, failed, not_allowed):
        assert resp.status_code == expected[id(resp)], resp.text
        assert set(resp.json()) == {"error"}
        rec = await _record_of(gateway, resp)  # the id names the one record of it
        assert rec["status"] == resp.status_code
        assert rec["user"] != "(unauthenticated)"


async def test_every_answer_carries_a_request_id(gateway: Gateway) -> None:
    async with gateway.client() as c:
        answers = [
            await c.post("/v1/chat/completions", json=CHAT),
            await c.post("/v1/chat/completions", json={**CHAT, "stream": True}),
            await c.post("/v1/chat/completions", json={**CHAT, "fake": "fail"}),
            await c.post("/v1/chat/completions", content=b"{", headers={"Content-Type": "a/b"}),
            await c.get("/v1/models"),
            await c.get("/v1/models/nope"),
            await c.get("/v1/admin/projects"),
            await c.get("/v1/no-such-route"),
            await c.get("/healthz"),
        ]
    async with httpx.AsyncClient(base_url=gateway.url) as anon:
        answers.append(await anon.post("/v1/chat/completions", json=CHAT))
        answers.append(await anon.get("/v1/admin/projects"))
    ids = [r.headers.get("X-Request-Id") for r in answers]
    assert all(i and i.startswith("req_") for i in ids), list(
        zip([r.status_code for r in answers], ids, strict=True)
    )
    assert len(set(ids)) == len(ids)


async def test_a_client_that_hangs_up_mid_body_leaves_no_traceback(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    import asyncio
    import logging

    port = int(gateway.url.rsplit(":", 1)[1])
    caplog.set_level(logging.DEBUG)
    for _ in range(3):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer " + gateway.key.encode() + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
            b'{"model": "fake", "messages": [{"role": "user", "content": "'
        )
        await writer.drain()
        await asyncio.sleep(0.2)  # the handler is reading the body
        writer.close()
        await asyncio.sleep(0.2)
    async with gateway.client() as c:  # and the gateway serves on
        assert (await c.post("/v1/chat/completions", json=CHAT)).status_code == 200
    mine = [r for r in caplog.records if r.name.startswith(("labgate", "uvicorn"))]
    assert not [r for r in mine if r.exc_info], [r.getMessage() for r in mine if r.exc_info]
    assert all("Traceback" not in r.getMessage() for r in mine)
    gone = [r for r in mine if "hung up" in r.getMessage() or "disconnect" in r.getMessage()]
    assert len(gone) <= 3  # one line each at most


async def test_a_failure_of_labgates_own_is_a_recorded_500_naming_its_record(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even a bug (here: the router raising something unexpected) leaves a record, and the
    500's X-Request-Id names it; the reservation it held goes back."""

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(gateway.services.router, "open", broken)
    async with gateway.client() as c:
        r = await c.post("/v1/chat/completions", json=CHAT)
    assert r.status_code == 500 and set(r.json()) == {"error"}
    assert "a bug" not in r.text
    rec = await _record_of(gateway, r)
    assert rec["status"] == 500 and rec["user"] != "(unauthenticated)"
