"""Liveness, readiness, Prometheus metrics and the OpenAPI document: none names a model, a lab
or a count to a caller who may not see it (``docs/security.md``, "No read-down").

* ``/healthz``: no key; says only that the process answers.
* ``/readyz``: no key: only ``ready`` / ``not_ready`` (200 / 503), for load balancers. With a
  key: also the workers of each model the caller may see (those whose accreditation their
  clearance dominates).
* ``/metrics``: the scrape token (``metrics_token``) or the key of a platform admin cleared for
  the deployment's whole range: the metrics name every model and count every label's work.
* ``/openapi.json``: any key.
"""

from __future__ import annotations

import hmac

import orjson
from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from labgate.api.errors import forbidden
from labgate.identity.principal import Principal, Role

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
async def healthz() -> Response:
    """The process is alive and its event loop answers."""
    return Response(b'{"status":"ok"}', media_type="application/json")


async def _principal(request: Request) -> Principal:
    services = request.app.state.services
    principal: Principal = await services.auth.authenticate(
        request.headers.get("authorization"), request.headers
    )
    return principal


def _sees_model(services: object, principal: Principal, model: str) -> bool:
    access = getattr(services, "access", None)
    return access is None or access.may_read(principal, access.accreditation(model))


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> Response:
    """Ready when every model has at least one usable worker (503 otherwise). Without a key
    the answer names nothing; with one, the models the caller may see and their workers."""
    services = request.app.state.services
    pools = services.router.pools
    down = any(not pool.usable() for pool in pools.values())
    status = 200 if not down else 503
    body: dict[str, object] = {"status": "ready" if not down else "not_ready"}
    if request.headers.get("authorization"):
        principal = await _principal(request)
        models = {}
        for name, pool in pools.items():
            if _sees_model(services, principal, name):
                usable = len(pool.usable())
                models[name] = {"usable_workers": usable, "workers": len(pool.workers)}
        body["models"] = models
        shown_down = sorted(n for n, m in models.items() if m["usable_workers"] == 0)
        if shown_down:
            body["message"] = f"no usable worker for: {', '.join(shown_down)}"
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus metrics, for the scrape token or a platform admin cleared for everything."""
    services = request.app.state.services
    if not _scrape_token_ok(request, services.settings.metrics_token):
        principal = await _principal(request)
        access = getattr(services, "access", None)
        if not principal.has_role(Role.PLATFORM_ADMIN) or (
            access is not None and not access.may_read(principal, access.range_max)
        ):
            raise forbidden(
                "the metrics name every model and count the work at every label: they are for "
                "the scrape token (metrics_token) or a platform admin cleared for the whole "
                "range",
                code="insufficient_role",
            )
    for pool in services.router.pools.values():
        services.metrics.observe_pool(pool)
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)


def _scrape_token_ok(request: Request, token: str | None) -> bool:
    if not token:
        return False
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        value.strip().encode("utf-8", "replace"), token.encode("utf-8")
    )


@router.get("/openapi.json", include_in_schema=False)
async def openapi(request: Request) -> Response:
    """The OpenAPI document of every route, for a caller with a key."""
    await _principal(request)
    return Response(orjson.dumps(request.app.openapi()), media_type="application/json")
