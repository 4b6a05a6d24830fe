"""A key minted with a lab token carries no more than the token gave.

Found as an insider: on an issuer that decides clearances (``clearance_claim``), a user whose
IdP now says CUI, but whose account holds SECRET in labgate (granted there by two platform
administrators, or before the issuer sent clearances), signed in and minted an API key: the
key carried the account's SECRET, so the IdP's lowering was undone for as long as the key
lived. The key now keeps a cap of the token's roles and clearance (``docs/security.md``,
"Credentials" rule 3), applied on every path by ``labgate.identity.resolve``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from labgate.app import create_app
from labgate.identity.keys import utcnow
from labgate.store.tenancy import ApiKey, Project, ProjectMember, User
from tests.identity.issuer import LoopbackIssuer
from tests.support.servers import RunningWorker, serve_app

pytestmark = pytest.mark.store

LABELS = {
    "levels": ["UNCLASSIFIED", "CUI", "SECRET"],
    "default_request_label": "UNCLASSIFIED",
    "range": {"min": "UNCLASSIFIED", "max": "SECRET"},
    "models": {"fake": "SECRET"},
}
CHAT = {"model": "fake", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
async def idp() -> AsyncIterator[LoopbackIssuer]:
    async with LoopbackIssuer() as issuer:
        yield issuer


async def test_a_key_minted_with_a_token_carries_the_tokens_clearance(
    make_settings: Callable[..., Any], fake_worker: RunningWorker, idp: LoopbackIssuer
) -> None:
    settings = make_settings(
        [{"name": "fake", "workers": [fake_worker.base_url]}],
        labels=LABELS,
        oidc={
            "issuers": [
                idp.config("lab-a", provisioning="auto", allow_http=True, clearance_claim="clr")
            ]
        },
    )
    app = create_app(settings)
    async with serve_app(app) as url, httpx.AsyncClient(base_url=url) as c:
        services = app.state.services
        secret = {"Authorization": f"Bearer {idp.mint(sub='alice-sub', clr='SECRET')}"}
        assert (await c.post("/v1/chat/completions", json=CHAT, headers=secret)).status_code == 400
        async with services.sessions.begin() as s:
            user = (
                await s.execute(select(User).where(User.oidc_subject == "alice-sub"))
            ).scalar_one()
            s.add(Project(id="fusion", lab_id="lab-a", name="Fusion", created_at=utcnow()))
            await s.flush()
            s.add(ProjectMember(project_id="fusion", user_id=user.id))
            # what labgate itself granted the account
            await s.execute(update(User).where(User.id == user.id).values(clearance="SECRET"))
        services.auth.oidc.forget_user(user.id)
        # the IdP now says CUI: the token reaches nothing above it
        cui = {"Authorization": f"Bearer {idp.mint(sub='alice-sub', clr='CUI')}"}
        r = await c.post("/v1/chat/completions", json=CHAT, headers=cui)
        assert r.status_code == 404, r.text
        made = await c.post("/v1/admin/keys", json={"name": "from the web"}, headers=cui)
        assert made.status_code == 201, made.text
        key = {"Authorization": f"Bearer {made.json()['key']}"}
        r = await c.post("/v1/chat/completions", json=CHAT, headers=key)
        assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found", r.text
        async with services.sessions() as s:
            row = (await s.execute(select(ApiKey).where(ApiKey.user_id == user.id))).scalar_one()
        assert row.cap == {"roles": ["user"], "clearance": "CUI"}
        # a key minted while the IdP says SECRET reaches the SECRET model
        made = await c.post("/v1/admin/keys", json={"name": "later"}, headers=secret)
        key = {"Authorization": f"Bearer {made.json()['key']}"}
        assert (await c.post("/v1/chat/completions", json=CHAT, headers=key)).status_code == 200
