"""The model gate and labels (issue 23): an approval names a deployment AND a label, and a
request whose effective label (stated, or the default, joined with its conversation's
high-water mark) is not dominated by the label the serving version was approved for is
refused 403 ``model_not_approved`` before a worker is asked, on every model route (chat,
completions, responses, embeddings, batch items), and audited like other refusals.

Before this, the router checked only that *some* version was approved: a version two
approvers signed off for CUI served SECRET work."""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
from openai import AsyncOpenAI

from labgate.access.config import LabelsConfig
from labgate.access.policy import AccessPolicy
from labgate.api.errors import APIError
from labgate.app import Services, create_app
from labgate.approval.config import ApprovalConfig
from labgate.approval.gate import ModelGate
from labgate.approval.models import ModelApproval, ModelVersion
from labgate.approval.service import ApprovedVersion, ModelRegistry
from labgate.approval.wiring import reload_gate
from tests.support.servers import RunningWorker, serve_app, start_fake_worker

pytestmark = pytest.mark.store  # PostgreSQL + Redis too (scripts/test.sh, pass 2)

DIGEST = hashlib.sha256(b"weights approved for CUI").hexdigest()
HIGH = hashlib.sha256(b"weights approved for SECRET").hexdigest()
LABELS: dict[str, Any] = {
    "levels": ["UNCLASSIFIED", "CUI", "SECRET"],
    "enclave": "gate-test",
    "range": {"min": "UNCLASSIFIED", "max": "SECRET"},
    "default_request_label": "UNCLASSIFIED",
    "default_clearance": "SECRET",
    "models": {"m1": "SECRET", "emb": "SECRET", "m3": "CUI"},
}


@dataclass
class World:
    url: str
    services: Services
    key: str
    worker: RunningWorker

    async def post(
        self, path: str, body: dict[str, Any], label: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.key}"}
        if label is not None:
            headers["X-Labgate-Label"] = label
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as c:
            return await c.post(path, json=body, headers=headers)


async def approve_row(services: Services, name: str, label: str | None, digest: str) -> None:
    """An approval row as the two-person flow leaves it (tests/approval/test_gate.py drives
    that flow; here it is the router's decision under test)."""
    now = datetime.now(UTC)
    vid = "mv_" + hashlib.sha256(f"{name}{label}{digest}".encode()).hexdigest()[:24]
    async with services.sessions.begin() as s:
        s.add(
            ModelVersion(
                id=vid,
                name=name,
                version=f"r-{label}",
                source="/models/x",
                engine="vllm",
                weights_digest=digest,
                weight_files=[],
                label=label,
                status="approved",
                submitted_by="someone",
                created_at=now,
                updated_at=now,
            )
        )
        s.add(
            ModelApproval(
                id="ap_" + vid[3:],
                model_version_id=vid,
                deployment=services.settings.approval.deployment,
                label=label,
                weights_digest=digest,
                approved_by=["ap1", "ap2"],
                kind="two_person",
                evaluation_id=None,
                at=now,
            )
        )
    await reload_gate(services)


@pytest.fixture
async def world(make_settings: Callable[..., Any]) -> AsyncIterator[World]:
    worker = await start_fake_worker("m1")
    settings = make_settings(
        [
            {"name": "m1", "workers": [worker.base_url], "weights_digest": DIGEST},
            {"name": "m3", "workers": [worker.base_url], "weights_digest": DIGEST},
            {
                "name": "emb",
                "kind": "embedding",
                "workers": [worker.base_url],
                "weights_digest": DIGEST,
            },
        ],
        labels=LABELS,
        approval={"enforce": True, "deployment": "enclave-l", "thresholds": {}},
        batch={"poll_s": 0.05, "concurrency": 2},
    )
    app = create_app(settings)
    async with serve_app(app) as url:
        services: Services = app.state.services
        for name in ("m1", "emb"):
            await approve_row(services, name, "CUI", DIGEST)
        try:
            yield World(url, services, services.bootstrap.admin_key, worker)
        finally:
            await worker.stop()


CHAT = {"model": "m1", "messages": [{"role": "user", "content": "hello"}], "max_tokens": 5}


def _refused(r: httpx.Response, label: str) -> None:
    assert r.status_code == 403, r.text
    err = r.json()["error"]
    assert err["code"] == "model_not_approved" and err["type"] == "permission_error", err
    assert label in err["message"] and "enclave-l" in err["message"]
    assert r.headers.get("x-request-id")


async def _record_of(services: Services, request_id: str) -> dict[str, Any]:
    log = services.audit
    assert log is not None
    for index in range(await log.size() - 1, -1, -1):
        data = orjson.loads((await log.get_record(index)).data)
        if data.get("request_id") == request_id or data.get("id") == request_id:
            return data  # type: ignore[no-any-return]
    raise AssertionError(f"no audit record of {request_id}")


async def test_a_label_above_the_approval_is_refused_on_chat_and_audited(world: World) -> None:
    for label in (None, "UNCLASSIFIED", "CUI"):
        r = await world.post("/v1/chat/completions", CHAT, label)
        assert r.status_code == 200, (label, r.text)
    served = world.worker.worker.requests
    r = await world.post("/v1/chat/completions", CHAT, "SECRET")
    _refused(r, "SECRET")
    assert world.worker.worker.requests == served  # no worker was asked
    record = await _record_of(world.services, r.headers["x-request-id"])
    assert record["status"] == 403 and record.get("label") == "SECRET", record
    # stated in the body instead of the header: the same
    r = await world.post("/v1/chat/completions", {**CHAT, "labgate_label": "SECRET"})
    _refused(r, "SECRET")
    # streamed: refused before the stream starts, in the same shape
    r = await world.post("/v1/chat/completions", {**CHAT, "stream": True}, "SECRET")
    _refused(r, "SECRET")
    assert world.worker.worker.requests == served


async def test_the_conversations_high_water_mark_counts(world: World) -> None:
    """No label stated, but an earlier turn is SECRET: the request is SECRET work."""
    body = {
        **CHAT,
        "messages": [
            {"role": "user", "content": "the figures", "labgate_label": "SECRET"},
            {"role": "assistant", "content": "noted"},
            {"role": "user", "content": "summarise them"},
        ],
    }
    served = world.worker.worker.requests
    r = await world.post("/v1/chat/completions", body)
    _refused(r, "SECRET")
    # a lower label stated over a SECRET turn stays a write-down refusal (labels' own rule)
    r = await world.post("/v1/chat/completions", body, "CUI")
    assert r.status_code == 403 and r.json()["error"]["code"] != "model_not_approved"
    assert world.worker.worker.requests == served


async def test_every_other_model_route_is_gated_at_the_label(world: World) -> None:
    r = await world.post("/v1/completions", {"model": "m1", "prompt": "x", "max_tokens": 5})
    assert r.status_code == 200, r.text
    r = await world.post(
        "/v1/completions", {"model": "m1", "prompt": "x", "max_tokens": 5}, "SECRET"
    )
    _refused(r, "SECRET")
    r = await world.post("/v1/responses", {"model": "m1", "input": "x", "max_output_tokens": 5})
    assert r.status_code == 200, r.text
    r = await world.post(
        "/v1/responses", {"model": "m1", "input": "x", "max_output_tokens": 5}, "SECRET"
    )
    _refused(r, "SECRET")
    r = await world.post("/v1/embeddings", {"model": "emb", "input": "a neutron"}, "CUI")
    assert r.status_code == 200, r.text
    served = world.worker.worker.requests
    r = await world.post("/v1/embeddings", {"model": "emb", "input": "a neutron"}, "SECRET")
    _refused(r, "SECRET")
    record = await _record_of(world.services, r.headers["x-request-id"])
    assert record["status"] == 403
    assert world.worker.worker.requests == served


async def test_batch_items_at_a_label_above_the_approval_are_refused(world: World) -> None:
    client = AsyncOpenAI(
        base_url=world.url + "/v1",
        api_key=world.key,
        max_retries=0,
        default_headers={"X-Labgate-Label": "SECRET"},
    )
    line = {"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": CHAT}
    f = await client.files.create(
        file=("in.jsonl", io.BytesIO(orjson.dumps(line) + b"\n")), purpose="batch"
    )
    batch = await client.batches.create(
        input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    served = world.worker.worker.requests
    for _ in range(600):
        batch = await client.batches.retrieve(batch.id)
        if batch.status in ("completed", "failed", "expired", "cancelled"):
            break
        await asyncio.sleep(0.05)
    assert batch.status == "completed", batch
    assert batch.error_file_id or batch.output_file_id
    text = (await client.files.content(batch.error_file_id or batch.output_file_id)).text
    result = orjson.loads(text.splitlines()[0])
    response = result["response"]
    assert response["status_code"] == 403, result
    assert response["body"]["error"]["code"] == "model_not_approved"
    assert world.worker.worker.requests == served


# -- the gate's decision itself ---------------------------------------------------------------


@dataclass
class _W:
    worker_id: str
    weights_digest: str | None
    base_url: str = "http://w"
    source: str = "config"


def _gate(*versions: tuple[str | None, str, str]) -> ModelGate:
    policy = AccessPolicy(LabelsConfig.model_validate(LABELS))
    gate = ModelGate(enforce=True, deployment="enclave-l", labels=policy)
    gate.load(
        {
            "m1": [
                ApprovedVersion(f"mv_{i}", "m1", f"r{i}", digest, label, kind, f"ap_{i}")
                for i, (label, digest, kind) in enumerate(versions)
            ]
        },
        ["m1"],
    )
    return gate


def test_a_running_version_approved_lower_is_passed_over_without_an_alert(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gate = _gate(("CUI", DIGEST, "two_person"), ("SECRET", HIGH, "two_person"))
    low, high = _W("low", DIGEST), _W("high", HIGH)
    policy = gate.labels
    assert policy is not None
    secret = policy.parse("SECRET")
    assert gate.check("m1", [low, high], secret) == {"low"}
    assert gate.check("m1", [low, high], policy.parse("CUI")) == set()
    with caplog.at_level(logging.ERROR, logger="labgate.alert"):
        with pytest.raises(APIError) as caught:
            gate.check("m1", [low], secret)  # only the CUI version is running
    assert caught.value.status == 403 and caught.value.code == "model_not_approved"
    assert not any("ALERT" in m for m in caplog.messages)  # its weights are approved ones


def test_unlabelled_and_unknown_approval_labels() -> None:
    # no label: the range's minimum; a label the scheme no longer has: covers nothing
    gate = _gate((None, DIGEST, "two_person"), ("TOP SECRET", HIGH, "two_person"))
    policy = gate.labels
    assert policy is not None
    w = [_W("a", DIGEST), _W("b", HIGH)]
    assert gate.check("m1", w, policy.parse("UNCLASSIFIED")) == {"b"}
    with pytest.raises(APIError) as caught:
        gate.check("m1", w, policy.parse("CUI"))
    assert caught.value.code == "model_not_approved"
    # a bootstrap record written before approvals carried their label: the lowest label
    gate = _gate((None, DIGEST, "bootstrap"))
    assert gate.check("m1", w[:1], policy.parse("UNCLASSIFIED")) == set()
    with pytest.raises(APIError):
        gate.check("m1", w[:1], policy.parse("CUI"))


async def test_the_bootstrap_approval_carries_the_lowest_label(
    make_settings: Callable[..., Any],
) -> None:
    """The embedded default's bootstrap approval is for the scheme's lowest label: `make run`
    serves UNCLASSIFIED work; CUI or SECRET work is refused until two approvers approve."""
    from labgate.store.engine import make_engine, make_sessionmaker
    from labgate.store.migrate import upgrade

    # the enclave's range starts at CUI: still, the bootstrap is for the lowest label only
    settings = make_settings(
        [{"name": "m1", "workers": ["http://127.0.0.1:9"]}],
        labels={
            **LABELS,
            "range": {"min": "CUI", "max": "SECRET"},
            "default_request_label": "CUI",
        },
    )
    engine = make_engine(settings.effective_database_url)
    try:
        await upgrade(engine)
        policy = AccessPolicy(settings.labels)
        registry = ModelRegistry(
            make_sessionmaker(engine), config=ApprovalConfig(deployment="d"), labels=policy
        )
        made = await registry.bootstrap(
            name="tiny",
            version="v",
            source="pypi:x/y.gguf",
            engine="llamacpp",
            weights_digest=DIGEST,
            evaluation={},
        )
        assert made
        approved = await registry.approved()
        assert [v.label for v in approved["tiny"]] == ["UNCLASSIFIED"]
        gate = ModelGate(enforce=True, deployment="d", labels=policy)
        gate.load(approved, ["tiny"])
        assert gate.check("tiny", [_W("e", DIGEST)], policy.parse("UNCLASSIFIED")) == set()
        with pytest.raises(APIError) as caught:
            gate.check("tiny", [_W("e", DIGEST)], policy.parse("CUI"))
        assert caught.value.code == "model_not_approved"
    finally:
        await engine.dispose()


async def test_a_responses_chain_keeps_its_label_after_the_high_approval_ends(
    world: World,
) -> None:
    """A SECRET response chain, continued with no label stated once the SECRET approval is
    gone: the chain's label is the request's, so it is refused, not served at the default."""
    from sqlalchemy import update

    await approve_row(world.services, "m1", "SECRET", DIGEST)
    first = await world.post(
        "/v1/responses", {"model": "m1", "input": "x", "max_output_tokens": 5}, "SECRET"
    )
    assert first.status_code == 200, first.text
    async with world.services.sessions.begin() as s:
        await s.execute(
            update(ModelApproval)
            .where(ModelApproval.label == "SECRET")
            .values(revoked_at=datetime.now(UTC))
        )
    await reload_gate(world.services)
    served = world.worker.worker.requests
    r = await world.post(
        "/v1/responses",
        {
            "model": "m1",
            "input": "and then?",
            "max_output_tokens": 5,
            "previous_response_id": first.json()["id"],
        },
    )
    _refused(r, "SECRET")
    assert world.worker.worker.requests == served


class _ColdStarter:
    """Stands in for the Slurm controller: manages every model, counts the jobs it starts."""

    def __init__(self) -> None:
        self.started: list[str] = []

    def manages(self, model: str) -> bool:
        return True

    async def ensure_started(self, model: str) -> Any:
        from types import SimpleNamespace

        self.started.append(model)
        return SimpleNamespace(ready=False, message="starting", retry_after_s=5)

    wait_ready = None


async def test_a_request_the_gate_refuses_starts_no_slurm_job(world: World) -> None:
    """A model with no running worker that labgate starts on Slurm: a request at a label no
    approval covers is refused before a job is started for it (and before the guard, the
    budget and the queue)."""
    cold = _ColdStarter()
    world.services.completions.gate.hpc = cold  # type: ignore[assignment]
    for worker in world.services.router.pools["m1"].workers.values():
        worker.draining = True  # no usable worker (the health checker leaves this be)
    r = await world.post("/v1/chat/completions", CHAT, "SECRET")
    _refused(r, "SECRET")
    assert cold.started == []
    r = await world.post("/v1/chat/completions", CHAT, "CUI")  # approved: it may start
    assert r.status_code == 503 and r.json()["error"]["code"] == "model_starting", r.text
    assert cold.started == ["m1"]


async def test_the_card_shows_no_version_above_the_readers_clearance(world: World) -> None:
    """m3 is accredited CUI; a version of it labelled SECRET is approved after a CUI one. A
    CUI-cleared user reads the CUI version's card: the SECRET version does not exist for them
    (the registry's no-read-up), though it is the newest."""
    from labgate.identity.keys import new_id
    from labgate.store.tenancy import Lab, Project, ProjectMember, User

    await approve_row(world.services, "m3", "CUI", DIGEST)
    await approve_row(world.services, "m3", "SECRET", HIGH)
    now = datetime.now(UTC)
    uid = new_id()
    async with world.services.sessions.begin() as s:
        s.add(Lab(id="lab-c", name="lab-c", created_at=now))
        s.add(Project(id="PRJ-C", lab_id="lab-c", name="PRJ-C", created_at=now))
    async with world.services.sessions.begin() as s:
        s.add(
            User(
                id=uid,
                lab_id="lab-c",
                username="cui",
                roles=["user"],
                clearance="CUI",
                created_at=now,
            )
        )
    async with world.services.sessions.begin() as s:
        s.add(ProjectMember(project_id="PRJ-C", user_id=uid, role="member"))
    key, _ = await world.services.keys.create(uid, "PRJ-C", name="t")
    async with httpx.AsyncClient(base_url=world.url, timeout=30) as c:
        low = await c.get("/v1/model-cards/m3", headers={"Authorization": f"Bearer {key}"})
        high = await c.get("/v1/model-cards/m3", headers={"Authorization": f"Bearer {world.key}"})
    assert low.status_code == 200, low.text
    assert DIGEST in low.text and HIGH not in low.text and "SECRET" not in low.text
    assert high.status_code == 200 and HIGH in high.text


async def test_the_model_list_offers_only_what_the_gate_serves_at_the_label(world: World) -> None:
    """/v1/models (and so the chat page's picker, which sends its label) lists a model only
    when some approved version covers the stated label: m3 has no approval at all, m1 and emb
    are approved for CUI, so a SECRET list offers neither (each would be refused
    model_not_approved). Listed by name before: the picker offered models every send refused."""

    async def listed(label: str | None) -> set[str]:
        headers = {"Authorization": f"Bearer {world.key}"}
        if label is not None:
            headers["X-Labgate-Label"] = label
        async with httpx.AsyncClient(base_url=world.url, timeout=30) as c:
            r = await c.get("/v1/models", headers=headers)
        assert r.status_code == 200, r.text
        return {m["id"] for m in r.json()["data"]}

    assert await listed(None) == {"m1", "emb"}  # the default label: UNCLASSIFIED
    assert await listed("CUI") == {"m1", "emb"}
    assert await listed("SECRET") == set()
    assert await listed("NOT A LABEL") == {"m1", "emb"}  # listed by the default label
    await approve_row(world.services, "m1", "SECRET", HIGH)
    assert await listed("SECRET") == {"m1"}
