"""tree nodes in their leaf records

The hashes of the audit tree's perfect subtrees move from the ``audit_nodes`` table into the
row of the leaf that completes them (``audit_records.nodes``: level 1 first, 32 bytes each;
see ``AuditRecordRow``). Every request's durable commit wrote a page of ``audit_nodes`` besides
the record's own, one more page for the fsync to carry on SQLite; now the record's page holds
both. Proofs read the same hashes by the completing leaf's primary key.

The move is done in slices of the log, so a long log migrates in bounded memory.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 16:00:00
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_SLICE = 20_000  # leaves per step of the move


def _size(bind: sa.engine.Connection) -> int:
    highest = bind.execute(sa.text("SELECT MAX(idx) FROM audit_records")).scalar()
    return 0 if highest is None else int(highest) + 1


def upgrade() -> None:
    op.add_column("audit_records", sa.Column("nodes", sa.LargeBinary(), nullable=True))
    bind = op.get_bind()
    size = _size(bind)
    top = max(size, 1).bit_length()
    for start in range(0, size, _SLICE):
        end = min(start + _SLICE, size)
        # the nodes whose last leaf is in [start, end): at level l, indices start >> l to
        # (end >> l) - 1, read by the table's primary key (level, idx)
        ranges = [
            f"(level = {level} AND idx BETWEEN {start >> level} AND {(end >> level) - 1})"
            for level in range(1, top + 1)
            if start >> level <= (end >> level) - 1
        ]
        if not ranges:
            continue
        rows = bind.execute(
            sa.text(
                f"SELECT level, idx, hash FROM audit_nodes WHERE {' OR '.join(ranges)} "
                "ORDER BY level"
            )
        ).all()
        by_leaf: dict[int, list[bytes]] = defaultdict(list)
        for level, index, digest in rows:
            by_leaf[((int(index) + 1) << int(level)) - 1].append(bytes(digest))
        if by_leaf:
            bind.execute(
                sa.text("UPDATE audit_records SET nodes = :nodes WHERE idx = :idx"),
                [{"idx": leaf, "nodes": b"".join(hashes)} for leaf, hashes in by_leaf.items()],
            )
    op.drop_table("audit_nodes")


def downgrade() -> None:
    op.create_table(
        "audit_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_audit_nodes")),
        sqlite_with_rowid=False,
    )
    bind = op.get_bind()
    size = _size(bind)
    for start in range(0, size, _SLICE):
        rows = bind.execute(
            sa.text(
                "SELECT idx, nodes FROM audit_records "
                "WHERE idx >= :start AND idx < :end AND nodes IS NOT NULL"
            ),
            {"start": start, "end": start + _SLICE},
        ).all()
        nodes = [
            {"level": level, "idx": int(leaf) >> level, "hash": bytes(blob[32 * level - 32 :][:32])}
            for leaf, blob in rows
            for level in range(1, len(blob) // 32 + 1)
        ]
        if nodes:
            bind.execute(
                sa.text("INSERT INTO audit_nodes (level, idx, hash) VALUES (:level, :idx, :hash)"),
                nodes,
            )
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.drop_column("nodes")
