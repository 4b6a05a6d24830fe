"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
async def healthz() -> Response:
    """The process is alive and its event loop answers."""
    return Response(b'{"status":"ok"}', media_type="application/json")


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> Response:
    """Ready when every model has at least one usable worker (503 naming those that have none)."""
    services = request.app.state.services
    models = {}
    for name, pool in services.router.pools.items():
        usable = len(pool.usable())
        models[name] = {"usable_workers": usable, "workers": len(pool.workers)}
    down = sorted(n for n, m in models.items() if m["usable_workers"] == 0)
    status = 200 if not down else 503
    body = {"status": "ready" if not down else "not_ready", "models": models}
    if down:
        body["message"] = f"no usable worker for: {', '.join(down)}"
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    services = request.app.state.services
    for pool in services.router.pools.values():
        services.metrics.observe_pool(pool)
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)
