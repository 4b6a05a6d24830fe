"""Administration over HTTP: labs, users, projects, members, API keys, allocations, limits,
usage reports, and the state of the workers.

Every route authenticates its caller with ``current_principal``; what the caller may do is
decided by the tenancy service (:mod:`labgate.tenancy.access`): platform admins everything,
lab admins their lab, project leads their project's members and keys, users their own keys.
The service's refusals become OpenAI-shaped errors here: 404 not found, 403 forbidden (the
message names the rule), 409 conflict, 400 invalid input. Lists answer
``{"object": "list", "data": [...]}``. ``docs/administration.md`` has examples.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.routing import APIRoute

from labgate.api.deps import current_principal, require_roles
from labgate.api.errors import APIError
from labgate.identity.principal import Principal, Role
from labgate.tenancy import (
    Allocation,
    KeyCreate,
    LabCreate,
    LabUpdate,
    Limits,
    MemberAdd,
    ProjectCreate,
    ProjectUpdate,
    TenancyError,
    TenancyService,
    UsageQuery,
    UserCreate,
    UserUpdate,
    time_range,
)
from labgate.tenancy.approvals import PendingView
from labgate.tenancy.report_format import report_csv, report_json
from labgate.tenancy.usage import GroupBy

log = logging.getLogger("labgate.admin")


class _TenancyErrorsRoute(APIRoute):
    """Turns the tenancy service's refusals into OpenAI-shaped errors with their status."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except TenancyError as exc:
                raise APIError(exc.status, exc.message, code=exc.code) from None

        return handle


router = APIRouter(prefix="/v1/admin", tags=["admin"], route_class=_TenancyErrorsRoute)

_admin = require_roles(Role.PLATFORM_ADMIN, Role.LAB_ADMIN)


def tenancy(request: Request) -> TenancyService:
    """The app's tenancy service (``services.extras["tenancy"]``, wired by the app factory).

    An app that did not wire one gets a service without audit or cross-replica hooks, built
    once, with a warning: revocations then still take effect on this replica at once.
    """
    services = request.app.state.services
    found = getattr(services, "tenancy", None) or services.extras.get("tenancy")
    if found is None:
        log.warning(
            "no tenancy service wired into the app; admin actions are not audited and key "
            "revocations reach this replica only"
        )
        found = services.extras["tenancy"] = TenancyService(
            services.sessions, auth=services.auth, labels=getattr(services, "access", None)
        )
    return found  # type: ignore[no-any-return]


def _list(items: list[Any]) -> dict[str, Any]:
    return {"object": "list", "data": [item.as_dict() for item in items]}


# ---------------------------------------------------------------------------- who am I


@router.get("/whoami")
async def whoami(principal: Principal = Depends(current_principal)) -> dict[str, object]:
    return {
        "user_id": principal.user_id,
        "lab": principal.lab,
        "project": principal.project,
        "roles": sorted(r.value for r in principal.roles),
        "auth_method": principal.auth_method,
    }


# ---------------------------------------------------------------------------- labs


@router.get("/labs")
async def list_labs(
    request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    return _list(await tenancy(request).list_labs(principal))


@router.post("/labs", status_code=201)
async def create_lab(
    body: LabCreate, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    return (await tenancy(request).create_lab(principal, body)).as_dict()


@router.get("/labs/{lab_id}")
async def get_lab(
    lab_id: str, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    return (await tenancy(request).get_lab(principal, lab_id)).as_dict()


@router.patch("/labs/{lab_id}")
async def update_lab(
    lab_id: str,
    body: LabUpdate,
    request: Request,
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    return (await tenancy(request).update_lab(principal, lab_id, body)).as_dict()


# ---------------------------------------------------------------------------- users


@router.get("/users")
async def list_users(
    request: Request,
    lab: str | None = Query(default=None, description="Only the users of this lab."),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    return _list(await tenancy(request).list_users(principal, lab))


@router.post("/users", status_code=201)
async def create_user(
    body: UserCreate,
    request: Request,
    response: Response,
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    """A clearance or the auditor/platform_admin role becomes a grant request (202, with
    ``pending_grant``) that a second platform administrator approves."""
    view = await tenancy(request).create_user(principal, body)
    if view.pending_grant is not None:
        response.status_code = 202
    return view.as_dict()


@router.get("/users/{user_id}")
async def get_user(
    user_id: str, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    return (await tenancy(request).get_user(principal, user_id)).as_dict()


@router.patch("/users/{user_id}")
async def update_user(
    user_id: str,
    body: UserUpdate,
    request: Request,
    response: Response,
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    view = await tenancy(request).update_user(principal, user_id, body)
    if view.pending_grant is not None:
        response.status_code = 202
    return view.as_dict()


# ---------------------------------------------------------------------------- projects


@router.get("/projects")
async def list_projects(
    request: Request,
    lab: str | None = Query(default=None, description="Only the projects of this lab."),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    return _list(await tenancy(request).list_projects(principal, lab))


@router.post("/projects", status_code=201)
async def create_project(
    body: ProjectCreate, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    return (await tenancy(request).create_project(principal, body)).as_dict()


@router.get("/projects/{project_id}")
async def get_project(
    project_id: str, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    return (await tenancy(request).get_project(principal, project_id)).as_dict()


@router.patch("/projects/{project_id}")
async def update_project(
    project_id: str,
    body: ProjectUpdate,
    request: Request,
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    return (await tenancy(request).update_project(principal, project_id, body)).as_dict()


@router.put("/projects/{project_id}/allocation")
async def set_allocation(
    project_id: str,
    body: Allocation,
    request: Request,
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    return (await tenancy(request).set_allocation(principal, project_id, body)).as_dict()


@router.patch("/projects/{project_id}/limits")
async def set_limits(
    project_id: str,
    body: Limits,
    request: Request,
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    return (await tenancy(request).set_limits(principal, project_id, body)).as_dict()


# ---------------------------------------------------------------------------- members


@router.get("/projects/{project_id}/members")
async def list_members(
    project_id: str, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    return _list(await tenancy(request).list_members(principal, project_id))


@router.post("/projects/{project_id}/members", status_code=201)
async def add_member(
    project_id: str,
    body: MemberAdd,
    request: Request,
    response: Response,
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    """A user of another lab: 202 with the pending request their lab's admin approves."""
    added = await tenancy(request).add_member(principal, project_id, body)
    if isinstance(added, PendingView):
        response.status_code = 202
    return added.as_dict()


@router.delete("/projects/{project_id}/members/{user_id}")
async def remove_member(
    project_id: str,
    user_id: str,
    request: Request,
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    return (await tenancy(request).remove_member(principal, project_id, user_id)).as_dict()


# ---------------------------------------------------------------------------- API keys


@router.get("/keys")
async def list_keys(
    request: Request,
    user: str | None = Query(default=None, description="Only this user's keys (id)."),
    project: str | None = Query(default=None, description="Only keys of this project."),
    active_only: bool = Query(default=False, description="Leave out revoked and expired keys."),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    keys = await tenancy(request).list_keys(
        principal, user_ref=user, project_id=project, active_only=active_only
    )
    return _list(keys)


@router.post("/keys", status_code=201)
async def create_key(
    body: KeyCreate,
    request: Request,
    response: Response,
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    """Your own key (201). A key for someone else (platform admins only): 202, the key and
    the request a second platform administrator must approve before it works."""
    created = await tenancy(request).create_key(principal, body)
    if created.pending is not None:
        response.status_code = 202
    return created.as_dict()


@router.delete("/keys/{key_id}")
async def revoke_key(
    key_id: str, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    view = await tenancy(request).revoke_key(principal, key_id)
    return {**view.as_dict(), "revoked": True}


# ---------------------------------------------------------------------------- approvals


@router.get("/approvals")
async def list_approvals(
    request: Request,
    status: Literal["pending", "approved", "rejected", "all"] = Query(
        default="pending", description="pending (default), approved, rejected or all."
    ),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    """Requests waiting for a second person (and, asked for, those decided)."""
    wanted = None if status == "all" else status
    return _list(await tenancy(request).list_pending(principal, wanted))


@router.get("/approvals/{action_id}")
async def get_approval(
    action_id: str, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    return (await tenancy(request).get_pending(principal, action_id)).as_dict()


@router.post("/approvals/{action_id}/approve")
async def approve(
    action_id: str, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    """Approve someone else's request; it takes effect now (never your own, nor about you)."""
    return (await tenancy(request).approve(principal, action_id)).as_dict()


@router.post("/approvals/{action_id}/reject")
async def reject(
    action_id: str, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    """Refuse a request (those who could approve it) or withdraw it (its requester)."""
    return (await tenancy(request).reject(principal, action_id)).as_dict()


# ---------------------------------------------------------------------------- usage


@router.get("/usage", response_model=None)
async def usage_report(
    request: Request,
    group_by: GroupBy = Query(default="project", description="lab, project, user or model."),
    since: str | None = Query(
        default=None, description="Start (inclusive): ISO 8601, 'now', or an age like '7d'."
    ),
    until: str | None = Query(default=None, description="End (exclusive); default: now."),
    format: Literal["json", "csv"] = Query(default="json", description="json or csv."),
    lab: str | None = Query(default=None, description="Only this lab's usage."),
    project: str | None = Query(default=None, description="Only this project's usage."),
    user: str | None = Query(default=None, description="Only this user's usage (id)."),
    model: str | None = Query(default=None, description="Only this model's usage."),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any] | Response:
    start, end = time_range(since, until)
    query = UsageQuery(group_by, start, end, lab=lab, project=project, user=user, model=model)
    report = await tenancy(request).usage_report(principal, query)
    if format == "csv":
        return Response(
            report_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="usage-by-{group_by}.csv"'},
        )
    return report_json(report)


# ---------------------------------------------------------------------------- workers


@router.get("/workers")
async def workers(request: Request, principal: Principal = Depends(_admin)) -> dict[str, object]:
    services = request.app.state.services
    access = services.access
    return {  # only the models the reader is cleared for (no read-down)
        name: pool.describe()
        for name, pool in services.router.pools.items()
        if access is None or access.sees_model(principal, name)
    }
