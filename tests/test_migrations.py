"""The migrations build exactly the schema the models describe, on both stores, and 0008 keeps
the transcripts it strips of their indexes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import column, insert, inspect, table, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.audit.log import AuditLog
from labgate.audit.merkle import leaf_hash, verify_consistency
from labgate.audit.models import TRANSCRIPTS, UTCDateTime
from labgate.audit.records import record_bytes
from labgate.audit.tree import CompactRange
from labgate.audit.verify import verify_log
from labgate.store.engine import make_engine
from labgate.store.migrate import alembic_config, upgrade
from labgate.store.models import metadata

pytestmark = pytest.mark.store


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [d for d in compare_metadata(context, metadata) if not _ignored(d)]


def _ignored(difference: Any) -> bool:
    # alembic's own bookkeeping table is not in the models
    return (
        isinstance(difference, tuple)
        and difference[0] == "remove_table"
        and difference[1].name == "alembic_version"
    )


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    def run(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


def _transcript_indexes(connection: Connection) -> list[str]:
    return sorted(ix["name"] for ix in inspect(connection).get_indexes("audit_transcripts"))


async def test_migrations_build_the_schema_of_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await upgrade(engine)
        async with engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
            assert await conn.run_sync(_transcript_indexes) == []
    finally:
        await engine.dispose()


async def test_0008_drops_the_transcript_indexes_and_keeps_the_rows(database_url: str) -> None:
    engine = make_engine(database_url)
    row = {
        "record_idx": 7,
        "created_at": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        "project": "proj",
        "key_id": "k1",
        "wrapped_key": b"wrapped",
        "nonce": b"n" * 12,
        "ciphertext": b"sealed",
    }
    try:
        await upgrade(engine, "0007")
        async with engine.begin() as conn:
            assert len(await conn.run_sync(_transcript_indexes)) == 3
            await conn.execute(insert(TRANSCRIPTS).values(**row))  # the columns are unchanged
        await upgrade(engine, "0008")
        async with engine.connect() as conn:
            assert await conn.run_sync(_transcript_indexes) == []
            kept = (
                await conn.execute(
                    text("SELECT record_idx, project, key_id, ciphertext FROM audit_transcripts")
                )
            ).all()
        assert [tuple(r) for r in kept] == [(7, "proj", "k1", b"sealed")]
    finally:
        await engine.dispose()


def _old_log(size: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], CompactRange]:
    """Records and ``audit_nodes`` rows of a log of ``size`` records, as 0008 stored them."""
    edge, records, nodes = CompactRange(), [], []
    stamp = datetime(2026, 1, 2, tzinfo=UTC)
    for n in range(size):
        data = record_bytes({"v": 1, "kind": "request", "request_id": f"r{n}"}, n)
        digest = leaf_hash(data)
        records.append({"idx": n, "recorded_at": stamp, "data": data, "leaf_hash": digest})
        nodes += [{"level": lv, "idx": i, "hash": h} for lv, i, h in edge.append(digest)]
    return records, nodes, edge


async def test_0009_and_0010_move_the_tree_into_the_records_and_back(database_url: str) -> None:
    """Over several slices of the move: after the upgrade the log verifies, its head, root and
    proofs are those of the tree it held, and a downgrade gives back the same node rows and
    tree head."""
    size = 40_037  # two slices of 20,000 and a part of one
    records, nodes, edge = _old_log(size)
    engine = make_engine(database_url)
    records_table = table(
        "audit_records",
        column("idx"),
        column("recorded_at", UTCDateTime()),
        column("data"),
        column("leaf_hash"),
    )
    nodes_table = table("audit_nodes", column("level"), column("idx"), column("hash"))
    head = ("SELECT size, root FROM audit_tree_head", (size, edge.root()))
    try:
        await upgrade(engine, "0008")
        async with engine.begin() as conn:
            await conn.execute(insert(records_table), records)
            await conn.execute(insert(nodes_table), nodes)
            await conn.execute(
                insert(
                    table(
                        "audit_tree_head",
                        column("id"),
                        column("size"),
                        column("root"),
                        column("updated_at", UTCDateTime()),
                    )
                ),
                {"id": 1, "size": size, "root": edge.root(), "updated_at": datetime.now(UTC)},
            )
        await upgrade(engine)
        async with AuditLog(engine) as audit_log:
            assert await audit_log.store.read_head() == (size, edge.root())
            report = await verify_log(audit_log, None)
            assert report.ok and report.records_checked == size, report.problems
            assert await audit_log.root_at(size) == edge.root()
            proof = await audit_log.consistency_proof(12_345, size)
            verify_consistency(
                12_345, size, await audit_log.root_at(12_345), edge.root(), proof.hashes
            )
        await downgrade(engine, "0008")
        async with engine.connect() as conn:
            back = (await conn.execute(text("SELECT level, idx, hash FROM audit_nodes"))).all()
            head_back = (await conn.execute(text(head[0]))).one()
        assert sorted((lv, i, bytes(h)) for lv, i, h in back) == sorted(
            (n["level"], n["idx"], n["hash"]) for n in nodes
        )
        assert (int(head_back[0]), bytes(head_back[1])) == head[1]
    finally:
        await engine.dispose()
