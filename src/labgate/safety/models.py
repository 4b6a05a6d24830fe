"""The ``safety_flags`` table: guardrail decisions that a person should look at.

A row is written for every request the guardrail flagged or blocked (and for every use of a
clearance allowance), so reviewers can confirm real misuse and find false refusals. It holds the
decision and who asked, never the text: only its SHA-256 and length, which join it to the audit
record (where the text is kept under the audit area's protection).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Index, Integer, String, Text
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

    # Reviewers list open flags newest first, optionally by category.
    __table_args__ = (
        Index("ix_safety_flags_status_created_at", "status", "created_at"),
        Index("ix_safety_flags_category", "category"),
        Index("ix_safety_flags_request_id", "request_id"),
    )
