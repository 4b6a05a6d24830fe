"""The SIEM export: self-checking lines, append-only, resumable, refuses a diverged file."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from pathlib import Path

import orjson
import pytest

from labgate.audit.export import ExportMismatchError, export_jsonl
from labgate.audit.log import AuditLog

from .conftest import request_record


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


def _record_bytes(line: bytes) -> bytes:
    """The record's bytes as they appear in the line (the line embeds them verbatim)."""
    start = line.index(b'"record":') + len(b'"record":')
    return line[start:-1]


async def test_export_appends_only_new_records_and_each_line_checks_itself(
    audit_log: AuditLog, tmp_path: Path
) -> None:
    out = tmp_path / "audit.jsonl"
    await audit_log.append_many([request_record(n) for n in range(5)])
    assert (await export_jsonl(audit_log, out)).written == 5
    await audit_log.append_many([request_record(n) for n in range(5, 8)])
    second = await export_jsonl(audit_log, out)
    assert (second.first, second.end) == (5, 8)
    lines = await asyncio.to_thread(_lines, out)
    assert len(lines) == 8
    for i, line in enumerate(lines):
        entry = orjson.loads(line)
        assert entry["index"] == i == entry["record"]["index"]
        recomputed = hashlib.sha256(b"\x00" + _record_bytes(line)).digest()
        assert base64.b64decode(entry["leaf_hash"]) == recomputed
        assert orjson.dumps(entry["record"], option=orjson.OPT_SORT_KEYS) == _record_bytes(line)
    assert (await export_jsonl(audit_log, out)).written == 0


async def test_a_line_cut_by_a_crash_is_rewritten(audit_log: AuditLog, tmp_path: Path) -> None:
    out = tmp_path / "audit.jsonl"
    await audit_log.append_many([request_record(n) for n in range(4)])
    await export_jsonl(audit_log, out)
    whole = await asyncio.to_thread(out.read_bytes)
    await asyncio.to_thread(out.write_bytes, whole[: whole.rindex(b"\n", 0, -1) + 20])
    await export_jsonl(audit_log, out)
    assert await asyncio.to_thread(out.read_bytes) == whole


async def test_a_file_that_disagrees_with_the_log_is_left_alone(
    audit_log: AuditLog, tmp_path: Path
) -> None:
    out = tmp_path / "audit.jsonl"
    await audit_log.append_many([request_record(n) for n in range(3)])
    await export_jsonl(audit_log, out)
    lines = await asyncio.to_thread(_lines, out)
    entry = orjson.loads(lines[-1])
    entry["leaf_hash"] = base64.b64encode(bytes(32)).decode()
    forged = orjson.dumps(entry)
    tampered = b"\n".join([*lines[:-1], forged]) + b"\n"
    await asyncio.to_thread(out.write_bytes, tampered)
    await audit_log.append(request_record(3))
    with pytest.raises(ExportMismatchError):
        await export_jsonl(audit_log, out)
    assert await asyncio.to_thread(out.read_bytes) == tampered
