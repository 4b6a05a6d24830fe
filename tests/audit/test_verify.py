"""Tampering is detected and located: edits, deletions, reordering, truncation, rewrites."""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.audit.checkpoint import CheckpointPublisher
from labgate.audit.log import AuditLog
from labgate.audit.merkle import leaf_hash
from labgate.audit.note import NoteSigner
from labgate.audit.storage import StorageError
from labgate.audit.tree import CompactRange
from labgate.audit.verify import verify_from_checkpoint, verify_log

from .conftest import request_record, set_tree_node

SIZE = 37
CHECKPOINTS = (10, 20, SIZE)


@pytest.fixture
async def signed_log(any_engine: AsyncEngine, signer: NoteSigner) -> AsyncIterator[AuditLog]:
    """37 records with signed checkpoints at sizes 10, 20 and 37."""
    async with AuditLog(any_engine) as audit_log:
        publisher = CheckpointPublisher(audit_log, signer)
        start = 0
        for size in CHECKPOINTS:
            await audit_log.append_many([request_record(n) for n in range(start, size)])
            await publisher.publish()
            start = size
        yield audit_log


async def _sql(audit_log: AuditLog, statement: str, **params: object) -> None:
    async with audit_log.engine.begin() as conn:
        await conn.execute(text(statement), params)


async def _data(audit_log: AuditLog, index: int) -> bytes:
    return (await audit_log.get_record(index)).data


async def test_an_untouched_log_verifies(signed_log: AuditLog, signer: NoteSigner) -> None:
    report = await verify_log(signed_log, signer.verifier)
    assert report.ok, report.problems
    assert (report.tree_size, report.records_checked, report.checkpoints_checked) == (37, 37, 3)
    assert report.root == await signed_log.root_at(SIZE)


async def test_a_flipped_byte_is_located(signed_log: AuditLog, signer: NoteSigner) -> None:
    data = bytearray(await _data(signed_log, 13))
    data[data.index(b"req_")] ^= 0x01
    await _sql(signed_log, "UPDATE audit_records SET data = :d WHERE idx = 13", d=bytes(data))
    report = await verify_log(signed_log, signer.verifier)
    assert not report.ok
    assert report.first_bad is not None and report.first_bad.index == 13
    assert "altered" in report.first_bad.message


async def test_a_deleted_record_is_located(signed_log: AuditLog, signer: NoteSigner) -> None:
    await _sql(signed_log, "DELETE FROM audit_records WHERE idx = 22")
    report = await verify_log(signed_log, signer.verifier)
    assert report.first_bad is not None and report.first_bad.index == 22
    assert "missing" in report.first_bad.message


async def test_two_reordered_records_are_located(signed_log: AuditLog, signer: NoteSigner) -> None:
    """Whole rows swapped, each still matching its own leaf hash."""
    await _sql(signed_log, "UPDATE audit_records SET idx = -1 WHERE idx = 5")
    await _sql(signed_log, "UPDATE audit_records SET idx = 5 WHERE idx = 9")
    await _sql(signed_log, "UPDATE audit_records SET idx = 9 WHERE idx = -1")
    report = await verify_log(signed_log, signer.verifier)
    assert report.first_bad is not None and report.first_bad.index == 5
    assert "says it is record 9" in report.first_bad.message
    assert {p.index for p in report.problems} >= {5, 9}


async def test_a_truncated_tail_is_located(signed_log: AuditLog, signer: NoteSigner) -> None:
    await _sql(signed_log, "DELETE FROM audit_records WHERE idx >= 30")
    report = await verify_log(signed_log, signer.verifier)
    assert report.first_bad is not None and report.first_bad.index == 30


async def test_truncation_with_a_rewound_head_is_still_caught_by_the_signed_checkpoint(
    signed_log: AuditLog, signer: NoteSigner
) -> None:
    # the records (and their nodes) go, and the new last one is given the root of 30
    await _sql(signed_log, "DELETE FROM audit_records WHERE idx >= 30")
    root_30 = await signed_log.root_at(30)
    await _sql(signed_log, "UPDATE audit_records SET root = :r WHERE idx = 29", r=root_30)
    report = await verify_log(signed_log, signer.verifier)
    assert report.first_bad is not None and report.first_bad.index == 30


async def test_a_rewrite_with_recomputed_hashes_is_narrowed_to_a_checkpoint_range(
    signed_log: AuditLog, signer: NoteSigner
) -> None:
    """An attacker edits record 13 and recomputes every hash they can; only signatures stop them."""
    record = orjson.loads(await _data(signed_log, 13))
    record["outcome"] = "refused"
    forged = orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
    await _sql(signed_log, "UPDATE audit_records SET data = :d, leaf_hash = :h WHERE idx = 13",
               d=forged, h=leaf_hash(forged))
    edge = CompactRange()
    for index in range(SIZE):
        for level, node_index, node in edge.append((await signed_log.get_record(index)).leaf_hash):
            await set_tree_node(signed_log.engine, level, node_index, node)
    await _sql(signed_log, "UPDATE audit_records SET root = :r WHERE idx = :i",
               r=edge.root(), i=SIZE - 1)  # the tree head
    report = await verify_log(signed_log, signer.verifier)
    assert report.first_bad is not None and report.first_bad.index == 10
    assert "records 10..19" in report.first_bad.message


async def test_an_edited_tree_node_is_found(signed_log: AuditLog, signer: NoteSigner) -> None:
    await set_tree_node(signed_log.engine, 3, 2, b"\x00" * 32)
    report = await verify_log(signed_log, signer.verifier)
    assert report.first_bad is not None and report.first_bad.index == 16


async def test_a_forged_checkpoint_is_reported(signed_log: AuditLog, signer: NoteSigner) -> None:
    forger = NoteSigner.generate(signer.name)
    note = forger.sign(f"{signer.name}\n20\n{'A' * 43}=\n")
    await _sql(signed_log, "UPDATE audit_checkpoints SET note = :n WHERE size = 20", n=note)
    report = await verify_log(signed_log, signer.verifier)
    assert not report.ok
    assert any("not validly signed" in p.message for p in report.problems)


async def test_an_outside_party_can_check_the_log_only_grew(
    signed_log: AuditLog, signer: NoteSigner
) -> None:
    kept = (await signed_log.store.checkpoints())[1].note  # size 20
    for n in range(SIZE, SIZE + 9):
        await signed_log.append(request_record(n))
    await CheckpointPublisher(signed_log, signer).publish()
    result = await verify_from_checkpoint(signed_log, kept, signer.verifier)
    assert result.ok and (result.old_size, result.new_size) == (20, SIZE + 9), result.message

    # the subtree over records 0..15, which the proof from 20 uses
    await set_tree_node(signed_log.engine, 4, 0, b"\x01" * 32)
    broken = await verify_from_checkpoint(signed_log, kept, signer.verifier)
    assert not broken.ok and "does not extend" in broken.message


async def test_a_checkpoint_from_another_key_is_not_accepted(
    signed_log: AuditLog, signer: NoteSigner
) -> None:
    kept = (await signed_log.store.checkpoints())[0].note
    result = await verify_from_checkpoint(
        signed_log, kept, NoteSigner.generate(signer.name).verifier
    )
    assert not result.ok and "does not verify" in result.message


async def test_tree_nodes_cut_short_or_gone_are_found_and_never_used(
    signed_log: AuditLog, signer: NoteSigner
) -> None:
    """Record 15 holds the hashes of the subtrees over 14..15, 12..15, 8..15 and 0..15."""
    await _sql(signed_log, "UPDATE audit_records SET nodes = :n WHERE idx = 15", n=b"\x00" * 40)
    report = await verify_log(signed_log, signer.verifier)
    assert any("records 14..15 do not match the stored tree node" in p.message
               for p in report.problems), report.problems
    with pytest.raises(StorageError, match="lacks the hash"):  # not a proof built on it
        await signed_log.inclusion_proof(0, SIZE)
    await _sql(signed_log, "UPDATE audit_records SET nodes = NULL WHERE idx = 15")
    report = await verify_log(signed_log, signer.verifier)
    assert any("lacks the node over records 0..15" in p.message for p in report.problems)
