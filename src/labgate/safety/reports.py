""" "This was wrongly refused": a requester's report that lands in the reviewers' queue.

Every refusal names its request id and says how to report it (the refusal text, the 400 body,
the chat page's button). ``POST /v1/safety/reports`` (:mod:`labgate.safety.routes`) calls
:func:`file_report`, which

* finds the guardrail's block of that request in the ``safety_flags`` table, **written under
  the caller's own user id**: only the requester of a refused request may report it (anyone
  else, or a request that was not refused, gets the same 404, so ids cannot be probed);
* stores the report as one more row of that table, ``action = "report"`` and ``status =
  "open"``, with the request id, the refused decision's category, score, stage and text digest
  (which join it to the audit record), and the requester's comment; so reviewers see it with
  the tools they already use (``labgate safety flags --action report``,
  ``GET /v1/safety/flags?action=report``) and close it with ``labgate safety review``;
* files one report per request and requester: reporting again returns the first report.

No migration: a report is a flag row whose ``direction`` is ``"report"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from labgate.identity.principal import Principal
from labgate.safety.models import SafetyFlag

REPORT = "report"
MAX_COMMENT_CHARS = 2000


class RefusalNotFound(LookupError):
    """No refusal of that request under the caller's user id."""


@dataclass(frozen=True, slots=True)
class Filed:
    row: SafetyFlag
    created: bool


def report_json(row: SafetyFlag) -> dict[str, Any]:
    """A report as the API shows it (to its requester and to reviewers)."""
    report = (row.decision or {}).get("report", {})
    return {
        "object": "safety.report",
        "id": row.id,
        "request_id": row.request_id,
        "status": row.status,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "category": row.category,
        "score": row.score,
        "comment": report.get("comment"),
        "refused_flag_id": report.get("refused_flag_id"),
        "reviewed_by": row.reviewed_by,
        "review_note": row.review_note,
    }


async def file_report(
    session: AsyncSession, principal: Principal, request_id: str, comment: str | None
) -> Filed:
    """Store ``principal``'s report that ``request_id`` was wrongly refused."""
    refused = (
        await session.execute(
            select(SafetyFlag)
            .where(
                SafetyFlag.request_id == request_id,
                SafetyFlag.user_id == principal.user_id,
                SafetyFlag.action == "block",
                SafetyFlag.direction != REPORT,
            )
            .order_by(SafetyFlag.id)
            .limit(1)
        )
    ).scalar_one_or_none()
    if refused is None:
        raise RefusalNotFound(request_id)
    existing = (
        await session.execute(
            select(SafetyFlag).where(
                SafetyFlag.request_id == request_id,
                SafetyFlag.user_id == principal.user_id,
                SafetyFlag.direction == REPORT,
            )
        )
    ).scalar_one_or_none()
    if existing is not None:
        return Filed(existing, created=False)
    row = SafetyFlag(
        created_at=datetime.now(UTC),
        request_id=request_id,
        user_id=principal.user_id,
        lab=principal.lab,
        project=principal.project,
        model=refused.model,
        direction=REPORT,
        action=REPORT,
        category=refused.category,
        score=refused.score,
        stage=refused.stage,
        decision={
            "report": {
                "comment": comment or None,
                "refused_flag_id": refused.id,
                "refused_direction": refused.direction,
            },
            "refused": refused.decision,
        },
        text_sha256=refused.text_sha256,
        text_chars=refused.text_chars,
        status="open",
    )
    session.add(row)
    await session.flush()
    return Filed(row, created=True)
