"""The storage driver: every SQL statement the audit log runs, for SQLite and PostgreSQL.

The log logic (:mod:`labgate.audit.log`) decides *what* to write; this module only knows *how*.
Index allocation is serialised by :meth:`AuditStore.lock_head`, an ``UPDATE … RETURNING`` on the
single tree-head row: on PostgreSQL it takes that row's lock until commit (so two gateway
replicas never allocate the same index), on SQLite it takes the database write lock before the
batch reads anything (so a writer never works from a stale snapshot).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from labgate.audit.merkle import EMPTY_ROOT
from labgate.audit.models import CHECKPOINTS, NODES, RECORDS, TRANSCRIPTS, TREE_HEAD
from labgate.audit.tree import NodeId

HEAD_ID = 1


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
        sql = _snapshot_sql(wanted)
        if self.is_sqlite:
            rows = list(await (await self._sqlite_reader()).execute_fetchall(sql))
        else:
            async with self.engine.connect() as conn:
                rows = list((await conn.exec_driver_sql(sql)).all())
        size, root, found = 0, EMPTY_ROOT, {}
        for level, index, digest in rows:
            if level < 0:
                size, root = int(index), bytes(digest)
            else:
                found[(int(level), int(index))] = bytes(digest)
        return size, root, found

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

    async def ensure_head(self) -> None:
        """Create the tree-head row of an empty log if it is not there (safe to race)."""
        values = {"id": HEAD_ID, "size": 0, "root": EMPTY_ROOT, "updated_at": datetime.now(UTC)}
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        stmt = (
            dialect_insert(TREE_HEAD)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[TREE_HEAD.c.id])
        )
        async with self.engine.begin() as conn:
            await conn.execute(stmt)

    async def lock_head(self, conn: AsyncConnection) -> tuple[int, bytes]:
        """Take the writer lock for this transaction and return the tree size and root."""
        stmt = (
            update(TREE_HEAD)
            .where(TREE_HEAD.c.id == HEAD_ID)
            .values(size=TREE_HEAD.c.size)
            .returning(TREE_HEAD.c.size, TREE_HEAD.c.root)
        )
        row = (await conn.execute(stmt)).one_or_none()
        if row is None:
            raise StorageError("the audit tree head is missing: start the log once to create it")
        return int(row[0]), bytes(row[1])

    async def read_head(self, conn: AsyncConnection | None = None) -> tuple[int, bytes]:
        """The committed tree size and root (no lock)."""
        stmt = select(TREE_HEAD.c.size, TREE_HEAD.c.root).where(TREE_HEAD.c.id == HEAD_ID)
        if conn is None:
            async with self.engine.connect() as own:
                row = (await own.execute(stmt)).one_or_none()
        else:
            row = (await conn.execute(stmt)).one_or_none()
        if row is None:
            return 0, EMPTY_ROOT
        return int(row[0]), bytes(row[1])

    async def node_hashes(
        self, conn: AsyncConnection, wanted: Iterable[NodeId]
    ) -> dict[NodeId, bytes]:
        """Hashes of the given perfect subtrees; level 0 comes from the records' leaf hashes."""
        wanted = set(wanted)
        leaves = [i for level, i in wanted if level == 0]
        inner = [(level, i) for level, i in wanted if level > 0]
        found: dict[NodeId, bytes] = {}
        if leaves:
            leaf_rows = await conn.execute(
                select(RECORDS.c.idx, RECORDS.c.leaf_hash).where(RECORDS.c.idx.in_(leaves))
            )
            found.update(((0, int(i)), bytes(h)) for i, h in leaf_rows)
        if inner:
            # One primary-key probe per level: a row-value IN list would make SQLite scan.
            by_level: dict[int, list[int]] = {}
            for level, i in inner:
                by_level.setdefault(level, []).append(i)
            clauses = [
                and_(NODES.c.level == level, NODES.c.idx.in_(indices))
                for level, indices in by_level.items()
            ]
            rows = await conn.execute(
                select(NODES.c.level, NODES.c.idx, NODES.c.hash).where(or_(*clauses))
            )
            found.update(((int(lv), int(i)), bytes(h)) for lv, i, h in rows)
        missing = wanted - found.keys()
        if missing:
            level, i = min(missing)
            raise StorageError(
                f"the stored tree lacks the hash of leaves [{i << level}, {(i + 1) << level}); "
                "run `labgate audit verify` to locate the damage"
            )
        return found

    async def write_batch(
        self,
        conn: AsyncConnection,
        records: Sequence[dict[str, Any]],
        nodes: Sequence[dict[str, Any]],
        transcripts: Sequence[dict[str, Any]],
        size: int,
        root: bytes,
    ) -> None:
        """Insert one batch and move the tree head, inside the caller's transaction.

        Records and nodes, the hot path, go to the driver's ``executemany`` directly: the
        values are plain ints and bytes, and skipping per-row parameter processing roughly
        doubles throughput on a small machine.
        """
        if records:
            stamp = self._timestamp(records[0]["recorded_at"])
            await conn.exec_driver_sql(
                self._insert_sql("audit_records", ("idx", "recorded_at", "data", "leaf_hash")),
                [(r["idx"], stamp, r["data"], r["leaf_hash"]) for r in records],
            )
        if nodes:
            await conn.exec_driver_sql(
                self._insert_sql("audit_nodes", ("level", "idx", "hash")),
                [(n["level"], n["idx"], n["hash"]) for n in nodes],
            )
        if transcripts:
            await conn.execute(insert(TRANSCRIPTS), list(transcripts))
        await conn.execute(
            update(TREE_HEAD)
            .where(TREE_HEAD.c.id == HEAD_ID)
            .values(size=size, root=root, updated_at=datetime.now(UTC))
        )

    def _insert_sql(self, table: str, columns: tuple[str, ...]) -> str:
        if self.is_sqlite:
            marks = ", ".join("?" for _ in columns)
        else:
            marks = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
        return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"

    def _timestamp(self, moment: datetime) -> datetime | str:
        """A batch's commit time as the driver wants it (SQLite: SQLAlchemy's text format)."""
        if self.is_sqlite:
            return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        return moment

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

    async def nodes_completed_in(self, start: int, end: int, max_level: int) -> dict[NodeId, bytes]:
        """Stored hashes of the perfect subtrees whose last leaf is in ``[start, end)``."""
        ranges = []
        for level in range(1, max_level + 1):
            lo, hi = start >> level, (end >> level) - 1
            if lo <= hi:
                ranges.append(f"(level = {level} AND idx BETWEEN {lo} AND {hi})")
        if not ranges:
            return {}
        rows = await self._fetch(
            f"SELECT level, idx, hash FROM audit_nodes WHERE {' OR '.join(ranges)}"
        )
        return {(lv, i): h for lv, i, h in rows}

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


def _snapshot_sql(wanted: Iterable[NodeId]) -> str:
    leaves: list[int] = []
    by_level: dict[int, list[int]] = {}
    for level, index in wanted:
        if level == 0:
            leaves.append(int(index))
        else:
            by_level.setdefault(int(level), []).append(int(index))
    parts = [f"SELECT -1, size, root FROM audit_tree_head WHERE id = {HEAD_ID}"]
    if leaves:
        parts.append(f"SELECT 0, idx, leaf_hash FROM audit_records WHERE idx IN ({_ints(leaves)})")
    if by_level:
        ors = " OR ".join(
            f"(level = {level} AND idx IN ({_ints(indices)}))"
            for level, indices in sorted(by_level.items())
        )
        parts.append(f"SELECT level, idx, hash FROM audit_nodes WHERE {ors}")
    return " UNION ALL ".join(parts)


def _ints(values: Iterable[int]) -> str:
    return ", ".join(str(int(v)) for v in sorted(set(values)))


def _checkpoint(row: Any) -> StoredCheckpoint:
    return StoredCheckpoint(int(row.size), bytes(row.root), row.note, row.signed_at)
