"""The append-only JSON-lines export a SIEM ingests.

Each line is ``{"index": i, "leaf_hash": "<base64>", "record": <the record>}`` where the record
is spliced in as the exact canonical bytes the leaf hash covers, so a consumer can recompute
``SHA-256(0x00 || record bytes)`` from the line itself. Running the export again appends only the
records after the file's last line, after checking that line still matches the log (an export
never rewrites what a SIEM may already have shipped). A last line cut short by a crash is the
one thing it replaces.
"""

from __future__ import annotations

import asyncio
import base64
import os
from dataclasses import dataclass
from pathlib import Path

import orjson

from labgate.audit.log import AuditLog
from labgate.audit.verify import Progress


class ExportMismatchError(RuntimeError):
    """The export file disagrees with the log; it is left untouched."""


@dataclass(frozen=True, slots=True)
class ExportResult:
    first: int
    end: int

    @property
    def written(self) -> int:
        return self.end - self.first


def export_line(index: int, leaf: bytes, data: bytes) -> bytes:
    prefix = b'{"index":%d,"leaf_hash":"%s","record":' % (index, base64.b64encode(leaf))
    return prefix + data + b"}\n"


def _last_complete_line(path: Path) -> tuple[bytes | None, int]:
    """The last newline-terminated line of ``path``, and the file offset just after it."""
    if not path.exists():
        return None, 0
    with path.open("rb") as handle:
        position = handle.seek(0, os.SEEK_END)
        tail = b""
        while position > 0 and tail.count(b"\n") < 2:
            step = min(1 << 16, position)
            position -= step
            handle.seek(position)
            tail = handle.read(step) + tail
    end = tail.rfind(b"\n")
    if end < 0:
        return None, 0
    start = tail.rfind(b"\n", 0, end) + 1
    return tail[start:end], position + end + 1


async def export_jsonl(
    audit_log: AuditLog, path: Path, *, chunk: int = 8192, progress: Progress | None = None
) -> ExportResult:
    """Append to ``path`` every record the file does not have yet."""
    last, length = await asyncio.to_thread(_last_complete_line, path)
    first = 0
    if last is not None:
        try:
            entry = orjson.loads(last)
            first = int(entry["index"]) + 1
            leaf = base64.b64decode(entry["leaf_hash"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise ExportMismatchError(f"the last line of {path} is not an export line") from exc
        stored = await audit_log.store.get_record(first - 1)
        if stored is None or stored.leaf_hash != leaf:
            raise ExportMismatchError(
                f"{path} ends with record {first - 1}, which the log does not hold as exported; "
                "run `labgate audit verify`, and export to a new file"
            )
    end = await audit_log.size()
    await asyncio.to_thread(_truncate_partial_tail, path, length)
    store = audit_log.store
    position = first
    while position < end:
        stop = min(position + chunk, end)
        rows = await store.records_between(position, stop)
        if len(rows) != stop - position:
            raise ExportMismatchError(f"records {position}..{stop - 1} are not all stored")
        lines = b"".join(export_line(i, h, d) for i, d, h in rows)
        await asyncio.to_thread(_append, path, lines)
        position = stop
        if progress is not None:
            progress(position - first, end - first)
    return ExportResult(first, end)


def _truncate_partial_tail(path: Path, length: int) -> None:
    if path.exists() and path.stat().st_size > length:
        with path.open("r+b") as handle:
            handle.truncate(length)


def _append(path: Path, lines: bytes) -> None:
    with path.open("ab") as handle:
        handle.write(lines)
        handle.flush()
        os.fsync(handle.fileno())
