"""Recording flagged decisions and listing them for reviewers.

``record_decision`` is called by the gateway after a check (off the response path is fine: it
is one INSERT); ``queue_query`` is the queue's one query (its filters and its order: ``recent``
by last activity, ``seen`` by how many requests a row stands for), behind ``list_flags``
(``labgate safety flags``) and ``GET /v1/safety/flags``. Reviewers' decisions on a flag, and
their corrections, are :mod:`labgate.safety.flag_decisions`.

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

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from labgate.identity.principal import Principal
from labgate.quota.usage_store import dialect_insert
from labgate.safety.categories import Action
from labgate.safety.decision import Decision
from labgate.safety.models import SafetyFlag, SafetyFlagDecision, SafetyFlagUser

FLAG_STATUSES = ("open", "confirmed", "dismissed")
QueueOrder = Literal["recent", "seen"]
QUEUE_ORDERS: tuple[QueueOrder, ...] = ("recent", "seen")


class OwnFlag(PermissionError):
    """The reviewer made the flagged request (or one of a grouped row's requests)."""


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
    sender = principal.user_id if principal else None
    # any decision of the flag's history, not only the latest (a correction, even to the same
    # status, does not clear its first decider's own sends)
    decider = False
    if sender and users_count == 1 and row.status != "open":
        decider = row.reviewed_by == sender or await _decided_by(session, flag_id, sender)
    if users_count == 1 and (row.status == "confirmed" or decider):
        # instructions confirmed as misuse, now sent by someone who was not part of that
        # review: a reviewer must see this user (a dismissed text's new users are only
        # counted: it was a false alarm whoever sends it), and so must a decider's own later
        # sends, whatever they decided: no one's own use is cleared by their own decision
        audit = decision.to_audit()
        why = (
            f"the instructions of flag {row.id} (now {row.status}), decided by this user, "
            "now sent by them"
            if decider
            else f"the instructions of confirmed flag {row.id}, sent by a user new to it"
        )
        audit["reasons"] = [*audit["reasons"], why]
        values = {
            **values,
            "decision": audit,
            "group_key": None,
            "seen_count": 1,
        }
        session.add(SafetyFlag(**values))
        await session.flush()
    return row


async def _decided_by(session: AsyncSession, flag_id: int, user_id: str) -> bool:
    """Whether ``user_id`` made any decision in flag ``flag_id``'s history."""
    found = await session.execute(
        select(SafetyFlagDecision.id)
        .where(SafetyFlagDecision.flag_id == flag_id, SafetyFlagDecision.reviewed_by == user_id)
        .limit(1)
    )
    return found.first() is not None


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


def queue_query(
    *,
    status: str | None = "open",
    category: str | None = None,
    action: str | None = None,
    order: QueueOrder = "recent",
) -> Select[Any]:
    """The review queue's rows, ``status=None`` for every status. ``recent``: by last activity
    (a grouped row's latest request, else when the row was made), newest first; ``seen``: by
    how many requests a row stands for (``seen_count``), most first, then as ``recent``."""
    if order not in QUEUE_ORDERS:
        raise ValueError(f"order must be one of {', '.join(QUEUE_ORDERS)}")
    recent = (func.coalesce(SafetyFlag.last_seen_at, SafetyFlag.created_at).desc(),)
    keys = (SafetyFlag.seen_count.desc(), *recent) if order == "seen" else recent
    query = select(SafetyFlag).order_by(*keys, SafetyFlag.id.desc())
    if status is not None:
        query = query.where(SafetyFlag.status == status)
    if category is not None:
        query = query.where(SafetyFlag.category == category)
    if action is not None:
        query = query.where(SafetyFlag.action == action)
    return query


async def list_flags(
    session: AsyncSession,
    *,
    status: str | None = "open",
    category: str | None = None,
    action: str | None = None,
    order: QueueOrder = "recent",
    limit: int = 100,
) -> Sequence[SafetyFlag]:
    """Flags for reviewers in ``order`` (:func:`queue_query`); ``status=None`` lists every
    status."""
    query = queue_query(status=status, category=category, action=action, order=order)
    result = await session.execute(query.limit(limit))
    return result.scalars().all()


async def made_by(session: AsyncSession, user_id: str, flag_ids: Sequence[int]) -> set[int]:
    """Which of ``flag_ids`` ``user_id`` made: the row's own request, or one of a group's."""
    if not user_id or not flag_ids:
        return set()
    ids = list(flag_ids)
    own = await session.execute(
        select(SafetyFlag.id).where(SafetyFlag.id.in_(ids), SafetyFlag.user_id == user_id)
    )
    grouped_in = await session.execute(
        select(SafetyFlagUser.flag_id).where(
            SafetyFlagUser.flag_id.in_(ids), SafetyFlagUser.user_id == user_id
        )
    )
    return set(own.scalars()) | set(grouped_in.scalars())
