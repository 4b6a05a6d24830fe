"""How one batch of audit records reaches the disk: one thread hop (SQLite), one round trip
(PostgreSQL).

The audit record of a request commits before the request's answer completes, so a batch's
commit sits on the request path. Going through SQLAlchemy and aiosqlite costs a hop to the
driver's thread per statement (six or so per batch, about 4 ms in all on a small machine, for
a commit whose fsync costs 0.2 ms), so the writer talks to the driver itself:

The tree head is the highest record and the root stored with it (the last record of each
batch holds the root after it), so a batch claims its indices by inserting them: the records'
primary key is the guard. A writer whose view of the tree edge is stale (another process or
replica appended meanwhile) collides on the first index, writes nothing, reloads the edge
from storage and rebuilds the batch.

* **SQLite**: the whole transaction (``BEGIN IMMEDIATE``, insert the records, each with the
  tree nodes it completes, and the transcripts, ``COMMIT``) is one call
  (:func:`sqlite_batch`) on the process's write lane (:mod:`labgate.store.lane`): its own
  ``sqlite3`` connection, normally on its own thread, which the usage rows share. ``BEGIN
  IMMEDIATE`` takes the database write lock first, so after a collision the reload and the
  rebuilt batch cannot collide again. The lane's connection runs ``PRAGMA synchronous=FULL``
  by default (a commit survives power loss); the pooled connections keep their own setting.
* **PostgreSQL**: the writer keeps one pooled connection and sends each batch as a single
  statement in autocommit mode, the records and transcripts inserted by one data-modifying
  CTE: either every row is in, or (on a collision) nothing. A replica inserting an index
  another replica holds uncommitted waits for that transaction and then collides.
  ``synchronous_commit`` is on for this connection, so the commit waits for the WAL flush.

The log logic (which records, which indices, which tree nodes) stays in :mod:`labgate.audit.log`;
:func:`build_rows` is shared by both writers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from labgate.audit.merkle import leaf_hash
from labgate.audit.records import record_bytes
from labgate.audit.storage import (
    SIZE_SQL,
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

    # idx, data, leaf hash, the hashes of the subtrees the leaf completes (see
    # AuditRecordRow: level 1 first, None when it completes none), and the tree root after it
    # (on the batch's last record only)
    records: list[tuple[int, bytes, bytes, bytes | None, bytes | None]] = field(
        default_factory=list
    )
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
        rows.records.append((index, data, digest, nodes, None))
        if pending.transcript is not None and sealer is not None:
            rows.transcripts.append(sealer.seal_row(index, pending.transcript, now))
    if rows.records:
        index, data, digest, nodes, _ = rows.records[-1]
        rows.records[-1] = (index, data, digest, nodes, edge.root())
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

    With the tree edge the log kept from its last batch, the records go in at once (no read of
    the head); only if another connection appended meanwhile (a CLI process recording an
    administrative action) do they collide on the first index, and the transaction is rolled
    back and run again from the stored head. The write lock is held from ``BEGIN IMMEDIATE``,
    so the second run cannot collide."""
    stamp = sqlite_datetime_text(now)

    def write(conn: sqlite3.Connection, known: CompactRange | None) -> tuple[int, CompactRange]:
        if known is None:
            size = int(conn.execute(SIZE_SQL).fetchone()[0])
            known = _load_edge_sqlite(conn, size)
        current = known.copy()
        rows = build_rows(batch, known.size, current, now, sealer)
        _insert_sqlite(conn, rows, stamp)
        return known.size, current

    def run(conn: sqlite3.Connection) -> tuple[int, CompactRange]:
        if edge is not None:
            try:
                return in_transaction(lambda c: write(c, edge))(conn)
            except _Collided:
                pass
        return in_transaction(lambda c: write(c, None))(conn)

    return run


class _Collided(Exception):
    """The batch's first index is taken: another writer appended; nothing was written."""


_SQLITE_INSERT_RECORD = (
    "INSERT INTO audit_records (idx, recorded_at, data, leaf_hash, nodes, root) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_SQLITE_INSERT_TRANSCRIPT = (
    f"INSERT INTO audit_transcripts ({', '.join(TRANSCRIPT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in TRANSCRIPT_COLUMNS)})"
)


def _insert_sqlite(conn: sqlite3.Connection, rows: Rows, stamp: str) -> None:
    """The batch's records (with their tree nodes) and transcripts (one statement each for a
    lone record, which is the common case of a request path that commits as it goes). The
    first record goes in on its own statement, so a collision on it leaves nothing behind."""
    index, data, digest, nodes, root = rows.records[0]
    try:
        conn.execute(_SQLITE_INSERT_RECORD, (index, stamp, data, digest, nodes, root))
    except sqlite3.IntegrityError:
        raise _Collided from None
    if len(rows.records) > 1:
        conn.executemany(
            _SQLITE_INSERT_RECORD,
            [
                (i, stamp, data, digest, nodes, root)
                for i, data, digest, nodes, root in rows.records[1:]
            ],
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


# The single-statement append (see the module docstring): a collision on the records'
# primary key fails the whole statement, so it commits nothing at all.
_PG_APPEND = f"""
WITH recs AS (
    INSERT INTO audit_records (idx, recorded_at, data, leaf_hash, nodes, root)
    SELECT r.idx, $1::timestamptz, r.data, r.leaf_hash, r.nodes, r.root
    FROM unnest($2::bigint[], $3::bytea[], $4::bytea[], $5::bytea[], $6::bytea[])
         AS r(idx, data, leaf_hash, nodes, root)
    RETURNING 1
), scripts AS (
    INSERT INTO audit_transcripts ({", ".join(TRANSCRIPT_COLUMNS)})
    SELECT t.record_idx, $1::timestamptz, t.project, t.lab, t.label, t.key_id,
           t.wrapped_key, t.nonce, t.ciphertext
    FROM unnest($7::bigint[], $8::text[], $9::text[], $10::text[], $11::text[],
                $12::bytea[], $13::bytea[], $14::bytea[])
         AS t(record_idx, project, lab, label, key_id, wrapped_key, nonce, ciphertext)
)
SELECT count(*) FROM recs
"""
_PG_RECORDS_KEY = "pk_audit_records"


class PostgresWriter:
    """The audit writer's own pooled asyncpg connection: one statement (and round trip) a batch."""

    # how often a batch is rebuilt after another replica appended first, before giving up
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
            try:
                await conn.fetchval(_PG_APPEND, *self._arguments(rows, now))
            except asyncpg.UniqueViolationError as exc:
                if exc.constraint_name != _PG_RECORDS_KEY:
                    raise
                edge = None  # another writer appended first: reload and rebuild
                continue
            return size, current
        raise StorageError("other writers kept appending first; this writer gave up")

    @staticmethod
    def _arguments(rows: Rows, now: datetime) -> list[Any]:
        scripts = rows.transcripts
        return [
            now,
            *([r[column] for r in rows.records] for column in range(5)),
            *([t[c] for t in scripts] for c in TRANSCRIPT_COLUMNS if c != "created_at"),
        ]

    async def _load_edge(self, conn: Any) -> CompactRange:
        size = int(await conn.fetchval(SIZE_SQL))
        rows = await conn.fetch(snapshot_sql(range_nodes(0, size)))
        # another replica may append between the two reads: the insert then collides
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
