"""The guardrail's HTTP routes: wrongly-refused reports, the reviewers' queue and decisions.

* ``POST /v1/safety/reports`` ``{"request_id": "...", "comment": "..."}``: the requester of a
  refused request says it was wrongly refused (:mod:`labgate.safety.reports`). 201 with the
  report; 200 with the first report when it was already filed; 404 when the caller has no
  refused request of that id; 400 for a body of the wrong shape. Each new report is appended
  to the audit log (``safety.report``).
* ``GET /v1/safety/flags?status=open&action=report&category=...&order=recent&limit=100``: the
  review queue (flags, blocks and reports) for platform admins and auditors (every lab) and
  lab admins (their own lab), leaving out the rows on models the reader's clearance does not
  cover. ``order=recent`` (the default): by last activity (a grouped row's latest request,
  else when it was made), newest first; ``order=seen``: most requests first. The CLI's
  ``labgate safety flags`` lists the same rows (``--order``). A flag that rests on a client's
  instructions alone stands for every request that made it (:mod:`labgate.safety.flags`):
  ``seen_count`` requests from ``users`` users, the latest ``last_request_id`` at
  ``last_seen_at``; any other row is one request (``seen_count`` 1). ``can_review`` says
  whether the caller may decide the row now.
* ``GET /v1/safety/flags?id=<id>``: one row of the queue, whatever its status, to those who may
  list it (an empty list for a row they may not see, as for a missing id). Every row carries
  its decisions (``decisions``, oldest first: id, status, reviewer, time, note, ``supersedes``
  and ``superseded_by``; ``decision_id`` is the latest, the one the row shows) and
  ``can_correct``.
* ``POST /v1/safety/flags/{id}/review`` ``{"status": "confirmed"|"dismissed", "note": "...",
  "supersedes": <decision id>}`` (note at most 2,000 characters, nothing else): decides an open
  row, as ``labgate safety review`` does (one ``decide``). Platform admins decide any lab's
  rows, lab admins their own lab's; auditors read and do not decide, nor do users and project
  leads (403 whatever the id). A row the caller may not see (another lab's for a lab admin, a
  model above their clearance) or that does not exist is 404, the same answer; a row on the
  caller's own requests (or one of a group's) is 403 ``own_flag``; a row decided already is
  409 ``flag_already_reviewed``, naming its status and its latest decision (a stale double
  click). With ``supersedes`` it is a *correction*: a new decision on a decided row that
  supersedes its latest decision, which stays on record. It needs a reason (400
  ``note_required``; a note of only invisible characters, such as U+200B, is none), a person
  who has not decided the row yet (403 ``own_decision`` for the reviewer of the decision
  corrected, or of any earlier decision of the row: nobody decides one row twice), the
  decision's id (404 ``decision_not_found`` for one not of this row; 409
  ``decision_superseded`` for one corrected already: of two corrections at once one wins), and
  that decision recorded in the audit log (409 ``decision_unrecorded`` while its record is
  being written). 200 with the row. Each decision is appended to the audit log
  (``safety.review``, target ``safety_flag:<id>``: the status, the decision's id and the one
  it ``supersedes`` with its status, the row's action, category, model and lab, the note's
  length, never its text); one the log cannot take is undone and answered 503
  ``audit_unavailable``. Every time a row and its decisions show is UTC with its offset
  (``+00:00``), on SQLite as on PostgreSQL.

Rows on a model that is no longer configured are shown only to readers cleared for the whole
range (:func:`_visible`, default deny); a row on the caller's own requests shows neither who
decided it nor the note, in the row or its decisions, unless it is a report they filed
(:func:`_private`); a NUL in any text
field or query parameter is a 400 (PostgreSQL's text refuses it).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy import Select, or_

from labgate.api.deps import current_principal, require_roles
from labgate.api.errors import APIError, forbidden, not_found, unavailable
from labgate.identity.principal import Principal, Role
from labgate.safety.flag_decisions import (
    MAX_NOTE_CHARS,
    Decided,
    DecisionNotFound,
    DecisionSuperseded,
    DecisionUnrecorded,
    FlagAlreadyReviewed,
    FlagNotFound,
    OwnDecision,
    ReasonRequired,
    decide,
    decision_people,
    decisions_of,
    is_blank,
    mark_recorded,
    review_details,
    undo_decision,
)
from labgate.safety.flags import (
    FLAG_STATUSES,
    OwnFlag,
    QueueOrder,
    made_by,
    queue_query,
    users_seen,
)
from labgate.safety.models import SafetyFlag, SafetyFlagDecision
from labgate.safety.reports import (
    MAX_COMMENT_CHARS,
    RefusalNotFound,
    file_report,
    report_json,
)

log = logging.getLogger("labgate.safety")

router = APIRouter(prefix="/v1/safety", tags=["safety"])

_reviewer = require_roles(Role.PLATFORM_ADMIN, Role.AUDITOR, Role.LAB_ADMIN)
# who decides: auditors read the queue but change nothing (docs/security.md)
_decider = require_roles(Role.PLATFORM_ADMIN, Role.LAB_ADMIN)


def _no_nul(value: str | None) -> str | None:
    """PostgreSQL's text columns refuse NUL (a 500 there, the failed statement's parameters in
    the log), so every text these routes take refuses it first: a 400 that never echoes it."""
    if value is not None and "\x00" in value:
        raise ValueError("must not contain a NUL character (\\u0000)")
    return value


# every text field and query parameter of these routes: no NUL, on SQLite and PostgreSQL alike
# (after the field's own constraints, which then still apply to the string itself)
NoNul = AfterValidator(_no_nul)


class ReportBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request_id: Annotated[str, Field(min_length=1, max_length=64), NoNul]
    comment: Annotated[str, Field(max_length=MAX_COMMENT_CHARS), NoNul] | None = None


class ReviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["confirmed", "dismissed"]
    note: Annotated[str, Field(max_length=MAX_NOTE_CHARS), NoNul] | None = None
    # a correction: the id of the decision it supersedes (the flag's latest)
    supersedes: Annotated[int, Field(strict=True, ge=1, le=2**31 - 1)] | None = None


async def _append(
    request: Request, principal: Principal, name: str, target: str, details: dict[str, Any]
) -> None:
    """Append one ``name`` record to the audit log (nothing without one); raises what the log
    raises."""
    audit = getattr(request.app.state.services, "audit", None)
    if audit is None:
        return
    from labgate.tenancy.actions import admin_action
    from labgate.tenancy.wiring import admin_audit_record

    await audit.append(admin_audit_record(admin_action(principal, name, target, details)))


async def _audit(
    request: Request, principal: Principal, name: str, target: str, details: dict[str, Any]
) -> None:
    """:func:`_append` for a change that stands without its record (a report)."""
    try:
        await _append(request, principal, name, target, details)
    except Exception:  # noqa: BLE001 - the change is stored; the log says what was missed
        log.exception("could not append %s on %s to the audit log", name, target)


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
        row = filed.row
        details = {"report_id": row.id, "category": row.category, "comment_chars": len(comment)}
        await _audit(request, principal, "safety.report", f"request:{row.request_id}", details)
    else:
        response.status_code = 200
    return answer


def _iso(moment: datetime | None) -> str | None:
    """``moment`` as ISO 8601 in UTC with its offset: SQLite gives times back without their
    zone (stored as UTC), PostgreSQL with it, and a row just written holds the aware one."""
    if moment is None:
        return None
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat()


def _visible(query: Select[Any], principal: Principal, services: Any) -> Select[Any]:
    """``query`` narrowed to the rows ``principal`` may see: a lab admin their own lab's
    (platform admins and auditors every lab), and, where labels are on, only rows on a
    configured model their clearance covers (no read-up, docs/labels.md: a flag is its
    model's work, and work on a model is at most its accreditation). Default deny: a row on
    a model that is not configured (retired from [[models]], renamed) is shown only to a
    reader cleared for the whole range, who may see any model's work; rows on no model stay
    visible (they carry no model's work)."""
    if not principal.has_role(Role.PLATFORM_ADMIN, Role.AUDITOR):
        query = query.where(SafetyFlag.lab == principal.lab)
    access = getattr(services, "access", None)
    if access is not None and access.enabled and not access.may_read(principal, access.range_max):
        seen = [m for m in services.models if access.sees_model(principal, m)]
        query = query.where(or_(SafetyFlag.model.is_(None), SafetyFlag.model.in_(seen)))
    return query


def _private(row: SafetyFlag, principal: Principal, own: set[int]) -> dict[str, Any]:
    """What of the review the caller may not read on ``row``: on a row their own request made
    (or a group they sent too), who decided it and the note stay hidden (a note may say they
    are under investigation); a report they filed shows both (its reviewer answers them)."""
    if row.id not in own or (row.action == "report" and row.user_id == principal.user_id):
        return {}
    return {"reviewed_by": None, "review_note": None}


def _may_decide(principal: Principal, row: SafetyFlag) -> bool:
    """A platform admin decides any lab's row, a lab admin their own lab's (of the rows they
    may see at all, :func:`_visible`)."""
    if principal.has_role(Role.PLATFORM_ADMIN):
        return True
    return principal.has_role(Role.LAB_ADMIN) and row.lab == principal.lab


@router.get("/flags")
async def list_review_queue(
    request: Request,
    principal: Principal = Depends(_reviewer),
    status: Annotated[str | None, Query(pattern="^(open|confirmed|dismissed|all)$")] = None,
    action: Annotated[str | None, Query(pattern="^(flag|block|allow|report)$")] = None,
    category: Annotated[str | None, Query(max_length=64), NoNul] = None,
    order: Annotated[QueueOrder, Query()] = "recent",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    flag_id: Annotated[int | None, Query(alias="id", ge=1, le=2**31 - 1)] = None,
) -> dict[str, Any]:
    """The reviewers' queue, by last activity or most seen (a lab admin sees their own lab's
    rows), each row with its decisions and saying whether the caller may decide or correct
    it. ``?id=`` reads one row, whatever its status (none if the caller may not see it, as
    for a missing id)."""
    services = request.app.state.services
    if status is None:
        status = "all" if flag_id is not None else "open"
    query = queue_query(
        status=status if status in FLAG_STATUSES else None,
        category=category,
        action=action,
        order=order,
    )
    if flag_id is not None:
        query = query.where(SafetyFlag.id == flag_id)
    async with services.sessions() as session:
        result = await session.execute(_visible(query, principal, services).limit(limit))
        rows = result.scalars().all()
        data = await _rows_json(session, principal, rows)
    return {"object": "list", "data": data}


def _gone(flag_id: int) -> APIError:
    return not_found(f"no safety flag {flag_id} that you may see", code="flag_not_found")


async def _rows_json(
    session: Any, principal: Principal, rows: Sequence[SafetyFlag]
) -> list[dict[str, Any]]:
    """``rows`` as the queue shows them to ``principal``: each with its decisions, what of the
    review they may not read hidden, and whether they may decide or correct it now."""
    users = await users_seen(session, [r.id for r in rows if r.group_key is not None])
    own = await made_by(session, principal.user_id, [r.id for r in rows])
    history = await decisions_of(session, [r.id for r in rows if r.status != "open"])
    out = []
    for row in rows:
        decisions = history.get(row.id, [])
        hidden = _private(row, principal, own)
        out.append(
            _flag_json(row, users.get(row.id))
            | hidden
            | {
                "decision_id": decisions[-1].id if decisions else None,
                "decisions": _decisions_json(decisions, hidden=bool(hidden)),
                "can_review": _can_review(principal, row, own),
                "can_correct": _can_correct(principal, row, own, decisions),
            }
        )
    return out


def _decisions_json(
    decisions: Sequence[SafetyFlagDecision], *, hidden: bool
) -> list[dict[str, Any]]:
    """A row's decisions, oldest first; on a row of the caller's own requests without who
    decided nor the notes (:func:`_private`)."""
    after = {d.supersedes: d.id for d in decisions if d.supersedes is not None}
    return [
        {
            "object": "safety.flag.decision",
            "id": d.id,
            "status": d.status,
            "reviewed_by": None if hidden else d.reviewed_by,
            "reviewed_at": _iso(d.decided_at),
            "note": None if hidden else d.note,
            "supersedes": d.supersedes,
            "superseded_by": after.get(d.id),
            "via": d.via,
        }
        for d in decisions
    ]


def _can_review(principal: Principal, row: SafetyFlag, own: set[int]) -> bool:
    """Whether ``principal`` may decide ``row`` now: open, theirs to decide, not their own."""
    return row.status == "open" and _may_decide(principal, row) and row.id not in own


def _can_correct(
    principal: Principal, row: SafetyFlag, own: set[int], decisions: Sequence[SafetyFlagDecision]
) -> bool:
    """Whether ``principal`` may correct ``row``'s latest decision now: theirs to decide, not
    their own request, no decision of its history theirs (nobody decides a row twice), and
    that decision recorded in the audit log."""
    return (
        row.status != "open"
        and bool(decisions)
        and _may_decide(principal, row)
        and row.id not in own
        and all(principal.user_id not in decision_people(d) for d in decisions)
        and decisions[-1].recorded_at is not None
    )


@router.post("/flags/{flag_id}/review")
async def decide_flag(
    flag_id: Annotated[int, Path(ge=1, le=2**31 - 1, description="The row's id (from the queue).")],
    body: ReviewBody,
    request: Request,
    principal: Principal = Depends(_decider),
) -> dict[str, Any]:
    """Decide an open row of the queue: ``confirmed`` (real misuse) or ``dismissed`` (a false
    alarm; a dismissed group's repeats are counted and not queued again); or, naming the
    decision it ``supersedes``, correct a decided row's latest decision with a reason."""
    services = request.app.state.services
    note = (body.note or "").strip()
    if is_blank(note):  # only invisible characters (U+200B, U+2060, U+FEFF...): no note
        note = ""
    gone = _gone(flag_id)
    if body.supersedes is not None and not note:
        raise APIError(
            400,
            "a correction needs a reason: say in the note why the decision is corrected",
            code="note_required",
            param="note",
        )
    async with services.sessions.begin() as session:
        query = _visible(
            queue_query(status=None).where(SafetyFlag.id == flag_id), principal, services
        )
        row = (await session.execute(query)).scalars().first()
        if row is None:
            raise gone
        if not _may_decide(principal, row):
            raise forbidden(
                "a lab administrator decides only their own lab's flags", code="not_your_lab"
            )
        try:
            decided = await decide(
                session,
                flag_id,
                reviewer=principal.user_id,
                outcome=body.status,
                note=note,
                supersedes=body.supersedes,
                via="api",
            )
        except FlagNotFound:
            raise gone from None
        except OwnFlag as exc:
            raise forbidden(str(exc), code="own_flag") from None
        except OwnDecision as exc:
            raise forbidden(str(exc), code="own_decision") from None
        except ReasonRequired as exc:  # the check above answers first; kept for the rule
            raise APIError(400, str(exc), code="note_required", param="note") from None
        except DecisionNotFound:
            raise not_found(
                f"no decision {body.supersedes} on safety flag {flag_id}",
                code="decision_not_found",
                param="supersedes",
            ) from None
        except DecisionSuperseded as exc:
            raise APIError(409, str(exc), code="decision_superseded", param="supersedes") from None
        except DecisionUnrecorded as exc:
            raise APIError(409, str(exc), code="decision_unrecorded", param="supersedes") from None
        except FlagAlreadyReviewed as exc:
            raise APIError(409, str(exc), code="flag_already_reviewed", param="status") from None
        row = decided.row
        [answer] = await _rows_json(session, principal, [row])
    await _record_decision(request, principal, decided, note)
    return answer


async def _record_decision(
    request: Request, principal: Principal, decided: Decided, note: str
) -> None:
    """Append the decision's ``safety.review`` record, then mark the decision recorded (only
    then may it be superseded); a decision the log cannot take is undone and answered 503 (a
    decision never stands without its record, and none supersedes it before it has one)."""
    services = request.app.state.services
    row = decided.row
    details = review_details(decided, note)
    try:
        await _append(request, principal, "safety.review", f"safety_flag:{row.id}", details)
    except Exception:  # noqa: BLE001 - a decision never stands without its record
        log.exception("could not append safety.review on flag %s: the decision is undone", row.id)
        try:
            async with services.sessions.begin() as session:
                undone = await undo_decision(session, decided)
            if not undone:
                log.error(
                    "decision %s on flag %s has no audit record and was superseded before it "
                    "could be undone",
                    decided.decision.id,
                    row.id,
                )
        except Exception:  # noqa: BLE001 - the answer is still the 503
            log.exception("could not undo the unrecorded decision on flag %s", row.id)
        raise unavailable(
            "labgate could not record this decision in its audit log, so it was not made "
            "(the flag is as it was); try again shortly",
            retry_after_s=5,
            code="audit_unavailable",
        ) from None
    try:
        async with services.sessions.begin() as session:
            await mark_recorded(session, decided)
    except Exception:  # noqa: BLE001 - made and recorded; only its correction waits
        log.exception(
            "decision %s on flag %s is recorded in the audit log but could not be marked so: "
            "it cannot be corrected until recorded_at is set",
            decided.decision.id,
            row.id,
        )


def _flag_json(row: SafetyFlag, users: int | None = None) -> dict[str, Any]:
    if row.action == "report":
        return report_json(row) | {"user_id": row.user_id, "lab": row.lab, "model": row.model}
    seen = row.last_seen_at or row.created_at
    return {
        "object": "safety.flag",
        "id": row.id,
        "request_id": row.request_id,
        "created_at": _iso(row.created_at),
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
        "last_seen_at": _iso(seen),
        "last_request_id": row.last_request_id or row.request_id,
        "reviewed_by": row.reviewed_by,
        "reviewed_at": _iso(row.reviewed_at),
        "review_note": row.review_note,
    }
