"""The model registry's tables: model versions, their evaluations, and the sign-offs that
approve a version for a deployment and label (``docs/security.md``, "The model gate").

Every change of these rows is also an audit record (``model.*``) with who and why; the rows
are what the gateway reads to decide, the audit log is what proves it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from labgate.store.base import Base

CANDIDATE, EVALUATED, APPROVED, SERVING, RETIRED = (
    "candidate",
    "evaluated",
    "approved",
    "serving",
    "retired",
)
STATUSES = (CANDIDATE, EVALUATED, APPROVED, SERVING, RETIRED)


class ModelVersion(Base):
    """One version of a model: what it is (source, engine), the sha256 of its weights, the
    label it is accredited for, and where it stands (candidate … retired)."""

    __tablename__ = "model_versions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    version: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(1024))
    engine: Mapped[str] = mapped_column(String(32))
    weights_digest: Mapped[str] = mapped_column(String(64))
    weight_files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    label: Mapped[str | None] = mapped_column(String(256), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    submitted_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("name", "version", name="uq_model_versions_name_version"),
        Index("ix_model_versions_name", "name"),
    )


class ModelEvaluation(Base):
    """One evaluation run of a model version: its suites (with their versions), seed and
    settings, the metrics it measured, and its per-item results (so a run resumes)."""

    __tablename__ = "model_evaluations"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    model_version_id: Mapped[str] = mapped_column(String(40), index=True)
    suites: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    items: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16))
    run_by: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ModelSignoff(Base):
    """One person's sign-off of a version for a deployment and label, with their reason; two
    from different people make an approval. ``kind`` ``bootstrap``: the record the embedded
    default ships with (signed by "bootstrap", not by two people)."""

    __tablename__ = "model_signoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_version_id: Mapped[str] = mapped_column(String(40), index=True)
    deployment: Mapped[str] = mapped_column(String(128))
    label: Mapped[str | None] = mapped_column(String(256), nullable=True)
    signer: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    pending_action_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ModelApproval(Base):
    """A version approved for a deployment and label (two sign-offs, or the bootstrap
    record); ``revoked_at`` set when it is retired."""

    __tablename__ = "model_approvals"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    model_version_id: Mapped[str] = mapped_column(String(40), index=True)
    deployment: Mapped[str] = mapped_column(String(128))
    label: Mapped[str | None] = mapped_column(String(256), nullable=True)
    weights_digest: Mapped[str] = mapped_column(String(64))
    approved_by: Mapped[list[str]] = mapped_column(JSON, default=list)
    kind: Mapped[str] = mapped_column(String(16))
    evaluation_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
