"""The audit log: durable appends with group commit, records, and proofs.

``await log.append(record)`` returns the record's index only once the transaction holding it has
committed. Appends that arrive while a commit is in flight wait and go together into the next
transaction (group commit), so throughput grows with concurrency while each caller still waits
for its own durable commit. One writer task per :class:`AuditLog` does all writing; several logs
(gateway replicas) may share one PostgreSQL database, because every batch claims its indices
by inserting them and, when another writer took them first, rebuilds its view of the tree
edge and tries again. How a batch reaches the disk (one thread hop on SQLite, one statement on
PostgreSQL, ``synchronous=FULL`` by default on SQLite): :mod:`labgate.audit.writer`.

A lone request on SQLite skips the writer task and the thread: when ``inline_if()`` says no
other request is in flight and nothing is queued or committing, :meth:`AuditLog.submit` commits
the record right there, on the caller's thread (about 0.3 ms with the fsync, during which the
event loop waits; nothing else was waiting for it). Under concurrency records go to the
writer task and share commits as before; a locked database also sends them there.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.audit.records import AuditRecord, to_payload
from labgate.audit.storage import (
    AuditStore,
    StoredCheckpoint,
    StoredRecord,
    missing_hash,
)
from labgate.audit.tree import (
    CompactRange,
    NodeId,
    consistency_plan,
    inclusion_plan,
    root_plan,
)
from labgate.audit.writer import PostgresWriter, sqlite_batch, sqlite_file
from labgate.store.lane import Busy, SqliteLane
from labgate.store.walsync import WalSyncer

log = logging.getLogger("labgate.audit")

SqliteSync = Literal["OFF", "NORMAL", "FULL", "EXTRA"]


class AuditWriteError(RuntimeError):
    """The record could not be committed; the request it describes must not be answered."""


class NotInLog(LookupError):
    """A record index or tree size the log does not (yet) have."""


class TranscriptSealer(Protocol):
    """Turns a transcript into the encrypted row stored with its record (see transcripts.py)."""

    def seal_row(self, index: int, transcript: Any, created_at: datetime) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class InclusionProof:
    index: int
    tree_size: int
    leaf_hash: bytes
    hashes: list[bytes]
    root: bytes


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    first: int
    second: int
    first_root: bytes
    second_root: bytes
    hashes: list[bytes]


@dataclass(slots=True)
class _Pending:
    payload: dict[str, Any]
    transcript: Any
    future: asyncio.Future[int] | None


_DONE = None  # bulk appends have nobody waiting on a future


def _write_error(exc: Exception) -> AuditWriteError:
    return AuditWriteError(
        "the audit log could not commit this record, so the request must not be "
        f"answered; check the database ({type(exc).__name__})"
    )


class AuditLog:
    """The append-only, Merkle-tree audit log of one database."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        sealer: TranscriptSealer | None = None,
        max_batch: int = 2048,
        sqlite_synchronous: SqliteSync = "FULL",
        sqlite_sync_interval_s: float = 0.005,
    ) -> None:
        self.store = AuditStore(engine)
        self.engine = engine
        self._sealer = sealer
        self._max_batch = max_batch
        self._queue: deque[_Pending] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._edge: CompactRange | None = None
        path = sqlite_file(engine)
        self._sqlite = SqliteLane(path, sqlite_synchronous) if path else None
        self.wal_syncer = (
            WalSyncer(path, interval_s=sqlite_sync_interval_s)
            if path and sqlite_synchronous == "NORMAL"
            else None
        )
        """SQLite with ``NORMAL``: fsyncs the WAL just behind the commits (store/walsync.py)."""
        self._postgres = PostgresWriter(engine)
        self._write_lock = asyncio.Lock()
        self.batches = 0
        """Transactions committed so far (for metrics and the benchmark)."""
        self.inline_if: Callable[[], bool] | None = None
        """SQLite: when this says the caller's request is the only one in flight, an idle log
        commits a record inline in :meth:`submit` (the gateway sets it; None: never)."""

    @property
    def sqlite_lane(self) -> SqliteLane | None:
        """The SQLite write lane (its thread and connection), for the usage rows too."""
        return self._sqlite

    # -- life cycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Start the writer task, once the log's tables are known to be there (a database
        that was not upgraded fails here, not at the first append)."""
        if self._task is not None:
            return
        await self.store.read_head()
        self._closing = False
        self._task = asyncio.create_task(self._writer(), name="audit-log-writer")

    async def close(self) -> None:
        """Commit everything already queued, stop the writer, release connections."""
        if self._task is not None:
            self._closing = True
            self._wake.set()
            await self._task
            self._task = None
        if self._sqlite is not None:
            await self._sqlite.close()  # its thread starts again if the log does
            if self.wal_syncer is not None:
                await asyncio.to_thread(self.wal_syncer.close)
        else:
            await self._postgres.close()
        await self.store.close()

    async def __aenter__(self) -> AuditLog:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    # -- appending ------------------------------------------------------------------------

    async def append(self, record: AuditRecord | dict[str, Any], *, transcript: Any = None) -> int:
        """Append one record (and, optionally, its encrypted transcript); return its index.

        Returns only after the commit. Raises ``ValueError`` for a malformed record and
        :class:`AuditWriteError` when the database refused the batch.
        """
        return await self.submit(to_payload(record), transcript=transcript)

    def submit(self, payload: dict[str, Any], *, transcript: Any = None) -> asyncio.Future[int]:
        """Queue a payload now; the future resolves to its index once committed.

        The payload is trusted: built by labgate's own code in the exact shape
        :meth:`AuditRecord.payload` gives (:meth:`append` validates one first). The request
        path queues its record first and awaits the commit last, doing its other work while
        the batch is written."""
        if self._task is None or self._closing:
            raise AuditWriteError("the audit log is not running: call `await log.start()` first")
        if transcript is not None and self._sealer is None:
            raise AuditWriteError("transcripts need a TranscriptVault: pass sealer= to AuditLog")
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        pending = _Pending(payload, transcript, future)
        if (
            self.inline_if is not None
            and self._sqlite is not None
            and not self._queue
            and not self._write_lock.locked()
            and self._sqlite.idle
            and self.inline_if()
            and self._commit_inline(pending)
        ):
            return future
        self._queue.append(pending)
        self._wake.set()
        return future

    def _commit_inline(self, pending: _Pending) -> bool:
        """Commit one record on this thread, now; False if the database was locked."""
        assert self._sqlite is not None and pending.future is not None
        try:
            size, edge = self._sqlite.try_now(
                sqlite_batch([pending], self._edge, datetime.now(UTC), self._sealer)
            )
        except Busy:
            return False
        except Exception as exc:  # the database said no: like a failed batch of the writer
            log.exception("audit record failed to commit")
            self._edge = None
            self._sqlite.drop_now()
            pending.future.set_exception(_write_error(exc))
            return True
        self._committed(edge)
        pending.future.set_result(size)
        return True

    async def append_many(
        self,
        records: Sequence[AuditRecord | dict[str, Any]],
        transcripts: Sequence[Any] | None = None,
    ) -> list[int]:
        """Append several records in order (consecutive within a batch); return their indices."""
        if self._task is None or self._closing:
            raise AuditWriteError("the audit log is not running: call `await log.start()` first")
        if transcripts is not None and len(transcripts) != len(records):
            raise ValueError("give one transcript (or None) per record")
        payloads = [to_payload(r) for r in records]
        attached = list(transcripts) if transcripts is not None else [None] * len(payloads)
        if self._sealer is None and any(t is not None for t in attached):
            raise AuditWriteError("transcripts need a TranscriptVault: pass sealer= to AuditLog")
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[int]] = []
        for payload, transcript in zip(payloads, attached, strict=True):
            future: asyncio.Future[int] = loop.create_future()
            self._queue.append(_Pending(payload, transcript, future))
            futures.append(future)
        self._wake.set()
        return list(await asyncio.gather(*futures))

    async def _writer(self) -> None:
        while True:
            if not self._queue:
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            take = min(len(self._queue), self._max_batch)
            batch = [self._queue.popleft() for _ in range(take)]
            try:
                first = await self._commit(batch)
            except Exception as exc:  # the database said no: every waiter must hear it
                log.exception("audit batch of %d records failed to commit", len(batch))
                self._edge = None
                await self._drop_writer_conn()
                error = _write_error(exc)
                for pending in batch:
                    if pending.future is not None and not pending.future.done():
                        pending.future.set_exception(error)
                continue
            for offset, pending in enumerate(batch):
                if pending.future is not None and not pending.future.done():
                    pending.future.set_result(first + offset)

    async def append_bulk(self, payloads: Iterable[dict[str, Any]], *, batch: int = 20_000) -> int:
        """Append many already-validated payloads in large transactions; return the new size.

        For imports and benchmarks: it skips per-record validation and waiting, so each payload
        must come from :meth:`AuditRecord.payload`. Safe alongside the writer task and other
        replicas (same collision rule); not for the request path, where :meth:`append` is.
        """
        if self._task is None or self._closing:
            raise AuditWriteError("the audit log is not running: call `await log.start()` first")
        chunk: list[_Pending] = []
        size = await self.size()
        for payload in payloads:
            chunk.append(_Pending(payload, None, _DONE))
            if len(chunk) >= batch:
                size = await self._commit_bulk(chunk)
                chunk = []
        if chunk:
            size = await self._commit_bulk(chunk)
        return size

    async def _commit_bulk(self, chunk: list[_Pending]) -> int:
        try:
            return await self._commit(chunk) + len(chunk)
        except Exception as exc:
            self._edge = None
            await self._drop_writer_conn()
            raise AuditWriteError(f"a bulk batch failed to commit ({type(exc).__name__})") from exc

    async def _commit(self, batch: list[_Pending]) -> int:
        """Write one batch in one transaction; return the index of its first record."""
        now = datetime.now(UTC)
        async with self._write_lock:
            if self._sqlite is not None:
                size, edge = await self._sqlite.call(
                    sqlite_batch(batch, self._edge, now, self._sealer)
                )
            else:
                size, edge = await self._postgres.commit(batch, self._edge, now, self._sealer)
        self._committed(edge)
        return size

    def _committed(self, edge: CompactRange) -> None:
        """A batch committed (inline or by the writer): keep its tree edge, count it, and with
        SQLite ``NORMAL`` have the WAL fsynced behind it."""
        self._edge = edge
        self.batches += 1
        if self.wal_syncer is not None:
            self.wal_syncer.request()

    async def flush_to_disk(self, timeout_s: float = 10.0) -> None:
        """Return once every record committed so far is on disk, power loss included.

        With ``FULL`` (and PostgreSQL) every commit already was, so this returns at once. With
        SQLite ``NORMAL`` it asks the WAL syncer for an fsync and waits for it (on another
        thread): what is signed or handed out as final (a checkpoint) must not be lost to a
        power cut, or the log would later contradict it. Raises :class:`AuditWriteError` when
        the fsync fails or takes longer than ``timeout_s``."""
        syncer = self.wal_syncer
        if syncer is None:
            return
        ticket = syncer.request()
        if not await asyncio.to_thread(syncer.wait_synced, timeout_s, ticket=ticket):
            raise AuditWriteError(
                f"the SQLite WAL {syncer.wal_path} could not be fsynced "
                f"({syncer.failures} failures so far); check the disk"
            )

    async def _drop_writer_conn(self) -> None:
        """Forget the writer's connection after a failed batch; the next batch opens a new one."""
        if self._sqlite is not None:
            await self._sqlite.reset()
        else:
            await self._postgres.reset()

    # -- reading --------------------------------------------------------------------------

    async def size(self) -> int:
        """How many records the log holds (committed)."""
        return (await self.store.snapshot(()))[0]

    async def get_record(self, index: int) -> StoredRecord:
        if not 0 <= index < 2**63:  # storage holds 64-bit indices: no such record can exist
            raise NotInLog(f"the log has no record {index}")
        record = await self.store.get_record(index)
        if record is None:
            raise NotInLog(f"the log has no record {index}")
        return record

    async def root_at(self, size: int) -> bytes:
        """The root of the tree as it was when it held ``size`` records."""
        if size < 0:
            raise NotInLog("a tree size is not negative")
        plan = root_plan(size)
        lookup = await self._hashes(plan.needed(), size)
        return plan.build(lookup)[0]

    async def inclusion_proof(self, index: int, tree_size: int | None = None) -> InclusionProof:
        """Proof that record ``index`` is in the tree of ``tree_size`` records (default: now)."""
        size = await self.size() if tree_size is None else tree_size
        if not 0 <= index < size:
            raise NotInLog(f"record {index} is not in a tree of {size} records")
        proof_plan, root = inclusion_plan(index, size), root_plan(size)
        lookup = await self._hashes(proof_plan.needed() | root.needed() | {(0, index)}, size)
        return InclusionProof(
            index, size, lookup[(0, index)], proof_plan.build(lookup), root.build(lookup)[0]
        )

    async def consistency_proof(self, first: int, second: int | None = None) -> ConsistencyProof:
        """Proof that the tree of ``second`` records extends the tree of ``first`` records."""
        second = await self.size() if second is None else second
        if not 0 < first <= second:
            raise NotInLog(
                f"no consistency proof from size {first} to size {second}: "
                "it needs 0 < first <= second"
            )
        proof_plan, first_root, second_root = (
            consistency_plan(first, second),
            root_plan(first),
            root_plan(second),
        )
        needed = proof_plan.needed() | first_root.needed() | second_root.needed()
        lookup = await self._hashes(needed, second)
        return ConsistencyProof(
            first,
            second,
            first_root.build(lookup)[0],
            second_root.build(lookup)[0],
            proof_plan.build(lookup),
        )

    async def _hashes(self, needed: set[NodeId], size: int) -> dict[NodeId, bytes]:
        """Stored hashes of ``needed``, after checking the log has reached ``size``."""
        current, _root, found = await self.store.snapshot(needed)
        if size > current:
            raise NotInLog(f"the log holds {current} records, fewer than the tree size {size}")
        missing = needed - found.keys()
        if missing:
            raise missing_hash(missing)
        return found

    async def latest_checkpoint(self) -> StoredCheckpoint | None:
        """The most recent signed checkpoint, if one has been published."""
        return await self.store.latest_checkpoint()
