"""``labgate audit``: each command against a real SQLite log, as an operator would run it."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import orjson
import pytest
from click.testing import Result
from sqlalchemy import text
from typer.testing import CliRunner

from labgate.audit.checkpoint import CheckpointPublisher, open_checkpoint
from labgate.audit.cli import DEFAULT_ORIGIN, SIGNING_KEY_FILE, app
from labgate.audit.keyring import Keyring, add_master_key
from labgate.audit.log import AuditLog
from labgate.audit.merkle import verify_consistency, verify_inclusion
from labgate.audit.note import NoteVerifier, load_or_create_signer
from labgate.audit.transcripts import Transcript, TranscriptVault

from .conftest import request_record, set_tree_node, sqlite_engine_at


async def _cli(data_dir: Path, *args: str, **env: str) -> Result:
    """Run the command in a thread, as the CLI runs its own event loop."""
    environ = {"LABGATE_DATA_DIR": str(data_dir), "LABGATE_DATABASE_URL": "", **env}
    return await asyncio.to_thread(CliRunner().invoke, app, list(args), env=environ)


@pytest.fixture
async def data_dir(tmp_path: Path) -> Path:
    """A data dir with 12 records (with transcripts) and a checkpoint at 12, built in-process."""
    engine = await sqlite_engine_at(tmp_path / "labgate.db")
    add_master_key(tmp_path / "master.keys", "k1")
    vault = TranscriptVault(engine, Keyring.from_file(tmp_path / "master.keys"))
    signer = load_or_create_signer(tmp_path / SIGNING_KEY_FILE, DEFAULT_ORIGIN)
    async with AuditLog(engine, sealer=vault) as audit_log:
        for n in range(12):
            await audit_log.append(request_record(n),
                                   transcript=Transcript(prompt=f"p{n}", project="proj1"))
        await CheckpointPublisher(audit_log, signer).publish()
    await engine.dispose()
    return tmp_path


async def _tamper(data_dir: Path, statement: str) -> None:
    engine = await sqlite_engine_at(data_dir / "labgate.db")
    async with engine.begin() as conn:
        await conn.execute(text(statement))
    await engine.dispose()


async def test_verify_passes_then_names_the_first_bad_record(data_dir: Path) -> None:
    ok = await _cli(data_dir, "verify")
    assert ok.exit_code == 0, ok.output
    assert "OK 12 records, 1 signed checkpoints" in ok.output
    await _tamper(data_dir, "UPDATE audit_records SET data = CAST(REPLACE(CAST(data AS TEXT), "
                            "'req_000007', 'req_000008') AS BLOB) WHERE idx = 7")
    bad = await _cli(data_dir, "verify")
    assert bad.exit_code == 1
    assert "first bad record: 7" in bad.output


async def test_records_and_proofs_print_as_checkable_json(data_dir: Path) -> None:
    note = (await _cli(data_dir, "checkpoint")).stdout
    verifier_key = (await _cli(data_dir, "verifier-key")).stdout.strip()
    checkpoint = open_checkpoint(note, NoteVerifier.from_string(verifier_key))
    assert checkpoint.size == 12

    record = orjson.loads((await _cli(data_dir, "record", "3")).stdout)
    assert record["record"]["request_id"] == "req_000003"

    proof = orjson.loads((await _cli(data_dir, "prove-inclusion", "3", "--size", "12")).stdout)
    verify_inclusion(3, 12, base64.b64decode(proof["leaf_hash"]),
                     [base64.b64decode(h) for h in proof["hashes"]], checkpoint.root)
    consistency = orjson.loads((await _cli(data_dir, "prove-consistency", "5", "12")).stdout)
    verify_consistency(5, 12, base64.b64decode(consistency["first_root"]), checkpoint.root,
                       [base64.b64decode(h) for h in consistency["hashes"]])

    missing = await _cli(data_dir, "record", "99")
    assert missing.exit_code == 2 and "no record 99" in missing.output
    beyond = await _cli(data_dir, "record", str(2**64))  # was a traceback from the driver
    assert beyond.exit_code == 2 and f"no record {2**64}" in beyond.output
    for args in (("prove-inclusion", str(2**64)), ("prove-consistency", "1", str(2**64))):
        refused = await _cli(data_dir, *args)
        assert refused.exit_code == 2 and "Traceback" not in refused.output, refused.output


async def test_an_outside_party_checks_their_old_checkpoint(data_dir: Path) -> None:
    kept = data_dir / "kept.checkpoint"
    await asyncio.to_thread(kept.write_text, (await _cli(data_dir, "checkpoint")).stdout)
    vkey = (await _cli(data_dir, "verifier-key")).stdout.strip()
    engine = await sqlite_engine_at(data_dir / "labgate.db")
    async with AuditLog(engine) as audit_log:
        await audit_log.append_many([request_record(n) for n in range(12, 20)])
    await engine.dispose()
    signed = await _cli(data_dir, "checkpoint", "--sign")
    assert signed.exit_code == 0 and "\n20\n" in signed.stdout

    ok = await _cli(data_dir, "verify", "--from-checkpoint", str(kept), "--key", vkey)
    assert ok.exit_code == 0 and "extends the checkpoint you hold (12 records)" in ok.output
    engine = await sqlite_engine_at(data_dir / "labgate.db")
    for index in (0, 1):  # both subtrees of eight records
        await set_tree_node(engine, 3, index, b"\x00" * 32)
    await engine.dispose()
    broken = await _cli(data_dir, "verify", "--from-checkpoint", str(kept), "--key", vkey)
    assert broken.exit_code == 1 and "does not extend" in broken.output


async def test_export_rotation_and_purge(data_dir: Path) -> None:
    out = data_dir / "siem.jsonl"
    first = await _cli(data_dir, "export", "--out", str(out))
    assert first.exit_code == 0 and "appended 12 records" in first.output
    again = await _cli(data_dir, "export", "--out", str(out))
    assert "appended 0 records" in again.output

    keys = data_dir / "master.keys"
    env = {"LABGATE_AUDIT_MASTER_KEYS_FILE": str(keys)}
    added = await _cli(data_dir, "new-master-key", "--file", str(keys), "--id", "k2")
    assert added.exit_code == 0, added.output
    rewrapped = await _cli(data_dir, "rewrap", **env)
    assert rewrapped.exit_code == 0 and "re-wrapped 12 data keys under master key k2" in (
        rewrapped.output)

    await _tamper(data_dir, "UPDATE audit_transcripts SET created_at = '2000-01-01 00:00:00.000000'"
                            " WHERE record_idx < 4")
    purged = await _cli(data_dir, "purge", "--retention-days", "90")
    assert purged.exit_code == 0 and "deleted 4 transcripts" in purged.output
    assert (await _cli(data_dir, "verify")).exit_code == 0


async def test_a_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    result = await _cli(tmp_path / "nowhere", "verify", "--key",
                        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
    assert result.exit_code == 2 and "no database" in result.output
