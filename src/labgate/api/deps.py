"""FastAPI dependencies shared by the route modules of every area.

``current_principal`` authenticates the caller with the app's authenticator (API key or OIDC
token) and raises the OpenAI-shaped 401 itself; ``require_roles`` narrows it further.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, Request

from labgate.api.errors import forbidden
from labgate.identity.principal import Principal, Role


async def current_principal(request: Request) -> Principal:
    services = request.app.state.services
    principal: Principal = await services.auth.authenticate(
        request.headers.get("authorization"), request.headers
    )
    return principal


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency that admits only principals holding one of ``roles``."""

    names = ", ".join(r.value for r in roles)

    async def _check(principal: Principal = Depends(current_principal)) -> Principal:
        if not principal.has_role(*roles):
            raise forbidden(f"this needs one of the roles: {names}", code="insufficient_role")
        return principal

    return _check
