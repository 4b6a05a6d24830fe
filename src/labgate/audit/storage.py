"""The storage driver: every SQL statement the audit log runs, for SQLite and PostgreSQL.

The log logic (:mod:`labgate.audit.log`) decides *what* to write; the batch writes themselves
are :mod:`labgate.audit.writer`'s (one call on SQLite, one statement on PostgreSQL); this
module holds the reads (records, proofs' hashes, checkpoints) and the statements both share.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from labgate.audit.merkle import EMPTY_ROOT
from labgate.audit.models import CHECKPOINTS, RECORDS
from labgate.audit.tree import NodeId

# The tree head: the highest record (size = its index + 1) and the root stored with it; the
# root reads as b"" (matching nothing) if that row lacks one, which only an edit can cause.
HEAD_SQL = (
    "SELECT idx + 1, root FROM audit_records WHERE idx = (SELECT MAX(idx) FROM audit_records)"
)
SIZE_SQL = "SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_records"
"""The tree size alone (what a writer reloading its edge needs)."""


class StorageError(RuntimeError):
    """The stored log is missing something it must have (a node, the tree head)."""


@dataclass(frozen=True, slots=True)
class StoredRecord:
    index: int
    recorded_at: datetime
    data: bytes
    leaf_hash: bytes


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    size: int
    root: bytes
    note: str
    signed_at: datetime


class AuditStore:
    """SQL access to the audit tables of one database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._reader_conn: AsyncConnection | None = None
        self._reader: Any = None
        self._reader_lock = asyncio.Lock()

    async def close(self) -> None:
        """Release the SQLite reader connection, if one was opened."""
        if self._reader_conn is not None:
            await self._reader_conn.close()
            self._reader_conn, self._reader = None, None

    async def snapshot(self, wanted: Iterable[NodeId]) -> tuple[int, bytes, dict[NodeId, bytes]]:
        """The tree head and the hashes of ``wanted`` (those stored), read in one statement.

        Proofs are latency-bound, so this is one round trip: a single ``UNION ALL`` over the
        head, the leaf hashes and the node hashes, with the (integer) positions inlined. On
        SQLite it runs on a dedicated reader connection in one hop to the driver's thread.
        """
        sql = snapshot_sql(wanted)
        if self.is_sqlite:
            rows = list(await (await self._sqlite_reader()).execute_fetchall(sql))
        else:
            async with self.engine.connect() as conn:
                rows = list((await conn.exec_driver_sql(sql)).all())
        return split_snapshot(rows)

    async def _sqlite_reader(self) -> Any:
        async with self._reader_lock:
            if self._reader is None:
                conn = await self.engine.connect()
                self._reader = (await conn.get_raw_connection()).driver_connection
                self._reader_conn = conn
        return self._reader

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    async def read_head(self) -> tuple[int, bytes]:
        """The committed tree size and root (no lock)."""
        rows = await self._fetch(HEAD_SQL)
        if not rows:
            return 0, EMPTY_ROOT
        size, root = rows[0]
        return int(size), b"" if root is None else bytes(root)

    async def get_record(self, index: int) -> StoredRecord | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(
                        RECORDS.c.idx,
                        RECORDS.c.recorded_at,
                        RECORDS.c.data,
                        RECORDS.c.leaf_hash,
                    ).where(RECORDS.c.idx == index)
                )
            ).one_or_none()
        if row is None:
            return None
        return StoredRecord(int(row[0]), row[1], bytes(row[2]), bytes(row[3]))

    async def records_between(self, start: int, end: int) -> list[tuple[int, bytes, bytes]]:
        """``(index, data, leaf_hash)`` of the stored records with ``start <= index < end``."""
        rows = await self._fetch(
            "SELECT idx, data, leaf_hash FROM audit_records "
            f"WHERE idx >= {int(start)} AND idx < {int(end)} ORDER BY idx"
        )
        return rows  # (int, bytes, bytes) from both drivers

    async def record_bounds(self) -> tuple[int, int | None]:
        """How many records are stored, and the highest index among them."""
        ((count, highest),) = await self._fetch("SELECT COUNT(*), MAX(idx) FROM audit_records")
        return int(count), (None if highest is None else int(highest))

    async def nodes_completed_in(self, start: int, end: int) -> dict[NodeId, bytes]:
        """Stored hashes of the perfect subtrees whose last leaf is in ``[start, end)``; a
        leaf's hashes of the wrong total length read as ``b""`` (they match nothing)."""
        rows = await self._fetch(
            "SELECT idx, nodes FROM audit_records "
            f"WHERE idx >= {int(start)} AND idx < {int(end)} AND nodes IS NOT NULL"
        )
        found: dict[NodeId, bytes] = {}
        for index, blob in rows:
            found.update(completed_nodes(int(index), bytes(blob), damaged=b""))
        return found

    async def _fetch(self, sql: str) -> list[Any]:
        """All rows of one read-only statement, in one round trip to the driver."""
        async with self.engine.connect() as conn:
            if self.is_sqlite:
                raw: Any = (await conn.get_raw_connection()).driver_connection
                return list(await raw.execute_fetchall(sql))
            return list((await conn.exec_driver_sql(sql)).all())

    async def latest_checkpoint(self) -> StoredCheckpoint | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(select(CHECKPOINTS).order_by(CHECKPOINTS.c.size.desc()).limit(1))
            ).one_or_none()
        return None if row is None else _checkpoint(row)

    async def checkpoints(self) -> list[StoredCheckpoint]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(CHECKPOINTS).order_by(CHECKPOINTS.c.size))
            return [_checkpoint(r) for r in rows]

    async def insert_checkpoint(self, size: int, root: bytes, note: str) -> bool:
        """Store a signed checkpoint; False if one for that size is already stored."""
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        stmt = (
            dialect_insert(CHECKPOINTS)
            .values(size=size, root=root, note=note, signed_at=datetime.now(UTC))
            .on_conflict_do_nothing(index_elements=[CHECKPOINTS.c.size])
        )
        async with self.engine.begin() as conn:
            result = await conn.execute(stmt)
        return bool(result.rowcount)


def completed_nodes(
    index: int, blob: bytes | None, *, damaged: bytes | None = None
) -> Iterator[tuple[NodeId, bytes]]:
    """The subtree hashes stored with leaf ``index`` (``AuditRecordRow.nodes``), by position.

    The leaf completes one subtree per trailing 1 bit of its index, level 1 first. Hashes of
    the wrong total length are damage: each of the leaf's nodes reads as ``damaged``, or is
    left out (so it reads as missing) when that is None."""
    count = ((index + 1) & -(index + 1)).bit_length() - 1
    if not count or blob is None:
        return
    if len(blob) == 32 * count:
        for level in range(1, count + 1):
            yield (level, index >> level), blob[32 * (level - 1) : 32 * level]
    elif damaged is not None:
        for level in range(1, count + 1):
            yield (level, index >> level), damaged


def split_snapshot(rows: Iterable[Any]) -> tuple[int, bytes, dict[NodeId, bytes]]:
    """The tree size, root and hashes from the rows of :func:`snapshot_sql`."""
    size, root, found = 0, EMPTY_ROOT, {}
    for kind, index, digest in rows:
        if kind == _HEAD:
            size, root = int(index), b"" if digest is None else bytes(digest)
        elif kind == _LEAF:
            found[(0, int(index))] = bytes(digest)
        elif digest is not None:
            found.update(completed_nodes(int(index), bytes(digest)))
    return size, root, found


def missing_hash(missing: Iterable[NodeId]) -> StorageError:
    """The error for hashes a proof or the writer needed and storage lacks (the first one)."""
    level, i = min(missing)
    return StorageError(
        f"the stored tree lacks the hash of records {i << level}..{((i + 1) << level) - 1}; "
        "run `labgate audit verify` to locate the damage"
    )


_HEAD, _LEAF, _NODES = -1, 0, 1  # the kinds of rows snapshot_sql returns


def snapshot_sql(wanted: Iterable[NodeId]) -> str:
    """One statement: the tree head and the stored hashes of ``wanted``: leaf hashes, and
    the subtree hashes of the leaves that completed the wanted nodes."""
    leaves: list[int] = []
    completing: list[int] = []
    for level, index in wanted:
        if level == 0:
            leaves.append(int(index))
        else:
            completing.append(((int(index) + 1) << int(level)) - 1)
    parts = [HEAD_SQL.replace("SELECT ", f"SELECT {_HEAD}, ", 1)]
    if leaves:
        parts.append(
            f"SELECT {_LEAF}, idx, leaf_hash FROM audit_records WHERE idx IN ({_ints(leaves)})"
        )
    if completing:
        parts.append(
            f"SELECT {_NODES}, idx, nodes FROM audit_records WHERE idx IN ({_ints(completing)})"
        )
    return " UNION ALL ".join(parts)


def _ints(values: Iterable[int]) -> str:
    return ", ".join(str(int(v)) for v in sorted(set(values)))


def _checkpoint(row: Any) -> StoredCheckpoint:
    return StoredCheckpoint(int(row.size), bytes(row.root), row.note, row.signed_at)
