"""The log: durable ordered appends, group commit, several writers, proofs from storage."""

from __future__ import annotations

import asyncio
import sqlite3

import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.audit.log import AuditLog, AuditWriteError, NotInLog
from labgate.audit.merkle import (
    leaf_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from labgate.audit.records import AuditRecord, record_bytes, to_payload
from labgate.audit.verify import verify_log

from .conftest import request_record


async def test_append_stores_canonical_json_with_its_index(audit_log: AuditLog) -> None:
    first = await audit_log.append(request_record(1, user="zoë"))
    second = await audit_log.append(request_record(2))
    assert (first, second) == (0, 1)
    stored = await audit_log.get_record(1)
    assert stored.leaf_hash == leaf_hash(stored.data)
    parsed = orjson.loads(stored.data)
    assert parsed["index"] == 1 and parsed["request_id"] == "req_000002"
    assert stored.data == orjson.dumps(parsed, option=orjson.OPT_SORT_KEYS)
    assert b" " not in (await audit_log.get_record(0)).data.replace(b"zo\xc3\xab", b"")


async def test_malformed_records_are_refused_before_anything_is_written(
    audit_log: AuditLog,
) -> None:
    with pytest.raises(ValueError):
        await audit_log.append({"kind": "nonsense"})
    with pytest.raises(ValueError):
        await audit_log.append({**request_record(1), "index": 5})
    with pytest.raises(ValueError):
        await audit_log.append({**request_record(1), "time": "yesterday"})
    assert await audit_log.size() == 0


async def test_concurrent_appends_are_group_committed_without_gaps(audit_log: AuditLog) -> None:
    indices = await asyncio.gather(*(audit_log.append(request_record(n)) for n in range(600)))
    assert sorted(indices) == list(range(600))
    assert audit_log.batches < 100  # hundreds of appends shared a handful of transactions
    rows = await audit_log.store.records_between(0, 600)
    by_index = {index: orjson.loads(data)["request_id"] for index, data, _ in rows}
    assert by_index == {index: f"req_{n:06d}" for n, index in enumerate(indices)}


async def test_proofs_from_storage_verify_at_every_size(any_engine: AsyncEngine) -> None:
    async with AuditLog(any_engine) as audit_log:
        await audit_log.append_many([request_record(n) for n in range(20)])
        await audit_log.append_many([request_record(n) for n in range(20, 45)])
        leaves = [h for _, _, h in await audit_log.store.records_between(0, 45)]
        for size in (1, 7, 8, 20, 33, 45):
            root = await audit_log.root_at(size)
            assert root == root_of(leaves[:size])
            for index in range(size):
                proof = await audit_log.inclusion_proof(index, size)
                assert proof.root == root
                verify_inclusion(index, size, leaves[index], proof.hashes, root)
            for first in range(1, size + 1):
                consistency = await audit_log.consistency_proof(first, size)
                verify_consistency(first, size, root_of(leaves[:first]), root,
                                   consistency.hashes)
        report = await verify_log(audit_log, None)
        assert report.ok, report.problems


async def test_proofs_outside_the_log_are_refused(audit_log: AuditLog) -> None:
    for n in range(5):
        await audit_log.append(request_record(n))
    with pytest.raises(NotInLog):
        await audit_log.inclusion_proof(5)
    with pytest.raises(NotInLog):
        await audit_log.inclusion_proof(2, 9)
    with pytest.raises(NotInLog):
        await audit_log.consistency_proof(0, 3)
    with pytest.raises(NotInLog):
        await audit_log.consistency_proof(4, 3)
    with pytest.raises(NotInLog):
        await audit_log.get_record(5)


async def test_two_writers_on_one_database_never_share_an_index(any_engine: AsyncEngine) -> None:
    """Two gateway replicas: batches interleave, the tree stays one consistent tree."""
    async with AuditLog(any_engine, max_batch=16) as one, AuditLog(any_engine, max_batch=16) as two:
        results = await asyncio.gather(
            *(w.append(request_record(n, worker=name))
              for n in range(120) for name, w in (("one", one), ("two", two)))
        )
        assert sorted(results) == list(range(240))
        assert await one.size() == 240
        report = await verify_log(one, None)
        assert report.ok, report.problems


async def test_a_restarted_log_continues_the_same_tree(sqlite_engine: AsyncEngine) -> None:
    async with AuditLog(sqlite_engine) as first_run:
        for n in range(11):
            await first_run.append(request_record(n))
        root_11 = await first_run.root_at(11)
    async with AuditLog(sqlite_engine) as second_run:
        assert await second_run.append(request_record(11)) == 11
        proof = await second_run.consistency_proof(11, 12)
        verify_consistency(11, 12, root_11, await second_run.root_at(12), proof.hashes)


async def test_a_failed_commit_is_reported_to_every_waiter_and_leaves_no_gap(
    any_engine: AsyncEngine,
) -> None:
    async with AuditLog(any_engine) as audit_log:
        await audit_log.append(request_record(0))
        async with any_engine.begin() as conn:
            await conn.execute(text("ALTER TABLE audit_records RENAME TO audit_records_away"))
        results = await asyncio.gather(
            *(audit_log.append(request_record(n)) for n in range(1, 4)), return_exceptions=True
        )
        assert all(isinstance(r, AuditWriteError) for r in results)
        async with any_engine.begin() as conn:
            await conn.execute(text("ALTER TABLE audit_records_away RENAME TO audit_records"))
        assert await audit_log.append(request_record(4)) == 1
        assert (await verify_log(audit_log, None)).ok


async def test_a_transcript_without_a_vault_is_refused(audit_log: AuditLog) -> None:
    with pytest.raises(AuditWriteError):
        await audit_log.append(request_record(0), transcript=object())
    assert await audit_log.size() == 0


async def test_append_before_start_is_refused(sqlite_engine: AsyncEngine) -> None:
    with pytest.raises(AuditWriteError):
        await AuditLog(sqlite_engine).append(request_record(0))


async def test_bulk_appends_build_the_same_tree_as_single_appends(
    sqlite_engine: AsyncEngine,
) -> None:
    payloads = [AuditRecord.model_validate(request_record(n)).payload() for n in range(50)]
    async with AuditLog(sqlite_engine) as audit_log:
        assert await audit_log.append_bulk(payloads[:30], batch=7) == 30
        assert await audit_log.append(payloads[30]) == 30
        assert await audit_log.append_bulk(payloads[31:], batch=8) == 50
        rows = await audit_log.store.records_between(0, 50)
        expected = [record_bytes(p, i) for i, p in enumerate(payloads)]
        assert [data for _, data, _ in rows] == expected
        assert await audit_log.root_at(50) == root_of([leaf_hash(d) for d in expected])
        assert (await verify_log(audit_log, None)).ok


async def test_full_durability_is_the_writers_own(sqlite_engine: AsyncEngine) -> None:
    """The writer's own connection commits with FULL; the pool's connections keep NORMAL."""
    async with AuditLog(sqlite_engine) as audit_log:
        await audit_log.append(request_record(0))
        async with sqlite_engine.connect() as conn:  # a pooled connection meanwhile
            assert (await conn.exec_driver_sql("PRAGMA synchronous")).scalar() == 1
        writer = audit_log._sqlite
        assert writer is not None
        assert await writer.call(writer.synchronous()) == 2
        assert audit_log.wal_syncer is None  # FULL: the commit itself fsyncs
    async with AuditLog(sqlite_engine, sqlite_synchronous="NORMAL") as audit_log:
        await audit_log.append(request_record(1))
        writer = audit_log._sqlite
        assert writer is not None
        assert await writer.call(writer.synchronous()) == 1


async def test_normal_durability_fsyncs_the_wal_behind_every_kind_of_commit(
    sqlite_engine: AsyncEngine,
) -> None:
    """NORMAL: the writer task's batches and inline commits each ask the WAL syncer for an
    fsync behind them; closing the log syncs what is left."""
    async with AuditLog(
        sqlite_engine, sqlite_synchronous="NORMAL", sqlite_sync_interval_s=0.05
    ) as audit_log:
        syncer = audit_log.wal_syncer
        assert syncer is not None and syncer.interval_s == 0.05
        await audit_log.append(request_record(0))  # the writer task
        assert syncer.requested == 1
        audit_log.inline_if = lambda: True
        batches = audit_log.batches
        future = audit_log.submit(to_payload(request_record(1)))
        assert future.done()  # committed inline, on this thread
        assert audit_log.batches == batches + 1 and syncer.requested == 2
        audit_log.inline_if = None
        await asyncio.gather(*(audit_log.append(request_record(i)) for i in range(2, 40)))
        assert syncer.requested == audit_log.batches
        assert await asyncio.to_thread(syncer.wait_synced, 5)
        assert 1 <= syncer.syncs < syncer.requested  # the interval lets one cover several
    assert syncer.synced == syncer.requested


def _hold_write_lock(path: str) -> sqlite3.Connection:
    """Another connection (an admin change, say) that holds SQLite's write lock until closed."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    return conn


async def test_a_lone_record_commits_inline_and_a_busy_log_queues(
    sqlite_engine: AsyncEngine,
) -> None:
    """With ``inline_if`` saying the request is alone, an idle log commits the record inside
    ``submit`` (no writer task, no thread hop): the future is done when submit returns."""
    async with AuditLog(sqlite_engine) as audit_log:
        alone = True
        audit_log.inline_if = lambda: alone
        payload = AuditRecord.model_validate(request_record(0)).payload()
        first = audit_log.submit(payload)
        assert first.done() and first.result() == 0
        lane = audit_log.sqlite_lane
        assert lane is not None and lane.idle
        # not alone: queued for the writer task, committed with the others
        alone = False
        queued = [
            audit_log.submit(AuditRecord.model_validate(request_record(n)).payload())
            for n in (1, 2)
        ]
        assert not any(f.done() for f in queued)
        assert await asyncio.gather(*queued) == [1, 2]
        assert (await verify_log(audit_log, None)).ok


async def test_a_locked_database_sends_the_inline_record_to_the_lane_which_waits(
    sqlite_engine: AsyncEngine,
) -> None:
    """Inline, a record never waits for a lock (it would stall the event loop): it goes to the
    lane's thread, which retries until the other connection lets go."""
    async with AuditLog(sqlite_engine) as audit_log:
        audit_log.inline_if = lambda: True
        lane = audit_log.sqlite_lane
        assert lane is not None
        other = _hold_write_lock(lane.path)
        try:
            future = audit_log.submit(AuditRecord.model_validate(request_record(0)).payload())
            assert not future.done()
            await asyncio.sleep(0.05)
            assert not future.done()  # still waiting for the lock, not failed
        finally:
            other.rollback()
            other.close()
        assert await future == 0
        assert (await verify_log(audit_log, None)).ok


async def test_the_lane_gives_up_on_a_lock_held_too_long(sqlite_engine: AsyncEngine) -> None:
    async with AuditLog(sqlite_engine) as audit_log:
        lane = audit_log.sqlite_lane
        assert lane is not None
        lane.lock_timeout_s = 0.1
        other = _hold_write_lock(lane.path)
        try:
            with pytest.raises(AuditWriteError):
                await audit_log.append(request_record(0))
        finally:
            other.rollback()
            other.close()
        assert await audit_log.append(request_record(1)) == 0  # recovered, no gap
        assert (await verify_log(audit_log, None)).ok


async def test_a_failed_inline_commit_is_reported_and_the_log_recovers(
    sqlite_engine: AsyncEngine,
) -> None:
    async with AuditLog(sqlite_engine) as audit_log:
        audit_log.inline_if = lambda: True
        await audit_log.append(request_record(0))
        async with sqlite_engine.begin() as conn:
            await conn.execute(text("ALTER TABLE audit_records RENAME TO audit_records_away"))
        with pytest.raises(AuditWriteError):
            await audit_log.append(request_record(1))
        async with sqlite_engine.begin() as conn:
            await conn.execute(text("ALTER TABLE audit_records_away RENAME TO audit_records"))
        assert await audit_log.append(request_record(2)) == 1
        assert (await verify_log(audit_log, None)).ok
