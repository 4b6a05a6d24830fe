"""The admin HTTP API end to end: the real gateway on loopback, a fake worker behind it.

The bootstrap administrator creates a lab, its admin and a project; that lab admin creates a
user, a project and a key; the key works on /v1/chat/completions and its request is charged
to its project; revoking it refuses the key at once. Errors come in the OpenAI shape.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from labgate.app import Services, create_app
from labgate.store.tenancy import UsageEvent
from labgate.tenancy import TenancyService, operator_principal
from tests.api.conftest import Gateway
from tests.support.servers import RunningWorker, serve_app
from tests.tenancy.conftest import Recorder

pytestmark = pytest.mark.store

CHAT = {"model": "fake", "messages": [{"role": "user", "content": "capital of France?"}]}


@dataclass
class AdminGateway:
    url: str
    root_key: str
    services: Services
    recorder: Recorder

    def client(self, key: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.url, headers={"Authorization": f"Bearer {key}"}, timeout=30
        )

    async def approve(self, action_id: str) -> None:
        """The second platform administrator: the operator at the server (``labgate admin
        approvals approve``) approving what the bootstrap admin asked for over the API."""
        service: TenancyService = self.services.extras["tenancy"]
        await service.approve(operator_principal("second"), action_id)


@pytest.fixture
async def admin_gateway(
    make_settings: Callable[..., Any], fake_worker: RunningWorker
) -> AsyncIterator[AdminGateway]:
    recorder = Recorder()

    async def wire_tenancy(services: Services) -> None:
        services.extras["tenancy"] = TenancyService(
            services.sessions,
            auth=services.auth,
            on_admin_action=recorder.on_admin_action,
            on_key_revoked=recorder.on_key_revoked,
        )

    settings = make_settings([{"name": "fake", "workers": [fake_worker.base_url]}])
    app = create_app(settings, on_startup=[wire_tenancy])
    async with serve_app(app) as url:
        services: Services = app.state.services
        assert services.bootstrap is not None and services.bootstrap.admin_key
        yield AdminGateway(url, services.bootstrap.admin_key, services, recorder)


async def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_lab_admin_sets_up_a_project_whose_key_is_charged_and_revoked(
    admin_gateway: AdminGateway,
) -> None:
    gw = admin_gateway
    async with gw.client(gw.root_key) as root:
        await _ok(await root.post("/v1/admin/labs", json={"id": "ornl", "name": "Oak Ridge"}), 201)
        olga = await _ok(
            await root.post(
                "/v1/admin/users",
                json={"lab_id": "ornl", "username": "olga", "roles": ["user", "lab_admin"]},
            ),
            201,
        )
        await _ok(
            await root.post(
                "/v1/admin/projects",
                json={"id": "OPS", "lab_id": "ornl", "lead_user_id": olga["id"]},
            ),
            201,
        )
        # a key for someone else is a request (202) that a second platform admin approves:
        # here the operator at the server (issue 28; it used to be a working key at once)
        olga_key = await _ok(
            await root.post("/v1/admin/keys", json={"user_id": olga["id"], "project_id": "OPS"}),
            202,
        )
        await gw.approve(olga_key["pending_action"]["id"])

    async with gw.client(olga_key["key"]) as admin:
        me = await _ok(await admin.get("/v1/admin/whoami"))
        assert me["roles"] == ["lab_admin", "project_lead", "user"]
        alice = await _ok(
            await admin.post("/v1/admin/users", json={"lab_id": "ornl", "username": "alice"}), 201
        )
        project = await _ok(
            await admin.post(
                "/v1/admin/projects",
                json={"id": "CHM1", "lab_id": "ornl", "budget_tokens": 100000},
            ),
            201,
        )
        assert project["budget_period"] == "month"
        member = await _ok(
            await admin.post("/v1/admin/projects/CHM1/members", json={"user_id": "ornl/alice"}),
            201,
        )
        assert member["role"] == "member"
        limits = await _ok(
            await admin.patch("/v1/admin/projects/CHM1/limits", json={"user_rpm_limit": 60})
        )
        assert limits["user_rpm_limit"] == 60
        # the lab admin no longer mints alice's key (issue 28: a key belongs to its holder)
        refused = await admin.post(
            "/v1/admin/keys",
            json={"user_id": alice["id"], "project_id": "CHM1", "name": "notebook"},
        )
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "key_for_other"
    async with gw.client(gw.root_key) as root:
        alice_key = await _ok(
            await root.post(
                "/v1/admin/keys",
                json={"user_id": alice["id"], "project_id": "CHM1", "name": "notebook"},
            ),
            202,
        )
        assert alice_key["key"].startswith("lg-") and alice_key["project_id"] == "CHM1"
    await gw.approve(alice_key["pending_action"]["id"])

    async with gw.client(alice_key["key"]) as client:
        answer = await _ok(await client.post("/v1/chat/completions", json=CHAT))
        request_id = answer["id"]
    await gw.services.usage.flush()
    async with gw.services.sessions() as s:
        rows = (await s.execute(select(UsageEvent))).scalars().all()
    charged = [r for r in rows if r.user_id == alice["id"]]
    assert len(charged) == 1
    assert (charged[0].project_id, charged[0].lab_id, charged[0].model) == ("CHM1", "ornl", "fake")
    assert charged[0].prompt_tokens == answer["usage"]["prompt_tokens"]
    assert request_id  # the response carried an id; the usage row is this request's

    async with gw.client(olga_key["key"]) as admin:
        report = await _ok(await admin.get("/v1/admin/usage", params={"group_by": "project"}))
        assert [(r["project"], r["requests"]) for r in report["rows"]] == [("CHM1", 1)]
        assert report["totals"]["prompt_tokens"] == charged[0].prompt_tokens
        as_csv = await admin.get("/v1/admin/usage", params={"group_by": "user", "format": "csv"})
        assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
        lines = list(csv.reader(io.StringIO(as_csv.text)))
        assert lines[0][:3] == ["user", "name", "requests"]
        assert lines[1][:3] == [alice["id"], "ornl/alice", "1"]
        assert lines[-1][0] == "(total)"

        listed = await _ok(await admin.get("/v1/admin/keys", params={"project": "CHM1"}))
        assert [k["id"] for k in listed["data"]] == [alice_key["id"]]
        assert "key" not in listed["data"][0] and "key_hash" not in listed["data"][0]

        revoked = await _ok(await admin.delete(f"/v1/admin/keys/{alice_key['id']}"))
        assert revoked["revoked"] is True and revoked["status"] == "revoked"

    async with gw.client(alice_key["key"]) as client:
        refused = await client.post("/v1/chat/completions", json=CHAT)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "revoked_api_key"

    actions = [a["action"] for a in gw.recorder.actions]
    assert actions == [
        "lab.create", "user.create", "project.create",
        "pending.request", "pending.approve", "key.create",
        "user.create", "project.create", "member.add", "project.set_limits",
        "pending.request", "pending.approve", "key.create",
        "key.revoke",
    ]  # fmt: skip
    revoke = gw.recorder.last("key.revoke")
    assert revoke["actor"]["user_id"] == olga["id"]
    assert revoke["actor"]["key_id"] == olga_key["id"]
    assert gw.recorder.revoked == [alice_key["id"]]


async def test_refusals_come_in_the_openai_shape(admin_gateway: AdminGateway) -> None:
    gw = admin_gateway
    async with gw.client(gw.root_key) as root:
        await _ok(await root.post("/v1/admin/labs", json={"id": "anl"}), 201)
        dup = await root.post("/v1/admin/labs", json={"id": "anl"})
        assert dup.status_code == 409
        assert dup.json()["error"] == {
            "message": "lab 'anl' exists already",
            "type": "conflict_error",
            "param": None,
            "code": "lab_exists",
        }
        missing = await root.get("/v1/admin/projects/NOPE")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "project_not_found"
        bad = await root.post("/v1/admin/labs", json={"id": "no spaces allowed"})
        assert bad.status_code == 400 and bad.json()["error"]["param"] == "id"
        bad_time = await root.get("/v1/admin/usage", params={"since": "yesterday-ish"})
        assert bad_time.status_code == 400
        assert "cannot read the time" in bad_time.json()["error"]["message"]
        carol = await _ok(
            await root.post("/v1/admin/users", json={"lab_id": "anl", "username": "carol"}), 201
        )
        await _ok(await root.post("/v1/admin/projects", json={"id": "P1", "lab_id": "anl"}), 201)
        await _ok(
            await root.post("/v1/admin/projects/P1/members", json={"user_id": carol["id"]}), 201
        )
        carol_key = await _ok(
            await root.post("/v1/admin/keys", json={"user_id": carol["id"], "project_id": "P1"}),
            202,
        )
        await gw.approve(carol_key["pending_action"]["id"])
        # the legacy shape still works: no body fields, the caller's own key in their project
        own = await _ok(await root.post("/v1/admin/keys", json={}), 201)
        assert own["project_id"] == "default"

    async with gw.client(carol_key["key"]) as carol_client:
        refused = await carol_client.post("/v1/admin/labs", json={"id": "x"})
        assert refused.status_code == 403
        assert refused.json()["error"]["type"] == "permission_error"
        assert refused.json()["error"]["code"] == "platform_admin_only"
        # a user manages their own keys
        mine = await _ok(await carol_client.post("/v1/admin/keys", json={"name": "second"}), 201)
        assert mine["project_id"] == "P1"
        listed = await _ok(await carol_client.get("/v1/admin/keys"))
        assert {k["id"] for k in listed["data"]} == {carol_key["id"], mine["id"]}
        workers = await carol_client.get("/v1/admin/workers")
        assert workers.status_code == 403


@pytest.mark.parametrize(
    ("body", "headers", "code", "says"),
    [
        # curl -d without -H: a form, whose JSON-looking text FastAPI never reads as JSON
        (
            b'{"id": "anl"}',
            {"Content-Type": "application/x-www-form-urlencoded"},
            "invalid_type",
            "is not a JSON object",
        ),
        (b"[1, 2]", {"Content-Type": "application/json"}, "invalid_type", "is not a JSON object"),
        (b'{"id": ', {"Content-Type": "application/json"}, "invalid_json", "is not valid JSON"),
        (b"", {}, "invalid_json", "is empty"),
    ],
)
async def test_a_body_that_is_not_a_json_object_is_told_what_to_send(
    admin_gateway: AdminGateway, body: bytes, headers: dict[str, str], code: str, says: str
) -> None:
    """Pydantic's own words ("Input should be a valid dictionary…", "6: JSON decode error"
    with the character position as the parameter) told an administrator nothing."""
    gw = admin_gateway
    async with gw.client(gw.root_key) as root:
        r = await root.post("/v1/admin/labs", content=body, headers=headers)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == code and error["param"] is None
    assert says in error["message"] and "Content-Type: application/json" in error["message"]


async def test_an_unwired_app_still_revokes_at_once(gateway: Gateway) -> None:
    """Without the integrator's wiring the routes build a service of their own, which still
    drops a revoked key from the authenticator's cache on this replica."""
    async with gateway.client() as root:
        made = await _ok(await root.post("/v1/admin/keys", json={"name": "temp"}), 201)
    async with gateway.client(made["key"]) as client:
        await _ok(await client.post("/v1/chat/completions", json=CHAT))  # now cached
        async with gateway.client() as root:
            await _ok(await root.delete(f"/v1/admin/keys/{made['id']}"))
        refused = await client.post("/v1/chat/completions", json=CHAT)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "revoked_api_key"
