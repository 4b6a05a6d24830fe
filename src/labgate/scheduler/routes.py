"""The HTTP face of the scheduler: its admin endpoint and the mapping of its refusals.

The scheduler core stays free of HTTP; this adapter is what the app mounts. It finds the
scheduler as ``app.state.services.scheduler`` (or ``services.extras["scheduler"]``).

* ``GET /v1/admin/scheduler`` shows shares, counters, decayed usage and queues. Platform
  admins and auditors see every lab; a lab admin sees their lab; a project lead their project.
* :func:`admission_error` turns :class:`QueueFull` into 429 and :class:`QueueTimeout` into
  503, both with ``Retry-After`` and the scheduler's message.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from labgate.api.deps import current_principal
from labgate.api.errors import APIError, forbidden, too_many_requests, unavailable
from labgate.identity.principal import Principal, Role
from labgate.scheduler.errors import AdmissionRejected, QueueFull
from labgate.scheduler.scheduler import FairScheduler

router = APIRouter(prefix="/v1/admin", tags=["admin"])


def admission_error(exc: AdmissionRejected) -> APIError:
    """The client-facing error for a refused admission."""
    if isinstance(exc, QueueFull):
        return too_many_requests(exc.message, exc.retry_after_s, code="queue_full")
    return unavailable(exc.message, exc.retry_after_s, code="queue_timeout")


def _scheduler(request: Request) -> FairScheduler:
    services = request.app.state.services
    found = getattr(services, "scheduler", None)
    if found is None:
        found = getattr(services, "extras", {}).get("scheduler")
    if not isinstance(found, FairScheduler):
        raise unavailable("fair-share scheduling is not enabled on this gateway")
    return found


def visible_scope(
    principal: Principal, lab: str | None, project: str | None
) -> tuple[str | None, str | None]:
    """The (lab, project) part of the tree ``principal`` may see, narrowed by the query."""
    if principal.has_role(Role.PLATFORM_ADMIN, Role.AUDITOR):
        return lab, project
    if principal.has_role(Role.LAB_ADMIN) and principal.lab:
        if lab not in (None, principal.lab):
            raise forbidden(f"lab administrators see only their own lab ({principal.lab})")
        return principal.lab, project
    if principal.has_role(Role.PROJECT_LEAD) and principal.lab and principal.project:
        if lab not in (None, principal.lab) or project not in (None, principal.project):
            raise forbidden(f"project leads see only their own project ({principal.project})")
        return principal.lab, principal.project
    raise forbidden(
        "the scheduler's state is shown to platform admins, auditors, lab admins and project "
        "leads; ask one of them",
        code="insufficient_role",
    )


@router.get("/scheduler")
async def scheduler_state(
    request: Request,
    lab: str | None = Query(default=None, description="Show only this lab."),
    project: str | None = Query(default=None, description="Show only this project of the lab."),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    """Current shares, counters, decayed usage, queued and running requests per model."""
    scope_lab, scope_project = visible_scope(principal, lab, project)
    snapshot = _scheduler(request).snapshot(lab=scope_lab, project=scope_project)
    access = getattr(request.app.state.services, "access", None)
    if access is not None:  # only the models the reader is cleared for (no read-down)
        pools = snapshot["pools"]
        snapshot["pools"] = {m: v for m, v in pools.items() if access.sees_model(principal, m)}
    return snapshot
