"""The tables of the Files and Batches API (migration 0017)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from labgate.audit.models import UTCDateTime
from labgate.store.base import Base


class BatchFile(Base):
    """An uploaded JSONL file (purpose ``batch``) or a batch's output/error file, sealed."""

    __tablename__ = "batch_files"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(256), nullable=False)
    project: Mapped[str | None] = mapped_column(String(256), nullable=True)
    label: Mapped[str | None] = mapped_column(String(256), nullable=True)
    purpose: Mapped[str] = mapped_column(String(32), nullable=False)
    filename: Mapped[str] = mapped_column(String(256), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    lines: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    key_id: Mapped[str] = mapped_column(String(64), nullable=False)
    content_sealed: Mapped[bytes] = mapped_column(LargeBinary(), nullable=False)

    __table_args__ = (Index("ix_batch_files_owner", "owner"),)


class BatchJob(Base):
    """A batch: its input file, endpoint, status, counts and the principal it runs as."""

    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(256), nullable=False)
    project: Mapped[str | None] = mapped_column(String(256), nullable=True)
    label: Mapped[str | None] = mapped_column(String(256), nullable=True)
    principal_json: Mapped[str] = mapped_column(Text(), nullable=False)
    endpoint: Mapped[str] = mapped_column(String(64), nullable=False)
    input_file_id: Mapped[str] = mapped_column(String(64), nullable=False)
    completion_window: Mapped[str] = mapped_column(String(16), nullable=False)
    metadata_json: Mapped[str | None] = mapped_column(Text(), nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    total: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    times_json: Mapped[str] = mapped_column(Text(), nullable=False)
    output_file_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_file_id: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (
        Index("ix_batches_owner", "owner"),
        Index("ix_batches_status", "status"),
    )


class BatchItem(Base):
    """One request line of a batch: claimed by one replica at a time under a lease; its result
    is written once (the write is keyed by batch and line and conditional on the claim)."""

    __tablename__ = "batch_items"

    batch_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    claim: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    ok: Mapped[int | None] = mapped_column(Integer, nullable=True)
    result_sealed: Mapped[bytes | None] = mapped_column(LargeBinary(), nullable=True)

    __table_args__ = (Index("ix_batch_items_status", "status", "batch_id"),)
