"""Sign-in to the pages with the lab's identity provider: OpenID Connect, authorization code
with PKCE (S256), for each issuer in ``[[oidc.issuers]]``; API keys still work as before.

* ``GET  /web/signin``             the issuers one can sign in with (JSON, for the page)
* ``GET  /web/signin/{n}``         off to issuer ``n``'s authorization endpoint (302), with a
  fresh ``state``, ``nonce`` and PKCE verifier kept here for ten minutes, used once
* ``GET  /web/callback``           back from the issuer: the code is exchanged (with the
  verifier) for an ID token, which is verified as any bearer token is (signature, issuer,
  audience, times, the account's admission) and must carry the ``nonce``; a session starts
* ``GET  /web/session``            who is signed in: their name and lab as people read them,
  and the session's CSRF token
* ``POST /web/signout``            ends the session

The session is a random id in a cookie ``labgate_session``: HttpOnly, SameSite=Lax, Path=/,
Secure when the page was reached over TLS. The ID token stays on the server. For a request
that carries the cookie and no ``Authorization`` header, :class:`SessionAuth` (middleware)
authenticates it with the session's token, so every route (the API included) sees the same
principal as for the bearer token; a state-changing request (not GET/HEAD/OPTIONS) must also
carry the session's CSRF token in ``X-CSRF-Token`` (and, when it has an ``Origin``, this
origin), or it is refused (403 ``csrf_failed``). Sessions and sign-ins in progress are kept in
the database every replica shares (:mod:`labgate.web.sessions`): a session made on one replica
works on the others and survives a restart; signing out ends it everywhere.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import time
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from labgate.api.errors import APIError, error_body, invalid_request, not_found
from labgate.web.sessions import SessionStore

log = logging.getLogger("labgate.web")

COOKIE = "labgate_session"
_COOKIE_BYTES = COOKIE.encode()
SIGNIN_COOKIE = "labgate_signin"  # binds a sign-in in progress to its browser
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
STATIC_PREFIX = "/web/static/"  # the pages' scripts and styles, the same for everyone


def store_of(app: Any) -> SessionStore:
    extras = app.state.services.extras
    store = extras.get("web_sessions")
    if store is None:
        store = extras["web_sessions"] = SessionStore(app.state.services.sessions)
    return store


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _issuers(request: Request) -> list[Any]:
    oidc = getattr(request.app.state.services.settings, "oidc", None)
    return list(getattr(oidc, "issuers", None) or [])


def _client_id(cfg: Any) -> str:
    return cfg.audience if isinstance(cfg.audience, str) else cfg.audience[0]


def _cookie(request: Request) -> str | None:
    return request.cookies.get(COOKIE)


async def _discover(cfg: Any) -> dict[str, Any]:
    url = cfg.issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        async with httpx.AsyncClient(timeout=cfg.http_timeout_s) as client:
            resp = await client.get(url)
            resp.raise_for_status()
            doc: dict[str, Any] = resp.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise APIError(
            503, f"the identity provider {cfg.issuer} did not answer: {exc}", code="idp_unavailable"
        ) from None
    for endpoint in ("authorization_endpoint", "token_endpoint"):
        if not isinstance(doc.get(endpoint), str):
            raise APIError(503, f"{cfg.issuer} publishes no {endpoint}", code="idp_unavailable")
    return doc


router = APIRouter(prefix="/web", include_in_schema=False)


@router.get("/signin")
async def signin_options(request: Request) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {"lab": cfg.lab, "issuer": cfg.issuer, "url": f"/web/signin/{i}"}
            for i, cfg in enumerate(_issuers(request))
        ],
    }


def _redirect_uri(request: Request) -> str:
    """Where the identity provider sends the browser back: under ``public_url`` when set (a
    proxy in front), else the address this server's socket was reached at. Never the request's
    Host header, which the client writes."""
    settings = request.app.state.services.settings
    if settings.public_url:
        return settings.public_url.rstrip("/") + "/web/callback"
    server = request.scope.get("server")
    if server and server[1]:
        host = f"[{server[0]}]" if ":" in str(server[0]) else str(server[0])
        return f"{request.url.scheme}://{host}:{server[1]}/web/callback"
    return str(request.url_for("web_callback"))


@router.get("/signin/{index}")
async def signin(index: int, request: Request) -> Response:
    issuers = _issuers(request)
    if not 0 <= index < len(issuers):
        raise not_found(f"no identity provider {index}", code="idp_not_found")
    cfg = issuers[index]
    doc = await _discover(cfg)
    verifier = _b64(secrets.token_bytes(32))
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    # the sign-in is bound to this browser: the callback must come with this cookie, so a
    # callback link started by someone else (login CSRF) signs nobody in
    binder = secrets.token_urlsafe(24)
    await store_of(request.app).put_pending(
        state,
        binder,
        {
            "index": index,
            "verifier": verifier,
            "nonce": nonce,
            "token_endpoint": doc["token_endpoint"],
        },
    )
    query = urlencode(
        {
            "response_type": "code",
            "client_id": _client_id(cfg),
            "redirect_uri": _redirect_uri(request),
            "scope": "openid profile email",
            "state": state,
            "nonce": nonce,
            "code_challenge": _b64(hashlib.sha256(verifier.encode()).digest()),
            "code_challenge_method": "S256",
        }
    )
    sep = "&" if "?" in doc["authorization_endpoint"] else "?"
    out = RedirectResponse(doc["authorization_endpoint"] + sep + query, status_code=302)
    out.set_cookie(
        SIGNIN_COOKIE,
        binder,
        max_age=600,
        httponly=True,
        samesite="lax",  # sent on the identity provider's top-level redirect back
        secure=request.url.scheme == "https",
        path="/web",
    )
    return out


def _claims(token: str) -> dict[str, Any]:
    """The payload of a token already verified by the gateway's verifier."""
    payload = token.split(".")[1]
    return dict(orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


@router.get("/callback", name="web_callback")
async def callback(request: Request, code: str = "", state: str = "") -> Response:
    # opened only with the sign-in cookie of the browser that started it: a link started in
    # another browser signs nobody in
    binder = request.cookies.get(SIGNIN_COOKIE, "")
    pending = await store_of(request.app).take_pending(state, binder) if state else None
    if pending is None:
        raise invalid_request(
            "this sign-in is unknown or expired (over ten minutes, or used already): sign in again",
            code="invalid_state",
        )
    if not code:
        raise invalid_request(
            "the identity provider sent no code: " + request.query_params.get("error", "refused"),
            code="signin_refused",
        )
    cfg = _issuers(request)[pending["index"]]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": _redirect_uri(request),
        "client_id": _client_id(cfg),
        "code_verifier": pending["verifier"],
    }
    try:
        async with httpx.AsyncClient(timeout=cfg.http_timeout_s) as client:
            resp = await client.post(pending["token_endpoint"], data=form)
        token = resp.json().get("id_token") if resp.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        token = None
    if not isinstance(token, str):
        raise APIError(
            401, "the identity provider did not accept the sign-in", code="signin_refused"
        )
    services = request.app.state.services
    oidc = getattr(services.auth, "oidc", None)
    if oidc is None:
        raise APIError(503, "no identity provider is configured", code="idp_unavailable")
    from labgate.identity.jwks import TokenError

    try:
        identity = await oidc.verifier.verify(token)
    except TokenError as exc:
        raise APIError(401, f"the ID token was refused: {exc.message}", code=exc.check) from None
    # the account, as any bearer token of this identity finds (or provisions) it; the
    # project is settled per request, as for the bearer token
    user = await oidc._known(identity)
    if user.disabled:
        raise APIError(401, "this account is disabled", code="user_disabled")
    claims = _claims(token)
    if claims.get("nonce") != pending["nonce"]:
        raise APIError(401, "the ID token is not for this sign-in (nonce)", code="signin_refused")
    sid = await store_of(request.app).create(
        user.user_id, token, float(claims.get("exp", time.time() + 3600))
    )
    out = RedirectResponse("/", status_code=303)
    out.set_cookie(
        COOKIE,
        sid,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
        max_age=max(60, int(float(claims.get("exp", 0)) - time.time())),
    )
    return out


@router.get("/session")
async def session_info(request: Request) -> dict[str, Any]:
    s = await store_of(request.app).get(_cookie(request))
    if s is None:
        return {"signed_in": False}
    from labgate.store.tenancy import Lab, User

    async with request.app.state.services.sessions() as db:
        row = (
            await db.execute(
                select(User.username, User.email, Lab.name, Lab.id)
                .join(Lab, Lab.id == User.lab_id)
                .where(User.id == s.user_id)
            )
        ).one_or_none()
    name = _claims(s.token).get("name")
    return {
        "signed_in": True,
        "name": name or (row.username if row else None),
        "username": row.username if row else None,
        "lab": (row.name or row.id) if row else None,
        "csrf_token": s.csrf,
        "expires_at": int(s.expires_at),
    }


@router.post("/signout")
async def signout(request: Request) -> Response:
    await store_of(request.app).end(_cookie(request))
    out = Response(status_code=204)
    out.delete_cookie(COOKIE, path="/")
    return out


class SessionAuth:
    """A request with the session cookie and no Authorization header is authenticated with
    the session's ID token; a state-changing one must carry the CSRF token."""

    def __init__(self, app: ASGIApp, owner: Any) -> None:
        self.app = app
        self.owner = owner  # the FastAPI app: its state holds the sessions

    def __getattr__(self, name: str) -> Any:
        # app.state, app.routes, the hot path's counters…: the wrapped app's
        return getattr(self.app, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # one pass over the headers: the first cookie header, and whether one authorizes
        cookie: bytes | None = None
        authorization = False
        for name, value in scope.get("headers") or ():
            if name == b"cookie":
                if cookie is None:
                    cookie = value
            elif name == b"authorization":
                authorization = True
        if (
            cookie is None
            or authorization
            or _COOKIE_BYTES not in cookie
            or str(scope.get("path", "")).startswith(STATIC_PREFIX)  # no one's: no lookup
        ):
            await self.app(scope, receive, send)
            return
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(cookie.decode("latin-1"))
        except Exception:  # noqa: BLE001 - a broken cookie header is no session
            await self.app(scope, receive, send)
            return
        morsel = jar.get(COOKIE)
        try:
            session = await store_of(self.owner).get(morsel.value if morsel else None)
        except Exception as exc:  # noqa: BLE001 - the database is away: say so, not a 500
            log.warning("web session not read (%s)", exc.__class__.__name__)
            await _refuse(
                send, 503, "sign-in sessions cannot be read now; try again", "sessions_unavailable"
            )
            return
        if session is None:
            await self.app(scope, receive, send)
            return
        headers = list(scope.get("headers") or [])
        if scope["method"] not in SAFE_METHODS:
            given = dict(headers).get(CSRF_HEADER.encode(), b"")
            origin = dict(headers).get(b"origin")
            host = dict(headers).get(b"host", b"")
            bad_origin = origin is not None and origin.split(b"://", 1)[-1] != host
            if not hmac.compare_digest(given, session.csrf.encode()) or bad_origin:
                await _refuse(
                    send,
                    403,
                    "a signed-in page must send its CSRF token (X-CSRF-Token) from this "
                    "origin with every change",
                    "csrf_failed",
                )
                return
        headers.append((b"authorization", f"Bearer {session.token}".encode()))
        await self.app({**scope, "headers": headers}, receive, send)


async def _refuse(send: Send, status: int, message: str, code: str) -> None:
    kind = "permission_error" if status == 403 else "service_unavailable"
    body = error_body(message, kind, code)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
