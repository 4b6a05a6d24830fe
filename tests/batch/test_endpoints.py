"""Batches of ``/v1/embeddings`` and ``/v1/responses`` lines through the real ``openai`` SDK
against the fake worker: each line runs through its endpoint's own request path (the route's,
from the parsed body on) at the batch class, its output line is in OpenAI's format for that
endpoint, bad lines are named with their numbers at upload, every item leaves its own audit
record, and an item the guardrail blocks is an error line and an audit record, never a worker
request."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from typing import Any

import openai
import orjson
import pytest
from openai import AsyncOpenAI

from labgate.app import create_app
from labgate.scheduler import RequestClass
from tests.support.servers import serve_app, start_fake_worker

pytestmark = pytest.mark.store


def _jsonl(lines: list[Any]) -> bytes:
    return b"\n".join(orjson.dumps(x) for x in lines) + b"\n"


def _item(cid: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"custom_id": cid, "method": "POST", "url": url, "body": body}


async def _start(make_settings: Callable[..., Any], **extra: Any) -> Any:
    worker = await start_fake_worker("fake")
    settings = make_settings(
        [
            {"name": "fake", "workers": [worker.base_url]},
            {
                "name": "embed",
                "kind": "embedding",
                "workers": [worker.base_url],
                "embedding_dimensions": [4],
            },
        ],
        batch={"poll_s": 0.05, "concurrency": 2},
        **extra,
    )
    return worker, create_app(settings)


@pytest.fixture
async def env(make_settings: Callable[..., Any]) -> AsyncIterator[dict[str, Any]]:
    worker, app = await _start(make_settings)
    async with serve_app(app) as url:
        services = app.state.services
        client = AsyncOpenAI(
            base_url=url + "/v1", api_key=services.bootstrap.admin_key, max_retries=0
        )
        yield {"url": url, "client": client, "services": services, "worker": worker.worker}
    await worker.stop()


async def _wait_done(client: AsyncOpenAI, bid: str) -> Any:
    for _ in range(1200):
        batch = await client.batches.retrieve(bid)
        if batch.status in ("completed", "failed", "expired", "cancelled"):
            return batch
        await asyncio.sleep(0.05)
    raise AssertionError(f"batch {bid} stuck at {batch.status}")


async def _lines(client: AsyncOpenAI, file_id: str | None) -> list[dict[str, Any]]:
    if file_id is None:
        return []
    return [orjson.loads(x) for x in (await client.files.content(file_id)).content.splitlines()]


async def _run(client: AsyncOpenAI, endpoint: str, lines: list[dict[str, Any]]) -> Any:
    f = await client.files.create(file=("in.jsonl", io.BytesIO(_jsonl(lines))), purpose="batch")
    batch = await client.batches.create(
        input_file_id=f.id,
        endpoint=endpoint,  # type: ignore[arg-type]
        completion_window="24h",
    )
    assert batch.endpoint == endpoint and batch.request_counts.total == len(lines)
    return await _wait_done(client, batch.id)


async def _batch_records(services: Any, batch_id: str) -> list[dict[str, Any]]:
    log = services.audit
    found = []
    for idx in range(await log.size()):
        rec = orjson.loads((await log.get_record(idx)).data)
        if (rec.get("details") or {}).get("batch", {}).get("id") == batch_id:
            found.append(rec)
    return found


def _spy_classes(services: Any) -> list[RequestClass]:
    seen: list[RequestClass] = []
    gate = services.completions.gate
    admit = gate.admit

    async def spy(p: Any) -> Any:
        seen.append(p.request_class)
        return await admit(p)

    gate.admit = spy
    return seen


async def test_a_batch_of_embeddings(env: dict[str, Any]) -> None:
    client: AsyncOpenAI = env["client"]
    seen = _spy_classes(env["services"])
    lines = [
        _item("e-one", "/v1/embeddings", {"model": "embed", "input": "a neutron star"}),
        _item("e-list", "/v1/embeddings", {"model": "embed", "input": ["a", "proton"]}),
        _item(
            "e-b64",
            "/v1/embeddings",
            {"model": "embed", "input": "x", "encoding_format": "base64", "dimensions": 4},
        ),
        _item("e-chat-model", "/v1/embeddings", {"model": "fake", "input": "x"}),
    ]
    done = await _run(client, "/v1/embeddings", lines)
    assert done.status == "completed"
    assert (done.request_counts.completed, done.request_counts.failed) == (3, 1)
    out = {r["custom_id"]: r for r in await _lines(client, done.output_file_id)}
    assert sorted(out) == ["e-b64", "e-list", "e-one"]
    for cid, count in (("e-one", 1), ("e-list", 2), ("e-b64", 1)):
        r = out[cid]
        assert r["id"].startswith("batch_req_") and r["error"] is None
        assert r["response"]["status_code"] == 200 and r["response"]["request_id"]
        body = r["response"]["body"]
        assert body["object"] == "list" and body["model"] == "embed"
        assert [d["index"] for d in body["data"]] == list(range(count))
        assert all(d["object"] == "embedding" for d in body["data"])
        assert body["usage"]["prompt_tokens"] > 0
    assert isinstance(out["e-one"]["response"]["body"]["data"][0]["embedding"][0], float)
    assert isinstance(out["e-b64"]["response"]["body"]["data"][0]["embedding"], str)
    errors = await _lines(client, done.error_file_id)
    assert [e["custom_id"] for e in errors] == ["e-chat-model"]
    assert errors[0]["response"]["status_code"] == 400
    assert errors[0]["response"]["body"]["error"]["code"] == "model_not_supported"
    assert seen == [RequestClass.BATCH] * 3


async def test_a_batch_of_responses(env: dict[str, Any]) -> None:
    client: AsyncOpenAI = env["client"]
    seen = _spy_classes(env["services"])
    lines = [
        _item("r-text", "/v1/responses", {"model": "fake", "input": "name a noble gas"}),
        _item(
            "r-items",
            "/v1/responses",
            {
                "model": "fake",
                "instructions": "be brief",
                "input": [{"role": "user", "content": "and a halogen"}],
                "max_output_tokens": 32,
            },
        ),
        _item("r-missing", "/v1/responses", {"model": "no-such-model", "input": "x"}),
    ]
    done = await _run(client, "/v1/responses", lines)
    assert done.status == "completed"
    assert (done.request_counts.completed, done.request_counts.failed) == (2, 1)
    out = {r["custom_id"]: r for r in await _lines(client, done.output_file_id)}
    assert sorted(out) == ["r-items", "r-text"]
    for r in out.values():
        assert r["response"]["status_code"] == 200 and r["response"]["request_id"]
        body = r["response"]["body"]
        assert body["object"] == "response" and body["status"] == "completed"
        assert body["id"].startswith("resp")
        text = body["output"][-1]["content"][0]
        assert text["type"] == "output_text" and text["text"]
        # a stored response, as the route stores it: readable by its owner
        assert (await client.responses.retrieve(body["id"])).id == body["id"]
    errors = await _lines(client, done.error_file_id)
    assert [e["custom_id"] for e in errors] == ["r-missing"]
    assert errors[0]["response"]["status_code"] == 404
    assert seen == [RequestClass.BATCH] * 2


async def test_lines_for_the_new_endpoints_are_checked_at_upload(env: dict[str, Any]) -> None:
    client: AsyncOpenAI = env["client"]
    bad = [
        _item("ok", "/v1/embeddings", {"model": "embed", "input": "fine"}),
        _item("no-input", "/v1/embeddings", {"model": "embed"}),
        _item("empty", "/v1/embeddings", {"model": "embed", "input": []}),
        _item("fmt", "/v1/embeddings", {"model": "embed", "input": "x", "encoding_format": "hex"}),
        _item("r-ok", "/v1/responses", {"model": "fake", "input": "fine"}),
        _item("r-stream", "/v1/responses", {"model": "fake", "input": "x", "stream": True}),
        _item("r-tokens", "/v1/responses", {"model": "fake", "input": "x", "max_output_tokens": 0}),
        _item("r-input", "/v1/responses", {"model": "fake", "input": [{"role": "wizard"}]}),
    ]
    with pytest.raises(openai.BadRequestError) as caught:
        await client.files.create(file=("bad.jsonl", io.BytesIO(_jsonl(bad))), purpose="batch")
    message = caught.value.body["message"]  # type: ignore[index]
    for n in (2, 3, 4, 6, 7, 8):
        assert f"line {n}: " in message, (n, message)
    for n in (1, 5):
        assert f"line {n}: " not in message, (n, message)
    assert "input" in message and "stream" in message and "max_output_tokens" in message
    assert caught.value.code == "invalid_batch_file"


async def test_each_item_leaves_its_own_audit_record(env: dict[str, Any]) -> None:
    client: AsyncOpenAI = env["client"]
    services = env["services"]
    lines = [
        _item(
            f"q{i}",
            "/v1/chat/completions",
            {
                "model": "fake",
                "messages": [{"role": "user", "content": f"question {i}"}],
            },
        )
        for i in range(3)
    ]
    lines.append(
        _item(
            "gone",
            "/v1/chat/completions",
            {
                "model": "no-such-model",
                "messages": [{"role": "user", "content": "x"}],
            },
        )
    )
    done = await _run(client, "/v1/chat/completions", lines)
    records = await _batch_records(services, done.id)
    by_cid = {r["details"]["batch"]["custom_id"]: r for r in records}
    assert sorted(by_cid) == ["gone", "q0", "q1", "q2"] and len(records) == 4
    out = {r["custom_id"]: r for r in await _lines(client, done.output_file_id)}
    for i in range(3):
        rec = by_cid[f"q{i}"]
        assert rec["details"]["batch"] == {"id": done.id, "index": i, "custom_id": f"q{i}"}
        assert rec["model"] == "fake" and rec["outcome"] == "ok" and rec["status"] == 200
        assert rec["label"]  # the label decision, as for an interactive request
        assert rec["details"]["endpoint"] == "chat"
        assert rec["request_id"] == out[f"q{i}"]["response"]["request_id"]
    gone = by_cid["gone"]
    assert gone["outcome"] == "refused" and gone["status"] == 404
    assert gone["details"]["batch"]["index"] == 3
    # all of them the batch's owner's (the refusal came before any label decision)
    assert len({(r["user"], r.get("project")) for r in records}) == 1


async def test_a_blocked_item_is_an_error_line_and_never_reaches_the_worker(
    make_settings: Callable[..., Any],
) -> None:
    from tests.api.test_safety_path import BENIGN, HARMFUL

    worker, app = await _start(make_settings, safety={"enabled": True})
    try:
        async with serve_app(app) as url:
            services = app.state.services
            client = AsyncOpenAI(
                base_url=url + "/v1", api_key=services.bootstrap.admin_key, max_retries=0
            )
            for endpoint, body in (
                ("/v1/chat/completions", lambda t: {
                    "model": "fake", "messages": [{"role": "user", "content": t}]}),
                ("/v1/responses", lambda t: {"model": "fake", "input": t}),
                ("/v1/embeddings", lambda t: {"model": "embed", "input": t}),
            ):  # fmt: skip
                before = worker.worker.requests
                done = await _run(
                    client,
                    endpoint,
                    [
                        _item("benign", endpoint, body(BENIGN)),
                        _item("harm", endpoint, body(HARMFUL)),
                    ],
                )
                assert (done.request_counts.completed, done.request_counts.failed) == (1, 1)
                assert worker.worker.requests == before + 1, endpoint  # the benign one only
                out = await _lines(client, done.output_file_id)
                assert [r["custom_id"] for r in out] == ["benign"]
                errors = await _lines(client, done.error_file_id)
                assert [e["custom_id"] for e in errors] == ["harm"], endpoint
                error = errors[0]["response"]["body"]["error"]
                assert errors[0]["response"]["status_code"] == 400
                assert error["code"] == "content_policy_violation", (endpoint, error)
                records = await _batch_records(services, done.id)
                harm = [r for r in records if r["details"]["batch"]["custom_id"] == "harm"]
                assert len(harm) == 1 and harm[0]["outcome"] == "content_filter", endpoint
                assert harm[0]["details"]["batch"]["index"] == 1
                assert harm[0]["request_id"] == errors[0]["response"]["request_id"]
                assert "worker" not in harm[0]
    finally:
        await worker.stop()
