"""Transcripts: sealed at rest, bound to their record, rotated, purged after retention."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.audit.keyring import Keyring, KeyringError, MasterKey, add_master_key
from labgate.audit.log import AuditLog
from labgate.audit.maintenance import purge_transcripts, rewrap_transcripts
from labgate.audit.records import digests_of, text_digest
from labgate.audit.transcripts import Transcript, TranscriptError, TranscriptVault
from labgate.audit.verify import verify_log

from .conftest import request_record

SECRET = "How would one synthesise compound X-17 at scale?"


def _key(key_id: str) -> MasterKey:
    return MasterKey(key_id, os.urandom(32))


K1, K2 = _key("k1"), _key("k2")


@pytest.fixture
async def vault_log(sqlite_engine: AsyncEngine) -> AsyncIterator[tuple[TranscriptVault, AuditLog]]:
    vault = TranscriptVault(sqlite_engine, Keyring([K1]), retention=timedelta(days=30))
    async with AuditLog(sqlite_engine, sealer=vault) as audit_log:
        yield vault, audit_log


def _transcript(n: int, project: str = "proj1", label: str | None = "CUI") -> Transcript:
    return Transcript(prompt=f"{SECRET} #{n}", reasoning=f"thinking {n}", response=f"no {n}",
                      project=project, lab="ornl", label=label)


async def _append(audit_log: AuditLog, n: int, **kwargs: str) -> int:
    t = _transcript(n, **kwargs)
    digests = digests_of(t.prompt, t.reasoning, t.response)
    return await audit_log.append(request_record(n, digests=digests), transcript=t)


async def test_transcripts_round_trip_and_never_sit_in_clear(
    vault_log: tuple[TranscriptVault, AuditLog], tmp_path: Path
) -> None:
    vault, audit_log = vault_log
    index = await _append(audit_log, 1)
    opened = await vault.open(index)
    texts = (opened.prompt, opened.reasoning, opened.response)
    assert texts == (f"{SECRET} #1", "thinking 1", "no 1")
    assert (opened.meta.project, opened.meta.label, opened.meta.key_id) == ("proj1", "CUI", "k1")
    raw = await asyncio.to_thread(
        lambda: b"".join(p.read_bytes() for p in tmp_path.glob("labgate.db*"))
    )
    assert SECRET.encode() not in raw and b"thinking 1" not in raw
    assert SECRET not in repr(_transcript(1)) and SECRET not in repr(opened)


async def test_a_ciphertext_moved_to_another_record_or_relabelled_does_not_open(
    vault_log: tuple[TranscriptVault, AuditLog],
) -> None:
    vault, audit_log = vault_log
    first, second = await _append(audit_log, 1), await _append(audit_log, 2)
    async with audit_log.engine.begin() as conn:
        await conn.execute(text("DELETE FROM audit_transcripts WHERE record_idx = :i"),
                           {"i": second})
        await conn.execute(text("UPDATE audit_transcripts SET record_idx = :b WHERE "
                                "record_idx = :a"), {"a": first, "b": second})
    with pytest.raises(KeyringError):
        await vault.open(second)
    third = await _append(audit_log, 3)
    async with audit_log.engine.begin() as conn:
        await conn.execute(text("UPDATE audit_transcripts SET label = 'UNCLASSIFIED' WHERE "
                                "record_idx = :i"), {"i": third})
    with pytest.raises(KeyringError, match="altered"):
        await vault.open(third)


async def test_rotation_new_key_for_new_records_then_rewrap_retires_the_old(
    sqlite_engine: AsyncEngine,
) -> None:
    old_vault = TranscriptVault(sqlite_engine, Keyring([K1]))
    async with AuditLog(sqlite_engine, sealer=old_vault) as audit_log:
        early = [await _append(audit_log, n) for n in range(3)]
    rotated = TranscriptVault(sqlite_engine, Keyring([K1, K2]))
    async with AuditLog(sqlite_engine, sealer=rotated) as audit_log:
        late = await _append(audit_log, 3)
        assert (await rotated.meta(late)).key_id == "k2"
        assert await rotated.count_by_key() == {"k1": 3, "k2": 1}
        assert await rewrap_transcripts(rotated, audit_log, "ops") == 3
        assert await rotated.count_by_key() == {"k2": 4}
        rewrap_record = orjson.loads((await audit_log.get_record(late + 1)).data)
        assert rewrap_record["kind"] == "transcript_rewrap"
        assert rewrap_record["details"] == {"rewrapped": 3, "master_key": "k2"}
    only_new = TranscriptVault(sqlite_engine, Keyring([K2]))
    for index in [*early, late]:
        assert (await only_new.open(index)).prompt.startswith(SECRET)
    with pytest.raises(KeyringError, match="not in the keyring"):
        await TranscriptVault(sqlite_engine, Keyring([K1])).open(early[0])


async def test_retention_purges_texts_but_keeps_records_and_digests(
    vault_log: tuple[TranscriptVault, AuditLog],
) -> None:
    vault, audit_log = vault_log
    old, recent = await _append(audit_log, 1), await _append(audit_log, 2)
    async with audit_log.engine.begin() as conn:
        await conn.execute(
            text("UPDATE audit_transcripts SET created_at = :t WHERE record_idx = :i"),
            {"t": (datetime.now(UTC) - timedelta(days=31)).replace(tzinfo=None), "i": old},
        )
    assert await purge_transcripts(vault, audit_log, "ops") == 1
    with pytest.raises(TranscriptError, match="purged"):
        await vault.open(old)
    assert (await vault.open(recent)).prompt == f"{SECRET} #2"
    kept = orjson.loads((await audit_log.get_record(old)).data)
    assert kept["digests"]["prompt_sha256"] == text_digest(f"{SECRET} #1")
    purge_record = orjson.loads((await audit_log.get_record(await audit_log.size() - 1)).data)
    assert purge_record["kind"] == "transcript_purge" and purge_record["details"]["deleted"] == 1
    assert (await verify_log(audit_log, None)).ok


async def _age(audit_log: AuditLog, indices: list[int], days: int) -> None:
    async with audit_log.engine.begin() as conn:
        for i in indices:
            await conn.execute(
                text("UPDATE audit_transcripts SET created_at = :t WHERE record_idx = :i"),
                {"t": (datetime.now(UTC) - timedelta(days=days)).replace(tzinfo=None), "i": i},
            )


async def test_retention_purges_every_expired_text_and_only_those(
    vault_log: tuple[TranscriptVault, AuditLog],
) -> None:
    """The purge finds its range by primary key (no index on the time stamps): the oldest
    run of expired rows goes, the young ones stay, and a table of expired rows empties."""
    vault, audit_log = vault_log
    indices = [await _append(audit_log, n) for n in range(6)]
    await _age(audit_log, indices[:4], days=40)
    await _age(audit_log, [indices[4]], days=29)  # young enough: kept
    deleted, cutoff = await vault.purge_expired()
    assert deleted == 4 and cutoff is not None
    for i in indices[:4]:
        with pytest.raises(TranscriptError, match="purged"):
            await vault.open(i)
    assert [(await vault.open(i)).prompt for i in indices[4:]] == [
        f"{SECRET} #4", f"{SECRET} #5"]
    await _age(audit_log, indices[4:], days=31)  # now every row left has expired
    now = datetime.now(UTC)
    assert await vault.purge_expired(now) == (2, now - timedelta(days=30))
    assert await vault.count_by_key() == {}


def test_keyrings_load_from_files_and_environment(tmp_path: Path) -> None:
    path = tmp_path / "master.keys"
    add_master_key(path, "2025-q1")
    add_master_key(path, "2025-q2")
    assert path.stat().st_mode & 0o777 == 0o600
    ring = Keyring.load(path)
    assert ring.ids == ["2025-q1", "2025-q2"] and ring.current.id == "2025-q2"
    with pytest.raises(KeyringError):
        add_master_key(path, "2025-q2")
    env = {"LABGATE_AUDIT_MASTER_KEYS": f"a:{base64.b64encode(os.urandom(32)).decode()},"
                                        f"b:{base64.b64encode(os.urandom(32)).decode()}"}
    assert Keyring.load(environ=env).current.id == "b"
    os.chmod(path, 0o640)
    with pytest.raises(KeyringError, match="chmod 600"):
        Keyring.load(path)
    with pytest.raises(KeyringError):
        Keyring.parse(f"short {base64.b64encode(b'x' * 16).decode()}")
    with pytest.raises(KeyringError):
        Keyring.load(environ={})
    assert "key=" not in repr(MasterKey("k", b"\x00" * 32))


def test_transcript_values_follow_the_column_list() -> None:
    from labgate.audit.writer import TRANSCRIPT_COLUMNS, _transcript_values

    row = {column: f"<{column}>" for column in TRANSCRIPT_COLUMNS}
    expected = tuple("STAMP" if c == "created_at" else f"<{c}>" for c in TRANSCRIPT_COLUMNS)
    assert _transcript_values(row, "STAMP") == expected
