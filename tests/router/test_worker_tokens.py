"""Workers are authenticated as the worker they are: attacks with a worker token.

An insider holding one model's worker token (from a job's spool file, or issued for an
externally started worker) tried, through the real ``/internal/workers`` routes:

* to deregister, drain or re-accredit that model's configured workers, whose ids are the
  hash of their URL, and another job's worker;
* to register a worker accredited above what the token was issued for, to be sent SECRET work;
* to keep using a token after it expired or was revoked (by the admin API, by the CLI, on
  another replica).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from labgate.app import create_app
from labgate.cli import app as cli_app
from labgate.store.tenancy import User
from tests.support.servers import RunningWorker, serve_app, start_fake_worker

pytestmark = pytest.mark.store

LABELS = {
    "levels": ["UNCLASSIFIED", "CUI", "SECRET"],
    "default_request_label": "UNCLASSIFIED",
    "models": {"m": "SECRET"},
}


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


class Env:
    def __init__(self, app: Any, url: str, static: RunningWorker, rogue: RunningWorker) -> None:
        self.app = app
        self.services = app.state.services
        self.registry = self.services.registry
        self.url = url
        self.static = static
        self.rogue = rogue
        self.key = self.services.bootstrap.admin_key
        self.client = httpx.AsyncClient(base_url=url, timeout=10)

    async def worker_call(
        self, token: str, path: str, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        return await self.client.post(
            "/internal/workers" + path,
            json=body or {},
            headers={"Authorization": f"Bearer {token}"},
        )

    async def register(self, token: str, url: str, **extra: Any) -> httpx.Response:
        return await self.worker_call(token, "/register", {"model": "m", "base_url": url, **extra})

    async def chat(self, label: str = "UNCLASSIFIED") -> httpx.Response:
        return await self.client.post(
            "/v1/chat/completions",
            json={"model": "m", "messages": [{"role": "user", "content": "q"}]},
            headers={"Authorization": f"Bearer {self.key}", "X-Labgate-Label": label},
        )

    def workers(self) -> dict[str, Any]:
        return dict(self.services.router.pools["m"].workers)


@pytest.fixture
async def env(make_settings: Callable[..., Any]) -> AsyncIterator[Env]:
    static = await start_fake_worker("m")
    rogue = await start_fake_worker("m")
    settings = make_settings([{"name": "m", "workers": [static.base_url]}], labels=LABELS)
    app = create_app(settings)
    async with serve_app(app) as url:
        services = app.state.services
        async with services.sessions.begin() as s:
            await s.execute(update(User).values(clearance="SECRET"))
        services.auth.invalidate_all()
        e = Env(app, url, static, rogue)
        try:
            yield e
        finally:
            await e.client.aclose()
    await static.stop()
    await rogue.stop()


async def _admin_actions(env: Env) -> list[tuple[str, str]]:
    """(action, token id) of the worker-token actions in the gateway's audit log."""
    log = env.services.audit
    found = []
    for index in range(await log.size()):
        record = orjson.loads((await log.get_record(index)).data)
        if str(record.get("action", "")).startswith("worker_token."):
            found.append((record["action"], str(record.get("target", "")).split(":", 1)[1]))
    return found


def _static_id(env: Env) -> str:
    return hashlib.sha256(env.static.base_url.encode()).hexdigest()[:12]


async def test_a_worker_token_cannot_touch_configured_workers(env: Env) -> None:
    token = await env.registry.issue_token("m")
    static_id = _static_id(env)
    assert static_id in env.workers()
    for action in ("heartbeat", "drain", "deregister"):
        r = await env.worker_call(token, f"/{static_id}/{action}")
        assert r.status_code == 404, (action, r.text)
    # registering at the configured worker's URL neither re-accredits nor re-owns it
    r = await env.register(token, env.static.base_url, accreditation="UNCLASSIFIED")
    assert r.status_code == 409, r.text
    static = env.workers()[static_id]
    assert static.source == "config" and static.accreditation is None and not static.draining
    assert (await env.chat("SECRET")).status_code == 200
    assert env.static.worker.requests == 1


async def test_one_workers_token_cannot_change_another_worker(env: Env) -> None:
    first = await env.registry.issue_token("m", job_id="job-1")
    second = await env.registry.issue_token("m", job_id="job-2")
    r = await env.register(first, env.rogue.base_url)
    assert r.status_code == 200, r.text
    worker_id = r.json()["worker_id"]
    # ids cannot be guessed from the URL
    assert worker_id != hashlib.sha256(env.rogue.base_url.encode()).hexdigest()[:12]
    assert len(worker_id) >= 16
    for action in ("heartbeat", "drain", "deregister"):
        r = await env.worker_call(second, f"/{worker_id}/{action}")
        assert r.status_code == 404, (action, r.text)
    assert not env.workers()[worker_id].draining
    # nor can the second token take over the first one's URL
    assert (await env.register(second, env.rogue.base_url)).status_code == 409
    # its own worker it may drain and remove
    assert (await env.worker_call(first, f"/{worker_id}/heartbeat")).status_code == 200
    assert (await env.worker_call(first, f"/{worker_id}/deregister")).status_code == 200
    assert worker_id not in env.workers()


async def test_a_token_cannot_raise_a_worker_above_its_label(env: Env) -> None:
    token = await env.registry.issue_token("m", max_label="UNCLASSIFIED")
    r = await env.register(token, env.rogue.base_url, accreditation="SECRET")
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "worker_registration"
    # with no accreditation stated it gets the token's, not the model's SECRET
    r = await env.register(token, env.rogue.base_url)
    assert r.status_code == 200, r.text
    rogue = env.workers()[r.json()["worker_id"]]
    assert rogue.accreditation == "UNCLASSIFIED"
    # take the configured worker away: SECRET work must not go to the rogue
    env.services.router.pools["m"].remove(_static_id(env))
    r = await env.chat("SECRET")
    assert r.status_code == 503, r.text
    assert env.rogue.worker.requests == 0
    assert (await env.chat("UNCLASSIFIED")).status_code == 200
    assert env.rogue.worker.requests == 1
    with pytest.raises(ValueError, match="label"):
        await env.registry.issue_token("m", max_label="SECRET//NOPE")


async def test_tokens_expire_and_their_workers_go(env: Env) -> None:
    clock = Clock()
    env.registry.clock = clock
    token = await env.registry.issue_token("m", ttl_s=3600)
    # a token's lifetime counts from its first registration, not from its issue (jobs queue)
    clock.now += timedelta(hours=5)
    r = await env.register(token, env.rogue.base_url)
    assert r.status_code == 200, r.text
    worker_id = r.json()["worker_id"]
    clock.now += timedelta(minutes=59)
    assert (await env.worker_call(token, f"/{worker_id}/heartbeat")).status_code == 200
    clock.now += timedelta(minutes=2)
    r = await env.worker_call(token, f"/{worker_id}/heartbeat")
    assert r.status_code == 401 and "expired" in r.json()["error"]["message"]
    await env.registry.sweep()
    assert worker_id not in env.workers()
    assert (await env.register(token, env.rogue.base_url)).status_code == 401

    stale = await env.registry.issue_token("m", expires_at=clock.now - timedelta(seconds=1))
    assert (await env.register(stale, env.rogue.base_url)).status_code == 401


async def test_revoked_through_the_admin_api_at_once(env: Env) -> None:
    admin = {"Authorization": f"Bearer {env.key}"}
    r = await env.client.post(
        "/v1/admin/worker-tokens",
        json={"model": "m", "ttl_s": 3600, "max_label": "SECRET"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    issued = r.json()
    token, token_id = issued["token"], issued["id"]
    assert issued["max_label"] == "SECRET" and issued["expires_at"]
    r = await env.register(token, env.rogue.base_url)
    worker_id = r.json()["worker_id"]
    listed = (await env.client.get("/v1/admin/worker-tokens", headers=admin)).json()["data"]
    assert [t["id"] for t in listed if t["id"] == token_id] == [token_id]
    assert all("token" not in t and "token_hash" not in t for t in listed)

    r = await env.client.delete(f"/v1/admin/worker-tokens/{token_id}", headers=admin)
    assert r.status_code == 200, r.text
    actions = await _admin_actions(env)
    assert ("worker_token.issue", token_id) in actions
    assert ("worker_token.revoke", token_id) in actions
    assert worker_id not in env.workers(), "a revoked token's worker gets no more requests"
    assert (await env.worker_call(token, f"/{worker_id}/heartbeat")).status_code == 401
    assert (await env.register(token, env.rogue.base_url)).status_code == 401
    r = await env.client.delete("/v1/admin/worker-tokens/nope", headers=admin)
    assert r.status_code == 404

    # a worker token is not an admin credential, and an ordinary key cannot issue one
    r = await env.client.post(
        "/v1/admin/worker-tokens", json={"model": "m"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 401


async def test_revoked_by_the_cli_reaches_the_running_gateway(
    env: Env, make_settings: Callable[..., Any]
) -> None:
    token = await env.registry.issue_token("m")
    r = await env.register(token, env.rogue.base_url)
    worker_id = r.json()["worker_id"]
    [row] = await env.registry.list_tokens()
    settings = env.services.settings
    args = [
        "admin",
        "worker-token",
        "revoke",
        row.id,
        "--database-url",
        settings.effective_database_url,
        "--data-dir",
        str(settings.data_dir),
    ]
    # the CLI announces on the bus the gateway listens to (Redis, or the database); the test
    # harness's own LABGATE_TEST_* variables are no settings
    bus: dict[str, str | None] = {k: None for k in os.environ if k.startswith("LABGATE_")}
    if settings.redis_url:
        bus |= {
            "LABGATE_REDIS_URL": settings.redis_url,
            "LABGATE_REDIS_PREFIX": settings.redis_prefix,
        }
    result = await asyncio.to_thread(CliRunner().invoke, cli_app, args, env=bus)
    assert result.exit_code == 0, result.output
    for _ in range(100):  # the revocation bus: Redis at once, the database within a poll
        if worker_id not in env.workers():
            break
        await asyncio.sleep(0.05)
    assert worker_id not in env.workers()
    assert (await env.worker_call(token, f"/{worker_id}/heartbeat")).status_code == 401
    assert ("worker_token.revoke", row.id) in await _admin_actions(env)


async def test_an_admin_issues_and_sees_tokens_only_within_their_clearance(env: Env) -> None:
    await env.registry.issue_token("m", max_label="SECRET")
    async with env.services.sessions.begin() as s:
        await s.execute(update(User).values(clearance="CUI"))
    env.services.auth.invalidate_all()
    admin = {"Authorization": f"Bearer {env.key}"}
    # a token for a SECRET model would let its holder take SECRET work: not from a CUI admin
    r = await env.client.post("/v1/admin/worker-tokens", json={"model": "m"}, headers=admin)
    assert r.status_code == 403, r.text
    r = await env.client.post(
        "/v1/admin/worker-tokens", json={"model": "m", "max_label": "CUI"}, headers=admin
    )
    assert r.status_code == 201, r.text
    listed = (await env.client.get("/v1/admin/worker-tokens", headers=admin)).json()["data"]
    assert [t["max_label"] for t in listed] == ["CUI"]


async def test_a_revocation_on_one_replica_reaches_the_other(
    make_settings: Callable[..., Any],
) -> None:
    worker = await start_fake_worker("m")
    settings = make_settings([{"name": "m", "workers": []}], labels=LABELS)
    one, two = create_app(settings), create_app(settings)
    try:
        async with serve_app(one) as url_one, serve_app(two) as url_two:
            key = one.state.services.bootstrap.admin_key
            async with httpx.AsyncClient(timeout=10) as c:
                r = await c.post(
                    url_one + "/v1/admin/worker-tokens",
                    json={"model": "m", "ttl_s": 600, "max_label": "UNCLASSIFIED"},
                    headers={"Authorization": f"Bearer {key}"},
                )
                assert r.status_code == 201, r.text
                issued = r.json()
                wauth = {"Authorization": f"Bearer {issued['token']}"}
                r = await c.post(
                    url_two + "/internal/workers/register",
                    json={"model": "m", "base_url": worker.base_url},
                    headers=wauth,
                )
                assert r.status_code == 200, r.text
                worker_id = r.json()["worker_id"]
                pool = two.state.services.router.pools["m"]
                assert worker_id in pool.workers

                r = await c.delete(
                    url_one + f"/v1/admin/worker-tokens/{issued['id']}",
                    headers={"Authorization": f"Bearer {key}"},
                )
                assert r.status_code == 200, r.text
                for _ in range(200):  # the bus: Redis at once, the database within a poll
                    if worker_id not in pool.workers:
                        break
                    await asyncio.sleep(0.05)
                assert worker_id not in pool.workers, "the other replica dropped the worker"
                r = await c.post(
                    url_two + f"/internal/workers/{worker_id}/heartbeat", headers=wauth
                )
                assert r.status_code == 401
    finally:
        await worker.stop()
