"""The guardrail's HTTP routes: wrongly-refused reports, and the reviewers' list.

* ``POST /v1/safety/reports`` ``{"request_id": "...", "comment": "..."}``: the requester of a
  refused request says it was wrongly refused (:mod:`labgate.safety.reports`). 201 with the
  report; 200 with the first report when it was already filed; 404 when the caller has no
  refused request of that id; 400 for a body of the wrong shape. Each new report is appended
  to the audit log (``safety.report``).
* ``GET /v1/safety/flags?status=open&action=report&category=...&limit=100``: the review queue
  (flags, blocks and reports), newest first, for platform admins and auditors (every lab) and
  lab admins (their own lab). The CLI's ``labgate safety flags`` lists the same rows. A flag
  that rests on a client's instructions alone stands for every request that made it
  (:mod:`labgate.safety.flags`): ``seen_count`` requests from ``users`` users, the latest
  ``last_request_id`` at ``last_seen_at``; any other row is one request (``seen_count`` 1).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import or_, select

from labgate.api.deps import current_principal, require_roles
from labgate.api.errors import not_found
from labgate.identity.principal import Principal, Role
from labgate.safety.flags import FLAG_STATUSES, users_seen
from labgate.safety.models import SafetyFlag
from labgate.safety.reports import (
    MAX_COMMENT_CHARS,
    RefusalNotFound,
    file_report,
    report_json,
)

log = logging.getLogger("labgate.safety")

router = APIRouter(prefix="/v1/safety", tags=["safety"])

_reviewer = require_roles(Role.PLATFORM_ADMIN, Role.AUDITOR, Role.LAB_ADMIN)


class ReportBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request_id: str = Field(min_length=1, max_length=64)
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_CHARS)


async def _audit(request: Request, principal: Principal, row: SafetyFlag, comment: str) -> None:
    audit = getattr(request.app.state.services, "audit", None)
    if audit is None:
        return
    from labgate.tenancy.actions import admin_action
    from labgate.tenancy.wiring import admin_audit_record

    action = admin_action(
        principal,
        "safety.report",
        f"request:{row.request_id}",
        {"report_id": row.id, "category": row.category, "comment_chars": len(comment)},
    )
    try:
        await audit.append(admin_audit_record(action))
    except Exception:  # noqa: BLE001 - the report is stored; the log says what was missed
        log.exception("could not append the report on request %s to the audit log", row.request_id)


@router.post("/reports", status_code=201)
async def report_wrong_refusal(
    body: ReportBody,
    request: Request,
    response: Response,
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    """Report that one of your requests was wrongly refused; it goes to the reviewers."""
    comment = (body.comment or "").strip()
    try:
        async with request.app.state.services.sessions.begin() as session:
            filed = await file_report(session, principal, body.request_id, comment or None)
            answer = report_json(filed.row)
    except RefusalNotFound:
        raise not_found(
            f"no refused request {body.request_id!r} of yours: only the requester of a refused "
            "request may report it",
            code="refusal_not_found",
            param="request_id",
        ) from None
    if filed.created:
        await _audit(request, principal, filed.row, comment)
    else:
        response.status_code = 200
    return answer


@router.get("/flags")
async def list_review_queue(
    request: Request,
    principal: Principal = Depends(_reviewer),
    status: Annotated[str | None, Query(pattern="^(open|confirmed|dismissed|all)$")] = "open",
    action: Annotated[str | None, Query(pattern="^(flag|block|allow|report)$")] = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The reviewers' queue, newest first (a lab admin sees their own lab's rows)."""
    query = select(SafetyFlag).order_by(SafetyFlag.created_at.desc(), SafetyFlag.id.desc())
    if status in FLAG_STATUSES:
        query = query.where(SafetyFlag.status == status)
    if action is not None:
        query = query.where(SafetyFlag.action == action)
    if category is not None:
        query = query.where(SafetyFlag.category == category)
    if not principal.has_role(Role.PLATFORM_ADMIN, Role.AUDITOR):
        query = query.where(SafetyFlag.lab == principal.lab)
    services = request.app.state.services
    access = getattr(services, "access", None)
    if access is not None and access.enabled:
        # no read-down (docs/labels.md): a flag is its model's work; the models the reader's
        # clearance does not cover are left out (work on a model is at most its accreditation)
        hidden = [m for m in services.models if not access.sees_model(principal, m)]
        if hidden:
            query = query.where(or_(SafetyFlag.model.is_(None), SafetyFlag.model.not_in(hidden)))
    async with services.sessions() as session:
        rows = (await session.execute(query.limit(limit))).scalars().all()
        users = await users_seen(session, [r.id for r in rows if r.group_key is not None])
    return {"object": "list", "data": [_flag_json(row, users.get(row.id)) for row in rows]}


def _flag_json(row: SafetyFlag, users: int | None = None) -> dict[str, Any]:
    if row.action == "report":
        return report_json(row) | {"user_id": row.user_id, "lab": row.lab, "model": row.model}
    seen = row.last_seen_at or row.created_at
    return {
        "object": "safety.flag",
        "id": row.id,
        "request_id": row.request_id,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "user_id": row.user_id,
        "lab": row.lab,
        "model": row.model,
        "direction": row.direction,
        "action": row.action,
        "category": row.category,
        "score": row.score,
        "stage": row.stage,
        "status": row.status,
        "decision": row.decision,
        # a grouped flag (instructions alone) stands for seen_count requests of `users` users
        "grouped": row.group_key is not None,
        "instructions_sha256": row.instructions_sha256,
        "seen_count": row.seen_count or 1,
        "users": users if users is not None else 1,
        "last_seen_at": seen.isoformat() if seen else None,
        "last_request_id": row.last_request_id or row.request_id,
    }
