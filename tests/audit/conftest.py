"""Fixtures for the audit tests: a fresh database per test, on SQLite or the real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from labgate.audit.log import AuditLog
from labgate.audit.models import AUDIT_TABLES
from labgate.audit.note import NoteSigner
from labgate.store.base import Base
from labgate.store.engine import make_engine

POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def set_tree_node(engine: AsyncEngine, level: int, index: int, digest: bytes) -> None:
    """Overwrite one stored tree node, as someone editing the database would: its hash sits in
    the row of the leaf that completes it (``AuditRecordRow.nodes``, level 1 first)."""
    leaf = ((index + 1) << level) - 1
    async with engine.begin() as conn:
        stored = (
            await conn.execute(text("SELECT nodes FROM audit_records WHERE idx = :i"), {"i": leaf})
        ).scalar_one()
        nodes = bytearray(stored)
        assert len(nodes) >= 32 * level, f"record {leaf} holds no node at level {level}"
        nodes[32 * (level - 1) : 32 * level] = digest
        await conn.execute(
            text("UPDATE audit_records SET nodes = :n WHERE idx = :i"),
            {"n": bytes(nodes), "i": leaf},
        )


async def create_audit_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: Base.metadata.create_all(sync, tables=AUDIT_TABLES))


async def sqlite_engine_at(path: Path) -> AsyncEngine:
    engine = make_engine(f"sqlite:///{path}")
    await create_audit_tables(engine)
    return engine


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = await sqlite_engine_at(tmp_path / "labgate.db")
    yield engine
    await engine.dispose()


@pytest.fixture
async def pg_engine() -> AsyncIterator[AsyncEngine]:
    """A PostgreSQL engine whose search_path is a schema of its own, dropped afterwards."""
    schema = f"audit_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL)
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OSError as exc:  # pragma: no cover - only without the machine's PostgreSQL
        await admin.dispose()
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is not reachable: {exc}")
    engine = create_async_engine(
        POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}}, pool_size=10
    )
    await create_audit_tables(engine)
    yield engine
    await engine.dispose()
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_engine(request: pytest.FixtureRequest) -> AsyncEngine:
    """The same test on SQLite and on PostgreSQL."""
    engine: AsyncEngine = request.getfixturevalue(
        "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    )
    return engine


@pytest.fixture
async def audit_log(sqlite_engine: AsyncEngine) -> AsyncIterator[AuditLog]:
    log = AuditLog(sqlite_engine)
    await log.start()
    yield log
    await log.close()


@pytest.fixture
def signer() -> NoteSigner:
    return NoteSigner.generate("test.labgate/audit")


def request_record(n: int, **extra: object) -> dict[str, object]:
    """A plausible request record, distinct per ``n``."""
    record: dict[str, object] = {
        "kind": "request",
        "request_id": f"req_{n:06d}",
        "user": f"user{n % 7}",
        "lab": "ornl" if n % 2 else "llnl",
        "project": f"proj{n % 3}",
        "model": "o1-lab",
        "model_version": "2025-01",
        "worker": f"w{n % 4}",
        "outcome": "ok",
        "usage": {"prompt_tokens": n, "completion_tokens": 2 * n, "total_tokens": 3 * n},
        "digests": {"prompt_sha256": f"{n:064x}"},
    }
    record.update(extra)
    return record
