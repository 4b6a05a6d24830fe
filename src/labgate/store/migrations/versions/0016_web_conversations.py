"""web conversations kept server-side per user, encrypted at rest

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 03:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_conversations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=256), nullable=False),
        sa.Column("label", sa.String(length=256), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("title_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("body_sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_conversations")),
    )
    with op.batch_alter_table("web_conversations", schema=None) as batch_op:
        batch_op.create_index("ix_web_conversations_owner", ["owner"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("web_conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_web_conversations_owner")
    op.drop_table("web_conversations")
