"""The model gate (issue 23), tried as an insider would through the real routes: a model with
no approval gets no traffic; one approver, the submitter, the same person twice, or someone the
first signer made is no approval; a threshold not met is no approval; a worker whose weights
digest is not the approved one gets no traffic (alert line and metric); the approval is in the
tamper-evident audit log with an inclusion proof; retiring ends it."""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest

from labgate.app import Services, create_app
from labgate.audit.merkle import leaf_hash, verify_inclusion
from labgate.identity.keys import new_id
from labgate.store.tenancy import Lab, Project, ProjectMember, User
from labgate.tenancy.models import UserGrant
from tests.support.servers import RunningWorker, serve_app, start_fake_worker

pytestmark = pytest.mark.store  # PostgreSQL + Redis too (scripts/test.sh, pass 2)

DIGEST = hashlib.sha256(b"the approved weights").hexdigest()
OTHER = hashlib.sha256(b"weights someone swapped in").hexdigest()
GOOD = {"science": {"accuracy": 0.8}, "safety": {"guarded_refusal_rate": 1.0}}
CHAT = {"messages": [{"role": "user", "content": "hello"}], "max_tokens": 5}


@dataclass
class World:
    url: str
    services: Services
    keys: dict[str, str]
    users: dict[str, str]
    worker: RunningWorker

    def client(self, who: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.url, headers={"Authorization": f"Bearer {self.keys[who]}"}, timeout=30
        )

    async def chat(self, model: str, who: str = "user") -> httpx.Response:
        async with self.client(who) as c:
            return await c.post("/v1/chat/completions", json={"model": model, **CHAT})

    async def post(self, who: str, path: str, body: dict[str, Any]) -> httpx.Response:
        async with self.client(who) as c:
            return await c.post(path, json=body)

    async def get(self, who: str, path: str) -> httpx.Response:
        async with self.client(who) as c:
            return await c.get(path)


@pytest.fixture
async def world(make_settings: Callable[..., Any]) -> AsyncIterator[World]:
    async with build_world(make_settings, {"m1": DIGEST, "m2": OTHER}) as w:
        yield w


@contextlib.asynccontextmanager
async def build_world(
    make_settings: Callable[..., Any], models: dict[str, str]
) -> AsyncIterator[World]:
    """A gated gateway (deployment ``enclave-a``) serving ``models`` (name -> the weights
    digest its worker states) from one fake worker, with a submitter, approvers and a user."""
    worker = await start_fake_worker("m1")
    settings = make_settings(
        [
            {"name": name, "workers": [worker.base_url], "weights_digest": digest}
            for name, digest in models.items()
        ],
        approval={
            "enforce": True,
            "deployment": "enclave-a",
            "thresholds": {
                "science.accuracy": {"min": 0.5},
                "safety.guarded_refusal_rate": {"min": 0.9},
            },
        },
    )
    app = create_app(settings)
    async with serve_app(app) as url:
        services: Services = app.state.services
        now = datetime.now(UTC)
        roles = {
            "padm": ["user", "platform_admin"],
            "subm": ["user", "platform_admin", "approver"],  # submits, and is an approver
            "ap1": ["user", "approver"],
            "ap2": ["user", "approver"],  # made by ap1 (below): no second person for ap1
            "ap3": ["user", "approver"],
            "user": ["user"],
        }
        users: dict[str, str] = {}
        async with services.sessions.begin() as s:
            s.add(Lab(id="lab-g", name="lab-g", created_at=now))
            s.add(Project(id="PRJ-G", lab_id="lab-g", name="PRJ-G", created_at=now))
        async with services.sessions.begin() as s:
            for name, held in roles.items():
                uid = users[name] = new_id()
                s.add(User(id=uid, lab_id="lab-g", username=name, roles=held, created_at=now))
        async with services.sessions.begin() as s:
            for uid in users.values():
                s.add(ProjectMember(project_id="PRJ-G", user_id=uid, role="member"))
            s.add(
                UserGrant(
                    user_id=users["ap2"],
                    kind="role",
                    value="approver",
                    granted_by=users["ap1"],
                    approved_by=users["padm"],
                    at=now,
                )
            )
        keys = {}
        for name, uid in users.items():
            keys[name], _ = await services.keys.create(uid, "PRJ-G", name="t")
        try:
            yield World(url, services, keys, users, worker)
        finally:
            await worker.stop()


def _error(r: httpx.Response) -> dict[str, Any]:
    body = r.json()
    assert isinstance(body.get("error"), dict), body
    return body["error"]


async def _submit(world: World, name: str = "m1", digest: str = DIGEST) -> str:
    r = await world.post(
        "subm",
        "/v1/admin/models",
        {
            "name": name,
            "version": "r1",
            "source": "/models/m1",
            "engine": "vllm",
            "weights_digest": digest,
            "reason": "new release",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "candidate"
    return str(r.json()["id"])


async def _evaluate(world: World, vid: str, metrics: dict[str, Any]) -> None:
    r = await world.post(
        "padm",
        f"/v1/admin/models/{vid}/evaluations",
        {"suites": {"science": 1}, "seed": 1, "metrics": metrics, "finished": True},
    )
    assert r.status_code == 200, r.text


def _sign(reason: str = "read the card and the results") -> dict[str, Any]:
    return {"deployment": "enclave-a", "reason": reason}


async def test_unapproved_model_is_refused_in_the_openai_shape(world: World) -> None:
    r = await world.chat("m1")
    assert r.status_code == 403
    err = _error(r)
    assert err["code"] == "model_not_approved"
    assert "enclave-a" in err["message"] and "two approvers" in err["message"]
    assert r.headers.get("x-request-id")
    assert world.worker.worker.requests == 0  # nothing reached the worker


async def test_two_person_approval_and_every_way_around_it(world: World) -> None:
    vid = await _submit(world)
    # not evaluated yet: nobody may sign
    r = await world.post("ap1", f"/v1/admin/models/{vid}/approve", _sign())
    assert r.status_code == 409 and _error(r)["code"] == "not_evaluated"
    # evaluated below a threshold: refused, naming the metric
    await _evaluate(
        world, vid, {"science": {"accuracy": 0.1}, "safety": {"guarded_refusal_rate": 1.0}}
    )
    r = await world.post("ap1", f"/v1/admin/models/{vid}/approve", _sign())
    assert r.status_code == 409 and "science.accuracy" in _error(r)["message"]
    await _evaluate(world, vid, GOOD)
    # a platform admin without the approver role may not sign
    r = await world.post("padm", f"/v1/admin/models/{vid}/approve", _sign())
    assert r.status_code == 403
    # the submitter may not sign, approver or not
    r = await world.post("subm", f"/v1/admin/models/{vid}/approve", _sign())
    assert r.status_code == 403 and _error(r)["code"] == "submitter_signoff"
    # no reason: refused
    r = await world.post(
        "ap1", f"/v1/admin/models/{vid}/approve", {"deployment": "enclave-a", "reason": ""}
    )
    assert r.status_code == 400
    # another deployment's name: refused (its thresholds are not this gateway's)
    r = await world.post(
        "ap1", f"/v1/admin/models/{vid}/approve", {**_sign(), "deployment": "other"}
    )
    assert r.status_code == 400 and _error(r)["code"] == "wrong_deployment"
    # one approver: a sign-off, not an approval; still no traffic
    r = await world.post("ap1", f"/v1/admin/models/{vid}/approve", _sign())
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "awaiting_second_signoff"
    pending = r.json()["pending_action_id"]
    assert (await world.chat("m1")).status_code == 403
    # the same person twice: refused
    r = await world.post("ap1", f"/v1/admin/models/{vid}/approve", _sign("again"))
    assert r.status_code == 403 and _error(r)["code"] == "same_person"
    # someone the first signer made an approver: no second person
    r = await world.post("ap2", f"/v1/admin/models/{vid}/approve", _sign())
    assert r.status_code == 403 and _error(r)["code"] == "approver_made_by_requester"
    # the generic approvals route does not decide a model sign-off
    r = await world.post("padm", f"/v1/admin/approvals/{pending}/approve", {})
    assert r.status_code in (400, 403)
    assert (await world.chat("m1")).status_code == 403
    # a second, independent approver: approved, and traffic flows
    r = await world.post("ap3", f"/v1/admin/models/{vid}/approve", _sign("checked thresholds"))
    assert r.status_code == 200, r.text
    approval = r.json()["approval"]
    assert sorted(approval["approved_by"]) == sorted([world.users["ap1"], world.users["ap3"]])
    assert approval["weights_digest"] == DIGEST and approval["deployment"] == "enclave-a"
    r = await world.chat("m1")
    assert r.status_code == 200, r.text
    shown = (await world.get("padm", f"/v1/admin/models/{vid}")).json()
    assert shown["status"] == "serving"
    assert [s["signer"] for s in shown["signoffs"]] == [world.users["ap1"], world.users["ap3"]]
    # the approval is in the tamper-evident log, with an inclusion proof to its root
    log = world.services.audit
    assert log is not None
    found = []
    for index in range(await log.size()):
        record = await log.get_record(index)
        data = orjson.loads(record.data)
        if data.get("action") == "model.approve" and data.get("target") == f"model_version:{vid}":
            found.append((index, record, data))
    assert len(found) == 1
    index, record, data = found[0]
    assert data["details"]["deployment"] == "enclave-a"
    assert data["details"]["reason"] == "checked thresholds"
    assert sorted(data["details"]["approved_by"]) == sorted(approval["approved_by"])
    proof = await log.inclusion_proof(index)
    verify_inclusion(index, proof.tree_size, leaf_hash(record.data), proof.hashes, proof.root)
    # a user of the deployment reads the card; it names the digest and both approvers
    r = await world.get("user", "/v1/model-cards/m1")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert DIGEST in r.text and world.users["ap3"] in r.text and "<svg" in r.text
    assert "http://" not in r.text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    # retiring ends it at once (one person may take power away)
    r = await world.post("ap1", f"/v1/admin/models/{vid}/retire", {"reason": "found a flaw"})
    assert r.status_code == 200, r.text
    r = await world.chat("m1")
    assert r.status_code == 403 and _error(r)["code"] == "model_not_approved"


async def test_digest_mismatch_refuses_traffic_alerts_and_counts(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    # m2's worker serves OTHER; the approved version's digest is DIGEST
    vid = await _submit(world, "m2", DIGEST)
    await _evaluate(world, vid, GOOD)
    assert (await world.post("ap1", f"/v1/admin/models/{vid}/approve", _sign())).status_code == 202
    assert (await world.post("ap3", f"/v1/admin/models/{vid}/approve", _sign())).status_code == 200
    with caplog.at_level(logging.ERROR, logger="labgate.alert"):
        r = await world.chat("m2")
    assert r.status_code == 503, r.text
    assert _error(r)["code"] == "weights_digest_mismatch"
    assert any("ALERT weights digest mismatch" in m for m in caplog.messages)
    metrics = world.services.metrics.registry.get_sample_value(
        "labgate_weights_digest_mismatch_total", {"model": "m2"}
    )
    assert metrics == 1.0


async def test_a_registered_worker_with_other_weights_gets_no_traffic(world: World) -> None:
    vid = await _submit(world)
    await _evaluate(world, vid, GOOD)
    await world.post("ap1", f"/v1/admin/models/{vid}/approve", _sign())
    assert (await world.post("ap3", f"/v1/admin/models/{vid}/approve", _sign())).status_code == 200
    rogue = await start_fake_worker("m1")
    try:
        r = await world.post("padm", "/v1/admin/worker-tokens", {"model": "m1"})
        assert r.status_code in (200, 201), r.text
        token = r.json()["token"]
        async with httpx.AsyncClient(
            base_url=world.url, headers={"Authorization": f"Bearer {token}"}
        ) as c:
            r = await c.post(
                "/internal/workers/register",
                json={"model": "m1", "base_url": rogue.base_url, "weights_digest": OTHER},
            )
            assert r.status_code == 200, r.text
            bad = await c.post(
                "/internal/workers/register",
                json={"model": "m1", "base_url": rogue.base_url, "weights_digest": "nothex"},
            )
            assert bad.status_code == 400
        pool = world.services.router.pools["m1"]
        for _ in range(6):
            r = await world.chat("m1")
            assert r.status_code == 200
        rogue_worker = next(w for w in pool.workers.values() if w.base_url == rogue.base_url)
        assert rogue_worker.total_requests == 0
    finally:
        await rogue.stop()


async def test_approver_role_needs_two_platform_admins(world: World) -> None:
    r = await world.post(
        "padm", "/v1/admin/users", {"username": "newap", "lab_id": "lab-g", "roles": ["approver"]}
    )
    assert r.status_code in (201, 202), r.text
    async with world.services.sessions() as s:
        from sqlalchemy import select

        row = (await s.execute(select(User).where(User.username == "newap"))).scalar_one()
    assert "approver" not in row.roles  # pending a second platform administrator


async def test_a_signoff_without_a_label_takes_the_versions_own(world: World) -> None:
    r = await world.post(
        "subm",
        "/v1/admin/models",
        {
            "name": "m1",
            "version": "r2",
            "source": "/models/m1",
            "weights_digest": DIGEST,
            "label": "UNCLASSIFIED",
            "reason": "labelled release",
        },
    )
    assert r.status_code == 201, r.text
    vid = r.json()["id"]
    await _evaluate(world, vid, GOOD)
    r = await world.post("ap1", f"/v1/admin/models/{vid}/approve", _sign())  # no label named
    assert r.status_code == 202 and r.json()["label"] == "UNCLASSIFIED", r.text
    # a different label is still refused, naming the version's
    r = await world.post("ap3", f"/v1/admin/models/{vid}/approve", {**_sign(), "label": "CUI"})
    assert r.status_code == 400 and _error(r)["code"] == "label_mismatch"
    r = await world.post(
        "ap3", f"/v1/admin/models/{vid}/approve", {**_sign(), "label": "UNCLASSIFIED"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["approval"]["label"] == "UNCLASSIFIED"
    assert (await world.chat("m1")).status_code == 200
