"""A project with neither a budget nor a per-minute limit (issue 25, seventeenth session): its
requests make no quota admission (there is nothing to check, reserve or settle), and one given
a budget or a limit is held to it from its next request on."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from labgate.store.tenancy import Project
from tests.api.conftest import Gateway

pytestmark = pytest.mark.store
CHAT = {"model": "fake", "messages": [{"role": "user", "content": "q"}], "max_tokens": 10}


async def _set_project(gw: Gateway, **values: object) -> None:
    async with gw.services.sessions.begin() as s:
        await s.execute(update(Project).where(Project.id == "default").values(**values))
    assert gw.services.projects is not None
    gw.services.projects.forget("default")


async def test_only_a_limited_project_makes_a_quota_admission(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    quota = gateway.services.completions.gate.quota
    assert quota is not None
    admitted: list[dict[str, Any]] = []
    real = quota.admit

    async def counting(**kwargs: Any) -> Any:
        admitted.append(kwargs)
        return await real(**kwargs)

    monkeypatch.setattr(quota, "admit", counting)
    async with gateway.client() as c:
        assert (await c.post("/v1/chat/completions", json=CHAT)).status_code == 200
        assert admitted == []  # the default project: no budget, no limit
        await _set_project(gateway, rpm_limit=1)
        assert (await c.post("/v1/chat/completions", json=CHAT)).status_code == 200
        assert len(admitted) == 1
        r = await c.post("/v1/chat/completions", json=CHAT)
        assert r.status_code == 429
        assert r.json()["error"]["code"] == "project_requests_per_minute_exceeded"
        await _set_project(gateway, rpm_limit=None, budget_tokens=0)
        r = await c.post("/v1/chat/completions", json=CHAT)
        assert r.status_code == 429 and r.json()["error"]["code"] == "budget_exhausted"
        await _set_project(gateway, budget_tokens=None)
        assert (await c.post("/v1/chat/completions", json=CHAT)).status_code == 200
    assert len(admitted) == 3


async def test_the_policy_says_whether_it_limits(gateway: Gateway) -> None:
    projects = gateway.services.projects
    assert projects is not None
    policy = await projects.get("default")
    assert policy is not None and not policy.limited
    for values in ({"user_tpm_limit": 5}, {"tpm_limit": 5}, {"user_rpm_limit": 1}):
        await _set_project(gateway, **values)
        policy = await projects.get("default")
        assert policy is not None and policy.limited, values
        await _set_project(gateway, **dict.fromkeys(values))
