"""safety flags grouped by instruction text: one row per distinct system/developer prompt
that alone makes a flag, with its repeats counted, and who made them

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 02:00:00

Issue 21: a coding agent sends the same developer prompt on every turn, and a prompt the
classifier flags put one new open flag per turn in the reviewers' queue. Existing rows are
each one request (``seen_count`` 1); nothing is grouped retroactively.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("safety_flags", schema=None) as batch_op:
        batch_op.add_column(sa.Column("instructions_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("group_key", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("seen_count", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_request_id", sa.String(length=64), nullable=True))
        batch_op.create_index("ux_safety_flags_group_key", ["group_key"], unique=True)
    op.create_table(
        "safety_flag_users",
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("seen_count", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_request_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["flag_id"],
            ["safety_flags.id"],
            name=op.f("fk_safety_flag_users_flag_id_safety_flags"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("flag_id", "user_id", name=op.f("pk_safety_flag_users")),
    )


def downgrade() -> None:
    op.drop_table("safety_flag_users")
    with op.batch_alter_table("safety_flags", schema=None) as batch_op:
        batch_op.drop_index("ux_safety_flags_group_key")
        batch_op.drop_column("last_request_id")
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("seen_count")
        batch_op.drop_column("group_key")
        batch_op.drop_column("instructions_sha256")
