"""Administration over HTTP (platform and lab administrators only).

The foundation offers what the first start needs: the current caller, API keys (create,
revoke) and the state of every model's workers. Labs, users, projects and allocations join
here with the tenancy work.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from labgate.api.deps import current_principal, require_roles
from labgate.api.errors import not_found
from labgate.identity.principal import Principal, Role

router = APIRouter(prefix="/v1/admin", tags=["admin"])

_admin = require_roles(Role.PLATFORM_ADMIN, Role.LAB_ADMIN)


class KeyCreate(BaseModel):
    user_id: str | None = Field(default=None, description="Default: the caller.")
    project_id: str | None = None
    name: str = ""
    expires_at: datetime | None = None


@router.get("/whoami")
async def whoami(principal: Principal = Depends(current_principal)) -> dict[str, object]:
    return {
        "user_id": principal.user_id,
        "lab": principal.lab,
        "project": principal.project,
        "roles": sorted(r.value for r in principal.roles),
        "auth_method": principal.auth_method,
    }


@router.post("/keys", status_code=201)
async def create_key(
    body: KeyCreate, request: Request, principal: Principal = Depends(_admin)
) -> dict[str, object]:
    services = request.app.state.services
    key, row = await services.keys.create(
        body.user_id or principal.user_id,
        body.project_id or principal.project,
        body.name,
        body.expires_at,
    )
    return {
        "id": row.id,
        "key": key,
        "prefix": row.prefix,
        "project_id": row.project_id,
        "note": "this is the only time the key is shown; store it now",
    }


@router.delete("/keys/{key_id}")
async def revoke_key(
    key_id: str, request: Request, principal: Principal = Depends(_admin)
) -> dict[str, object]:
    services = request.app.state.services
    if not await services.keys.revoke(key_id):
        raise not_found(f"no active key with id {key_id!r}", code="key_not_found")
    services.auth.invalidate_key(key_id)
    return {"id": key_id, "revoked": True}


@router.get("/workers")
async def workers(request: Request, principal: Principal = Depends(_admin)) -> dict[str, object]:
    services = request.app.state.services
    return {name: pool.describe() for name, pool in services.router.pools.items()}
