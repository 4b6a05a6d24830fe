"""pending actions and user grants

Separation of duties (docs/security.md): a key minted for someone else, a grant of a
clearance or of the auditor or platform-admin role, and a member from another lab wait in
``pending_actions`` until a second person approves. ``user_grants`` keeps who created each
account and who raised it, which the transcript two-person rule reads. ``api_keys.cap`` holds
the most a key minted for someone else may carry (its requester's roles and clearance).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_actions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("requester_lab", sa.String(length=64), nullable=True),
        sa.Column("target_user_id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=True),
        sa.Column("approver_lab", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_actions")),
    )
    op.create_index(
        "ix_pending_actions_status", "pending_actions", ["status", "created_at"], unique=False
    )
    op.create_index(
        op.f("ix_pending_actions_target_user_id"),
        "pending_actions",
        ["target_user_id"],
        unique=False,
    )
    op.create_table(
        "user_grants",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=True),
        sa.Column("granted_by", sa.String(length=128), nullable=False),
        sa.Column("approved_by", sa.String(length=128), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_grants")),
    )
    op.create_index("ix_user_grants_user_at", "user_grants", ["user_id", "at"], unique=False)
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cap", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("cap")
    op.drop_index("ix_user_grants_user_at", table_name="user_grants")
    op.drop_table("user_grants")
    op.drop_index(op.f("ix_pending_actions_target_user_id"), table_name="pending_actions")
    op.drop_index("ix_pending_actions_status", table_name="pending_actions")
    op.drop_table("pending_actions")
