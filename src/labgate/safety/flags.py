"""Recording flagged decisions and listing them for reviewers.

``record_decision`` is called by the gateway after a check (off the response path is fine: it
is one INSERT); ``list_flags`` backs ``labgate safety flags`` and any reviewer page;
``review_flag`` closes a flag as ``confirmed`` (real misuse) or ``dismissed`` (a false alarm,
which is how false refusals are found and fed back into the benign set).

A flag that rests on the client's own instructions alone (its system or developer message,
``Decision.instructions_sha256``) is grouped: one row per distinct instruction text and lab,
project, model, direction and category (:func:`group_key`), and each later request that makes the
same flag counts on that row (``seen_count``, ``last_seen_at``, ``last_request_id``; per user in
``safety_flag_users``) instead of adding one, whatever the row's status. So a coding agent's
developer prompt, sent on every turn, is one open flag; once dismissed its repeats are counted
there and not queued again; once confirmed it stays confirmed, its count still growing. One
byte of the text changed is another group. Blocks, user-message flags and allowance uses are
never grouped, and every request's audit record keeps its own decision. The row is an upsert
on a unique key, so replicas recording the same new group at once make one row, and no count
is lost (SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from labgate.identity.principal import Principal
from labgate.quota.usage_store import dialect_insert
from labgate.safety.categories import Action
from labgate.safety.decision import Decision
from labgate.safety.models import SafetyFlag, SafetyFlagUser

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


def grouped(decision: Decision) -> bool:
    """Whether ``decision`` is one of a group: a flag (never a block) of a request whose
    instructions alone make it, and no allowance used."""
    return (
        decision.action is Action.FLAG
        and decision.direction == "input"
        and decision.instructions_sha256 is not None
        and not decision.allowances_used
    )


def group_key(decision: Decision, principal: Principal | None, model: str | None = None) -> str:
    """What one group of flags shares: the instruction text (its SHA-256), and the lab,
    project, model, direction and category (a lab's dismissal is not another lab's, and a
    model's flags are read only by those cleared for it: no count of work on a model above a
    reader's clearance lands on a row that reader sees)."""
    parts = [
        "safety-flag-group/1",
        decision.instructions_sha256 or "",
        (principal.lab or "") if principal else "",
        (principal.project or "") if principal else "",
        model or "",
        decision.direction,
        decision.action.value,
        decision.category.value if decision.category else "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _row_fields(decision: Decision, context: FlagContext, now: datetime) -> dict[str, Any]:
    """A flag row's fields for ``decision``: who asked, and what, identified without the text."""
    principal = context.principal
    text = context.text
    return {
        "created_at": now,
        "request_id": context.request_id,
        "user_id": principal.user_id if principal else None,
        "lab": principal.lab if principal else None,
        "project": principal.project if principal else None,
        "model": context.model,
        "direction": decision.direction,
        "action": decision.action.value,
        "category": decision.category.value if decision.category else None,
        "score": float(decision.score),
        "stage": decision.stage.value,
        "decision": decision.to_audit(),
        "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest() if text else None,
        "text_chars": len(text) if text else None,
        "status": "open",
    }


async def record_decision(
    session: AsyncSession, decision: Decision, context: FlagContext
) -> SafetyFlag | None:
    """Store ``decision`` for review if it needs one; returns the row, or None if not stored.
    A grouped flag (:func:`grouped`) returns its group's row, counted."""
    if not should_record(decision):
        return None
    if grouped(decision):
        return await _record_in_group(session, decision, context)
    row = SafetyFlag(**_row_fields(decision, context, datetime.now(UTC)))
    session.add(row)
    await session.flush()
    return row


async def _record_in_group(
    session: AsyncSession, decision: Decision, context: FlagContext
) -> SafetyFlag:
    """One upsert on the group's row (a new open row, or one more on the count, its status
    kept), then one on its user's count."""
    now = datetime.now(UTC)
    principal = context.principal
    bind = session.get_bind()
    values = {
        **_row_fields(decision, context, now),
        "instructions_sha256": decision.instructions_sha256,
        "group_key": group_key(decision, principal, context.model),
        "seen_count": 1,
        "last_seen_at": now,
        "last_request_id": context.request_id,
    }
    flag = dialect_insert(bind, SafetyFlag).values(**values)
    flag = flag.on_conflict_do_update(
        index_elements=[SafetyFlag.group_key],
        set_={
            "seen_count": SafetyFlag.seen_count + 1,
            "last_seen_at": flag.excluded.last_seen_at,
            "last_request_id": flag.excluded.last_request_id,
        },
    ).returning(SafetyFlag.id)
    flag_id = (await session.execute(flag)).scalar_one()
    user = dialect_insert(bind, SafetyFlagUser).values(
        flag_id=flag_id,
        user_id=(principal.user_id if principal else None) or "",
        seen_count=1,
        first_seen_at=now,
        last_seen_at=now,
        last_request_id=context.request_id,
    )
    user = user.on_conflict_do_update(
        index_elements=[SafetyFlagUser.flag_id, SafetyFlagUser.user_id],
        set_={
            "seen_count": SafetyFlagUser.seen_count + 1,
            "last_seen_at": user.excluded.last_seen_at,
            "last_request_id": user.excluded.last_request_id,
        },
    ).returning(SafetyFlagUser.seen_count)
    users_count = (await session.execute(user)).scalar_one()
    row = await session.get(SafetyFlag, flag_id, populate_existing=True)
    assert row is not None
    if row.status == "confirmed" and users_count == 1:
        # instructions confirmed as misuse, now sent by someone who was not part of that
        # review: a reviewer must see this user (a dismissed text's new users are only
        # counted: it was a false alarm whoever sends it)
        audit = decision.to_audit()
        audit["reasons"] = [
            *audit["reasons"],
            f"the instructions of confirmed flag {row.id}, sent by a user new to it",
        ]
        values = {
            **values,
            "decision": audit,
            "group_key": None,
            "seen_count": 1,
        }
        session.add(SafetyFlag(**values))
        await session.flush()
    return row


async def users_seen(session: AsyncSession, flag_ids: Sequence[int]) -> dict[int, int]:
    """For each grouped flag among ``flag_ids``, how many users its requests came from."""
    if not flag_ids:
        return {}
    result = await session.execute(
        select(SafetyFlagUser.flag_id, func.count())
        .where(SafetyFlagUser.flag_id.in_(list(flag_ids)))
        .group_by(SafetyFlagUser.flag_id)
    )
    return {flag_id: count for flag_id, count in result.all()}


async def group_users(session: AsyncSession, flag_id: int) -> Sequence[SafetyFlagUser]:
    """Who made a grouped flag's requests, each with a count and their latest request id."""
    result = await session.execute(
        select(SafetyFlagUser)
        .where(SafetyFlagUser.flag_id == flag_id)
        .order_by(SafetyFlagUser.last_seen_at.desc(), SafetyFlagUser.user_id)
    )
    return result.scalars().all()


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
