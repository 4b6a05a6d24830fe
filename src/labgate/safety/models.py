"""The ``safety_flags`` table: guardrail decisions that a person should look at.

A row is written for every request the guardrail flagged or blocked (and for every use of a
clearance allowance), so reviewers can confirm real misuse and find false refusals. It holds the
decision and who asked, never the text: only its SHA-256 and length, which join it to the audit
record (where the text is kept under the audit area's protection).

Except one kind: a flag that rests on the client's own instructions alone (a system or
developer message, :attr:`labgate.safety.decision.Decision.instructions_sha256`) is one row per
distinct instruction text (``group_key``, unique), and each repeat counts on it
(``seen_count``, ``last_seen_at``, ``last_request_id``; who, in ``safety_flag_users``) whatever
its status: a coding agent sends the same developer prompt on every turn (issue 21).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from labgate.store.base import Base


class SafetyFlag(Base):
    """One flagged or blocked request (or response), awaiting or after review."""

    __tablename__ = "safety_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    request_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(128))
    lab: Mapped[str | None] = mapped_column(String(128))
    project: Mapped[str | None] = mapped_column(String(128))
    model: Mapped[str | None] = mapped_column(String(128))
    direction: Mapped[str] = mapped_column(String(16), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    category: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float, nullable=False)
    stage: Mapped[str] = mapped_column(String(16), nullable=False)
    decision: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    text_chars: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    reviewed_by: Mapped[str | None] = mapped_column(String(128))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_note: Mapped[str | None] = mapped_column(Text)
    # a flag on instructions alone: SHA-256 of the instruction text, and of what separates
    # its groups (labgate.safety.flags.group_key); None for every other row
    instructions_sha256: Mapped[str | None] = mapped_column(String(64))
    group_key: Mapped[str | None] = mapped_column(String(64))
    # how many requests this row stands for (1 unless grouped), the latest of them and when
    seen_count: Mapped[int] = mapped_column(
        Integer, nullable=False, default=1, server_default=text("1")
    )
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_request_id: Mapped[str | None] = mapped_column(String(64))

    # Reviewers list open flags newest first, optionally by category. One row per group: a
    # unique index (NULLs, every ungrouped row, never clash) that two replicas' upserts of the
    # same new group meet on.
    __table_args__ = (
        Index("ix_safety_flags_status_created_at", "status", "created_at"),
        Index("ix_safety_flags_category", "category"),
        Index("ix_safety_flags_request_id", "request_id"),
        Index("ux_safety_flags_group_key", "group_key", unique=True),
    )


class SafetyFlagUser(Base):
    """Who made the repeats of a grouped flag: one row per (flag, user), counted."""

    __tablename__ = "safety_flag_users"

    flag_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("safety_flags.id", ondelete="CASCADE"), primary_key=True
    )
    # "" for a request with no principal
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    seen_count: Mapped[int] = mapped_column(Integer, nullable=False)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_request_id: Mapped[str | None] = mapped_column(String(64))


class SafetyFlagDecision(Base):
    """One reviewer's decision on a flag, kept for good: the flag's row shows the latest, and a
    correction is a new decision that names the one it supersedes (never an overwrite).

    ``supersedes`` is unique: a decision is superseded at most once, so of two corrections of
    the same decision at once the store keeps one (SQLite and PostgreSQL alike). A first
    decision supersedes nothing (NULLs never clash); the flag row's conditional update from
    ``open`` keeps it to one."""

    __tablename__ = "safety_flag_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # no cascade: a decision outlives nothing it was made on (flags are never deleted)
    flag_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("safety_flags.id"), nullable=False, index=True
    )
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    # a user id, or ``cli:<login>`` for the operator at the shell (``via`` says which path)
    reviewed_by: Mapped[str] = mapped_column(String(128), nullable=False)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # the reviewer's note (a correction's reason); may quote the prompt, never audited
    note: Mapped[str | None] = mapped_column(Text)
    supersedes: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("safety_flag_decisions.id"), unique=True
    )
    # "api", "cli", or "migration" for a decision recorded before this table
    via: Mapped[str] = mapped_column(String(16), nullable=False)
    # a decision made at the shell: the person there, ``cli:<login>`` (the process's login),
    # whatever --reviewer named; None for the API's and migrated decisions. Two-person rule:
    # no login (nor user id) makes two decisions in one flag's history (migration 0021)
    operator: Mapped[str | None] = mapped_column(String(128))
    # when its ``safety.review`` audit record was appended: None while that record is being
    # written (the decision is undone if it cannot be), and only a recorded decision may be
    # superseded (migration 0021; earlier decisions count as recorded)
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
