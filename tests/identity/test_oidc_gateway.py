"""Lab tokens through the gateway: a real issuer on loopback, the real app, the openai SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import openai
import pytest
from sqlalchemy import select

from labgate.app import create_app
from labgate.identity.keys import utcnow
from labgate.store.tenancy import Project, ProjectMember, User
from tests.identity.issuer import LoopbackIssuer
from tests.support.servers import RunningWorker, serve_app

pytestmark = pytest.mark.store


@pytest.fixture
async def idp() -> AsyncIterator[LoopbackIssuer]:
    async with LoopbackIssuer() as issuer:
        yield issuer


async def _gateway(
    make_settings: Callable[..., Any],
    fake_worker: RunningWorker,
    idp: LoopbackIssuer,
    provisioning: str,
) -> Any:
    settings = make_settings(
        [{"name": "fake", "workers": [fake_worker.base_url]}],
        oidc={
            "issuers": [
                idp.config(
                    "lab-a", provisioning=provisioning, allow_http=True, clearance_claim="clearance"
                )
            ]
        },
    )
    return create_app(settings)


async def test_auto_provisioned_user_needs_a_project(
    make_settings: Callable[..., Any], fake_worker: RunningWorker, idp: LoopbackIssuer
) -> None:
    app = await _gateway(make_settings, fake_worker, idp, "auto")
    async with serve_app(app) as url:
        services = app.state.services
        token = idp.mint(sub="alice-sub", clearance="SECRET")
        chat = {"model": "fake", "messages": [{"role": "user", "content": "hi"}]}
        async with httpx.AsyncClient(base_url=url) as c:
            r = await c.post(
                "/v1/chat/completions", json=chat, headers={"Authorization": f"Bearer {token}"}
            )
            assert r.status_code == 400 and r.json()["error"]["code"] == "project_required"
        async with services.sessions() as s:
            user = (
                await s.execute(select(User).where(User.oidc_subject == "alice-sub"))
            ).scalar_one()
        # nothing the IdP said is kept on the account: clearance comes from each token
        assert user.lab_id == "lab-a" and user.clearance is None and user.roles == []

        # once a member of a project, the same user is charged to it
        async with services.sessions.begin() as s:
            s.add(Project(id="fusion", lab_id="lab-a", name="Fusion", created_at=utcnow()))
            await s.flush()
            s.add(ProjectMember(project_id="fusion", user_id=user.id))
        services.auth.oidc.forget_user(user.id)
        client = openai.AsyncOpenAI(base_url=url + "/v1", api_key=token, max_retries=0)
        reply = await client.chat.completions.create(model="fake", messages=chat["messages"])
        assert reply.choices[0].message.content
        await services.usage.flush()
        from labgate.store.tenancy import UsageEvent

        async with services.sessions() as s:
            charged = (await s.execute(select(UsageEvent.project_id, UsageEvent.user_id))).all()
        assert charged == [("fusion", user.id)]
        with pytest.raises(openai.PermissionDeniedError):
            await client.chat.completions.create(
                model="fake",
                messages=chat["messages"],
                extra_headers={"X-Labgate-Project": "someone-elses"},
            )


async def test_project_header_must_name_a_membership(
    make_settings: Callable[..., Any], fake_worker: RunningWorker, idp: LoopbackIssuer
) -> None:
    app = await _gateway(make_settings, fake_worker, idp, "auto")
    async with serve_app(app) as url:
        token = idp.mint(sub="bob-sub")
        async with httpx.AsyncClient(base_url=url) as c:
            r = await c.post(
                "/v1/chat/completions",
                json={"model": "fake", "messages": [{"role": "user", "content": "x"}]},
                headers={"Authorization": f"Bearer {token}", "X-Labgate-Project": "default"},
            )
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_a_member"


async def test_deny_provisioning_and_bad_tokens(
    make_settings: Callable[..., Any], fake_worker: RunningWorker, idp: LoopbackIssuer
) -> None:
    app = await _gateway(make_settings, fake_worker, idp, "deny")
    async with serve_app(app) as url:
        async with httpx.AsyncClient(base_url=url) as c:

            async def call(token: str) -> httpx.Response:
                return await c.get("/v1/models", headers={"Authorization": f"Bearer {token}"})

            r = await call(idp.mint(sub="carol"))
            assert r.status_code == 403 and r.json()["error"]["code"] == "not_provisioned"
            cases = {
                "expired": idp.mint(lifetime_s=-120),
                "audience": idp.mint(aud="someone-else"),
                "signature": idp.forge(),
                "algorithm": idp.mint_unsigned(),
            }
            for check, token in cases.items():
                r = await call(token)
                assert r.status_code == 401, (check, r.text)
                err = r.json()["error"]
                assert err["code"] == check, (check, err)
                assert "BEGIN" not in err["message"] and token not in err["message"]
