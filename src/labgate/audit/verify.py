"""Checking the stored log against itself and against signed checkpoints.

:func:`verify_log` re-reads every record, recomputes every leaf hash and every perfect subtree,
and compares them with what is stored: the records' leaf hashes, the stored nodes, the tree head,
and the root of every signed checkpoint (whose signature it checks too). It names the first
record that does not match: an edited record (its bytes no longer give its leaf hash), a record
moved (it carries another index), a missing record (a gap or a truncated tail), or, when an
attacker rewrote hashes too, the range between the last checkpoint that still matches and the
first that does not.

:func:`verify_from_checkpoint` is for an outside party who kept an old checkpoint: it proves,
with a consistency proof from storage, that the log's current tree extends that checkpoint.
"""

from __future__ import annotations

import asyncio
import hashlib
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson

from labgate.audit.checkpoint import Checkpoint, open_checkpoint
from labgate.audit.log import AuditLog
from labgate.audit.merkle import LEAF_PREFIX, ProofError, verify_consistency
from labgate.audit.note import NoteError, NoteVerifier
from labgate.audit.storage import AuditStore, StoredCheckpoint
from labgate.audit.tree import CompactRange, NodeId

Progress = Callable[[int, int], None]
"""Called as ``progress(records_done, records_total)``."""

_MAX_PROBLEMS = 50


@dataclass(frozen=True, slots=True)
class Problem:
    index: int
    message: str


@dataclass(slots=True)
class VerificationReport:
    tree_size: int = 0
    records_checked: int = 0
    checkpoints_checked: int = 0
    root: bytes = b""
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad(self) -> Problem | None:
        return min(self.problems, key=lambda p: p.index) if self.problems else None

    def add(self, index: int, message: str) -> None:
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(Problem(index, message))


@dataclass(slots=True)
class _ChunkResult:
    bad_leaves: list[Problem]
    completed: dict[NodeId, bytes]
    roots: dict[int, bytes]
    gap_at: int | None
    next_index: int


def _check_chunk(
    rows: list[tuple[int, bytes, bytes]],
    start: int,
    end: int,
    edge: CompactRange,
    checkpoint_sizes: set[int],
) -> _ChunkResult:
    """Hash one chunk of records (in a worker thread: pure CPU, no I/O)."""
    bad: list[Problem] = []
    leaves: list[bytes] = []
    sha256, loads, expected = hashlib.sha256, orjson.loads, start
    for index, data, stored_hash in rows:
        if index != expected:
            break
        recomputed = sha256(LEAF_PREFIX + data).digest()
        if recomputed != stored_hash:
            bad.append(
                Problem(
                    index,
                    f"record {index} was altered: its bytes no longer match "
                    "the leaf hash written with it",
                )
            )
        else:
            try:
                claimed = loads(data).get("index")
            except (orjson.JSONDecodeError, AttributeError):
                claimed = "unreadable"
            if claimed != index:
                bad.append(
                    Problem(
                        index,
                        f"record {index} says it is record {claimed}: records "
                        "were moved or reordered",
                    )
                )
        leaves.append(recomputed)
        expected += 1
    completed, roots = edge.extend(leaves, checkpoint_sizes)
    gap = expected if expected < end else None
    return _ChunkResult(bad, completed, roots, gap, expected)


async def _signed_checkpoints(
    stored: list[StoredCheckpoint],
    verifier: NoteVerifier | None,
    origin: str | None,
    report: VerificationReport,
) -> dict[int, bytes]:
    """The sizes and roots of the stored checkpoints whose signatures hold."""
    roots: dict[int, bytes] = {}
    for cp in stored:
        if verifier is None:
            roots[cp.size] = cp.root
            continue
        try:
            opened = open_checkpoint(cp.note, verifier, origin)
        except NoteError as exc:
            report.add(
                cp.size, f"the stored checkpoint for size {cp.size} is not validly signed: {exc}"
            )
            continue
        if opened.size != cp.size or opened.root != cp.root:
            report.add(cp.size, f"the checkpoint row for size {cp.size} disagrees with its note")
        roots[opened.size] = opened.root
    return roots


async def verify_log(
    audit_log: AuditLog,
    verifier: NoteVerifier | None,
    *,
    origin: str | None = None,
    chunk: int = 16384,
    progress: Progress | None = None,
) -> VerificationReport:
    """Recompute the tree from storage and compare it with everything stored and signed.

    ``verifier`` is the log's public key (``None`` skips signature checks, for tests of the
    tree alone). The report's :attr:`VerificationReport.first_bad` names the first record
    that does not match.
    """
    store: AuditStore = audit_log.store
    report = VerificationReport()
    head_size, head_root = await store.read_head()
    stored_checkpoints = await store.checkpoints()
    report.checkpoints_checked = len(stored_checkpoints)
    signed = await _signed_checkpoints(stored_checkpoints, verifier, origin, report)
    count, highest = await store.record_bounds()
    claimed = max([head_size, count, (highest or -1) + 1, *signed.keys()])
    report.tree_size = claimed
    sizes = set(signed) | {head_size}

    async def fetch(start: int) -> tuple[list[tuple[int, bytes, bytes]], dict[NodeId, bytes]]:
        end = min(start + chunk, claimed)
        return (
            await store.records_between(start, end),
            await store.nodes_completed_in(start, end),
        )

    edge = CompactRange()
    bad_leaves: list[int] = []
    recomputed_roots: dict[int, bytes] = {}
    start = 0
    pending = asyncio.create_task(fetch(0)) if claimed else None
    try:
        while pending is not None:
            rows, stored_nodes = await pending
            end = min(start + chunk, claimed)
            # Read the next chunk while this one is hashed in a worker thread.
            pending = asyncio.create_task(fetch(end)) if end < claimed else None
            result = await asyncio.to_thread(_check_chunk, rows, start, end, edge, sizes)
            for problem in result.bad_leaves:
                report.add(problem.index, problem.message)
                bad_leaves.append(problem.index)
            recomputed_roots.update(result.roots)
            _compare_nodes(result.completed, stored_nodes, bad_leaves, report)
            report.records_checked = result.next_index
            if result.gap_at is not None:
                report.add(
                    result.gap_at,
                    f"record {result.gap_at} is missing: records were "
                    f"deleted or the log was truncated (it should hold {claimed})",
                )
                break
            if progress is not None:
                progress(end, claimed)
            start = end
    finally:
        if pending is not None:
            pending.cancel()

    report.root = edge.root()
    complete = report.records_checked == claimed
    if complete and head_size and recomputed_roots.get(head_size) != head_root:
        first = _blame(head_size, signed, recomputed_roots)
        if not _explained(bad_leaves, first, head_size):
            report.add(first, f"the tree head (size {head_size}) does not match the records")
    _compare_checkpoints(signed, recomputed_roots, bad_leaves, report, complete=complete)
    return report


def _explained(bad: list[int], start: int, end: int) -> bool:
    """Whether an already reported problem lies in ``[start, end)`` (``bad`` is sorted)."""
    at = bisect_left(bad, start)
    return at < len(bad) and bad[at] < end


def _compare_nodes(
    computed: dict[NodeId, bytes],
    stored: dict[NodeId, bytes],
    bad_leaves: list[int],
    report: VerificationReport,
) -> None:
    if computed == stored:
        return
    for (level, index), node in sorted(computed.items()):
        first, end = index << level, (index + 1) << level
        if _explained(bad_leaves, first, end):
            continue  # already reported: the altered leaf below changes this node too
        have = stored.get((level, index))
        if have is None:
            report.add(first, f"the stored tree lacks the node over records {first}..{end - 1}")
        elif have != node:
            report.add(
                first,
                f"records {first}..{end - 1} do not match the stored tree node "
                "over them: a record was replaced, records were swapped, or the "
                "node was edited",
            )
            bad_leaves.insert(bisect_left(bad_leaves, first), first)


def _blame(size: int, signed: dict[int, bytes], recomputed: dict[int, bytes]) -> int:
    """The start of the range a bad root implicates: the last smaller size that still matches."""
    good = [s for s, root in signed.items() if s < size and recomputed.get(s) == root]
    return max(good, default=0)


def _compare_checkpoints(
    signed: dict[int, bytes],
    recomputed: dict[int, bytes],
    bad_leaves: list[int],
    report: VerificationReport,
    *,
    complete: bool,
) -> None:
    for size in sorted(signed):
        got = recomputed.get(size)
        if got is None:
            if complete:
                report.add(size, f"the signed checkpoint for size {size} is beyond the records")
            continue
        if got != signed[size]:
            first = _blame(size, signed, recomputed)
            if _explained(bad_leaves, first, size):
                continue
            report.add(
                first,
                f"the signed checkpoint for size {size} does not match the "
                f"records: something in records {first}..{size - 1} changed",
            )


@dataclass(frozen=True, slots=True)
class ConsistencyReport:
    ok: bool
    old_size: int
    new_size: int
    message: str
    proof: list[bytes] = field(default_factory=list)


async def verify_from_checkpoint(
    audit_log: AuditLog, old_note: str, verifier: NoteVerifier, *, origin: str | None = None
) -> ConsistencyReport:
    """Prove the log only grew since ``old_note``, a checkpoint an outside party kept.

    The old checkpoint's signature is checked with ``verifier``; the comparison is against the
    latest signed checkpoint (or the current tree if nothing newer was signed).
    """
    try:
        old = open_checkpoint(old_note, verifier, origin)
    except NoteError as exc:
        return ConsistencyReport(False, 0, 0, f"the checkpoint you hold does not verify: {exc}")
    latest = await audit_log.latest_checkpoint()
    if latest is not None and latest.size >= old.size:
        try:
            new = open_checkpoint(latest.note, verifier, origin)
        except NoteError as exc:
            return ConsistencyReport(
                False, old.size, latest.size, f"the log's latest checkpoint does not verify: {exc}"
            )
    else:
        size = await audit_log.size()
        if size < old.size:
            return ConsistencyReport(
                False,
                old.size,
                size,
                f"the log holds {size} records, fewer than the {old.size} your checkpoint "
                "commits to: it was truncated or rolled back",
            )
        new = Checkpoint(old.origin, size, await audit_log.root_at(size))
    if new.size == old.size:
        ok = new.root == old.root
        message = (
            "the log is at the size you hold and its root matches"
            if ok
            else "the log signed two different roots for the same size: it was rewritten"
        )
        return ConsistencyReport(ok, old.size, new.size, message)
    try:
        proof = await audit_log.consistency_proof(old.size, new.size)
        verify_consistency(old.size, new.size, old.root, new.root, proof.hashes)
    except (ProofError, LookupError) as exc:
        return ConsistencyReport(
            False,
            old.size,
            new.size,
            f"the log of {new.size} records does not extend the checkpoint you hold "
            f"({old.size} records): {exc}",
        )
    return ConsistencyReport(
        True,
        old.size,
        new.size,
        f"the log of {new.size} records extends the checkpoint you hold ({old.size} records)",
        proof.hashes,
    )
