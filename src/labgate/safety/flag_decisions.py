"""Reviewers' decisions on a recorded flag (:mod:`labgate.safety.flags`), and their corrections.

``decide`` closes an open flag as ``confirmed`` (real misuse) or ``dismissed`` (a false
alarm, which is how false refusals are found and fed back into the benign set), for the CLI and
``POST /v1/safety/flags/{id}/review`` alike. A decision stays on record for good
(``safety_flag_decisions``; the flag row shows the latest): a second decision on a decided row is
refused (:class:`FlagAlreadyReviewed`, a stale double click), and a reviewer who made the flagged
request, or one of a group's, decides nothing on it (:class:`~labgate.safety.flags.OwnFlag`). A
mistaken decision is put right by a *correction*: a new decision that names the one it
supersedes (the flag's latest, else :class:`DecisionSuperseded`; recorded in the audit log
already, else :class:`DecisionUnrecorded`), with a reason (:class:`ReasonRequired`: a note of
more than invisible characters), made by someone who made no decision in the flag's history
(:class:`OwnDecision`: no user id, nor at the shell the operator's login, decides one flag twice,
so the decider never undoes the correction of their own decision). A decision is superseded at
most once (a unique key), so two corrections at once make one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from labgate.safety.flags import OwnFlag, made_by
from labgate.safety.models import SafetyFlag, SafetyFlagDecision

ReviewOutcome = Literal["confirmed", "dismissed"]
REVIEW_OUTCOMES: tuple[ReviewOutcome, ...] = ("confirmed", "dismissed")
# a reviewer's note: free text, and it may quote the flagged prompt (so it is never copied into
# the audit log, only its length)
MAX_NOTE_CHARS = 2000


class FlagNotFound(LookupError):
    """No flag has that id."""


class FlagAlreadyReviewed(Exception):
    """The flag was decided already (its status, who and when are on ``row``; ``decision`` is
    the latest decision's id): a decision is never overwritten, so two reviewers at once get
    one decision and one refusal. A correction names the decision it supersedes."""

    def __init__(self, row: SafetyFlag, decision: int | None = None) -> None:
        when = row.reviewed_at.strftime("%Y-%m-%d %H:%M UTC") if row.reviewed_at else "earlier"
        fix = (
            f"; to correct it, another reviewer makes a new decision that supersedes decision "
            f"{decision}, with a reason"
            if decision is not None
            else ""
        )
        super().__init__(
            f"safety flag {row.id} is already {row.status} (by {row.reviewed_by or 'unknown'}, "
            f"{when}){fix}"
        )
        self.row = row
        self.decision = decision


class DecisionNotFound(LookupError):
    """A correction names no decision of this flag (none of that id, another flag's, or the
    flag is still open)."""


class DecisionSuperseded(Exception):
    """A correction names a decision that was corrected already (``latest``: the flag's
    latest decision, when known): the reviewer's view was stale, or another correction won."""

    def __init__(self, flag_id: int, decision: int, latest: int | None) -> None:
        now = f"; the flag's latest decision is {latest}" if latest is not None else ""
        super().__init__(
            f"decision {decision} on safety flag {flag_id} was superseded already{now}: "
            "read the flag again before correcting it"
        )
        self.latest = latest


class OwnDecision(PermissionError):
    """The corrector made the decision being corrected, or another decision in the flag's
    history (as a user, or as the operator at the shell): a correction takes a person who has
    not decided the flag yet."""


class DecisionUnrecorded(Exception):
    """A correction names a decision whose audit record is still being written (it is undone if
    the record cannot be written): try again once it is recorded."""


class ReasonRequired(ValueError):
    """A correction without a reason (its note empty, or only invisible characters)."""


# what a reason made of nothing else is blank: separators, format and control characters
# (U+200B, U+2060, U+FEFF, bidi marks, tabs, ...); str.strip() keeps most of them
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})


def is_blank(note: str | None) -> bool:
    """Whether ``note`` says nothing a reader can see: empty, or only whitespace, format and
    control characters (Unicode categories Cc, Cf, Zs, Zl, Zp)."""
    return not note or all(unicodedata.category(c) in _INVISIBLE for c in note)


@dataclass(frozen=True, slots=True)
class Decided:
    """What :func:`decide` made: the flag row (now showing it), the new decision, and the one
    it superseded (None for a first decision)."""

    row: SafetyFlag
    decision: SafetyFlagDecision
    superseded: SafetyFlagDecision | None


def decision_people(decision: SafetyFlagDecision) -> set[str]:
    """Who made ``decision``: its reviewer, and at the shell the operator's login too."""
    return {p for p in (decision.reviewed_by, decision.operator) if p}


def _check_note(note: str) -> None:
    if len(note) > MAX_NOTE_CHARS:
        raise ValueError(f"a note is at most {MAX_NOTE_CHARS} characters")
    if "\x00" in note:  # PostgreSQL's text refuses it: one rule for every store
        raise ValueError("a note must not contain a NUL character (\\u0000)")


async def decide(
    session: AsyncSession,
    flag_id: int,
    *,
    reviewer: str,
    outcome: ReviewOutcome,
    note: str = "",
    supersedes: int | None = None,
    via: str = "api",
    operator: str | None = None,
) -> Decided:
    """Record ``reviewer``'s decision on a flag: a first decision on an open flag
    (``supersedes`` None), or a correction of the flag's latest decision ``supersedes``.

    Raises :class:`FlagNotFound`, :class:`OwnFlag` (``reviewer`` made the request, or one of a
    group's), and for a first decision :class:`FlagAlreadyReviewed` (decided before: the update
    is conditional on the row still being open, so of two reviewers at once one wins); for a
    correction :class:`ReasonRequired` (no note, or one of invisible characters only,
    :func:`is_blank`), :class:`DecisionNotFound` (no decision of this flag has that id),
    :class:`OwnDecision` (``reviewer``, or ``operator``, made it), :class:`DecisionSuperseded`
    (corrected already: a decision is superseded at most once, a unique key, so of two
    corrections at once one wins), :class:`OwnDecision` again (``reviewer`` or ``operator``
    made another decision of the flag's history: nobody decides one flag twice) and
    :class:`DecisionUnrecorded` (its audit record not written yet, :func:`mark_recorded`).
    ``operator`` is the person at the shell (``cli:<login>``) for a CLI decision, recorded on
    it and held to the same rule as the reviewer. The caller's transaction holds both the flag
    row's change and the decision's row."""
    if outcome not in REVIEW_OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(REVIEW_OUTCOMES)}")
    _check_note(note)
    if not reviewer:
        raise ValueError("a decision needs its reviewer")
    if supersedes is not None and is_blank(note):
        raise ReasonRequired("a correction needs a reason: say in the note why it is corrected")
    row = await session.get(SafetyFlag, flag_id, populate_existing=True)
    if row is None:
        raise FlagNotFound(f"no safety flag with id {flag_id}")
    if await made_by(session, reviewer, [flag_id]):
        raise OwnFlag(f"safety flag {flag_id} is on your own requests: another reviewer decides it")
    now = datetime.now(UTC)
    if supersedes is None:
        changed = await session.execute(
            update(SafetyFlag)
            .where(SafetyFlag.id == flag_id, SafetyFlag.status == "open")
            .values(status=outcome, reviewed_by=reviewer, reviewed_at=now, review_note=note or None)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            await session.refresh(row)
            raise FlagAlreadyReviewed(row, await _latest_id(session, flag_id))
        superseded = None
    else:
        superseded = (
            await session.execute(
                select(SafetyFlagDecision).where(
                    SafetyFlagDecision.id == supersedes, SafetyFlagDecision.flag_id == flag_id
                )
            )
        ).scalar_one_or_none()
        if superseded is None:
            raise DecisionNotFound(f"no decision {supersedes} on safety flag {flag_id}")
        people = {p for p in (reviewer, operator) if p}
        if people & decision_people(superseded):
            raise OwnDecision(
                f"decision {supersedes} on safety flag {flag_id} is your own"
                + (" (made at this shell)" if superseded.reviewed_by != reviewer else "")
                + ": another reviewer corrects it (two people)"
            )
        latest = await _latest_id(session, flag_id)
        if latest != supersedes:
            raise DecisionSuperseded(flag_id, supersedes, latest)
        history = (
            await session.execute(
                select(SafetyFlagDecision).where(SafetyFlagDecision.flag_id == flag_id)
            )
        ).scalars()
        mine = sorted(d.id for d in history if people & decision_people(d))
        if mine:
            raise OwnDecision(
                f"you made decision {mine[0]} in safety flag {flag_id}'s history: nobody decides "
                "a flag twice, so another reviewer, who has not decided it, corrects it"
            )
        if superseded.recorded_at is None:
            raise DecisionUnrecorded(
                f"decision {supersedes} on safety flag {flag_id} is still being recorded in the "
                "audit log (a decision without its record is undone): read the flag again "
                "shortly before correcting it"
            )
    decision = SafetyFlagDecision(
        flag_id=flag_id,
        status=outcome,
        reviewed_by=reviewer,
        decided_at=now,
        note=note or None,
        supersedes=supersedes,
        via=via,
        operator=operator,
    )
    session.add(decision)
    try:
        await session.flush()
    except IntegrityError:  # another correction of the same decision got there first
        if supersedes is None:
            raise
        raise DecisionSuperseded(flag_id, supersedes, None) from None
    if supersedes is not None:
        await session.execute(
            update(SafetyFlag)
            .where(SafetyFlag.id == flag_id)
            .values(status=outcome, reviewed_by=reviewer, reviewed_at=now, review_note=note or None)
            .execution_options(synchronize_session=False)
        )
    await session.refresh(row)
    return Decided(row, decision, superseded)


async def _latest_id(session: AsyncSession, flag_id: int) -> int | None:
    result = await session.execute(
        select(func.max(SafetyFlagDecision.id)).where(SafetyFlagDecision.flag_id == flag_id)
    )
    latest = result.scalar_one_or_none()
    return int(latest) if latest is not None else None


async def decisions_of(
    session: AsyncSession, flag_ids: Sequence[int]
) -> dict[int, list[SafetyFlagDecision]]:
    """Each of ``flag_ids``' decisions, oldest first (the last is the one its row shows)."""
    if not flag_ids:
        return {}
    result = await session.execute(
        select(SafetyFlagDecision)
        .where(SafetyFlagDecision.flag_id.in_(list(flag_ids)))
        .order_by(SafetyFlagDecision.flag_id, SafetyFlagDecision.id)
    )
    out: dict[int, list[SafetyFlagDecision]] = {}
    for decision in result.scalars():
        out.setdefault(decision.flag_id, []).append(decision)
    return out


def review_details(decided: Decided, note: str) -> dict[str, Any]:
    """The ``safety.review`` audit record's details of a decision (the API's and the CLI's):
    never the note's text, only its length."""
    row, superseded = decided.row, decided.superseded
    return {
        "flag_id": row.id,
        "status": decided.decision.status,
        "decision_id": decided.decision.id,
        "supersedes": superseded.id if superseded is not None else None,
        "superseded_status": superseded.status if superseded is not None else None,
        "superseded_by_user": superseded.reviewed_by if superseded is not None else None,
        "action": row.action,
        "category": row.category,
        # the record names the model, so only readers cleared for it open the record
        "model": row.model,
        "flag_lab": row.lab,
        "grouped": row.group_key is not None,
        "seen_count": row.seen_count or 1,
        "note_chars": len(note),
    }


async def mark_recorded(session: AsyncSession, decided: Decided) -> None:
    """Say that ``decided``'s audit record was appended: from now on it may be superseded."""
    await session.execute(
        update(SafetyFlagDecision)
        .where(SafetyFlagDecision.id == decided.decision.id)
        .values(recorded_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )


async def undo_decision(session: AsyncSession, decided: Decided) -> bool:
    """Take back a decision whose audit record could not be written (a decision never stands
    without its record): its row goes (it was never made), and the flag row shows what it
    showed before (open, or the superseded decision). Only while nothing supersedes it; True
    if undone."""
    new = decided.decision
    gone = await session.execute(
        delete(SafetyFlagDecision)
        .where(
            SafetyFlagDecision.id == new.id,
            ~exists().where(SafetyFlagDecision.supersedes == new.id),
        )
        .execution_options(synchronize_session=False)
    )
    if not gone.rowcount:  # type: ignore[attr-defined]
        return False
    old = decided.superseded
    values: dict[str, Any] = (
        {"status": "open", "reviewed_by": None, "reviewed_at": None, "review_note": None}
        if old is None
        else {
            "status": old.status,
            "reviewed_by": old.reviewed_by,
            "reviewed_at": old.decided_at,
            "review_note": old.note,
        }
    )
    await session.execute(
        update(SafetyFlag)
        .where(
            SafetyFlag.id == new.flag_id,
            SafetyFlag.status == new.status,
            SafetyFlag.reviewed_by == new.reviewed_by,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return True
