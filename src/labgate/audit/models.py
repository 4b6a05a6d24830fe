"""The audit area's tables (all named ``audit_*``), on the shared declarative base.

* ``audit_records``: one row per leaf: index, time, canonical JSON bytes, leaf hash, and the
  hashes of the perfect subtrees (level >= 1) the leaf completes, so proofs are point lookups,
  and on the last record of each batch the root: the highest record is the tree head.
* ``audit_checkpoints``: every signed checkpoint, as the exact note text that was published.
* ``audit_transcripts``: encrypted prompt, reasoning and response, keyed by record index.
* ``audit_access_requests``: the two-person rule's requests and approvals.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column

from labgate.store.base import Base

# SQLite makes an INTEGER PRIMARY KEY the rowid itself (no second index); PostgreSQL gets BIGINT.
IndexType = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("audit timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class AuditRecordRow(Base):
    """One leaf of the tree, with the hashes of the perfect subtrees it completes.

    The leaf at index ``c`` completes one subtree per trailing 1 bit of ``c``: at level
    ``l`` (1, 2, …) the node ``(l, c >> l)``. Their hashes are ``nodes``, level 1 first,
    32 bytes each (NULL when ``c`` is even and completes none), so the node ``(l, i)`` is
    bytes ``32·(l − 1)`` onwards of record ``((i + 1) << l) − 1``. Stored in the leaf's own
    row rather than a table of their own (migration 0009), a request's durable commit
    writes one page fewer.

    The last record of every committed batch also holds ``root``, the tree's root at size
    ``idx + 1``: the tree head is the highest record and its root, and a writer claims its
    indices by inserting them (a writer with a stale view of the tree collides on the primary
    key, reloads and rebuilds). Until migration 0010 a one-row table held the head, and every
    commit rewrote its page."""

    __tablename__ = "audit_records"

    idx: Mapped[int] = mapped_column(IndexType, primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    nodes: Mapped[bytes | None] = mapped_column(LargeBinary)
    root: Mapped[bytes | None] = mapped_column(LargeBinary(32))


class AuditCheckpointRow(Base):
    __tablename__ = "audit_checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class AuditTranscriptRow(Base):
    """One sealed transcript. No secondary indexes: each would be one more page in every
    request's durable commit (migration 0008), and only rare operator commands would use them."""

    __tablename__ = "audit_transcripts"

    record_idx: Mapped[int] = mapped_column(IndexType, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    project: Mapped[str | None] = mapped_column(String(256))
    lab: Mapped[str | None] = mapped_column(String(256))
    label: Mapped[str | None] = mapped_column(String(256))
    key_id: Mapped[str] = mapped_column(String(64), nullable=False)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    nonce: Mapped[bytes] = mapped_column(LargeBinary(12), nullable=False)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class AuditAccessRequestRow(Base):
    __tablename__ = "audit_access_requests"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    requester: Mapped[str] = mapped_column(String(256), nullable=False, index=True)
    requester_lab: Mapped[str | None] = mapped_column(String(256))
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    project: Mapped[str] = mapped_column(String(256), nullable=False)
    indices: Mapped[str | None] = mapped_column(Text)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_s: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    request_record: Mapped[int | None] = mapped_column(BigInteger)
    approver: Mapped[str | None] = mapped_column(String(256))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approval_record: Mapped[int | None] = mapped_column(BigInteger)
    # the request's label: its filer's clearance when filed; only auditors whose clearance
    # dominates it see the request, approve it, or read under it (docs/labels.md)
    label: Mapped[str | None] = mapped_column(String(256))


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


RECORDS = _table(AuditRecordRow)
CHECKPOINTS = _table(AuditCheckpointRow)
TRANSCRIPTS = _table(AuditTranscriptRow)
ACCESS_REQUESTS = _table(AuditAccessRequestRow)

AUDIT_TABLES = [RECORDS, CHECKPOINTS, TRANSCRIPTS, ACCESS_REQUESTS]
"""The tables this area owns, for ``Base.metadata.create_all(conn, tables=AUDIT_TABLES)``."""
