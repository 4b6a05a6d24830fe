"""Schema additions of the tenancy area (Alembic migrations are generated from these).

``usage_events`` already has an index per report filter (lab, project, user, model, each with
``at``). A platform-wide report (platform admins, auditors) filters by time alone; without an
index led by ``at`` it would read the whole table, which is what brought a popular gateway's
spend reports down under load. This adds it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from labgate.store.base import Base
from labgate.store.tenancy import UsageEvent

USAGE_EVENTS = cast(Table, UsageEvent.__table__)

USAGE_AT_INDEX = Index("ix_usage_at", USAGE_EVENTS.c.at)
"""Serves usage reports over a time range with no other filter."""


class PendingAction(Base):
    """An action one person asked for that takes effect only when a second one approves it
    (see :mod:`labgate.tenancy.approvals`): a key minted for someone else, a grant of a
    clearance or of the auditor or platform-admin role, a member from another lab."""

    __tablename__ = "pending_actions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[str] = mapped_column(String(128))
    requester_lab: Mapped[str | None] = mapped_column(String(64), nullable=True)
    target_user_id: Mapped[str] = mapped_column(String(64), index=True)
    project_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    approver_lab: Mapped[str | None] = mapped_column(String(64), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_pending_actions_status", "status", "created_at"),)


class UserGrant(Base):
    """Who created an account and who raised it (a role or a clearance), and when: the
    two-person rule of transcripts reads it to tell whether two auditors were made by the same
    person (:func:`labgate.tenancy.approvals.sponsors_of`)."""

    __tablename__ = "user_grants"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    user_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str | None] = mapped_column(String(256), nullable=True)
    granted_by: Mapped[str] = mapped_column(String(128))
    approved_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_user_grants_user_at", "user_id", "at"),)
