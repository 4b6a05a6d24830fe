"""Signed notes, checkpoints, and a publisher that never signs two inconsistent trees."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.audit import checkpoint as checkpoint_module
from labgate.audit.checkpoint import (
    Checkpoint,
    CheckpointPublisher,
    InconsistentLogError,
    open_checkpoint,
)
from labgate.audit.log import AuditLog, AuditWriteError
from labgate.audit.merkle import verify_consistency
from labgate.audit.note import (
    NoteError,
    NoteSigner,
    NoteVerifier,
    key_hash,
    load_or_create_signer,
    open_note,
)
from labgate.store import walsync

from .conftest import request_record, set_tree_node

# The example of golang.org/x/mod/sumdb/note: a second implementation's bytes to match.
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = GO_TEXT + (
    "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngot"
    "pRZb6KE6RyyBwJnAM=\n"
)


def test_signing_reproduces_the_go_reference_note_byte_for_byte() -> None:
    signer = NoteSigner.from_string(GO_SIGNER)
    assert signer.sign(GO_TEXT) == GO_NOTE
    assert signer.verifier.to_string() == GO_VERIFIER
    assert signer.to_string() == GO_SIGNER
    assert open_note(GO_NOTE, NoteVerifier.from_string(GO_VERIFIER)) == GO_TEXT


def test_key_hash_is_sha256_of_name_newline_type_and_key() -> None:
    verifier = NoteVerifier.from_string(GO_VERIFIER)
    expected = hashlib.sha256(b"PeterNeumann\n\x01" + verifier.public_key).digest()[:4]
    assert key_hash("PeterNeumann", verifier.public_key) == expected == bytes.fromhex("c74f20a3")


def test_altered_or_foreign_notes_do_not_open(signer: NoteSigner) -> None:
    note = signer.sign("hello\nworld\n")
    verifier = signer.verifier
    assert open_note(note, verifier) == "hello\nworld\n"
    with pytest.raises(NoteError):
        open_note(note.replace("world", "w0rld"), verifier)
    with pytest.raises(NoteError):
        open_note(note, NoteSigner.generate(signer.name).verifier)
    with pytest.raises(NoteError):
        open_note("hello\nworld\n", verifier)
    other = NoteSigner.generate("witness.example")
    cosigned = note + other.sign("hello\nworld\n").split("\n\n")[1]
    assert open_note(cosigned, verifier) == "hello\nworld\n"
    assert open_note(cosigned, other.verifier) == "hello\nworld\n"


def test_verifier_keys_with_a_plus_in_their_base64_parse() -> None:
    vkey = "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"
    assert NoteVerifier.from_string(vkey).to_string() == vkey
    with pytest.raises(NoteError):
        NoteVerifier.from_string("TEST+7997405d+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")


def test_checkpoint_text_is_origin_size_and_base64_root(signer: NoteSigner) -> None:
    root = hashlib.sha256(b"root").digest()
    cp = Checkpoint(signer.name, 42, root)
    assert cp.text() == f"{signer.name}\n42\n{base64.b64encode(root).decode()}\n"
    opened = open_checkpoint(signer.sign(cp.text()), signer.verifier)
    assert opened == cp
    with pytest.raises(NoteError):
        open_checkpoint(signer.sign(cp.text()), signer.verifier, origin="another.log")
    with pytest.raises(NoteError):
        Checkpoint.parse(f"{signer.name}\n042\n{base64.b64encode(root).decode()}\n")


def test_the_signing_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "audit-signing.key"
    created = load_or_create_signer(path, "log.example/audit")
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_signer(path, "log.example/audit").verifier == created.verifier
    with pytest.raises(NoteError):
        load_or_create_signer(path, "other.example/audit")
    os.chmod(path, 0o644)
    with pytest.raises(NoteError, match="chmod 600"):
        load_or_create_signer(path, "log.example/audit")


async def test_publisher_signs_only_growth_and_consistent_trees(
    any_engine: AsyncEngine, signer: NoteSigner
) -> None:
    async with AuditLog(any_engine) as audit_log:
        publisher = CheckpointPublisher(audit_log, signer)
        assert await publisher.publish() is None
        for n in range(5):
            await audit_log.append(request_record(n))
        first = await publisher.publish()
        assert first is not None and first.size == 5
        cp5 = open_checkpoint(first.note, signer.verifier)
        assert cp5.root == await audit_log.root_at(5)
        assert (await publisher.publish()) == first
        for n in range(5, 13):
            await audit_log.append(request_record(n))
        second = await publisher.publish()
        assert second is not None and second.size == 13
        cp13 = open_checkpoint(second.note, signer.verifier)
        proof = await audit_log.consistency_proof(5, 13)
        verify_consistency(5, 13, cp5.root, cp13.root, proof.hashes)
        assert [c.size for c in await audit_log.store.checkpoints()] == [5, 13]


async def test_publisher_refuses_to_sign_a_tree_that_rewrote_history(
    sqlite_engine: AsyncEngine, signer: NoteSigner
) -> None:
    async with AuditLog(sqlite_engine) as audit_log:
        publisher = CheckpointPublisher(audit_log, signer)
        for n in range(6):
            await audit_log.append(request_record(n))
        await publisher.publish()
        # rewrite the subtree over records 0..3
        await set_tree_node(sqlite_engine, 2, 0, b"\x00" * 32)
    async with AuditLog(sqlite_engine) as restarted:  # reads the rewritten edge from storage
        for n in range(6, 9):
            await restarted.append(request_record(n))
        with pytest.raises(InconsistentLogError):
            await CheckpointPublisher(restarted, signer).publish()
        assert [c.size for c in await restarted.store.checkpoints()] == [6]


async def test_the_periodic_publisher_signs_while_there_is_traffic(
    audit_log: AuditLog, signer: NoteSigner
) -> None:
    publisher = CheckpointPublisher(audit_log, signer, interval_s=0.05)
    await publisher.start()
    try:
        for n in range(3):
            await audit_log.append(request_record(n))
        for _ in range(1000):
            latest = await audit_log.latest_checkpoint()
            if latest is not None and latest.size == 3:
                break
            await asyncio.sleep(0.02)
        assert latest is not None and latest.size == 3
    finally:
        await publisher.close()


async def test_with_normal_a_checkpoint_is_signed_only_once_its_records_are_on_disk(
    sqlite_engine: AsyncEngine, signer: NoteSigner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite NORMAL commits reach the disk a little after the answer (the WAL syncer). A
    signed checkpoint must not: were its records lost to a power cut, the log would later
    grow different records under the same indices and contradict the note."""
    async with AuditLog(
        sqlite_engine, sqlite_synchronous="NORMAL", sqlite_sync_interval_s=0.5
    ) as audit_log:
        syncer = audit_log.wal_syncer
        assert syncer is not None
        await audit_log.append(request_record(0))
        assert await asyncio.to_thread(syncer.wait_synced, 5)  # the first fsync goes at once
        for n in range(1, 4):  # these wait for the interval
            await audit_log.append(request_record(n))
        committed = syncer.requested
        synced_at_signing: list[int] = []
        real_sign = checkpoint_module.sign_checkpoint

        def sign(signer_: NoteSigner, checkpoint: Checkpoint) -> str:
            synced_at_signing.append(syncer.synced)
            return real_sign(signer_, checkpoint)

        monkeypatch.setattr(checkpoint_module, "sign_checkpoint", sign)
        published = await CheckpointPublisher(audit_log, signer).publish()
        assert published is not None and published.size == 4
        assert synced_at_signing and synced_at_signing[0] >= committed
        assert syncer.synced == syncer.requested  # the note's own row too


async def test_with_normal_a_disk_that_cannot_fsync_gets_no_checkpoint_signed(
    sqlite_engine: AsyncEngine, signer: NoteSigner, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with AuditLog(sqlite_engine, sqlite_synchronous="NORMAL") as audit_log:
        await audit_log.append(request_record(0))

        def failing(fd: int) -> None:
            raise OSError(5, "Input/output error")

        monkeypatch.setattr(walsync.os, "fdatasync", failing)
        with pytest.raises(AuditWriteError, match="could not be fsynced"):
            await CheckpointPublisher(audit_log, signer).publish()
        assert await audit_log.store.checkpoints() == []


async def test_with_full_a_checkpoint_needs_no_extra_fsync(
    sqlite_engine: AsyncEngine, signer: NoteSigner
) -> None:
    async with AuditLog(sqlite_engine) as audit_log:  # FULL: every commit fsynced already
        assert audit_log.wal_syncer is None
        await audit_log.append(request_record(0))
        published = await CheckpointPublisher(audit_log, signer).publish()
        assert published is not None and published.size == 1


def test_publisher_interval_is_at_most_a_minute(audit_log: AuditLog, signer: NoteSigner) -> None:
    with pytest.raises(ValueError):
        CheckpointPublisher(audit_log, signer, interval_s=120)
