"""SIGKILL under load: the log still verifies and every append that returned is there."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import sys
from pathlib import Path

import orjson
import pytest

from labgate.audit.log import AuditLog
from labgate.audit.note import load_or_create_signer
from labgate.audit.verify import verify_log

from .conftest import sqlite_engine_at
from .crash_writer import ORIGIN

WRITER = Path(__file__).with_name("crash_writer.py")


def _has_checkpoint(db: Path) -> bool:
    with contextlib.closing(sqlite3.connect(db, timeout=5)) as conn:
        try:
            return bool(conn.execute("SELECT 1 FROM audit_checkpoints LIMIT 1").fetchone())
        except sqlite3.OperationalError:  # busy: look again after the next line
            return False


async def _acknowledged_until_killed(
    db: Path, key: Path, at_least: int, synchronous: str
) -> dict[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(WRITER), str(db), str(key), synchronous,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    acknowledged: dict[int, str] = {}
    try:
        # kill it only once it has signed a checkpoint too (on a fast, quiet machine 1,000
        # appends can land before the publisher's first turn)
        while len(acknowledged) < at_least or not _has_checkpoint(db):
            line = await asyncio.wait_for(proc.stdout.readline(), timeout=60)
            if not line:
                pytest.fail(f"the writer died first: {(await proc.stderr.read()).decode()[-2000:]}")
            index, request_id = line.decode().split()
            acknowledged[int(index)] = request_id
    finally:
        proc.kill()  # SIGKILL: no cleanup, no flush, mid-transaction
    tail = await proc.stdout.read()
    await proc.wait()
    for line in tail.decode().splitlines(keepends=True):
        if line.endswith("\n"):  # a line cut by the kill was never fully acknowledged
            index, request_id = line.split()
            acknowledged[int(index)] = request_id
    return acknowledged


@pytest.mark.parametrize("synchronous", ["FULL", "NORMAL"])
async def test_sigkill_under_load_loses_no_acknowledged_record(
    tmp_path: Path, synchronous: str
) -> None:
    """Both SQLite durability settings: a kill of the process loses nothing acknowledged
    (NORMAL's records are in the operating system's cache, its syncer behind them)."""
    db, key = tmp_path / "labgate.db", tmp_path / "audit-signing.key"
    engine = await sqlite_engine_at(db)
    await engine.dispose()
    acknowledged = await _acknowledged_until_killed(db, key, 1000, synchronous)

    verifier = load_or_create_signer(key, ORIGIN).verifier
    engine = await sqlite_engine_at(db)
    try:
        async with AuditLog(engine) as audit_log:
            report = await verify_log(audit_log, verifier)
            assert report.ok, report.problems
            assert report.checkpoints_checked >= 1
            assert report.tree_size >= len(acknowledged)
            for index, request_id in acknowledged.items():
                stored = orjson.loads((await audit_log.get_record(index)).data)
                assert stored["request_id"] == request_id
            # and the log carries on where the dead process stopped
            next_index = await audit_log.append({"kind": "admin", "action": "restart"})
            assert next_index == report.tree_size
            assert (await verify_log(audit_log, verifier)).ok
    finally:
        await engine.dispose()
