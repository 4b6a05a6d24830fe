"""Every request the gateway sees lands in the tamper-evident log, with digests that match."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from labgate.app import Services, create_app
from labgate.audit.merkle import verify_inclusion
from labgate.testing.fake_worker import ANSWER
from tests.api.conftest import Gateway
from tests.support.servers import RunningWorker, serve_app

pytestmark = pytest.mark.store


async def test_answered_refused_and_failed_requests_are_recorded(gateway: Gateway) -> None:
    chat = {"model": "fake", "messages": [{"role": "user", "content": "capital of France?"}]}
    async with gateway.client() as c:
        ok = await c.post("/v1/chat/completions", json=chat)
        assert ok.status_code == 200
        failed = await c.post("/v1/chat/completions", json={**chat, "fake": "fail"})
        assert failed.status_code == 503
        bad = await c.post("/v1/chat/completions", json={"model": "nope", "messages": []})
        assert bad.status_code == 400
    async with httpx.AsyncClient(base_url=gateway.url) as anon:
        assert (await anon.post("/v1/chat/completions", json=chat)).status_code == 401

    log = gateway.services.audit
    assert log is not None
    records = [await log.get_record(i) for i in range(await log.size())]
    import orjson

    payloads = [orjson.loads(r.data) for r in records]
    by_outcome = {p["outcome"]: p for p in payloads if p.get("kind") == "request"}
    assert set(by_outcome) >= {"ok", "worker_error", "refused"}
    answered = next(p for p in payloads if p.get("request_id") == ok.headers["X-Request-Id"])
    assert answered["status"] == 200 and answered["model"] == "fake"
    assert answered["project"] == "default" and answered["usage"]["prompt_tokens"] == 7
    want = hashlib.sha256(ANSWER.encode()).hexdigest()
    assert answered["digests"]["response_sha256"] == want
    assert any(p["status"] == 401 and p["user"] == "(unauthenticated)" for p in payloads)

    # an outside party checks inclusion of the answered record with the public API
    index = payloads.index(answered)
    assert gateway.services.audit_parts is not None
    await gateway.services.audit_parts.publisher.publish()  # (the publisher also runs by itself)
    async with gateway.client() as c:
        proof = (await c.get("/v1/audit/proofs/inclusion", params={"index": index})).json()
        checkpoint = await c.get("/v1/audit/checkpoint")
    leaf = hashlib.sha256(b"\x00" + records[index].data).digest()
    assert base64.b64decode(proof["leaf_hash"]) == leaf
    verify_inclusion(  # raises unless the proof is consumed exactly and lands on the root
        index,
        proof["tree_size"],
        leaf,
        [base64.b64decode(h) for h in proof["hashes"]],
        base64.b64decode(proof["root"]),
    )
    assert checkpoint.status_code == 200
    origin, size, root = checkpoint.text.split("\n")[:3]
    assert origin == gateway.services.settings.audit.origin
    assert int(size) >= proof["tree_size"] and base64.b64decode(root)
    assert "\u2014 " in checkpoint.text  # the signature line of a C2SP signed note


async def test_a_lone_request_commits_inline_and_concurrent_ones_share_the_lane(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite the gateway tells the log when a request is alone (docs/audit.md): its record
    commits inline; requests in flight together go through the writer and share commits."""
    log = gateway.services.audit
    assert log is not None
    if log.sqlite_lane is None:
        pytest.skip("the inline commit is SQLite's")
    assert gateway.services.usage.lane is log.sqlite_lane  # usage rows share the lane
    inline: list[bool] = []
    commit_inline = log._commit_inline

    def spy(pending: object) -> bool:
        inline.append(commit_inline(pending))  # type: ignore[arg-type]
        return inline[-1]

    monkeypatch.setattr(log, "_commit_inline", spy)
    chat = {"model": "fake", "messages": [{"role": "user", "content": "capital of France?"}]}
    async with gateway.client() as c:
        before = await log.size()
        assert (await c.post("/v1/chat/completions", json=chat)).status_code == 200
        assert inline == [True]
        slow = {**chat, "fake": "delay=0.2"}
        answers = await asyncio.gather(
            *(c.post("/v1/chat/completions", json=slow) for _ in range(4))
        )
        assert [a.status_code for a in answers] == [200] * 4
        assert await log.size() == before + 5
    assert len(inline) < 5  # the four overlapping ones were not all alone


async def test_with_normal_durability_the_wal_is_fsynced_behind_the_answers(
    make_settings: Callable[..., Any], fake_worker: RunningWorker
) -> None:
    """``[audit] sqlite_synchronous = "NORMAL"``: records commit before their answers, a
    syncer fsyncs the WAL behind them, and /metrics says how far behind it runs."""
    settings = make_settings(
        [{"name": "fake", "workers": [fake_worker.base_url]}],
        audit={"sqlite_synchronous": "NORMAL", "sqlite_sync_interval_ms": 1},
    )
    if not settings.effective_database_url.startswith("sqlite"):
        pytest.skip("synchronous NORMAL is SQLite's")
    app = create_app(settings)
    async with serve_app(app) as url:
        services: Services = app.state.services
        assert services.bootstrap is not None and services.bootstrap.admin_key
        gateway = Gateway(url, services.bootstrap.admin_key, services, fake_worker)
        log = services.audit
        assert log is not None and log.wal_syncer is not None
        syncer = log.wal_syncer
        assert syncer.interval_s == 0.001
        chat = {"model": "fake", "messages": [{"role": "user", "content": "capital of France?"}]}
        async with gateway.client() as c:
            before = syncer.requested
            for _ in range(3):
                assert (await c.post("/v1/chat/completions", json=chat)).status_code == 200
            assert syncer.requested >= before + 3  # one per commit (usage rows do not ask)
            assert await asyncio.to_thread(syncer.wait_synced, 5)
            metrics = (await c.get("/metrics")).text
        assert "labgate_audit_wal_unsynced_commits" in metrics
        lag = next(
            line for line in metrics.splitlines()
            if line.startswith("labgate_audit_wal_sync_lag_seconds ")
        )
        assert float(lag.split()[1]) > 0
