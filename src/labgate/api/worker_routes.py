"""Worker registration: the contract Slurm jobs (and operators) use to join a model's pool.

* ``POST /internal/workers/register`` ``{"model", "base_url", "job_id", "deployment"}`` →
  ``{"worker_id", "heartbeat_interval_s"}``
* ``POST /internal/workers/{id}/heartbeat`` → 200, or 404: register again
* ``POST /internal/workers/{id}/drain`` → no new requests are routed to it
* ``POST /internal/workers/{id}/deregister`` → removed from the pool

All need ``Authorization: Bearer <worker token>`` issued by labgate for that model.
"""

from __future__ import annotations

import time

import orjson
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, ValidationError
from starlette.responses import Response

from labgate.api.body import read_body
from labgate.api.errors import APIError
from labgate.router.registration import RegistrationError, TokenGrant

router = APIRouter(prefix="/internal/workers", include_in_schema=False)


class RegisterBody(BaseModel):
    model: str = Field(min_length=1)
    base_url: str = Field(min_length=8)
    job_id: str | None = None
    deployment: str | None = None
    accreditation: str | None = Field(
        default=None, description="Highest label this worker may process (narrows the model's)."
    )


def _fail(exc: RegistrationError) -> APIError:
    return APIError(exc.status, exc.message, code="worker_registration")


async def _grant(request: Request) -> TokenGrant:
    try:
        grant: TokenGrant = await request.app.state.services.registry.verify(
            request.headers.get("authorization")
        )
        return grant
    except RegistrationError as exc:
        raise _fail(exc) from None


@router.post("/register")
async def register(request: Request) -> Response:
    services = request.app.state.services
    grant = await _grant(request)
    try:
        body = RegisterBody.model_validate_json(await read_body(request, 64 * 1024))
    except ValidationError as exc:
        raise APIError(400, f"invalid registration: {exc.errors()[0]['msg']}") from None
    try:
        worker = services.registry.register_accredited(
            grant, body.model, body.base_url, body.job_id, body.deployment, body.accreditation
        )
    except RegistrationError as exc:
        raise _fail(exc) from None
    services.health.poke()
    return Response(
        orjson.dumps(
            {
                "worker_id": worker.worker_id,
                "heartbeat_interval_s": services.registry.heartbeat_interval_s,
            }
        ),
        media_type="application/json",
    )


@router.post("/{worker_id}/heartbeat")
async def heartbeat(worker_id: str, request: Request) -> Response:
    grant = await _grant(request)
    try:
        request.app.state.services.registry.heartbeat(grant, worker_id, time.monotonic())
    except RegistrationError as exc:
        raise _fail(exc) from None
    return Response(b'{"status":"ok"}', media_type="application/json")


@router.post("/{worker_id}/drain")
async def drain(worker_id: str, request: Request) -> Response:
    grant = await _grant(request)
    try:
        request.app.state.services.registry.drain(grant, worker_id)
    except RegistrationError as exc:
        raise _fail(exc) from None
    return Response(b'{"status":"draining"}', media_type="application/json")


@router.post("/{worker_id}/deregister")
async def deregister(worker_id: str, request: Request) -> Response:
    grant = await _grant(request)
    try:
        request.app.state.services.registry.deregister(grant, worker_id)
    except RegistrationError as exc:
        raise _fail(exc) from None
    return Response(b'{"status":"removed"}', media_type="application/json")
