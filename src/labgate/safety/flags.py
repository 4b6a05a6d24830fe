"""Recording flagged decisions and listing them for reviewers.

``record_decision`` is called by the gateway after a check (off the response path is fine: it
is one INSERT); ``list_flags`` backs ``labgate safety flags`` and any reviewer page;
``review_flag`` closes a flag as ``confirmed`` (real misuse) or ``dismissed`` (a false alarm,
which is how false refusals are found and fed back into the benign set).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from labgate.identity.principal import Principal
from labgate.safety.categories import Action
from labgate.safety.decision import Decision
from labgate.safety.models import SafetyFlag

ReviewOutcome = Literal["confirmed", "dismissed"]
FLAG_STATUSES = ("open", "confirmed", "dismissed")


class FlagNotFound(LookupError):
    """No flag has that id."""


def should_record(decision: Decision) -> bool:
    """Flags and blocks go to reviewers, and so does every use of a clearance allowance."""
    return decision.action is not Action.ALLOW or bool(decision.allowances_used)


@dataclass(frozen=True, slots=True)
class FlagContext:
    """Who asked, and what, identified without the text itself."""

    request_id: str | None = None
    principal: Principal | None = None
    model: str | None = None
    text: str | None = None


async def record_decision(
    session: AsyncSession, decision: Decision, context: FlagContext
) -> SafetyFlag | None:
    """Store ``decision`` for review if it needs one; returns the row, or None if not stored."""
    if not should_record(decision):
        return None
    principal = context.principal
    text = context.text
    row = SafetyFlag(
        created_at=datetime.now(UTC),
        request_id=context.request_id,
        user_id=principal.user_id if principal else None,
        lab=principal.lab if principal else None,
        project=principal.project if principal else None,
        model=context.model,
        direction=decision.direction,
        action=decision.action.value,
        category=decision.category.value if decision.category else None,
        score=float(decision.score),
        stage=decision.stage.value,
        decision=decision.to_audit(),
        text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest() if text else None,
        text_chars=len(text) if text else None,
        status="open",
    )
    session.add(row)
    await session.flush()
    return row


async def list_flags(
    session: AsyncSession,
    *,
    status: str | None = "open",
    category: str | None = None,
    action: str | None = None,
    limit: int = 100,
) -> Sequence[SafetyFlag]:
    """Flags for reviewers, newest first; ``status=None`` lists every status."""
    query = select(SafetyFlag).order_by(SafetyFlag.created_at.desc(), SafetyFlag.id.desc())
    if status is not None:
        query = query.where(SafetyFlag.status == status)
    if category is not None:
        query = query.where(SafetyFlag.category == category)
    if action is not None:
        query = query.where(SafetyFlag.action == action)
    result = await session.execute(query.limit(limit))
    return result.scalars().all()


async def review_flag(
    session: AsyncSession, flag_id: int, *, reviewer: str, outcome: ReviewOutcome, note: str = ""
) -> SafetyFlag:
    """Close a flag with a reviewer's verdict."""
    row = await session.get(SafetyFlag, flag_id)
    if row is None:
        raise FlagNotFound(f"no safety flag with id {flag_id}")
    row.status = outcome
    row.reviewed_by = reviewer
    row.reviewed_at = datetime.now(UTC)
    row.review_note = note or None
    await session.flush()
    return row
