"""Web sign-in sessions live in the database every replica shares (PostgreSQL in the store
pass): a session made on one replica works on another and after a restart; signing out on one
ends it on the other; an expired one, or one of a disabled account, is refused; and the
database holds neither the cookie's value nor the ID token in a form that can be replayed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text, update

from labgate.app import create_app
from labgate.store.models import metadata
from labgate.store.tenancy import User
from labgate.web.sessions import WebSessionRow, WebSigninRow, digest
from tests.identity.issuer import LoopbackIssuer
from tests.support.servers import RunningWorker, free_port, serve_app

pytestmark = pytest.mark.store


@pytest.fixture
async def idp() -> AsyncIterator[LoopbackIssuer]:
    async with LoopbackIssuer() as issuer:
        yield issuer


@pytest.fixture
def port() -> int:
    """Replica A's port, and the address of "the load balancer": both replicas' ``public_url``,
    as in a deployment, so the redirect URI the identity provider checks is the same on both."""
    return free_port()


@pytest.fixture
def settings_for(
    make_settings: Callable[..., Any], fake_worker: RunningWorker, idp: LoopbackIssuer, port: int
) -> Callable[[], Any]:
    def make() -> Any:
        return make_settings(
            [{"name": "fake", "workers": [fake_worker.base_url]}],
            oidc={"issuers": [idp.config("default", provisioning="auto", allow_http=True)]},
            public_url=f"http://127.0.0.1:{port}",
        )

    return make


async def _sign_in(start: str, finish: str) -> str:
    """The code flow started on replica ``start`` and completed on replica ``finish`` (a load
    balancer may send the callback to either): the session cookie's value."""
    async with httpx.AsyncClient(follow_redirects=False) as c:
        go = await c.get(start + "/web/signin/0")
        assert go.status_code == 302, go.text
        back = await c.get(go.headers["location"])  # the issuer signs alice in at once
        callback = httpx.URL(back.headers["location"])
        done = await c.get(finish + "/web/callback", params=dict(callback.params))
        assert done.status_code == 303, done.text
        sid = done.cookies.get("labgate_session")
        assert sid
    return str(sid)


async def _me(url: str, sid: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, cookies={"labgate_session": sid}) as c:
        r = await c.get("/web/session")
        assert r.status_code == 200, r.text
        return dict(r.json())


async def _rows(app: Any) -> list[WebSessionRow]:
    async with app.state.services.sessions() as db:
        return list((await db.execute(select(WebSessionRow))).scalars().all())


async def test_a_session_made_on_one_replica_works_on_another_and_ends_there(
    settings_for: Callable[[], Any], port: int
) -> None:
    one, two = create_app(settings_for()), create_app(settings_for())
    async with serve_app(one, port) as a, serve_app(two) as b:
        sid = await _sign_in(a, b)  # started on A, called back on B
        on_a, on_b = await _me(a, sid), await _me(b, sid)
        assert on_a["signed_in"] and on_b["signed_in"]
        assert on_a["name"] == on_b["name"] == "Alice Liddell"
        assert on_a["csrf_token"] == on_b["csrf_token"]
        cookies = {"labgate_session": sid}
        async with httpx.AsyncClient(cookies=cookies) as c:
            # the CSRF token B gave is the one A checks
            bad = await c.post(a + "/web/signout")
            assert bad.status_code == 403 and bad.json()["error"]["code"] == "csrf_failed"
            out = await c.post(a + "/web/signout", headers={"X-CSRF-Token": on_b["csrf_token"]})
            assert out.status_code == 204
            assert (await c.get(b + "/web/session")).json() == {"signed_in": False}
            assert (await c.get(b + "/v1/models")).status_code == 401
        assert await _rows(two) == []


async def test_a_session_survives_a_restart(settings_for: Callable[[], Any], port: int) -> None:
    first = create_app(settings_for())
    async with serve_app(first, port) as url:
        sid = await _sign_in(url, url)
        assert (await _me(url, sid))["signed_in"]
    again = create_app(settings_for())  # the same database, a new process's worth of state
    async with serve_app(again, port) as url:
        me = await _me(url, sid)
        assert me["signed_in"] and me["name"] == "Alice Liddell"


async def test_an_expired_session_is_refused_and_deleted(
    settings_for: Callable[[], Any], port: int
) -> None:
    app = create_app(settings_for())
    async with serve_app(app, port) as url:
        sid = await _sign_in(url, url)
        assert (await _me(url, sid))["signed_in"]
        async with app.state.services.sessions() as db:
            await db.execute(
                update(WebSessionRow).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
            await db.commit()
        assert await _me(url, sid) == {"signed_in": False}
        async with httpx.AsyncClient(base_url=url, cookies={"labgate_session": sid}) as c:
            assert (await c.get("/v1/models")).status_code == 401
        assert await _rows(app) == []


async def test_a_disabled_account_is_signed_out_on_every_replica(
    settings_for: Callable[[], Any], port: int
) -> None:
    one, two = create_app(settings_for()), create_app(settings_for())
    async with serve_app(one, port) as a, serve_app(two) as b:
        sid = await _sign_in(a, a)
        other = await _sign_in(b, b)  # a second browser of hers
        assert (await _me(b, sid))["signed_in"]
        async with one.state.services.sessions() as db:
            alice = (
                await db.execute(select(User.id).where(User.oidc_subject == "alice-sub"))
            ).scalar_one()
        admin = {"Authorization": f"Bearer {one.state.services.bootstrap.admin_key}"}
        async with httpx.AsyncClient(headers=admin) as c:
            r = await c.patch(f"{a}/v1/admin/users/{alice}", json={"disabled": True})
            assert r.status_code == 200, r.text
        # B refuses at once: no cache to wait for, its one row is read with the account's flag
        assert await _me(b, sid) == {"signed_in": False}
        assert await _rows(two) == []  # every session of hers, the other browser's too
        assert await _me(a, other) == {"signed_in": False}


async def test_the_database_holds_no_cookie_value_and_no_usable_token(
    settings_for: Callable[[], Any], port: int
) -> None:
    """A copy of the database (a backup, a read-only account) gives nothing to sign in with:
    the session id is stored as its SHA-256 and the ID token sealed under a key derived from
    the id; the CSRF token is not stored."""
    app = create_app(settings_for())
    async with serve_app(app, port) as url:
        async with httpx.AsyncClient(follow_redirects=False) as c:
            go = await c.get(url + "/web/signin/0")
            state = httpx.URL(go.headers["location"]).params["state"]
            signin_cookie = go.cookies.get("labgate_signin")
            async with app.state.services.sessions() as db:
                pending = (await db.execute(select(WebSigninRow))).scalars().all()
            assert [p.state_hash for p in pending] == [digest(state)]
            assert state.encode() not in pending[0].sealed
            assert b"code_verifier" not in pending[0].sealed  # sealed, not plain JSON
            back = await c.get(go.headers["location"])
            done = await c.get(back.headers["location"])
            sid = done.cookies["labgate_session"]
        me = await _me(url, sid)
        secrets_ = [sid, me["csrf_token"], signin_cookie, state]
        (row,) = await _rows(app)
        assert row.id_hash == digest(sid)
        dumped = b""
        async with app.state.services.sessions() as db:
            for table in metadata.sorted_tables:
                for values in (await db.execute(select(table))).all():
                    dumped += repr(tuple(values)).encode() + b"\n"
        for secret in secrets_:
            assert secret and secret.encode() not in dumped, secret
        assert b"eyJ" not in row.token_sealed  # no JWT (base64 of '{"') in the sealed token
        # the stored name, presented as a cookie, is no session
        assert await _me(url, row.id_hash) == {"signed_in": False}
        assert (await _me(url, sid))["signed_in"]


async def test_sessions_that_cannot_be_read_are_a_503_not_a_500(
    settings_for: Callable[[], Any], port: int
) -> None:
    app = create_app(settings_for())
    async with serve_app(app, port) as url:
        sid = await _sign_in(url, url)
        async with app.state.services.sessions() as db:
            await db.execute(text("DROP TABLE web_sessions"))
            await db.commit()
        async with httpx.AsyncClient(base_url=url, cookies={"labgate_session": sid}) as c:
            r = await c.get("/v1/models")
            assert r.status_code == 503
            assert r.json()["error"]["code"] == "sessions_unavailable"
            # the pages' scripts need no session: served without reading one
            assert (await c.get("/web/static/common.js")).status_code == 200
            # without the cookie nothing reads the sessions: a key works as before
            key = app.state.services.bootstrap.admin_key
            c.cookies.clear()
            ok = await c.get("/v1/models", headers={"Authorization": f"Bearer {key}"})
            assert ok.status_code == 200
