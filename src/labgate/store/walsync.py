"""Sync-behind for SQLite's ``synchronous=NORMAL``: the WAL reaches the disk just after a commit.

In WAL mode with ``synchronous=NORMAL`` a commit returns once its frames are written to the WAL
file (in the operating system's cache): the transaction survives a crash or ``kill -9`` of the
process, but SQLite fsyncs the file only before its next checkpoint, which on a quiet gateway
can be hours of records away. :class:`WalSyncer` bounds that window. Each
:meth:`~WalSyncer.request` (the audit log makes one after every commit) reaches a thread of its
own, which runs ``fdatasync`` on the WAL file, at once if the last fsync was at least
``interval_s`` ago and otherwise when that much time has passed; one fsync covers every commit
before it. The caller never waits: its answer goes out while the disk writes.

So with ``NORMAL`` a record survives a crash of labgate once it is committed (before its
answer), and a power loss once the fsync behind it returns: about ``interval_s`` plus one
fsync after the commit, more when this thread waits for a core or for the GIL
(``docs/audit.md`` has the measured figures). What must never be lost waits for the fsync:
the audit log's checkpoint publisher signs a tree only once every record under it is on disk
(:meth:`WalSyncer.wait_synced`), so a power cut can drop the last few answers' records but
never a record a signed checkpoint covers. Why not fsync at once, every
time: on the 2-core benchmark machine an fsync per request costs about 0.3 ms of everybody's
latency wherever it runs (its kernel and interrupt work take a core), and the interval lets one
fsync cover several requests. With ``synchronous=FULL`` the commit itself fsyncs, before the
answer, and no syncer runs.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time

log = logging.getLogger("labgate.store")

_STOP = -1


class WalSyncer:
    """One thread that fsyncs ``<database>-wal`` after the commits it is told about."""

    def __init__(self, db_path: str, *, interval_s: float = 0.005) -> None:
        if interval_s < 0:
            raise ValueError("the WAL sync interval cannot be negative")
        self.interval_s = interval_s
        """At least this long between two fsyncs (one covers every commit before it)."""
        self._last = 0.0
        self.wal_path = db_path + "-wal"
        self._dir = os.path.dirname(os.path.abspath(db_path))
        self._requests: queue.SimpleQueue[tuple[int, float]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._fd: int | None = None
        self._inode: int | None = None
        self.requested = 0
        """Commits reported so far (the event loop's thread counts them)."""
        self.synced = 0
        """Of those, how many are known to be on disk (written by the syncer's thread)."""
        self.syncs = 0
        """fsyncs run so far (fewer than requests under load: one covers many)."""
        self.last_lag_s = 0.0
        """From the oldest request a sync covered to the end of that sync, seconds."""
        self.failures = 0
        """fsyncs that failed (logged at most once a minute)."""
        self._last_complaint = -60.0
        self._failed_upto = 0
        """The highest request an fsync failed to cover (its waiters give up)."""
        self._synced_cond = threading.Condition()

    def request(self) -> int:
        """A commit just returned: get the WAL to the disk soon. Does not wait; returns the
        request's number, for :meth:`wait_synced`. Call it from one thread (the event loop's)."""
        self.requested += 1
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="labgate-wal-sync", daemon=True)
            self._thread.start()
        self._requests.put((self.requested, time.monotonic()))
        return self.requested

    def wait_synced(self, timeout_s: float = 10.0, *, ticket: int | None = None) -> bool:
        """Block until request ``ticket`` (default: every request so far) is on disk: True.
        False after ``timeout_s``, or at once when the fsync that was to cover it failed (the
        caller decides whether to ask again). Blocks its thread: from the event loop, run it
        in another (the checkpoint publisher does, before it signs)."""
        target = self.requested if ticket is None else ticket
        with self._synced_cond:
            self._synced_cond.wait_for(
                lambda: self.synced >= target or self._failed_upto >= target, timeout_s
            )
            return self.synced >= target

    def close(self, timeout_s: float = 10.0) -> None:
        """Sync what was requested, stop the thread, close the file."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._requests.put((_STOP, 0.0))
            thread.join(timeout_s)

    def _run(self) -> None:
        while True:
            upto, oldest = self._requests.get()
            if upto == _STOP:
                self._close_fd()
                return
            stop = False
            gap = self._last + self.interval_s - time.monotonic()
            if gap > 0:
                time.sleep(gap)
            while True:  # everything already asked for is covered by this one fsync
                try:
                    more, _at = self._requests.get_nowait()
                except queue.Empty:
                    break
                if more == _STOP:
                    stop = True
                else:
                    upto = max(upto, more)
            try:
                self._sync()
            except OSError:
                # the next commit asks again; meanwhile the records are as safe as NORMAL makes
                # them (SQLite fsyncs the WAL before every checkpoint). A failing disk fails
                # every time: say so once a minute, not once per request
                self.failures += 1
                now = time.monotonic()
                if now - self._last_complaint >= 60:
                    self._last_complaint = now
                    log.exception(
                        "could not fsync the SQLite WAL %s (%d failures so far)",
                        self.wal_path,
                        self.failures,
                    )
                with self._synced_cond:  # whoever waits for these requests hears it now
                    self._failed_upto = max(self._failed_upto, upto)
                    self._synced_cond.notify_all()
            else:
                self.syncs += 1
                self._last = time.monotonic()
                self.last_lag_s = time.monotonic() - oldest
                with self._synced_cond:
                    self.synced = max(self.synced, upto)
                    self._synced_cond.notify_all()
            if stop:
                self._close_fd()
                return

    def _sync(self) -> None:
        try:
            inode = os.stat(self.wal_path).st_ino
        except FileNotFoundError:
            return  # no WAL: SQLite checkpointed and removed it (the last connection closed)
        if inode != self._inode:
            # a new WAL file (first use, or recreated): its directory entry must be durable too
            self._close_fd()
            self._fd = os.open(self.wal_path, os.O_RDONLY)
            self._inode = inode
            dir_fd = os.open(self._dir, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        assert self._fd is not None
        os.fdatasync(self._fd)

    def _close_fd(self) -> None:
        fd, self._fd, self._inode = self._fd, None, None
        if fd is not None:
            os.close(fd)
