"""The Files and Batches API through the real ``openai`` SDK against a fake worker: every line
checked at upload (line numbers in the 400), files owner-only and sealed at rest, a batch run
through the one request path at the batch class, output/error files in OpenAI's line format,
cancellation, and a claim that lost its lease writing no second result."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import openai
import orjson
import pytest
from openai import AsyncOpenAI
from sqlalchemy import select, update

from labgate.app import create_app
from labgate.batch.models import BatchFile, BatchItem
from labgate.scheduler import RequestClass
from tests.api.test_responses_attacks import _user
from tests.support.servers import serve_app, start_fake_worker

pytestmark = pytest.mark.store


def _line(cid: str, text: str, url: str = "/v1/chat/completions", **body: Any) -> dict[str, Any]:
    if url == "/v1/completions":
        payload = {"model": "fake", "prompt": text, **body}
    else:
        payload = {"model": "fake", "messages": [{"role": "user", "content": text}], **body}
    return {"custom_id": cid, "method": "POST", "url": url, "body": payload}


def _jsonl(lines: list[Any]) -> bytes:
    return b"\n".join(orjson.dumps(x) for x in lines) + b"\n"


@pytest.fixture
async def env(make_settings: Callable[..., Any]) -> AsyncIterator[dict[str, Any]]:
    worker = await start_fake_worker("fake")
    settings = make_settings(
        [{"name": "fake", "workers": [worker.base_url]}],
        batch={"poll_s": 0.05, "concurrency": 4},
    )
    app = create_app(settings)
    async with serve_app(app) as url:
        services = app.state.services
        client = AsyncOpenAI(
            base_url=url + "/v1", api_key=services.bootstrap.admin_key, max_retries=0
        )
        yield {"url": url, "client": client, "services": services, "worker": worker.worker}
    await worker.stop()


async def _wait_done(client: AsyncOpenAI, bid: str) -> Any:
    for _ in range(600):
        batch = await client.batches.retrieve(bid)
        if batch.status in ("completed", "failed", "expired", "cancelled"):
            return batch
        await asyncio.sleep(0.05)
    raise AssertionError(f"batch {bid} stuck at {batch.status}")


async def test_every_bad_line_is_named_with_its_number(env: dict[str, Any]) -> None:
    client: AsyncOpenAI = env["client"]
    bad = (
        orjson.dumps(_line("a", "hi"))
        + b"\nnot json\n"
        + orjson.dumps(_line("a", "again"))  # custom_id repeats line 1
        + b"\n"
        + orjson.dumps({**_line("c", "x"), "method": "GET"})
        + b"\n"
        + orjson.dumps(_line("d", "x", url="/v1/images/generations"))
        + b"\n"
        + orjson.dumps({**_line("e", "x"), "body": {"model": "fake", "messages": "nope"}})
        + b"\n"
        + orjson.dumps(_line("f", "x", stream=True))
        + b"\n"
    )
    with pytest.raises(openai.BadRequestError) as caught:
        await client.files.create(file=("in.jsonl", io.BytesIO(bad)), purpose="batch")
    message = caught.value.body["message"]  # type: ignore[index]
    for fragment in (
        "line 2: not valid JSON",
        "line 3: custom_id 'a' repeats line 1",
        "line 4: method must be POST",
        "line 5: url '/v1/images/generations'",
        "line 6: body:",
        "line 7: body.stream must not be true",
    ):
        assert fragment in message, (fragment, message)
    assert "line 1:" not in message
    assert caught.value.code == "invalid_batch_file"
    files = await client.files.list()
    assert files.data == []  # nothing kept
    with pytest.raises(openai.BadRequestError):
        await client.files.create(file=("in.jsonl", io.BytesIO(_jsonl([_line("a", "x")]))),
                                  purpose="fine-tune")  # fmt: skip


async def test_a_file_too_large_is_a_413(make_settings: Callable[..., Any]) -> None:
    settings = make_settings(
        [{"name": "fake", "workers": ["http://127.0.0.1:9"]}], batch={"max_file_bytes": 1000}
    )
    app = create_app(settings)
    async with serve_app(app) as url:
        client = AsyncOpenAI(
            base_url=url + "/v1", api_key=app.state.services.bootstrap.admin_key, max_retries=0
        )
        lines = [_line(f"r{i}", "x" * 50) for i in range(20)]
        with pytest.raises(openai.APIStatusError) as caught:
            await client.files.create(
                file=("big.jsonl", io.BytesIO(_jsonl(lines))), purpose="batch"
            )
        assert caught.value.status_code == 413


async def test_files_are_owner_only_and_sealed_at_rest(env: dict[str, Any]) -> None:
    client: AsyncOpenAI = env["client"]
    services = env["services"]
    secret_text = "the isotope ratio of sample 77-B"
    data = _jsonl([_line("one", secret_text), _line("two", "hello")])
    f = await client.files.create(file=("in.jsonl", io.BytesIO(data)), purpose="batch")
    assert f.purpose == "batch" and f.bytes == len(data) and f.filename == "in.jsonl"
    assert (await client.files.retrieve(f.id)).id == f.id
    assert [x.id for x in (await client.files.list()).data] == [f.id]
    assert (await client.files.content(f.id)).content == data
    async with services.sessions() as s:
        row = (await s.scalars(select(BatchFile).where(BatchFile.id == f.id))).one()
    assert secret_text.encode() not in bytes(row.content_sealed)
    # someone else: the 404 of a file that does not exist, for every call
    other = AsyncOpenAI(base_url=env["url"] + "/v1", api_key=await _user(services), max_retries=0)
    for call in (other.files.retrieve, other.files.content, other.files.delete):
        with pytest.raises(openai.NotFoundError):
            await call(f.id)
    assert (await other.files.list()).data == []
    with pytest.raises(openai.NotFoundError):
        await other.batches.create(
            input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    # a row moved to another owner in the database no longer opens
    async with services.sessions.begin() as s:
        await s.execute(update(BatchFile).where(BatchFile.id == f.id).values(label="X"))
    with pytest.raises(openai.NotFoundError):
        await client.files.content(f.id)
    deleted = await client.files.delete(f.id)
    assert deleted.deleted
    with pytest.raises(openai.NotFoundError):
        await client.files.retrieve(f.id)


async def test_a_batch_runs_every_line_at_the_batch_class(env: dict[str, Any]) -> None:
    client: AsyncOpenAI = env["client"]
    services = env["services"]
    seen: list[RequestClass] = []
    run = services.completions.run

    async def spy(p: Any) -> Any:
        seen.append(p.request_class)
        return await run(p)

    services.completions.run = spy
    lines = [_line(f"req-{i}", f"question {i}") for i in range(12)]
    lines.append(_line("bad-model", "x", model="no-such-model"))
    f = await client.files.create(file=("in.jsonl", io.BytesIO(_jsonl(lines))), purpose="batch")
    batch = await client.batches.create(
        input_file_id=f.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"project": "screening"},
    )
    assert batch.status == "in_progress" and batch.request_counts.total == 13
    done = await _wait_done(client, batch.id)
    assert done.status == "completed"
    assert done.metadata == {"project": "screening"}
    assert (done.request_counts.total, done.request_counts.completed) == (13, 12)
    assert done.request_counts.failed == 1
    assert seen and all(c is RequestClass.BATCH for c in seen)
    out = (await client.files.content(done.output_file_id)).content.splitlines()
    results = [orjson.loads(x) for x in out]
    assert sorted(r["custom_id"] for r in results) == sorted(f"req-{i}" for i in range(12))
    for r in results:
        assert r["id"].startswith("batch_req_") and r["error"] is None
        assert r["response"]["status_code"] == 200 and r["response"]["request_id"]
        assert r["response"]["body"]["object"] == "chat.completion"
        assert r["response"]["body"]["choices"][0]["message"]["content"]
    errors = [
        orjson.loads(x)
        for x in (await client.files.content(done.error_file_id)).content.splitlines()
    ]  # noqa: E501
    assert [e["custom_id"] for e in errors] == ["bad-model"]
    assert errors[0]["response"]["status_code"] == 404
    assert errors[0]["response"]["body"]["error"]["code"]
    listed = await client.batches.list()
    assert [b.id for b in listed.data] == [batch.id]
    # each answered item went through the request path once; the unknown model was refused
    # before it (and recorded as a refusal, like a direct request)
    assert len(seen) == 12


async def test_a_batch_of_completions_and_an_endpoint_mismatch(env: dict[str, Any]) -> None:
    client: AsyncOpenAI = env["client"]
    lines = [_line(f"c{i}", f"once upon {i}", url="/v1/completions") for i in range(3)]
    f = await client.files.create(file=("c.jsonl", io.BytesIO(_jsonl(lines))), purpose="batch")
    with pytest.raises(openai.BadRequestError) as caught:
        await client.batches.create(
            input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    assert "line(s) 1, 2, 3" in caught.value.body["message"]  # type: ignore[index]
    with pytest.raises(openai.BadRequestError):
        await client.batches.create(
            input_file_id=f.id, endpoint="/v1/completions", completion_window="1h"
        )
    batch = await client.batches.create(
        input_file_id=f.id, endpoint="/v1/completions", completion_window="24h"
    )
    done = await _wait_done(client, batch.id)
    assert done.status == "completed" and done.request_counts.completed == 3
    out = [
        orjson.loads(x)
        for x in (await client.files.content(done.output_file_id)).content.splitlines()
    ]  # noqa: E501
    assert all(r["response"]["body"]["object"] == "text_completion" for r in out)
    with pytest.raises(openai.APIStatusError) as conflict:
        await client.batches.cancel(batch.id)
    assert conflict.value.status_code == 409


async def test_cancel_stops_what_has_not_run(env: dict[str, Any]) -> None:
    client: AsyncOpenAI = env["client"]
    services = env["services"]
    runner = services.extras["batch_runner"]
    gate = asyncio.Event()
    answer = runner.answer

    async def slow(batch: Any, line: Any) -> Any:
        await gate.wait()
        return await answer(batch, line)

    runner.answer = slow
    lines = [_line(f"r{i}", f"q {i}") for i in range(30)]
    f = await client.files.create(file=("in.jsonl", io.BytesIO(_jsonl(lines))), purpose="batch")
    batch = await client.batches.create(
        input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    for _ in range(200):  # the runner's loops hold their items
        async with services.sessions() as s:
            running = (
                await s.scalars(select(BatchItem).where(BatchItem.status == "running"))
            ).all()
        if len(running) == 4:
            break
        await asyncio.sleep(0.02)
    cancelling = await client.batches.cancel(batch.id)
    assert cancelling.status == "cancelling"
    gate.set()
    done = await _wait_done(client, batch.id)
    assert done.status == "cancelled"
    assert done.request_counts.completed == 4  # those already running finished
    out = (await client.files.content(done.output_file_id)).content.splitlines()
    assert len(out) == 4


async def test_a_claim_that_lost_its_lease_writes_no_second_result(env: dict[str, Any]) -> None:
    client: AsyncOpenAI = env["client"]
    services = env["services"]
    runner = services.extras["batch_runner"]
    gate = asyncio.Event()
    answer = runner.answer
    calls: list[str] = []

    async def held(batch: Any, line: Any) -> Any:
        calls.append(line["custom_id"])
        if len(calls) == 1:
            await gate.wait()  # the first claim stalls past its lease
        return await answer(batch, line)

    runner.answer = held
    f = await client.files.create(
        file=("in.jsonl", io.BytesIO(_jsonl([_line("only", "q")]))), purpose="batch"
    )
    batch = await client.batches.create(
        input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    while not calls:
        await asyncio.sleep(0.02)
    async with services.sessions.begin() as s:  # its lease runs out
        await s.execute(update(BatchItem).values(lease_until=None))
    runner.wake()
    done = await _wait_done(client, batch.id)  # claimed again and answered
    assert done.status == "completed" and done.request_counts.completed == 1
    gate.set()  # the stale claim ends now: its write must not land
    await asyncio.sleep(0.2)
    async with services.sessions() as s:
        item = (await s.scalars(select(BatchItem))).one()
    assert item.attempts == 2 and item.status == "done"
    out = (await client.files.content(done.output_file_id)).content.splitlines()
    assert len(out) == 1


async def test_bad_requests_are_openai_errors(env: dict[str, Any]) -> None:
    async with httpx.AsyncClient(base_url=env["url"]) as c:
        key = env["services"].bootstrap.admin_key
        h = {"Authorization": f"Bearer {key}"}
        r = await c.post("/v1/files", headers=h, content=b"{}")
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_purpose"
        r = await c.post("/v1/batches", headers=h, json={"input_file_id": "file-x"})
        assert r.status_code == 400 and "error" in r.json()
        r = await c.get("/v1/batches/batch_nope", headers=h)
        assert r.status_code == 404
        r = await c.get("/v1/files")
        assert r.status_code == 401


async def test_a_batch_the_budget_cannot_cover_is_refused_up_front(env: dict[str, Any]) -> None:
    from labgate.store.tenancy import Project

    client: AsyncOpenAI = env["client"]
    services = env["services"]
    async with services.sessions.begin() as s:
        await s.execute(
            update(Project)
            .where(Project.id == "default")
            .values(budget_tokens=500, budget_period="month")
        )
    services.projects.forget("default")
    lines = [_line(f"r{i}", "hello there", max_tokens=100) for i in range(10)]
    f = await client.files.create(file=("in.jsonl", io.BytesIO(_jsonl(lines))), purpose="batch")
    with pytest.raises(openai.BadRequestError) as caught:
        await client.batches.create(
            input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    assert caught.value.code == "batch_exceeds_budget"
    message = caught.value.body["message"]  # type: ignore[index]
    assert "worst case" in message and "500 of 500" in message
    assert (await client.batches.list()).data == []
    small = [_line("r", "hi", max_tokens=10)]
    g = await client.files.create(file=("s.jsonl", io.BytesIO(_jsonl(small))), purpose="batch")
    batch = await client.batches.create(
        input_file_id=g.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    done = await _wait_done(client, batch.id)
    assert done.request_counts.completed == 1


async def test_a_revoked_key_stops_the_batch_it_submitted(env: dict[str, Any]) -> None:
    from labgate.identity.keys import KeyRepository
    from labgate.store.tenancy import ApiKey

    services = env["services"]
    key = await _user(services)
    client = AsyncOpenAI(base_url=env["url"] + "/v1", api_key=key, max_retries=0)
    runner = services.extras["batch_runner"]
    gate = asyncio.Event()
    answer = runner.answer

    async def held(batch: Any, line: Any) -> Any:
        await gate.wait()
        return await answer(batch, line)

    runner.answer = held
    lines = [_line(f"r{i}", f"q{i}") for i in range(6)]
    f = await client.files.create(file=("in.jsonl", io.BytesIO(_jsonl(lines))), purpose="batch")
    batch = await client.batches.create(
        input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    async with services.sessions() as s:
        key_id = (await s.scalars(select(ApiKey.id).order_by(ApiKey.created_at.desc()))).first()
    assert await KeyRepository(services.sessions).revoke(key_id)
    gate.set()
    admin = env["client"]
    for _ in range(600):
        async with services.sessions() as s:
            left = (await s.scalars(select(BatchItem).where(BatchItem.status != "done"))).all()
        if not left:
            break
        await asyncio.sleep(0.05)
    async with services.sessions() as s:
        items = (await s.scalars(select(BatchItem).where(BatchItem.batch_id == batch.id))).all()
    assert items and all(i.status == "done" and i.ok == 0 for i in items)
    assert admin is not None
