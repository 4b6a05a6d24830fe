"""transcripts without secondary indexes

Every request's audit commit wrote a page of each of the three secondary indexes of
``audit_transcripts`` (``created_at``, ``project``, ``key_id``): three of the eight WAL pages a
plain answer's durable commit writes on SQLite, each a little more for the fsync to carry. No
query used the ``project`` index; the retention purge now finds its range by the primary key
(transcripts are stamped in index order), and re-wrapping after a master-key rotation, a
rare operator command, reads the table once.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 15:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_INDEXES = (
    ("ix_audit_transcripts_created_at", "created_at"),
    ("ix_audit_transcripts_key_id", "key_id"),
    ("ix_audit_transcripts_project", "project"),
)


def upgrade() -> None:
    for name, _ in _INDEXES:
        op.drop_index(name, table_name="audit_transcripts")


def downgrade() -> None:
    for name, column in _INDEXES:
        op.create_index(name, "audit_transcripts", [column], unique=False)
