"""Chat and text completions through the gateway, with the official openai SDK (async client)
against a fake worker that emits <think> tags, split tags, native reasoning, or fails."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import openai
import orjson
import pytest

from labgate.app import Services, create_app
from labgate.testing.fake_worker import ANSWER, REASONING, _pieces
from tests.api.conftest import Gateway
from tests.support.servers import RunningWorker, serve_app

pytestmark = pytest.mark.store


class _Sdk:
    """The official async client; ``flags`` tell the fake worker how to answer (a body field
    the gateway forwards like any OpenAI parameter it does not interpret)."""

    def __init__(self, gw: Gateway, flags: str | None, headers: dict[str, str] | None) -> None:
        self.client = openai.AsyncOpenAI(
            base_url=gw.url + "/v1", api_key=gw.key, default_headers=headers or {}, max_retries=0
        )
        self.extra = {"fake": flags} if flags else {}
        self.models = self.client.models

    async def chat(self, **kw: Any) -> Any:
        return await self.client.chat.completions.create(extra_body=self.extra, **kw)

    async def complete(self, **kw: Any) -> Any:
        return await self.client.completions.create(extra_body=self.extra, **kw)


def sdk(gw: Gateway, flags: str | None = None, extra_headers: dict[str, str] | None = None) -> _Sdk:
    return _Sdk(gw, flags, extra_headers)


async def test_models_list(gateway: Gateway) -> None:
    models = await sdk(gateway).models.list()
    assert [m.id for m in models.data] == ["fake"]


async def test_plain_chat(gateway: Gateway) -> None:
    r = await sdk(gateway).chat(
        model="fake", messages=[{"role": "user", "content": "capital of France?"}]
    )
    assert r.choices[0].message.content == ANSWER
    assert r.model == "fake"
    assert r.usage is not None and r.usage.prompt_tokens == 7
    assert r.usage.completion_tokens_details is not None
    assert r.usage.completion_tokens_details.reasoning_tokens == 0
    # the worker got its own model name, a bounded max_tokens, and no labgate-only fields
    sent = gateway.worker.worker.last_payload
    assert (
        sent is not None and sent["max_tokens"] == gateway.services.models["fake"].max_output_tokens
    )


async def test_worker_cookies_never_reach_another_request(
    make_settings: Callable[..., Any], fake_worker: RunningWorker
) -> None:
    """One worker session serves every user: a cookie one answer sets must not be sent back
    with the next request (someone else's, perhaps). The worker is named by host name, as on
    a cluster (a cookie jar ignores cookies from bare IP addresses)."""
    url = f"http://localhost:{fake_worker.port}/v1"
    app = create_app(make_settings([{"name": "fake", "workers": [url]}]))
    async with serve_app(app) as base:
        services: Services = app.state.services
        assert services.bootstrap is not None and services.bootstrap.admin_key
        gw = Gateway(base, services.bootstrap.admin_key, services, fake_worker)
        first = await sdk(gw, "set-cookie").chat(
            model="fake", messages=[{"role": "user", "content": "q"}]
        )
        assert first.choices[0].message.content == ANSWER
        assert "worker_session" in fake_worker.worker.last_cookie_set
        await sdk(gw).chat(model="fake", messages=[{"role": "user", "content": "q"}])
        sent = {k.lower() for k in fake_worker.worker.last_headers}
        assert "content-type" in sent and "cookie" not in sent


async def test_think_tags_split_non_streaming_hidden_by_default(gateway: Gateway) -> None:
    r = await sdk(gateway, "think").chat(
        model="fake", messages=[{"role": "user", "content": "q"}], reasoning_effort="high"
    )
    msg: Any = r.choices[0].message
    assert msg.content == ANSWER
    assert "<think>" not in msg.content
    assert getattr(msg, "reasoning_content", None) is None  # hidden from ordinary users
    assert r.usage is not None and r.usage.completion_tokens_details is not None
    assert r.usage.completion_tokens_details.reasoning_tokens > 0
    sent = gateway.worker.worker.last_payload
    assert sent is not None
    assert (
        sent["thinking_token_budget"] == gateway.services.models["fake"].reasoning.budgets["high"]
    )
    assert sent["reasoning_effort"] == "high"


async def test_reasoning_shown_when_policy_allows(gateway: Gateway) -> None:
    gateway.services.completions.prepare.policy.show_reasoning_to_users = True
    try:
        r = await sdk(gateway, "think").chat(
            model="fake", messages=[{"role": "user", "content": "q"}]
        )
        msg: Any = r.choices[0].message
        assert msg.content == ANSWER
        assert msg.reasoning_content.strip() == REASONING
    finally:
        gateway.services.completions.prepare.policy.show_reasoning_to_users = False


async def test_admin_may_ask_for_reasoning(gateway: Gateway) -> None:
    r = await sdk(gateway, "think", {"X-Labgate-Show-Reasoning": "true"}).chat(
        model="fake", messages=[{"role": "user", "content": "q"}]
    )
    assert r.choices[0].message.reasoning_content.strip() == REASONING  # type: ignore[attr-defined]


@pytest.mark.parametrize("flags", ["think", "think,split-tags", "native"])
async def test_streamed_reasoning_split(gateway: Gateway, flags: str) -> None:
    client = sdk(gateway, flags, {"X-Labgate-Show-Reasoning": "true"})
    stream = await client.chat(
        model="fake",
        messages=[{"role": "user", "content": "q"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    content, reasoning, usage = "", "", None
    async for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            content += choice.delta.content or ""
            reasoning += getattr(choice.delta, "reasoning_content", None) or ""
    assert content == ANSWER
    assert reasoning.strip() == REASONING
    assert "<" not in content and "think" not in content
    assert usage is not None and usage.completion_tokens_details is not None
    assert usage.completion_tokens_details.reasoning_tokens > 0
    # the worker's own total wins; the reasoning share comes from labgate's per-delta count
    flag_map = {f: "1" for f in flags.split(",")}
    assert usage.completion_tokens == len(_pieces(flag_map))
    assert 0 < usage.completion_tokens_details.reasoning_tokens < usage.completion_tokens


async def test_stream_hides_reasoning_from_users(gateway: Gateway) -> None:
    stream = await sdk(gateway, "think,split-tags").chat(
        model="fake", messages=[{"role": "user", "content": "q"}], stream=True
    )
    content = ""
    async for chunk in stream:
        assert chunk.usage is None  # not asked for
        for choice in chunk.choices:
            assert getattr(choice.delta, "reasoning_content", None) is None
            content += choice.delta.content or ""
    assert content == ANSWER


async def test_text_completion_plain_and_streamed(gateway: Gateway) -> None:
    client = sdk(gateway)
    r = await client.complete(model="fake", prompt="The capital of France is")
    assert r.choices[0].text == ANSWER
    text = ""
    stream = await client.complete(
        model="fake", prompt="x", stream=True, stream_options={"include_usage": True}
    )
    usage = None
    async for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        text += "".join(c.text for c in chunk.choices)
    assert text == ANSWER
    assert usage is not None and usage.completion_tokens > 0


async def test_mid_stream_failure_ends_with_error_event_and_done(gateway: Gateway) -> None:
    async with gateway.client() as c:
        async with c.stream(
            "POST",
            "/v1/chat/completions",
            json={
                "model": "fake",
                "stream": True,
                "fake": "die-after=3",
                "messages": [{"role": "user", "content": "q"}],
            },
        ) as r:
            assert r.status_code == 200
            events = [line[6:] async for line in r.aiter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    last = orjson.loads(events[-2])
    assert last["error"]["code"] == "worker_stream_failed"
    # the SDK raises on that event rather than hanging
    with pytest.raises(openai.APIError):
        stream = await sdk(gateway, "die-after=3").chat(
            model="fake", messages=[{"role": "user", "content": "q"}], stream=True
        )
        async for _ in stream:
            pass


async def _stream_events(gateway: Gateway, path: str, fake: str) -> list[str]:
    body: dict[str, Any] = {"model": "fake", "stream": True, "fake": fake}
    if path == "/v1/chat/completions":
        body["messages"] = [{"role": "user", "content": "q"}]
    else:
        body["prompt"] = "q"
    async with gateway.client() as c:
        async with c.stream("POST", path, json=body) as r:
            assert r.status_code == 200
            return [line[6:] async for line in r.aiter_lines() if line.startswith("data: ")]


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/completions"])
async def test_a_stream_that_ends_without_a_finish_reason_is_reported_cut_short(
    gateway: Gateway, path: str
) -> None:
    """``[DONE]`` before any ``finish_reason`` is an answer cut short (llama-cpp-python's server
    ends a stream so when another request waits): the client is told, as when the worker dies
    mid-stream, instead of taking a fragment for the whole answer; the request is recorded as
    the worker's failure."""
    from sqlalchemy import select

    from labgate.store.tenancy import UsageEvent

    events = await _stream_events(gateway, path, "no-finish")
    assert events[-1] == "[DONE]"
    assert orjson.loads(events[-2])["error"]["code"] == "worker_stream_failed"
    chunks = [orjson.loads(e) for e in events[:-2]]
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks if c.get("choices"))
    sent = "".join(
        c["choices"][0].get("delta", {}).get("content") or c["choices"][0].get("text") or ""
        for c in chunks
        if c.get("choices")
    )
    assert sent == ANSWER  # what the worker produced still came through, then the error
    await gateway.services.usage.flush()
    async with gateway.services.sessions() as s:
        rows = (await s.execute(select(UsageEvent))).scalars().all()
    assert [r.status for r in rows] == [502]
    # a whole stream from the same worker still ends as it should
    whole = await _stream_events(gateway, path, "")
    assert whole[-1] == "[DONE]" and "error" not in orjson.loads(whole[-2])


@pytest.mark.parametrize("fake", ["die-after=3", "no-finish"])
async def test_streams_cut_short_count_towards_the_workers_breaker(
    gateway: Gateway, fake: str
) -> None:
    """Each stream the worker cuts short is its failure, and closing its connection afterwards
    must not count as a success that resets the count: three in a row open its breaker, so
    the router stops sending answers to a replica that breaks every one of them."""
    from labgate.router.workers import BreakerState

    pool = gateway.services.router.pools["fake"]
    (worker,) = pool.workers.values()
    for n in range(1, 4):
        events = await _stream_events(gateway, "/v1/chat/completions", fake)
        assert orjson.loads(events[-2])["error"]["code"] == "worker_stream_failed"
        assert worker.consecutive_failures == n
    assert worker.opened_at > 0
    # open, or half-open if a health probe passed since (it then lets one request probe)
    assert worker.breaker in (BreakerState.OPEN, BreakerState.HALF_OPEN)


async def test_usage_is_recorded(gateway: Gateway) -> None:
    from sqlalchemy import select

    from labgate.store.tenancy import UsageEvent

    await sdk(gateway, "think").chat(model="fake", messages=[{"role": "user", "content": "q"}])
    await gateway.services.usage.flush()
    async with gateway.services.sessions() as s:
        rows = (await s.execute(select(UsageEvent))).scalars().all()
    assert len(rows) == 1
    row = rows[0]
    assert row.model == "fake" and row.project_id == "default" and row.status == 200
    assert row.prompt_tokens == 7 and row.reasoning_tokens > 0
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)  # SQLite keeps UTC, naive
    assert abs(datetime.now(UTC) - at) < timedelta(minutes=1)
    async with gateway.client() as c:  # the report's time filter reads the stored time back
        report = (await c.get("/v1/admin/usage", params={"since": "1h"})).json()
        older = (await c.get("/v1/admin/usage", params={"until": "1h"})).json()
    assert sum(r["requests"] for r in report["rows"]) == 1
    assert older["rows"] == []


async def test_a_plain_answer_whose_client_hung_up_is_still_counted(gateway: Gateway) -> None:
    """Metrics and usage rows are written after a plain answer is sent; a client that is gone
    by then must not make the request vanish from them."""
    import asyncio

    from sqlalchemy import select

    from labgate.store.tenancy import UsageEvent

    # the client gives up long before the answer, with room for a loaded machine to connect
    body = {"model": "fake", "fake": "delay=1.0", "messages": [{"role": "user", "content": "q"}]}
    async with gateway.client() as c:
        with pytest.raises(httpx.ReadTimeout):
            await c.post("/v1/chat/completions", json=body, timeout=0.3)
    counted = 'labgate_requests_total{model="fake",route="chat",status="200"} 1.0'
    async with gateway.client() as c:  # the metrics are for a platform admin's key
        # the gateway finishes the request on its own time: a 1 s answer, then the usage and
        # metrics; on a loaded 2-core machine that took over the 5 s this loop used to allow
        for _ in range(600):
            if counted in (await c.get("/metrics")).text:
                break
            await asyncio.sleep(0.05)
        assert counted in (await c.get("/metrics")).text
    await gateway.services.usage.flush()
    async with gateway.services.sessions() as s:
        rows = (await s.execute(select(UsageEvent))).scalars().all()
    assert [(r.model, r.status) for r in rows] == [("fake", 200)]


async def test_metrics_exposed(gateway: Gateway) -> None:
    await sdk(gateway).chat(model="fake", messages=[{"role": "user", "content": "q"}])
    async with httpx.AsyncClient(base_url=gateway.url) as c:  # no key: nothing named
        assert (await c.get("/metrics")).status_code == 401
        ready = await c.get("/readyz")
        assert ready.status_code == 200 and ready.json() == {"status": "ready"}
    async with gateway.client() as c:  # a platform admin's key
        text = (await c.get("/metrics")).text
        assert 'labgate_requests_total{model="fake",route="chat",status="200"} 1.0' in text
        assert "labgate_request_duration_seconds_bucket" in text
        assert 'labgate_worker_up{model="fake"' in text
        assert (await c.get("/healthz")).json() == {"status": "ok"}
        ready = await c.get("/readyz")
        assert ready.status_code == 200 and ready.json()["models"]["fake"]["usable_workers"] == 1


async def test_client_disconnect_cancels_the_worker_request(gateway: Gateway) -> None:
    import asyncio

    async with gateway.client() as c:
        async with c.stream(
            "POST",
            "/v1/chat/completions",
            json={
                "model": "fake",
                "stream": True,
                "fake": "delay=0.2",
                "messages": [{"role": "user", "content": "q"}],
            },
        ) as r:
            async for line in r.aiter_lines():
                if line.startswith("data: ") and "content" in line:
                    break  # got the first token; hang up
    worker = gateway.worker.worker
    for _ in range(50):
        if worker.cancelled:
            break
        await asyncio.sleep(0.05)
    assert worker.cancelled == 1  # the worker saw its connection closed mid-answer
    pool = gateway.services.router.pools["fake"]
    assert all(w.outstanding == 0 for w in pool.workers.values())
    assert gateway.services.scheduler is not None
    snap = gateway.services.scheduler.snapshot()
    assert snap["pools"]["fake"]["running"] == 0  # the fair-share slot was given back
    audit = gateway.services.audit
    assert audit is not None
    records = [orjson.loads((await audit.get_record(i)).data) for i in range(await audit.size())]
    hung_up = [r for r in records if r.get("outcome") == "cancelled"]
    assert len(hung_up) == 1 and hung_up[0]["status"] == 499  # recorded, as the client left


async def test_one_user_flooding_the_queue_gets_429(gateway: Gateway) -> None:
    import asyncio

    sched = gateway.services.scheduler
    assert sched is not None
    pool = gateway.services.router.pools["fake"]
    pool.max_in_flight_per_worker = 1  # one request at a time on the one worker
    gateway.services.pool_changed(pool)
    limit = gateway.services.settings.scheduler.interactive.max_queued_per_user
    async with gateway.client() as c:

        async def one() -> httpx.Response:
            return await c.post(
                "/v1/chat/completions",
                json={
                    "model": "fake",
                    "fake": "delay=0.3",
                    "messages": [{"role": "user", "content": "q"}],
                },
            )

        results = await asyncio.gather(*(one() for _ in range(limit + 5)))
    refused = [r for r in results if r.status_code == 429]
    assert refused and all(r.json()["error"]["code"] == "queue_full" for r in refused)
    assert all(int(r.headers["Retry-After"]) >= 1 for r in refused)
    assert sum(r.status_code == 200 for r in results) >= limit


async def test_an_answer_whose_audit_record_cannot_commit_is_withheld(gateway: Gateway) -> None:
    """The audit promise: no record, no answer (503), and the request's slot is still freed."""
    from sqlalchemy import text

    audit = gateway.services.audit
    assert audit is not None
    body = {"model": "fake", "messages": [{"role": "user", "content": "q"}]}
    async with audit.engine.begin() as conn:  # the writer's next batch fails
        await conn.execute(text("ALTER TABLE audit_records RENAME TO audit_records_away"))
    try:
        async with gateway.client() as c:
            plain = await c.post("/v1/chat/completions", json=body)
            assert plain.status_code == 503
            assert plain.json()["error"]["code"] == "audit_unavailable"
            assert plain.headers["retry-after"] == "5"
            streamed = await c.post("/v1/chat/completions", json={**body, "stream": True})
            events = [ln[6:] for ln in streamed.text.splitlines() if ln.startswith("data: ")]
            assert events[-1] == "[DONE]"
            assert orjson.loads(events[-2])["error"]["code"] == "audit_unavailable"
    finally:
        async with audit.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE audit_records_away RENAME TO audit_records"))
    assert gateway.services.scheduler is not None
    assert gateway.services.scheduler.snapshot()["pools"]["fake"]["running"] == 0
    async with gateway.client() as c:  # the log recovers once the database does
        assert (await c.post("/v1/chat/completions", json=body)).status_code == 200


async def test_worker_timeouts_bound_plain_answers_whole_and_streams_by_silence(
    make_settings: Callable[..., Any], fake_worker: RunningWorker
) -> None:
    """``request_timeout_s`` bounds a plain answer as a whole, and a stream by the silence
    between its chunks: a long stream that keeps talking is not cut off."""
    settings = make_settings(
        [{"name": "fake", "workers": [fake_worker.base_url], "request_timeout_s": 0.5}]
    )
    app = create_app(settings)
    async with serve_app(app) as url:
        services: Services = app.state.services
        assert services.bootstrap is not None
        gw = Gateway(url, services.bootstrap.admin_key or "", services, fake_worker)
        msgs = [{"role": "user", "content": "q"}]
        with pytest.raises(openai.APIStatusError) as slow:
            await sdk(gw, "delay=2").chat(model="fake", messages=msgs)
        assert slow.value.status_code == 503 and "timed out" in slow.value.message
        # six chunks 0.15 s apart: longer than the timeout in all, never silent that long
        stream = await sdk(gw, "delay=0.15").chat(model="fake", messages=msgs, stream=True)
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        assert text == ANSWER
        async with gw.client() as c:  # silent for longer than the timeout after the first event
            body = {"model": "fake", "stream": True, "messages": msgs, "fake": "delay=2"}
            r = await c.post("/v1/chat/completions", json=body)
        assert r.status_code == 200 and "worker_stream_failed" in r.text
