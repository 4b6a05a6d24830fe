"""The process's SQLite write lane: one ``sqlite3`` connection on one thread of its own.

The audit log's batches and the usage rows are written through it (``docs/audit.md``), so the
two hot writers never wait on each other's lock. Calls reach the thread through a plain queue
and come back with ``loop.call_soon_threadsafe``: about half the cost of ``run_in_executor``'s
two chained futures, on a path every request takes.

When another connection (an admin change, the checkpoint publisher) holds the write lock,
``BEGIN IMMEDIATE`` fails at once (the connection's busy timeout is 0) and the lane retries
after 50 µs, doubling up to 2 ms, for up to ``lock_timeout_s``: SQLite's own busy handler sleeps
1, 2, 5, 10… ms, which a measured request path saw as 8 ms stalls. When the lane is idle, a
caller may run a call on its own thread instead (:meth:`SqliteLane.try_now`): no hop to the
thread and back, and no waiting for a lock there (:class:`Busy` says to use the thread).
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class LaneError(RuntimeError):
    """The database stayed locked by another connection for longer than the lane waits."""


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


class SqliteLane:
    """One ``sqlite3`` connection and the thread that uses it; see the module docstring."""

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
        """Run ``fn(connection)`` on the lane's thread (retried while it raises Busy)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._serve, name="labgate-sqlite-lane", daemon=True
            )
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
                    raise LaneError(
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

    def synchronous(self) -> Callable[[sqlite3.Connection], int]:
        """For tests: the lane connection's ``PRAGMA synchronous``."""
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


def in_transaction(body: Callable[[sqlite3.Connection], T]) -> Callable[[sqlite3.Connection], T]:
    """``body`` inside ``BEGIN IMMEDIATE`` … ``COMMIT`` (rolled back if it raises), for a lane."""

    def run(conn: sqlite3.Connection) -> T:
        begin_immediate(conn)
        try:
            result = body(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return result

    return run
