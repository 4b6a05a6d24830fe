"""The WAL syncer behind SQLite's NORMAL commits: what it fsyncs, when, and what it reports.

The fsync itself is the kernel's; to see *which* file it reaches and how often, these tests
watch ``os.fdatasync`` (a spy that calls the real one). A power loss cannot be staged here."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from labgate.store import walsync
from labgate.store.walsync import WalSyncer


def _wal_db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE t (x)")
    return conn


@pytest.fixture
def db(tmp_path: Path) -> Iterator[tuple[str, sqlite3.Connection]]:
    """A WAL-mode database with synchronous=NORMAL, and a connection that writes to it."""
    conn = _wal_db(tmp_path / "db")
    yield str(tmp_path / "db"), conn
    conn.close()


@pytest.fixture
def syncers() -> Iterator[Callable[..., WalSyncer]]:
    """Makes syncers, and closes every one of them afterwards."""
    made: list[WalSyncer] = []

    def make(path: str, interval_s: float) -> WalSyncer:
        made.append(WalSyncer(path, interval_s=interval_s))
        return made[-1]

    yield make
    for syncer in made:
        syncer.close()


def _commit(conn: sqlite3.Connection, syncer: WalSyncer, rows: int) -> None:
    """Commit ``rows`` one-row transactions, telling the syncer after each (as the log does)."""
    for i in range(rows):
        conn.execute("INSERT INTO t VALUES (?)", (i,))
        syncer.request()


class _FsyncSpy:
    """Records the inode of every file ``fdatasync`` is called on (then really syncs it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, delay_s: float = 0.0) -> None:
        self.inodes: list[int] = []
        self.delay_s = delay_s
        real = os.fdatasync

        def spy(fd: int) -> None:
            self.inodes.append(os.fstat(fd).st_ino)
            time.sleep(self.delay_s)
            real(fd)

        monkeypatch.setattr(walsync.os, "fdatasync", spy)


def test_a_commit_is_followed_by_an_fsync_of_the_wal(
    db: tuple[str, sqlite3.Connection],
    syncers: Callable[..., WalSyncer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = _FsyncSpy(monkeypatch)
    path, conn = db
    syncer = syncers(path, interval_s=0)
    _commit(conn, syncer, 1)
    assert syncer.wait_synced(5)
    assert syncer.synced == syncer.requested == 1
    wal_inode = os.stat(path + "-wal").st_ino
    assert spy.inodes == [wal_inode]  # the WAL, not the database file
    _commit(conn, syncer, 1)
    assert syncer.wait_synced(5)
    assert spy.inodes == [wal_inode, wal_inode] and syncer.syncs == 2
    assert syncer.last_lag_s >= 0


def test_requests_during_a_sync_share_the_next_one(
    db: tuple[str, sqlite3.Connection],
    syncers: Callable[..., WalSyncer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While one fsync runs (slowed here), thirty more commits are covered by one more."""
    spy = _FsyncSpy(monkeypatch, delay_s=0.2)
    path, conn = db
    syncer = syncers(path, interval_s=0)
    _commit(conn, syncer, 1)
    deadline = time.monotonic() + 5
    while not spy.inodes and time.monotonic() < deadline:  # the first fsync has begun
        time.sleep(0.001)
    _commit(conn, syncer, 30)
    assert syncer.wait_synced(10)
    assert syncer.synced == 31
    assert syncer.syncs == len(spy.inodes) == 2


def test_the_interval_spaces_fsyncs_and_still_covers_every_commit(
    db: tuple[str, sqlite3.Connection],
    syncers: Callable[..., WalSyncer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = _FsyncSpy(monkeypatch)
    path, conn = db
    syncer = syncers(path, interval_s=0.3)
    _commit(conn, syncer, 1)
    assert syncer.wait_synced(5)  # the first one goes at once
    _commit(conn, syncer, 20)  # within the interval: one more fsync, after it
    assert syncer.synced == 1
    assert syncer.wait_synced(5)
    assert syncer.synced == 21 and len(spy.inodes) == 2


def test_a_new_wal_file_is_reopened_and_its_directory_synced(
    tmp_path: Path, syncers: Callable[..., WalSyncer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the last connection closes SQLite removes the WAL; the next one is a new file."""
    spy = _FsyncSpy(monkeypatch)
    fsynced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(
        walsync.os, "fsync", lambda fd: (fsynced.append(os.fstat(fd).st_ino), real_fsync(fd))
    )
    path = tmp_path / "db"
    syncer = syncers(str(path), interval_s=0)
    with contextlib.closing(_wal_db(path)) as conn:
        _commit(conn, syncer, 1)
        assert syncer.wait_synced(5)
        first = os.stat(tmp_path / "db-wal").st_ino
    assert not (tmp_path / "db-wal").exists()
    syncer.request()  # no WAL at all: nothing to sync, and no error
    assert syncer.wait_synced(5)
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA synchronous=NORMAL")
        # (the syncer still holds the removed file open, so its inode cannot be reused)
        _commit(conn, syncer, 1)
        assert syncer.wait_synced(5)
        second = os.stat(tmp_path / "db-wal").st_ino
    assert spy.inodes == [first, second]
    assert fsynced.count(os.stat(tmp_path).st_ino) == 2  # the directory, once per WAL file


def test_close_syncs_what_was_asked_and_stops_the_thread(
    db: tuple[str, sqlite3.Connection], monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = _FsyncSpy(monkeypatch)
    path, conn = db
    syncer = WalSyncer(path, interval_s=0.5)
    _commit(conn, syncer, 1)
    assert syncer.wait_synced(5)
    _commit(conn, syncer, 1)  # waits for the interval
    syncer.close()
    assert syncer.synced == 2 and len(spy.inodes) == 2
    assert not any(t.name == "labgate-wal-sync" for t in threading.enumerate())


def test_a_failed_fsync_is_logged_and_the_next_request_tries_again(
    db: tuple[str, sqlite3.Connection],
    syncers: Callable[..., WalSyncer],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    path, conn = db
    conn.execute("INSERT INTO t VALUES (1)")
    calls: list[int] = []
    real = os.fdatasync

    def failing_once(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 1:
            raise OSError(5, "Input/output error")
        real(fd)

    monkeypatch.setattr(walsync.os, "fdatasync", failing_once)
    syncer = syncers(path, interval_s=0)
    syncer.request()
    assert not syncer.wait_synced(0.5)  # not on disk: never reported as synced
    assert "could not fsync the SQLite WAL" in caplog.text and syncer.failures == 1
    syncer.request()
    assert syncer.wait_synced(5) and syncer.synced == 2


def test_a_waiter_hears_at_once_that_the_fsync_meant_for_it_failed(
    db: tuple[str, sqlite3.Connection],
    syncers: Callable[..., WalSyncer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The checkpoint publisher waits for its fsync on a thread; a failed one must end the
    wait (it then refuses to sign), not leave it hanging to its timeout."""
    path, conn = db
    syncer = syncers(path, interval_s=0)
    _commit(conn, syncer, 1)
    assert syncer.wait_synced(5, ticket=1)
    gate = threading.Event()

    def failing_when_let_go(fd: int) -> None:
        gate.wait(10)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(walsync.os, "fdatasync", failing_when_let_go)
    ticket = syncer.request()
    answers: list[bool] = []
    waiter = threading.Thread(
        target=lambda: answers.append(syncer.wait_synced(600, ticket=ticket)), daemon=True
    )
    waiter.start()
    gate.set()
    waiter.join(30)
    assert not waiter.is_alive() and answers == [False]
    assert syncer.wait_synced(5, ticket=1)  # what was on disk before still is


def test_a_failing_disk_is_reported_once_a_minute_not_once_a_request(
    db: tuple[str, sqlite3.Connection],
    syncers: Callable[..., WalSyncer],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def failing(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(walsync.os, "fdatasync", failing)
    path, _conn = db
    syncer = syncers(path, interval_s=0)
    for _ in range(20):
        syncer.request()
        assert not syncer.wait_synced(0.05)
    assert syncer.failures >= 2 and syncer.synced == 0  # (a slow thread may merge some)
    assert caplog.text.count("could not fsync the SQLite WAL") == 1


def test_a_negative_interval_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        WalSyncer(str(tmp_path / "db"), interval_s=-1)
