"""The web pages: a chat page for scientists and a workers page for administrators.

Both are server-rendered shells (Jinja2) with a little vanilla JavaScript that talks to the
gateway's own API with the user's key, which stays in the tab's session storage. Every page
shows the classification banner at the top and the bottom: first the deployment's default
label (rendered into the page, so it is right before any script runs), then the high-water
mark of the conversation, from each answer's ``X-Labgate-Label`` header.

* ``GET /``                 the chat page
* ``GET /admin``            models and workers (calls ``/v1/admin/workers``)
* ``GET /batches``          the caller's batches: progress, cancel, output and error files
* ``GET /console``          usage charts and tables with CSV, keys, the safety queue, an audit
  record with its inclusion proof checked in the page (all through the API)
* ``/web/conversations``   the caller's conversations, kept encrypted (``conversations.py``)
* ``/web/signin``, ``/web/callback``, ``/web/session``, ``/web/signout``: OIDC sign-in
  (``signin.py``; its middleware ``SessionAuth`` is installed by ``app.py``)
* ``GET /web/config``       the default label's banner and every level's colours (JSON)
* ``GET /web/banners.css``  the banner colours per level, as CSS (so no inline styles)
* ``GET /web/static/{name}`` the scripts and the style sheet, and ``vendor/…``: the vendored
  libraries (Markdown, sanitiser, code highlighting, maths), every asset served from here

Pages are sent with a strict Content-Security-Policy: scripts, styles and connections only to
this origin, no inline code, no framing, no form submissions (forms are handled by script, so
a key can never end up in a URL). The one allowance: ``style-src-attr 'unsafe-inline'``, for
the sizes KaTeX writes on the maths it lays out; a model's answer can carry no style of its
own (render.js sanitises every answer with DOMPurify and forbids ``style`` attributes before
KaTeX fills in the maths).
"""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request
from starlette.responses import Response

from labgate.access.policy import LABEL_FIELD, LABEL_HEADER, AccessPolicy, policy_for
from labgate.api.errors import not_found
from labgate.web.assets import WebAssets
from labgate.web.conversations import router as conversations_router
from labgate.web.signin import router as signin_router

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def access_policy(request: Request) -> AccessPolicy:
    """The app's access policy: ``services.access`` or ``services.extras["access"]`` when the
    app built one, else one built from ``settings.labels`` (kept in ``extras``)."""
    services = request.app.state.services
    policy = getattr(services, "access", None) or services.extras.get("access")
    if isinstance(policy, AccessPolicy):
        return policy
    policy = policy_for(services.settings)
    services.extras["access"] = policy
    return policy


def banner_css(policy: AccessPolicy) -> str:
    """One rule per level: ``.banner[data-level="SECRET"] { background; color }``, and the
    same colours for the label tag on every message (``.label-tag[data-level=…]``)."""
    rules = [
        f'.banner[data-level="{level}"], .label-tag[data-level="{level}"] '
        f"{{ background: {c.background}; color: {c.foreground}; }}"
        for level, c in policy.banner_colours().items()
    ]
    return "\n".join(rules) + "\n"


def build_router(assets: WebAssets | None = None) -> APIRouter:
    """The pages' router; mount it with ``app.include_router(build_router())``."""
    web = assets or WebAssets()
    router = APIRouter(include_in_schema=False)
    router.include_router(conversations_router)
    router.include_router(signin_router)

    def page(request: Request, template: str, name: str) -> Response:
        policy = access_policy(request)
        banner = policy.banner()
        html = web.render(
            template,
            page=name,
            banner=banner,
            banner_level=policy.default_request_label.level,
            banner_version=_short_hash(banner_css(policy)),
            enclave=policy.config.enclave,
        )
        return Response(html, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    @router.get("/")
    async def chat_page(request: Request) -> Response:
        return page(request, "chat.html", "chat")

    @router.get("/admin")
    async def admin_page(request: Request) -> Response:
        return page(request, "admin.html", "admin")

    @router.get("/console")
    async def console_page(request: Request) -> Response:
        return page(request, "console.html", "console")

    @router.get("/batches")
    async def batches_page(request: Request) -> Response:
        return page(request, "batches.html", "batches")

    @router.get("/web/config")
    async def web_config(request: Request) -> dict[str, object]:
        policy = access_policy(request)
        banner = policy.banner()
        return {
            "labels_enabled": policy.enabled,
            "enclave": policy.config.enclave,
            "label": banner.text,
            "banner": banner.to_json(),
            "levels": [
                {"level": level, "background": c.background, "foreground": c.foreground}
                for level, c in policy.banner_colours().items()
            ],
            "label_header": LABEL_HEADER,
            "label_field": LABEL_FIELD,
        }

    @router.get("/web/banners.css")
    async def banners(request: Request) -> Response:
        return Response(
            banner_css(access_policy(request)),
            media_type="text/css; charset=utf-8",
            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )

    @router.get("/web/static/{name:path}")
    async def static(name: str, request: Request) -> Response:
        asset = web.static.get(name)
        if asset is None:
            raise not_found(f"there is no static file {name!r}", code="static_not_found")
        headers = {
            "ETag": asset.etag,
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
        }
        if request.headers.get("if-none-match") == asset.etag:
            return Response(status_code=304, headers=headers)
        return Response(asset.body, media_type=asset.media_type, headers=headers)

    return router


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]
