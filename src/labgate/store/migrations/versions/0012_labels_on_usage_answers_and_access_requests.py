"""labels on usage rows, answers and access requests

No read-down, no write-down on every route (docs/labels.md): ``usage_events.label`` lets usage
reports show a reader only the rows their clearance dominates; ``label_answers`` keeps the label
of each labelled answer by its digest, so a conversation resent without its labels still
inherits them; ``audit_access_requests.label`` (the filer's clearance) hides a transcript
access request from auditors whose clearance does not dominate it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 02:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "label_answers",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("answer_sha256", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=256), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "user_id", "answer_sha256", "label", name=op.f("pk_label_answers")
        ),
    )
    with op.batch_alter_table("usage_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label", sa.String(length=256), nullable=True))
    with op.batch_alter_table("audit_access_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label", sa.String(length=256), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_access_requests", schema=None) as batch_op:
        batch_op.drop_column("label")
    with op.batch_alter_table("usage_events", schema=None) as batch_op:
        batch_op.drop_column("label")
    op.drop_table("label_answers")
