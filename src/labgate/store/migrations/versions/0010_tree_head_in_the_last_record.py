"""tree head in the last record

The audit tree head (size and root) was a one-row table that every batch updated, guarded by
the size it expected: one more page in every request's durable commit on SQLite, and the row
every PostgreSQL replica queued on. The head is now the highest record, and the last record of
each batch carries the root after it (``audit_records.root``); writers claim indices by
inserting them, and collide on the primary key when another writer was first (see
``labgate.audit.writer``). The migration gives the current highest record the head's root.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 16:20:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from labgate.audit.models import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_EMPTY_ROOT = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


def upgrade() -> None:
    op.add_column("audit_records", sa.Column("root", sa.LargeBinary(length=32), nullable=True))
    bind = op.get_bind()
    head = bind.execute(sa.text("SELECT size, root FROM audit_tree_head WHERE id = 1")).first()
    if head is not None and int(head[0]) > 0:
        bind.execute(
            sa.text("UPDATE audit_records SET root = :root WHERE idx = :last"),
            {"root": bytes(head[1]), "last": int(head[0]) - 1},
        )
    op.drop_table("audit_tree_head")


def downgrade() -> None:
    op.create_table(
        "audit_tree_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_tree_head")),
    )
    bind = op.get_bind()
    last = bind.execute(
        sa.text(
            "SELECT idx, root FROM audit_records WHERE idx = (SELECT MAX(idx) FROM audit_records)"
        )
    ).first()
    size, root = (0, _EMPTY_ROOT) if last is None else (int(last[0]) + 1, bytes(last[1] or b""))
    head = sa.table(
        "audit_tree_head",
        sa.column("id"),
        sa.column("size"),
        sa.column("root"),
        sa.column("updated_at", UTCDateTime()),
    )
    bind.execute(sa.insert(head).values(id=1, size=size, root=root, updated_at=datetime.now(UTC)))
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.drop_column("root")
