"""The migrations build exactly the schema the models describe, on both stores, and 0008 keeps
the transcripts it strips of their indexes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, inspect, text
from sqlalchemy.engine import Connection

from labgate.audit.models import TRANSCRIPTS
from labgate.store.engine import make_engine
from labgate.store.migrate import upgrade
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
