"""Tables the quota module keeps in labgate's database.

``quota_usage`` is the durable record of each project's spend per period (the database backend
counts in it directly; the Redis backend flushes into it so spend survives a Redis restart).
``quota_reservations`` holds the database backend's open reservations with their expiry, so a
crashed replica's holds are swept back. The two ``quota_key_*`` tables carry key revocations to
every replica when there is no Redis to publish them on.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from labgate.store.base import Base

PROJECT_ID_LENGTH = 128
PERIOD_KEY_LENGTH = 32


class QuotaUsage(Base):
    """Spend of one project in one budget period, in budget units.

    ``used`` is settled usage; ``reserved`` is the sum of open reservations (database backend
    only; the Redis backend keeps its reservations in Redis and leaves this at 0).
    """

    __tablename__ = "quota_usage"

    project_id: Mapped[str] = mapped_column(String(PROJECT_ID_LENGTH), primary_key=True)
    period: Mapped[str] = mapped_column(String(PERIOD_KEY_LENGTH), primary_key=True)
    used: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    reserved: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    period_ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    # Seeding Redis at start-up reads the rows of periods that have not ended yet.
    __table_args__ = (Index("ix_quota_usage_period_ends_at", "period_ends_at"),)


class QuotaReservation(Base):
    """An open hold on a project's budget (database backend), reclaimed after ``expires_at``."""

    __tablename__ = "quota_reservations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(PROJECT_ID_LENGTH), nullable=False)
    period: Mapped[str] = mapped_column(String(PERIOD_KEY_LENGTH), nullable=False)
    amount: Mapped[int] = mapped_column(BigInteger, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    # The sweeper's only query: reservations whose expiry has passed.
    __table_args__ = (Index("ix_quota_reservations_expires_at", "expires_at"),)


class QuotaKeyVersion(Base):
    """A single-row counter; bumping it under its row lock orders revocations by commit."""

    __tablename__ = "quota_key_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class QuotaKeyEvent(Base):
    """One "key revoked or changed" event, numbered by the version it bumped the counter to."""

    __tablename__ = "quota_key_events"

    version: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    key_id: Mapped[str] = mapped_column(String(128), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (Index("ix_quota_key_events_created_at", "created_at"),)


USAGE_TABLE = cast(Table, QuotaUsage.__table__)
RESERVATIONS_TABLE = cast(Table, QuotaReservation.__table__)
KEY_VERSION_TABLE = cast(Table, QuotaKeyVersion.__table__)
KEY_EVENTS_TABLE = cast(Table, QuotaKeyEvent.__table__)

QUOTA_TABLES: tuple[Table, ...] = (
    USAGE_TABLE,
    RESERVATIONS_TABLE,
    KEY_VERSION_TABLE,
    KEY_EVENTS_TABLE,
)
"""Every table of this module, for ``Base.metadata.create_all(tables=...)`` in tests."""
