"""every decision on a safety flag kept: a correction is a new decision that supersedes one

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 08:00:00

A decision on the review queue was final, so a misclick (a real threat dismissed) could not be
put right. Decisions now live in ``safety_flag_decisions``, one row each, never changed; the
flag row shows the latest. ``supersedes`` is unique: a decision is corrected at most once, so
two corrections of it at once make one. Every flag already decided gets its decision as the
first row of its history (``via`` ``migration``; a decided row with no reviewer recorded is
``unknown``, one with no time its creation's), so it can be corrected like any other.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "safety_flag_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reviewed_by", sa.String(length=128), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("supersedes", sa.Integer(), nullable=True),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["flag_id"],
            ["safety_flags.id"],
            name=op.f("fk_safety_flag_decisions_flag_id_safety_flags"),
        ),
        sa.ForeignKeyConstraint(
            ["supersedes"],
            ["safety_flag_decisions.id"],
            name=op.f("fk_safety_flag_decisions_supersedes_safety_flag_decisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_flag_decisions")),
        sa.UniqueConstraint("supersedes", name=op.f("uq_safety_flag_decisions_supersedes")),
    )
    op.create_index(op.f("ix_safety_flag_decisions_flag_id"), "safety_flag_decisions", ["flag_id"])
    # the decisions made before this table: each decided flag's, as its row holds it
    op.execute(
        "INSERT INTO safety_flag_decisions "
        "(flag_id, status, reviewed_by, decided_at, note, supersedes, via) "
        "SELECT id, status, COALESCE(reviewed_by, 'unknown'), "
        "COALESCE(reviewed_at, created_at), review_note, NULL, 'migration' "
        "FROM safety_flags WHERE status <> 'open' ORDER BY id"
    )


def downgrade() -> None:
    # the flag rows still hold each flag's latest decision; the earlier ones go with the table
    op.drop_index(op.f("ix_safety_flag_decisions_flag_id"), table_name="safety_flag_decisions")
    op.drop_table("safety_flag_decisions")
