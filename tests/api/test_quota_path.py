"""Budgets, rate limits and allowed models on the request path of a running gateway."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update

from labgate.store.tenancy import Project
from tests.api.conftest import Gateway

pytestmark = pytest.mark.store
CHAT = {"model": "fake", "messages": [{"role": "user", "content": "q"}], "max_tokens": 10}


async def set_project(gw: Gateway, **values: object) -> None:
    async with gw.services.sessions.begin() as s:
        await s.execute(update(Project).where(Project.id == "default").values(**values))
    assert gw.services.projects is not None
    gw.services.projects.forget("default")


async def test_budget_is_reserved_settled_and_exhausted(gateway: Gateway) -> None:
    # Each request reserves its worst case: a bound on the prompt ("user: q" is 7 bytes, + 16
    # per message + 16) and max_tokens 10, so 49 tokens; it settles the fake worker's real
    # usage (7 prompt + 6 completion = 13). With 100: 0+49, 13+49, 26+49, 39+49 fit; 52+49 not.
    await set_project(gateway, budget_tokens=100, budget_period="month")
    async with gateway.client() as c:
        statuses = [(await c.post("/v1/chat/completions", json=CHAT)).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 200]  # 4 x 13 = 52 used
        r = await c.post("/v1/chat/completions", json=CHAT)
    assert r.status_code == 429
    err = r.json()["error"]
    assert err["code"] == "budget_exhausted"
    from labgate.quota import budget_period

    period = budget_period("month").key  # e.g. 2026-11
    assert "project 'default'" in err["message"] and f"period {period}" in err["message"]
    assert int(r.headers["Retry-After"]) >= 1
    assert gateway.worker.worker.requests == 4  # the refused request never reached a worker
    quota = gateway.services.quota
    assert quota is not None
    from labgate.quota import units_to_tokens

    usage = await quota.budgets.usage("default", budget_period("month"))
    assert units_to_tokens(usage.used) == 52 and usage.reserved == 0


async def test_failed_request_releases_its_reservation(gateway: Gateway) -> None:
    await set_project(gateway, budget_tokens=1000)
    async with gateway.client() as c:
        r = await c.post("/v1/chat/completions", json={**CHAT, "fake": "fail"})
    assert r.status_code == 503
    quota = gateway.services.quota
    assert quota is not None
    from labgate.quota import budget_period

    usage = await quota.budgets.usage("default", budget_period("month"))
    assert usage.used == 0 and usage.reserved == 0


async def test_requests_per_minute(gateway: Gateway) -> None:
    await set_project(gateway, user_rpm_limit=2)
    async with gateway.client() as c:
        codes = [(await c.post("/v1/chat/completions", json=CHAT)).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        r = await c.post("/v1/chat/completions", json=CHAT)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert "minute" in r.json()["error"]["message"]


async def test_model_not_allowed_for_project(gateway: Gateway) -> None:
    """A model the project does not allow is not listed, and answers as a missing one."""
    await set_project(gateway, allowed_models=["something-else"])
    async with gateway.client() as c:
        r = await c.post("/v1/chat/completions", json=CHAT)
        missing = await c.post("/v1/chat/completions", json={**CHAT, "model": "no-such"})
        assert (await c.get("/v1/models")).json()["data"] == []
    assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found"
    assert r.json()["error"]["message"] == missing.json()["error"]["message"].replace(
        "no-such", CHAT["model"]
    )


async def test_revoked_key_is_refused_at_once(gateway: Gateway) -> None:
    async with gateway.client() as admin:
        r = await admin.post("/v1/admin/keys", json={"name": "temp"})
        assert r.status_code == 201
        created = r.json()
    async with httpx.AsyncClient(
        base_url=gateway.url, headers={"Authorization": f"Bearer {created['key']}"}
    ) as c:
        assert (await c.get("/v1/models")).status_code == 200
        async with gateway.client() as admin:
            assert (await admin.delete(f"/v1/admin/keys/{created['id']}")).status_code == 200
        r = await c.get("/v1/models")
    assert r.status_code == 401 and r.json()["error"]["code"] == "revoked_api_key"


async def test_large_limits_fit_and_out_of_range_ones_are_400(gateway: Gateway) -> None:
    """Regression: a tokens-per-minute limit above 2**31 once broke PostgreSQL's int column."""
    async with gateway.client() as c:
        r = await c.patch(
            "/v1/admin/projects/default/limits",
            json={"tpm_limit": 10**10, "user_tpm_limit": 10**10},
        )
        assert r.status_code == 200, r.text
        assert r.json()["tpm_limit"] == 10**10
        r = await c.put("/v1/admin/projects/default/allocation", json={"budget_tokens": 10**13})
        assert r.status_code == 400 and r.json()["error"]["param"]
        r = await c.patch("/v1/admin/projects/default/limits", json={"rpm_limit": 10**13})
        assert r.status_code == 400
