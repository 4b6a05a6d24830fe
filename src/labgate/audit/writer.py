"""How one batch of audit records reaches the disk: one thread hop (SQLite), one round trip
(PostgreSQL).

The audit record of a request commits before the request's answer completes, so a batch's
commit sits on the request path. Going through SQLAlchemy and aiosqlite costs a hop to the
driver's thread per statement (six or so per batch, about 4 ms in all on a small machine, for
a commit whose fsync costs 0.2 ms), so the writer talks to the driver itself:

* **SQLite**: the writer owns a plain ``sqlite3`` connection and runs the whole transaction
  (``BEGIN IMMEDIATE``, read the head, insert records, nodes and transcripts, move the head,
  ``COMMIT``) in one call, normally on a thread of its own. ``BEGIN IMMEDIATE`` takes the
  database write lock before anything is read, so the batch never works from a stale tree
  head. The connection runs ``PRAGMA synchronous=FULL`` by default (a commit survives power
  loss); the pooled connections keep their own setting.

  The writer is the process's SQLite *write lane*: the usage rows go through it too, so the
  two hot writers never wait on each other's lock. When another connection (an admin change,
  the checkpoint publisher) holds the lock, ``BEGIN IMMEDIATE`` fails at once (the connection's
  busy timeout is 0) and the lane retries after 50 µs, doubling up to 2 ms: SQLite's own busy
  handler sleeps 1, 2, 5, 10… ms, which a measured request path saw as 8 ms stalls.

  When the lane is idle, a caller may run a batch on its own thread (:meth:`SqliteWriter.
  try_now`): no hop to the thread and back. The audit log does that for a lone request (see
  :class:`labgate.audit.log.AuditLog`); it never waits for a lock there (a busy database sends
  the batch to the thread).
* **PostgreSQL**: the writer keeps one pooled connection and sends each batch as a single
  statement in autocommit mode: the tree-head update, guarded by the size the writer expects,
  is a data-modifying CTE, and the inserts of records, nodes and transcripts only take rows if
  that update matched. One statement is one transaction: either the head moved and every row
  is in, or nothing happened (another replica had moved the head, so the writer reloads its
  view of the tree edge and tries again). Under concurrency the head row's lock serialises
  replicas; PostgreSQL re-checks the guard on the newly committed head after the wait.
  ``synchronous_commit`` is on for this connection, so the commit waits for the WAL flush.

The log logic (which records, which indices, which tree nodes) stays in :mod:`labgate.audit.log`;
:func:`build_rows` is shared by both writers.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

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

T = TypeVar("T")

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
    """One batch, ready to write: what goes in each table and the tree edge afterwards."""

    records: list[tuple[int, bytes, bytes]] = field(default_factory=list)  # idx, data, leaf hash
    nodes: list[tuple[int, int, bytes]] = field(default_factory=list)  # level, idx, hash
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
        rows.records.append((index, data, digest))
        rows.nodes.extend(edge.append(digest))
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


class Busy(Exception):
    """``BEGIN IMMEDIATE`` found another connection writing; nothing was done."""


def begin_immediate(conn: sqlite3.Connection) -> None:
    """Take the write lock now, or raise :class:`Busy` at once (the lane retries)."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        code = getattr(exc, "sqlite_errorcode", None)
        if (code is not None and code & 0xFF == sqlite3.SQLITE_BUSY) or "locked" in str(exc):
            raise Busy(str(exc)) from None
        raise


class SqliteWriter:
    """The process's SQLite write lane: one ``sqlite3`` connection, one thread of its own.

    Calls reach the thread through a plain queue and come back with
    ``loop.call_soon_threadsafe``: about half the cost of ``run_in_executor``'s two chained
    futures, on a path every request takes. A call that finds the database locked by another
    connection (:class:`Busy`) is retried on the thread with a short backoff, for up to
    ``lock_timeout_s``.
    """

    RETRY_FIRST_S = 0.00005
    RETRY_MAX_S = 0.002

    def __init__(self, path: str, synchronous: str, *, lock_timeout_s: float = 30.0) -> None:
        self.path = path
        self._synchronous = synchronous
        self.lock_timeout_s = lock_timeout_s
        self._calls: queue.SimpleQueue[tuple[Callable[[sqlite3.Connection], Any], Any] | None]
        self._calls = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None
        self._outstanding = 0  # calls handed to the thread and not yet settled (loop thread)

    @property
    def idle(self) -> bool:
        """No call is queued or running on the thread (so the connection is free)."""
        return self._outstanding == 0

    async def call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(connection)`` on the writer's thread (retried while it raises Busy)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name="labgate-audit", daemon=True)
            self._thread.start()
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._outstanding += 1
        self._calls.put((fn, future))
        return await future

    def try_now(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(connection)`` on the caller's thread, now, without waiting for a lock.

        Only while the lane is :attr:`idle` (the caller checks); raises :class:`Busy` if
        another connection holds the write lock, and whatever ``fn`` raises otherwise. It
        blocks the caller for the transaction, fsync included (about 0.3 ms here)."""
        assert self._outstanding == 0, "the lane's thread is using the connection"
        return fn(self._connection())

    def _serve(self) -> None:
        while True:
            item = self._calls.get()
            if item is None:
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None
                return
            fn, future = item
            try:
                result, error = self._run(fn), None
            except BaseException as exc:  # handed to the caller, on its loop
                result, error = None, exc
            future.get_loop().call_soon_threadsafe(self._settle, future, result, error)

    def _settle(
        self, future: asyncio.Future[Any], result: Any, error: BaseException | None
    ) -> None:
        self._outstanding -= 1
        _settle(future, result, error)

    def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        deadline = time.monotonic() + self.lock_timeout_s
        pause = self.RETRY_FIRST_S
        while True:
            try:
                return fn(self._connection())
            except Busy:
                if time.monotonic() >= deadline:
                    raise StorageError(
                        f"the SQLite database stayed locked by another connection for "
                        f"{self.lock_timeout_s:g} s"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, self.RETRY_MAX_S)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            # timeout=0: a locked database raises at once and the lane retries (see above)
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=0
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={self._synchronous}")
            self._conn = conn
        return self._conn

    def drop_now(self) -> None:
        """Close the connection from the caller's thread (the lane is idle); reopened lazily."""
        assert self._outstanding == 0, "the lane's thread is using the connection"
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def commit_batch(
        self,
        batch: Sequence[Pending],
        edge: CompactRange | None,
        now: datetime,
        sealer: Sealer | None,
    ) -> Callable[[sqlite3.Connection], tuple[int, CompactRange]]:
        """The whole transaction of one batch, as a function for :meth:`call`."""

        def run(conn: sqlite3.Connection) -> tuple[int, CompactRange]:
            begin_immediate(conn)
            try:
                head = conn.execute(
                    f"SELECT size FROM audit_tree_head WHERE id = {HEAD_ID}"
                ).fetchone()
                if head is None:
                    raise StorageError(
                        "the audit tree head is missing: start the log once to create it"
                    )
                size = int(head[0])
                start = edge if edge is not None and edge.size == size else None
                current = (start or _load_edge_sqlite(conn, size)).copy()
                rows = build_rows(batch, size, current, now, sealer)
                stamp = sqlite_datetime_text(now)
                conn.executemany(
                    "INSERT INTO audit_records (idx, recorded_at, data, leaf_hash) "
                    "VALUES (?, ?, ?, ?)",
                    [(i, stamp, data, digest) for i, data, digest in rows.records],
                )
                if rows.nodes:
                    conn.executemany(
                        "INSERT INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)", rows.nodes
                    )
                if rows.transcripts:
                    marks = ", ".join("?" for _ in TRANSCRIPT_COLUMNS)
                    conn.executemany(
                        f"INSERT INTO audit_transcripts ({', '.join(TRANSCRIPT_COLUMNS)}) "
                        f"VALUES ({marks})",
                        [_transcript_values(t, stamp) for t in rows.transcripts],
                    )
                conn.execute(
                    "UPDATE audit_tree_head SET size = ?, root = ?, updated_at = ? "
                    f"WHERE id = {HEAD_ID}",
                    (current.size, current.root(), stamp),
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return size, current

        return run

    def synchronous(self) -> Callable[[sqlite3.Connection], int]:
        """For tests: the writer connection's ``PRAGMA synchronous``."""
        return lambda conn: int(conn.execute("PRAGMA synchronous").fetchone()[0])

    async def reset(self) -> None:
        """Drop the connection (after a failed batch); the next call opens a fresh one."""

        def drop(conn: sqlite3.Connection) -> None:
            conn.close()
            self._conn = None

        await self.call(drop)

    async def close(self) -> None:
        """Stop the thread once the calls already queued have run; close the connection."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._calls.put(None)
            await asyncio.get_running_loop().run_in_executor(None, thread.join)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # its waiter was cancelled
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


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
    return tuple(stamp if c == "created_at" else row[c] for c in TRANSCRIPT_COLUMNS)


# The guarded single-statement append (see the module docstring). The inserts only take rows
# when the head update matched, so a mismatch commits nothing at all.
_PG_APPEND = f"""
WITH head AS (
    UPDATE audit_tree_head SET size = $1, root = $2, updated_at = $3::timestamptz
    WHERE id = {HEAD_ID} AND size = $4
    RETURNING size
), recs AS (
    INSERT INTO audit_records (idx, recorded_at, data, leaf_hash)
    SELECT r.idx, $3::timestamptz, r.data, r.leaf_hash
    FROM unnest($5::bigint[], $6::bytea[], $7::bytea[]) AS r(idx, data, leaf_hash)
    WHERE EXISTS (SELECT 1 FROM head)
), nodes AS (
    INSERT INTO audit_nodes (level, idx, hash)
    SELECT n.level, n.idx, n.hash
    FROM unnest($8::smallint[], $9::bigint[], $10::bytea[]) AS n(level, idx, hash)
    WHERE EXISTS (SELECT 1 FROM head)
), scripts AS (
    INSERT INTO audit_transcripts ({", ".join(TRANSCRIPT_COLUMNS)})
    SELECT t.record_idx, $3::timestamptz, t.project, t.lab, t.label, t.key_id,
           t.wrapped_key, t.nonce, t.ciphertext
    FROM unnest($11::bigint[], $12::text[], $13::text[], $14::text[], $15::text[],
                $16::bytea[], $17::bytea[], $18::bytea[])
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
            [n[0] for n in rows.nodes],
            [n[1] for n in rows.nodes],
            [n[2] for n in rows.nodes],
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
