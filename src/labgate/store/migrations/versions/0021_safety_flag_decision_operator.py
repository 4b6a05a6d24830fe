"""a review decision names the shell's operator, and says when its audit record was written

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 09:00:00

Round 12. ``operator``: a decision made with ``labgate safety review`` records the process's
login (``cli:<login>``) whatever --reviewer named, so one person at the shell does not decide
and correct as two user ids (no user id nor login makes two decisions in one flag's history).
``recorded_at``: when the decision's ``safety.review`` audit record was appended; only a
recorded decision may be superseded, so a decision whose record then fails is always undone,
never left standing under a correction without its record. The decisions already in the table
were recorded (or migrated from before the table): they count as recorded at their time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


# plain ADD/DROP COLUMN, not a batch copy: on SQLite a copy of this self-referencing table
# (supersedes) fails its foreign key when the old table is dropped under the new one's rows;
# SQLite has both since 3.35


def upgrade() -> None:
    op.add_column("safety_flag_decisions", sa.Column("operator", sa.String(128), nullable=True))
    op.add_column(
        "safety_flag_decisions",
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.execute("UPDATE safety_flag_decisions SET recorded_at = decided_at")


def downgrade() -> None:
    op.drop_column("safety_flag_decisions", "recorded_at")
    op.drop_column("safety_flag_decisions", "operator")
