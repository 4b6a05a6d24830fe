"""the Files and Batches API: sealed files, batches, and batch items claimed under leases

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 03:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from labgate.audit.models import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batch_files",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=256), nullable=False),
        sa.Column("project", sa.String(length=256), nullable=True),
        sa.Column("label", sa.String(length=256), nullable=True),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=256), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("content_sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_files")),
    )
    op.create_index("ix_batch_files_owner", "batch_files", ["owner"], unique=False)
    op.create_table(
        "batches",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=256), nullable=False),
        sa.Column("project", sa.String(length=256), nullable=True),
        sa.Column("label", sa.String(length=256), nullable=True),
        sa.Column("principal_json", sa.Text(), nullable=False),
        sa.Column("endpoint", sa.String(length=64), nullable=False),
        sa.Column("input_file_id", sa.String(length=64), nullable=False),
        sa.Column("completion_window", sa.String(length=16), nullable=False),
        sa.Column("metadata_json", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("times_json", sa.Text(), nullable=False),
        sa.Column("output_file_id", sa.String(length=64), nullable=True),
        sa.Column("error_file_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
    )
    op.create_index("ix_batches_owner", "batches", ["owner"], unique=False)
    op.create_index("ix_batches_status", "batches", ["status"], unique=False)
    op.create_table(
        "batch_items",
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claim", sa.String(length=64), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Integer(), nullable=True),
        sa.Column("result_sealed", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("batch_id", "line", name=op.f("pk_batch_items")),
    )
    op.create_index("ix_batch_items_status", "batch_items", ["status", "batch_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_batch_items_status", table_name="batch_items")
    op.drop_table("batch_items")
    op.drop_index("ix_batches_status", table_name="batches")
    op.drop_index("ix_batches_owner", table_name="batches")
    op.drop_table("batches")
    op.drop_index("ix_batch_files_owner", table_name="batch_files")
    op.drop_table("batch_files")
