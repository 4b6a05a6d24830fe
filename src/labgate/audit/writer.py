"""How one batch of audit records reaches the disk: one thread hop (SQLite), one round trip
(PostgreSQL).

The audit record of a request commits before the request's answer completes, so a batch's
commit sits on the request path. Going through SQLAlchemy and aiosqlite costs a hop to the
driver's thread per statement (six or so per batch, about 4 ms in all on a small machine, for
a commit whose fsync costs 0.2 ms), so the writer talks to the driver itself:

* **SQLite**: the whole transaction (``BEGIN IMMEDIATE``, move the head, insert the records,
  each with the tree nodes it completes, and the transcripts, ``COMMIT``) is one call
  (:func:`sqlite_batch`) on the process's write lane (:mod:`labgate.store.lane`): its own
  ``sqlite3`` connection, normally on its own thread, which the usage rows share. ``BEGIN
  IMMEDIATE`` takes the database write lock before anything is read, so the batch never works
  from a stale tree head. The lane's connection runs ``PRAGMA synchronous=FULL`` by default (a
  commit survives power loss); the pooled connections keep their own setting.
* **PostgreSQL**: the writer keeps one pooled connection and sends each batch as a single
  statement in autocommit mode: the tree-head update, guarded by the size the writer expects,
  is a data-modifying CTE, and the inserts of records (with their nodes) and transcripts only
  take rows if that update matched. One statement is one transaction: either the head moved
  and every row is in, or nothing happened (another replica had moved the head, so the writer
  reloads its view of the tree edge and tries again). Under concurrency the head row's lock
  serialises replicas; PostgreSQL re-checks the guard on the newly committed head after the
  wait. ``synchronous_commit`` is on for this connection, so the commit waits for the WAL
  flush.

The log logic (which records, which indices, which tree nodes) stays in :mod:`labgate.audit.log`;
:func:`build_rows` is shared by both writers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from labgate.audit.merkle import leaf_hash
from labgate.audit.records import record_bytes
from labgate.audit.storage import (
    HEAD_ID,
    StorageError,
    missing_hash,
    snapshot_sql,
    split_snapshot,
)
from labgate.audit.tree import CompactRange, range_nodes
from labgate.store.engine import sqlite_datetime_text
from labgate.store.lane import in_transaction

TRANSCRIPT_COLUMNS = (
    "record_idx",
    "created_at",
    "project",
    "lab",
    "label",
    "key_id",
    "wrapped_key",
    "nonce",
    "ciphertext",
)


class Pending(Protocol):
    payload: dict[str, Any]
    transcript: Any


class Sealer(Protocol):
    def seal_row(self, index: int, transcript: Any, created_at: datetime) -> dict[str, Any]: ...


@dataclass(slots=True)
class Rows:
    """One batch, ready to write: what goes in each table."""

    # idx, data, leaf hash, and the hashes of the subtrees the leaf completes (see
    # AuditRecordRow: level 1 first, None when it completes none)
    records: list[tuple[int, bytes, bytes, bytes | None]] = field(default_factory=list)
    transcripts: list[dict[str, Any]] = field(default_factory=list)


def build_rows(
    batch: Sequence[Pending],
    size: int,
    edge: CompactRange,
    now: datetime,
    sealer: Sealer | None,
) -> Rows:
    """The rows of ``batch`` appended at ``size``; ``edge`` (a copy) is advanced in place."""
    rows = Rows()
    for offset, pending in enumerate(batch):
        index = size + offset
        data = record_bytes(pending.payload, index)
        digest = leaf_hash(data)
        completed = edge.append(digest)
        nodes = b"".join([h for _, _, h in completed]) if completed else None
        rows.records.append((index, data, digest, nodes))
        if pending.transcript is not None and sealer is not None:
            rows.transcripts.append(sealer.seal_row(index, pending.transcript, now))
    return rows


def sqlite_file(engine: AsyncEngine) -> str | None:
    """The database file of a SQLite engine (None for PostgreSQL)."""
    if engine.dialect.name != "sqlite":
        return None
    path = engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        raise StorageError(
            "the audit log needs a SQLite database file (its writer opens its own connection); "
            f"{engine.url.render_as_string(hide_password=True)} is not one"
        )
    return path


def sqlite_batch(
    batch: Sequence[Pending],
    edge: CompactRange | None,
    now: datetime,
    sealer: Sealer | None,
) -> Callable[[sqlite3.Connection], tuple[int, CompactRange]]:
    """The whole transaction of one batch on SQLite, as a call for the write lane.

    With the tree edge the log kept from its last batch, the head moves first, guarded by the
    size that edge was built for (one statement, no read of the head); only if another
    connection moved it meanwhile (a CLI process appending an administrative record) is the
    head read and the edge reloaded. Either way the write lock is held from ``BEGIN
    IMMEDIATE``, so nothing moves between the guard and the inserts."""

    def write(conn: sqlite3.Connection) -> tuple[int, CompactRange]:
        stamp = sqlite_datetime_text(now)
        if edge is not None:
            current = edge.copy()
            rows = build_rows(batch, edge.size, current, now, sealer)
            if _move_head(conn, current, stamp, edge.size):
                _insert_sqlite(conn, rows, stamp)
                return edge.size, current
        head = conn.execute(f"SELECT size FROM audit_tree_head WHERE id = {HEAD_ID}").fetchone()
        if head is None:
            raise StorageError("the audit tree head is missing: start the log once to create it")
        size = int(head[0])
        current = _load_edge_sqlite(conn, size).copy()
        rows = build_rows(batch, size, current, now, sealer)
        if not _move_head(conn, current, stamp, size):  # cannot happen under the write lock
            raise StorageError("the audit tree head moved while this writer held the write lock")
        _insert_sqlite(conn, rows, stamp)
        return size, current

    return in_transaction(write)


_SQLITE_MOVE_HEAD = (
    "UPDATE audit_tree_head SET size = ?, root = ?, updated_at = ? "
    f"WHERE id = {HEAD_ID} AND size = ?"
)
_SQLITE_INSERT_RECORD = (
    "INSERT INTO audit_records (idx, recorded_at, data, leaf_hash, nodes) VALUES (?, ?, ?, ?, ?)"
)
_SQLITE_INSERT_TRANSCRIPT = (
    f"INSERT INTO audit_transcripts ({', '.join(TRANSCRIPT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in TRANSCRIPT_COLUMNS)})"
)


def _move_head(conn: sqlite3.Connection, edge: CompactRange, stamp: str, expected: int) -> bool:
    """Move the tree head to ``edge`` if it is still at size ``expected``."""
    moved = conn.execute(_SQLITE_MOVE_HEAD, (edge.size, edge.root(), stamp, expected))
    return moved.rowcount == 1


def _insert_sqlite(conn: sqlite3.Connection, rows: Rows, stamp: str) -> None:
    """The batch's records (with their tree nodes) and transcripts (one statement each for a
    lone record, which is the common case of a request path that commits as it goes)."""
    if len(rows.records) == 1:
        index, data, digest, nodes = rows.records[0]
        conn.execute(_SQLITE_INSERT_RECORD, (index, stamp, data, digest, nodes))
    else:
        conn.executemany(
            _SQLITE_INSERT_RECORD,
            [(i, stamp, data, digest, nodes) for i, data, digest, nodes in rows.records],
        )
    if len(rows.transcripts) == 1:
        conn.execute(_SQLITE_INSERT_TRANSCRIPT, _transcript_values(rows.transcripts[0], stamp))
    elif rows.transcripts:
        conn.executemany(
            _SQLITE_INSERT_TRANSCRIPT, [_transcript_values(t, stamp) for t in rows.transcripts]
        )


def _load_edge_sqlite(conn: sqlite3.Connection, size: int) -> CompactRange:
    return _edge_from(size, conn.execute(snapshot_sql(range_nodes(0, size))))


def _edge_from(size: int, rows: Iterable[Any]) -> CompactRange:
    """The tree edge at ``size`` from the rows of :func:`snapshot_sql` for its nodes."""
    wanted = range_nodes(0, size)
    found = split_snapshot(rows)[2]
    missing = set(wanted) - found.keys()
    if missing:
        raise missing_hash(missing)
    return CompactRange.load(size, found)


def _transcript_values(row: dict[str, Any], stamp: str) -> tuple[Any, ...]:
    """The row's values in ``TRANSCRIPT_COLUMNS`` order, with the batch's time stamp."""
    return (
        row["record_idx"],
        stamp,
        row["project"],
        row["lab"],
        row["label"],
        row["key_id"],
        row["wrapped_key"],
        row["nonce"],
        row["ciphertext"],
    )


# The guarded single-statement append (see the module docstring). The inserts only take rows
# when the head update matched, so a mismatch commits nothing at all.
_PG_APPEND = f"""
WITH head AS (
    UPDATE audit_tree_head SET size = $1, root = $2, updated_at = $3::timestamptz
    WHERE id = {HEAD_ID} AND size = $4
    RETURNING size
), recs AS (
    INSERT INTO audit_records (idx, recorded_at, data, leaf_hash, nodes)
    SELECT r.idx, $3::timestamptz, r.data, r.leaf_hash, r.nodes
    FROM unnest($5::bigint[], $6::bytea[], $7::bytea[], $8::bytea[])
         AS r(idx, data, leaf_hash, nodes)
    WHERE EXISTS (SELECT 1 FROM head)
), scripts AS (
    INSERT INTO audit_transcripts ({", ".join(TRANSCRIPT_COLUMNS)})
    SELECT t.record_idx, $3::timestamptz, t.project, t.lab, t.label, t.key_id,
           t.wrapped_key, t.nonce, t.ciphertext
    FROM unnest($9::bigint[], $10::text[], $11::text[], $12::text[], $13::text[],
                $14::bytea[], $15::bytea[], $16::bytea[])
         AS t(record_idx, project, lab, label, key_id, wrapped_key, nonce, ciphertext)
    WHERE EXISTS (SELECT 1 FROM head)
)
SELECT count(*) FROM head
"""


class PostgresWriter:
    """The audit writer's own pooled asyncpg connection: one statement (and round trip) a batch."""

    # how often a batch is rebuilt after another replica moved the head, before giving up
    RETRIES = 50

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._holder: AsyncConnection | None = None
        self._raw: Any = None

    async def _connection(self) -> Any:
        if self._raw is None:
            holder = await self._engine.connect()
            try:
                raw: Any = (await holder.get_raw_connection()).driver_connection
                await raw.execute("SET synchronous_commit TO on")
            except BaseException:
                await holder.close()
                raise
            self._holder, self._raw = holder, raw
        return self._raw

    async def commit(
        self,
        batch: Sequence[Pending],
        edge: CompactRange | None,
        now: datetime,
        sealer: Sealer | None,
    ) -> tuple[int, CompactRange]:
        conn = await self._connection()
        for _ in range(self.RETRIES):
            if edge is None:
                edge = await self._load_edge(conn)
            current = edge.copy()
            size = edge.size
            rows = build_rows(batch, size, current, now, sealer)
            moved = await conn.fetchval(_PG_APPEND, *self._arguments(rows, current, size, now))
            if moved:
                return size, current
            edge = None  # another writer moved the head: reload and rebuild
        raise StorageError("the audit tree head kept moving under this writer; giving up")

    @staticmethod
    def _arguments(rows: Rows, edge: CompactRange, size: int, now: datetime) -> list[Any]:
        scripts = rows.transcripts
        return [
            edge.size,
            edge.root(),
            now,
            size,
            [r[0] for r in rows.records],
            [r[1] for r in rows.records],
            [r[2] for r in rows.records],
            [r[3] for r in rows.records],
            *([t[c] for t in scripts] for c in TRANSCRIPT_COLUMNS if c != "created_at"),
        ]

    async def _load_edge(self, conn: Any) -> CompactRange:
        size = int(
            await conn.fetchval(f"SELECT size FROM audit_tree_head WHERE id = {HEAD_ID}") or 0
        )
        rows = await conn.fetch(snapshot_sql(range_nodes(0, size)))
        # the head may have moved between the two reads: the guard in the append catches it
        return _edge_from(size, rows)

    async def reset(self) -> None:
        holder, self._holder, self._raw = self._holder, None, None
        if holder is not None:
            await holder.invalidate()

    async def close(self) -> None:
        holder, self._holder, self._raw = self._holder, None, None
        if holder is not None:
            await self._raw_reset(holder)
            await holder.close()

    @staticmethod
    async def _raw_reset(holder: AsyncConnection) -> None:
        raw: Any = (await holder.get_raw_connection()).driver_connection
        await raw.execute("RESET synchronous_commit")
