"""The admin endpoint's scoping by role, and refusals mapped to 429/503 with Retry-After."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from labgate.api.deps import current_principal
from labgate.api.errors import install_error_handlers
from labgate.identity.principal import Principal, Role
from labgate.scheduler import ClientPath, FairScheduler, QueueFull, QueueTimeout
from labgate.scheduler.routes import admission_error, router
from tests.scheduler.conftest import POOL

CALLER: dict[str, Principal] = {}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    scheduler = FairScheduler(registry=CollectorRegistry())
    scheduler.set_capacity(POOL, 4)
    for lab, project in (("ornl", "fusion"), ("ornl", "climate"), ("anl", "bio")):
        ticket = await scheduler.acquire(POOL, ClientPath(lab, project, "someone"), prompt_tokens=9)
        ticket.release()
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    app.state.services = SimpleNamespace(scheduler=scheduler)

    async def caller() -> Principal:
        return CALLER["principal"]

    app.dependency_overrides[current_principal] = caller
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def as_caller(*roles: Role, lab: str = "ornl", project: str = "fusion") -> None:
    CALLER["principal"] = Principal(
        user_id="u", lab=lab, project=project, roles=frozenset(roles)
    )


def labs_of(body: dict) -> list[str]:  # type: ignore[type-arg]
    return [lab["name"] for lab in body["pools"][POOL]["labs"]]


async def test_platform_admin_sees_every_lab(client: httpx.AsyncClient) -> None:
    as_caller(Role.PLATFORM_ADMIN)
    response = await client.get("/v1/admin/scheduler")
    assert response.status_code == 200
    assert labs_of(response.json()) == ["anl", "ornl"]
    assert response.json()["pools"][POOL]["labs"][0]["usage"] == pytest.approx(9)


async def test_lab_admin_sees_only_their_lab(client: httpx.AsyncClient) -> None:
    as_caller(Role.LAB_ADMIN)
    assert labs_of((await client.get("/v1/admin/scheduler")).json()) == ["ornl"]
    refused = await client.get("/v1/admin/scheduler", params={"lab": "anl"})
    assert refused.status_code == 403
    assert "their own lab" in refused.json()["error"]["message"]


async def test_project_lead_sees_only_their_project(client: httpx.AsyncClient) -> None:
    as_caller(Role.PROJECT_LEAD)
    body = (await client.get("/v1/admin/scheduler")).json()
    projects = body["pools"][POOL]["labs"][0]["projects"]
    assert [p["name"] for p in projects] == ["fusion"]


async def test_plain_user_is_refused(client: httpx.AsyncClient) -> None:
    as_caller(Role.USER)
    response = await client.get("/v1/admin/scheduler")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_role"


def test_refusals_map_to_429_and_503_with_retry_after() -> None:
    full = admission_error(
        QueueFull("queue full; retry", pool=POOL, request_class="batch", retry_after_s=12.4)
    )
    assert (full.status, full.code, full.headers["Retry-After"]) == (429, "queue_full", "12")
    timeout = admission_error(
        QueueTimeout("waited; retry", pool=POOL, request_class="interactive", retry_after_s=0.2)
    )
    assert (timeout.status, timeout.code, timeout.headers["Retry-After"]) == (
        503, "queue_timeout", "1",
    )
    assert timeout.message == "waited; retry"
