"""Worker registration: the contract Slurm jobs (and operators) use to join a model's pool.

* ``POST /internal/workers/register`` ``{"model", "base_url", "job_id", "deployment",
  "weights_digest"}`` →
  ``{"worker_id", "heartbeat_interval_s"}``
* ``POST /internal/workers/{id}/heartbeat`` → 200, or 404: register again
* ``POST /internal/workers/{id}/drain`` → no new requests are routed to it
* ``POST /internal/workers/{id}/deregister`` → removed from the pool

All need ``Authorization: Bearer <worker token>`` issued by labgate for that model; a token
reaches only the worker it registered (``docs/security.md``).

Platform administrators manage the tokens (``admin_router``):

* ``POST /v1/admin/worker-tokens`` ``{"model", "ttl_s"?, "expires_at"?, "max_label"?}`` → 201
  with the token (shown once) and what it allows;
* ``GET /v1/admin/worker-tokens`` (``?active=true``) → the tokens, never their secret;
* ``DELETE /v1/admin/worker-tokens/{id}`` → revoked: its worker leaves every replica's pool.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.responses import Response

from labgate.api.body import read_body
from labgate.api.deps import require_roles
from labgate.api.errors import APIError
from labgate.identity.principal import Principal, Role
from labgate.router.registration import RegistrationError, TokenGrant

log = logging.getLogger("labgate.api")

router = APIRouter(prefix="/internal/workers", include_in_schema=False)
admin_router = APIRouter(prefix="/v1/admin/worker-tokens", tags=["admin"])
_platform_admin = require_roles(Role.PLATFORM_ADMIN)


class RegisterBody(BaseModel):
    model: str = Field(min_length=1)
    base_url: str = Field(min_length=8)
    job_id: str | None = None
    deployment: str | None = None
    accreditation: str | None = Field(
        default=None, description="Highest label this worker may process (narrows the model's)."
    )
    weights_digest: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="sha256 of the weights it loaded (labgate.approval.digest); the model gate "
        "sends it traffic only when this is an approved version's digest.",
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
        worker = await services.registry.register_accredited(
            grant, body.model, body.base_url, body.job_id, body.deployment, body.accreditation
        )
    except RegistrationError as exc:
        raise _fail(exc) from None
    worker.weights_digest = body.weights_digest  # checked by the model gate on every request
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


# ---------------------------------------------------------------------------- administration


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, max_length=256)
    ttl_s: int | None = Field(
        default=None, gt=0, le=366 * 86400, description="Lifetime from its first registration."
    )
    expires_at: datetime | None = Field(default=None, description="Latest use (UTC).")
    max_label: str | None = Field(
        default=None, max_length=256, description="Highest label its worker may process."
    )
    job_id: str | None = Field(default=None, max_length=64)
    deployment: str | None = Field(default=None, max_length=256)


async def _audit(request: Request, actor: Principal, action: str, details: dict[str, Any]) -> None:
    from labgate.tenancy.actions import admin_action
    from labgate.tenancy.wiring import admin_audit_record

    audit = request.app.state.services.audit
    if audit is None:
        return
    record = admin_action(actor, action, f"worker_token:{details['id']}", details)
    await audit.append(admin_audit_record(record))


@admin_router.post("", status_code=201)
async def issue_worker_token(
    request: Request, principal: Principal = Depends(_platform_admin)
) -> dict[str, Any]:
    try:
        body = TokenRequest.model_validate_json(await read_body(request, 16 * 1024))
    except ValidationError as exc:
        raise APIError(400, f"invalid worker token request: {exc.errors()[0]['msg']}") from None
    services = request.app.state.services
    if body.model not in services.router.pools:
        raise APIError(404, f"model {body.model!r} is not configured", code="model_not_found")
    ceiling = services.registry.ceiling(body.model, body.max_label)
    if ceiling is not None and not services.access.reader_may_see(principal, ceiling):
        # its holder would be sent work up to that label
        raise APIError(
            403,
            f"a worker token for {body.model!r} would carry work up to {ceiling}, above your "
            "clearance; ask a platform administrator cleared for it, or set a lower max_label",
            code="label_clearance",
        )
    expires = body.expires_at
    if expires is not None and expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    try:
        issued = await services.registry.issue(
            body.model,
            body.job_id,
            body.deployment,
            expires,
            ttl_s=body.ttl_s,
            max_label=body.max_label,
            issued_by=f"user:{principal.user_id}",
        )
    except ValueError as exc:
        raise APIError(400, str(exc), code="invalid_value") from None
    shown = issued.info.as_dict()
    await _audit(request, principal, "worker_token.issue", shown)
    return {"token": issued.token, **shown}


@admin_router.get("")
async def list_worker_tokens(
    request: Request, active: bool = False, principal: Principal = Depends(_platform_admin)
) -> dict[str, Any]:
    services = request.app.state.services
    tokens = await services.registry.list_tokens(active_only=active)
    registry, access = services.registry, services.access
    shown = [
        t
        for t in tokens
        if (ceiling := registry.ceiling(t.model, t.max_label)) is None
        or access.reader_may_see(principal, ceiling)
    ]  # no read-up: a token's label is the highest its worker may process
    return {"object": "list", "data": [t.as_dict() for t in shown]}


@admin_router.delete("/{token_id}")
async def revoke_worker_token(
    token_id: str, request: Request, principal: Principal = Depends(_platform_admin)
) -> dict[str, Any]:
    if not await request.app.state.services.registry.revoke(token_id):
        raise APIError(404, f"no worker token {token_id!r}", code="not_found")
    await _audit(request, principal, "worker_token.revoke", {"id": token_id})
    return {"id": token_id, "revoked": True}
