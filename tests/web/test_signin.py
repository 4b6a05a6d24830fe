"""Sign-in to the pages with the lab's identity provider (OIDC code flow with PKCE) against a
real test issuer, the session cookie's attributes, CSRF on changes, and names as people read
them; API keys still work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from labgate.app import create_app
from labgate.store.tenancy import User
from tests.conftest import REPO
from tests.identity.issuer import LoopbackIssuer
from tests.support.servers import RunningWorker, serve_app

pytestmark = pytest.mark.store


@pytest.fixture
async def idp() -> AsyncIterator[LoopbackIssuer]:
    async with LoopbackIssuer() as issuer:
        yield issuer


@pytest.fixture
async def signin_gateway(
    make_settings: Callable[..., Any], fake_worker: RunningWorker, idp: LoopbackIssuer
) -> AsyncIterator[tuple[str, Any]]:
    settings = make_settings(
        [{"name": "fake", "workers": [fake_worker.base_url]}],
        oidc={"issuers": [idp.config("default", provisioning="auto", allow_http=True)]},
    )
    app = create_app(settings)
    async with serve_app(app) as url:
        yield url, app


async def _add_to_project(url: str, app: Any, subject: str) -> None:
    services = app.state.services
    async with services.sessions() as s:
        user = (await s.execute(select(User).where(User.oidc_subject == subject))).scalar_one()
    headers = {"Authorization": f"Bearer {services.bootstrap.admin_key}"}
    async with httpx.AsyncClient(base_url=url, headers=headers) as admin:
        r = await admin.post("/v1/admin/projects/default/members", json={"user_id": user.id})
        assert r.status_code in (200, 201), r.text
    services.auth.oidc.forget_user(user.id)


async def test_the_code_flow_with_pkce_starts_a_session_checked_for_csrf(
    signin_gateway: tuple[str, Any], idp: LoopbackIssuer
) -> None:
    url, app = signin_gateway
    async with httpx.AsyncClient(base_url=url, follow_redirects=False) as c:
        options = (await c.get("/web/signin")).json()["data"]
        assert options == [{"lab": "default", "issuer": idp.issuer, "url": "/web/signin/0"}]
        go = await c.get("/web/signin/0")
        assert go.status_code == 302
        target = httpx.URL(go.headers["location"])
        assert target.path == "/authorize"
        q = dict(target.params)
        assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
        assert q["client_id"] == "labgate" and q["redirect_uri"] == url + "/web/callback"
        back = await c.get(str(target))  # the issuer signs alice in and sends her back
        assert back.status_code == 302
        done = await c.get(back.headers["location"])
        assert done.status_code == 303 and done.headers["location"] == "/"
        cookie = done.headers["set-cookie"]
        assert "labgate_session=" in cookie and "HttpOnly" in cookie
        assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
        assert "Secure" not in cookie  # plain HTTP here; set over TLS
        # the verifier went to the token endpoint, and the code cannot be used again
        assert idp.token_requests[-1]["code_verifier"]
        again = await c.get(back.headers["location"])
        assert again.status_code == 400 and again.json()["error"]["code"] == "invalid_state"

        me = (await c.get("/web/session")).json()
        assert me["signed_in"] and me["name"] == "Alice Liddell" and me["lab"] == "Default lab"
        await _add_to_project(url, app, "alice-sub")
        # the API with the cookie: a GET needs nothing more
        assert (await c.get("/v1/models")).status_code == 200
        chat = {"model": "fake", "messages": [{"role": "user", "content": "hi"}]}
        # a change without the CSRF token is refused, with it answered
        r = await c.post("/v1/chat/completions", json=chat)
        assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
        csrf = {"X-CSRF-Token": me["csrf_token"]}
        r = await c.post(
            "/v1/chat/completions", json=chat, headers={**csrf, "Origin": "http://evil.test"}
        )
        assert r.status_code == 403
        r = await c.post("/v1/chat/completions", json=chat, headers=csrf)
        assert r.status_code == 200, r.text
        # signed out: the cookie is nothing any more
        assert (await c.post("/web/signout", headers=csrf)).status_code == 204
        assert (await c.get("/web/session")).json() == {"signed_in": False}


async def test_a_forged_or_unknown_callback_starts_no_session(
    signin_gateway: tuple[str, Any],
) -> None:
    url, _ = signin_gateway
    async with httpx.AsyncClient(base_url=url) as c:
        r = await c.get("/web/callback", params={"code": "x", "state": "made-up"})
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_state"
        assert "set-cookie" not in r.headers
        c.cookies.set("labgate_session", "guessed")
        assert (await c.get("/v1/models")).status_code == 401
        assert (await c.get("/web/signin/7")).status_code == 404


@pytest.mark.browser
async def test_sign_in_in_the_browser_and_chat(
    signin_gateway: tuple[str, Any], idp: LoopbackIssuer, page: Any
) -> None:
    from playwright.async_api import expect

    url, app = signin_gateway
    # alice exists and is in a project before she signs in from the page
    async with httpx.AsyncClient(base_url=url) as c:
        await c.get(
            "/v1/models", headers={"Authorization": f"Bearer {idp.mint(**idp.login_claims)}"}
        )
    await _add_to_project(url, app, "alice-sub")
    await page.goto(url + "/")
    await page.get_by_role("link", name="Sign in with default").click()
    await expect(page.locator("#signed-in-as")).to_have_text(
        "Signed in as Alice Liddell (Default lab)"
    )
    assert await page.evaluate("document.cookie") == ""  # HttpOnly: no script reads it
    await expect(page.get_by_label("Model", exact=True)).to_have_value("fake")
    await page.get_by_label("Message", exact=True).fill("hello")
    await page.get_by_label("Message", exact=True).press("Enter")
    await expect(page.locator(".message.assistant .text")).to_have_text(
        "Paris is the capital of France."
    )
    await expect(page.locator("#history-list li")).to_have_count(1)
    await page.screenshot(path=str(REPO / ".data" / "web-signed-in.png"))
