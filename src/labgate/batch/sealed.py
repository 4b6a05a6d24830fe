"""Batch files sealed at rest: the chunked format, sealing and opening, and reading a file's
request lines a chunk at a time (``/v1/files`` routes and line checks: :mod:`labgate.batch.files`).

Content is sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the transcript
vault's master key, bound to the file's id, owner and label.
"""

from __future__ import annotations

import asyncio
import os
import struct
import uuid
from bisect import bisect_right
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from sqlalchemy import LargeBinary, func, select

from labgate.audit.derived import PurposeSealer, sealer_for
from labgate.audit.keyring import NONCE_SIZE, KeyringError
from labgate.batch.models import BatchFile

_PURPOSE = b"labgate/batch/file/v1"

# Content sealed in chunks (every file written since): ``key_id`` is ``c1:<key id>`` and
# ``content_sealed`` is ``LGC1 | u32 n | n x (u64 offset, u32 length, u32 first request line,
# u32 request lines) | n sealed chunks``. A chunk is whole lines, at most CHUNK_BYTES unless one
# line is longer; its AES-GCM data binds the file (id, owner, label), its index, its line range
# and whether it is the last, so chunks cannot be swapped, moved or cut off. Files written
# before (one sealed blob, a plain key id) are read as they are.
CHUNKED = "c1:"
CHUNK_BYTES = 1 << 20
_HEAD = struct.Struct(">4sI")
_ENTRY = struct.Struct(">QIII")
_MAGIC = b"LGC1"


Sealer = PurposeSealer  # batch files and item results: sealed for _PURPOSE (sealer_of)


class ChunkWriter:
    """Seals a file as its lines arrive: whole lines per chunk, each chunk sealed once the next
    one starts (so the last is known when it is sealed); ``finish`` gives key id and content."""

    def __init__(self, sealer: Sealer, bound: list[Any]) -> None:
        self.key_id = sealer.keyring.current.id
        self._cipher = sealer.cipher(self.key_id)
        self._bound = bound
        self._entries: list[tuple[int, int]] = []
        self._sealed: list[bytes] = []
        self._buf = bytearray()
        self._lines = 0
        self._first = 0
        self._pending: tuple[bytes, int, int] | None = None
        self.size = 0
        self.request_lines = 0

    def add(self, raw: bytes, request_line: bool) -> None:
        """One line as uploaded (with its newline, if it had one)."""
        if self._buf and len(self._buf) + len(raw) > CHUNK_BYTES:
            self._cut()
        self._buf += raw
        self.size += len(raw)
        if request_line:
            self._lines += 1
            self.request_lines += 1

    def _cut(self) -> None:
        if self._pending is not None:
            self._seal(*self._pending, last=False)
        self._pending = (bytes(self._buf), self._first, self._lines)
        self._first += self._lines
        self._buf = bytearray()
        self._lines = 0

    def _seal(self, data: bytes, first: int, lines: int, last: bool) -> None:
        aad = _chunk_aad(self._bound, len(self._sealed), first, lines, last)
        nonce = os.urandom(NONCE_SIZE)
        self._sealed.append(nonce + self._cipher.encrypt(nonce, data, aad))
        self._entries.append((first, lines))

    def finish(self) -> tuple[str, bytes]:
        if self._buf or self._pending is None:
            self._cut()
        assert self._pending is not None
        self._seal(*self._pending, last=True)
        self._pending = None
        n = len(self._sealed)
        parts = [_HEAD.pack(_MAGIC, n)]
        offset = _HEAD.size + n * _ENTRY.size
        for (first, lines), sealed in zip(self._entries, self._sealed, strict=True):
            parts.append(_ENTRY.pack(offset, len(sealed), first, lines))
            offset += len(sealed)
        return CHUNKED + self.key_id, b"".join(parts + self._sealed)


def _chunk_aad(bound: list[Any], index: int, first: int, lines: int, last: bool) -> bytes:
    return orjson.dumps([*bound, "chunk", index, first, lines, last])


def _index(content: bytes) -> list[tuple[int, int, int, int]] | None:
    """A chunked file's index (offset, length, first line, lines per chunk), from its first
    bytes; None if they are not one."""
    if len(content) < _HEAD.size:
        return None
    magic, n = _HEAD.unpack_from(content)
    if magic != _MAGIC or len(content) < _HEAD.size + n * _ENTRY.size:
        return None
    return [_ENTRY.unpack_from(content, _HEAD.size + i * _ENTRY.size) for i in range(n)]


def _open_chunk(
    services: Any, row: BatchFile, index: list[tuple[int, int, int, int]], i: int, sealed: bytes
) -> bytes | None:
    _, _, first, lines = index[i]
    aad = _chunk_aad(binding_of(row), i, first, lines, i == len(index) - 1)
    sealed = bytes(sealed)
    try:
        cipher = sealer_of(services).cipher(row.key_id.removeprefix(CHUNKED))
        return cipher.decrypt(sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], aad)
    except (InvalidTag, KeyringError, ValueError):
        return None


def lines_with_ends(data: bytes) -> Iterator[bytes]:
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end + 1
        yield data[start:end]
        start = end


def request_lines(data: bytes) -> Iterator[bytes]:
    """The request lines of a checked file: every line that is not blank, in order."""
    for raw in data.split(b"\n"):
        if raw.strip():
            yield raw


def sealer_of(services: Any) -> PurposeSealer:
    return sealer_for(services, _PURPOSE, "batch files")


def binding_of(row: BatchFile) -> list[Any]:
    return ["file", row.id, row.owner, row.label]


def open_file(services: Any, row: BatchFile) -> bytes | None:
    """The whole content (None when it does not open: altered, moved or relabelled)."""
    if not row.key_id.startswith(CHUNKED):
        return sealer_of(services).open(row.key_id, binding_of(row), row.content_sealed)
    content = bytes(row.content_sealed)
    index = _index(content)
    if index is None:
        return None
    parts = []
    for i, (offset, length, _, _) in enumerate(index):
        data = _open_chunk(services, row, index, i, content[offset : offset + length])
        if data is None:
            return None
        parts.append(data)
    return b"".join(parts)


class FileDoesNotOpen(Exception):
    """A stored file that does not decrypt (altered, moved or relabelled in the database)."""


def file_request_lines(services: Any, row: BatchFile) -> Iterator[bytes]:
    """The file's request lines, opening one chunk at a time (a file sealed whole: at once);
    raises :class:`FileDoesNotOpen` if a chunk does not open."""
    if not row.key_id.startswith(CHUNKED):
        data = open_file(services, row)
        if data is None:
            raise FileDoesNotOpen(row.id)
        yield from request_lines(data)
        return
    content = bytes(row.content_sealed)
    index = _index(content)
    if index is None:
        raise FileDoesNotOpen(row.id)
    carry = b""  # a chunk ends at a line's end, but keep any tail safe all the same
    for i, (offset, length, _, _) in enumerate(index):
        data = _open_chunk(services, row, index, i, content[offset : offset + length])
        if data is None:
            raise FileDoesNotOpen(row.id)
        data = carry + data
        end = data.rfind(b"\n") + 1
        carry = data[end:]
        yield from request_lines(data[:end])
    if carry:
        yield from request_lines(carry)


def file_row(
    owner: str, project: str | None, label: str | None, purpose: str, filename: str
) -> BatchFile:
    return BatchFile(
        id="file-" + uuid.uuid4().hex,
        owner=owner,
        project=project,
        label=label,
        purpose=purpose,
        filename=filename[:256],
        size=0,
        lines=0,
        created_at=datetime.now(UTC),
        key_id="",
        content_sealed=b"",
    )


def new_file(
    services: Any,
    owner: str,
    project: str | None,
    label: str | None,
    purpose: str,
    filename: str,
    data: bytes,
    lines: int,
) -> BatchFile:
    row = file_row(owner, project, label, purpose, filename)
    writer = ChunkWriter(sealer_of(services), binding_of(row))
    for raw in lines_with_ends(data):
        writer.add(raw, bool(raw.strip()))
    row.key_id, row.content_sealed = writer.finish()
    row.size, row.lines = len(data), lines
    return row


class FileBuilder:
    """A file written a line at a time into sealed chunks (a batch's output and error files)."""

    def __init__(
        self,
        services: Any,
        owner: str,
        project: str | None,
        label: str | None,
        purpose: str,
        filename: str,
    ) -> None:
        self.row = file_row(owner, project, label, purpose, filename)
        self._writer = ChunkWriter(sealer_of(services), binding_of(self.row))
        self.lines = 0

    def add(self, line: bytes) -> None:
        self._writer.add(line + b"\n", True)
        self.lines += 1

    def finish(self) -> BatchFile:
        row = self.row
        row.key_id, row.content_sealed = self._writer.finish()
        row.size, row.lines = self._writer.size, self.lines
        return row


class InputLines:
    """A batch's request lines as the runner reads them: of a chunked file only the chunk
    holding the line asked for is fetched from the database (``substr``) and opened, and the
    last two are kept; an older one-blob file is opened whole once."""

    def __init__(
        self,
        services: Any,
        row: BatchFile,
        index: list[tuple[int, int, int, int]] | None,
        whole: list[bytes] | None,
    ) -> None:
        self.services = services
        self.row = row
        self.index = index or []
        self._firsts = [first for _, _, first, _ in self.index]
        self._whole = whole
        self._cache: dict[int, list[bytes]] = {}
        self._loading: dict[int, asyncio.Future[list[bytes]]] = {}

    @classmethod
    async def load(cls, services: Any, file_id: str) -> InputLines | None:
        head = func.substr(BatchFile.content_sealed, 1, _HEAD.size, type_=LargeBinary)
        async with services.sessions() as session:
            found = (
                await session.execute(
                    select(
                        BatchFile.id, BatchFile.owner, BatchFile.label, BatchFile.key_id, head
                    ).where(BatchFile.id == file_id)
                )
            ).first()
            if found is None:
                return None
            row = BatchFile(id=found[0], owner=found[1], label=found[2], key_id=found[3])
            if not row.key_id.startswith(CHUNKED):  # written before chunks: opened whole
                full = await session.get(BatchFile, file_id)
                data = open_file(services, full) if full is not None else None
                return None if data is None else cls(services, row, None, list(request_lines(data)))
            n = _HEAD.unpack(bytes(found[4]))[1] if len(found[4] or b"") == _HEAD.size else 0
            table = func.substr(
                BatchFile.content_sealed, 1, _HEAD.size + n * _ENTRY.size, type_=LargeBinary
            )
            raw = (await session.execute(select(table).where(BatchFile.id == file_id))).scalar_one()
        index = _index(bytes(raw))
        return None if index is None else cls(services, row, index, None)

    async def line(self, i: int) -> dict[str, Any]:
        if self._whole is not None:
            return dict(orjson.loads(self._whole[i]))
        j = bisect_right(self._firsts, i) - 1
        while j > 0 and self.index[j][3] == 0:  # a chunk of blank lines only
            j -= 1
        chunk = self._cache.get(j)
        if chunk is None:
            # the runner's loops often want the same chunk at once: one fetch, shared
            loading = self._loading.get(j)
            if loading is None:
                loading = self._loading[j] = asyncio.ensure_future(self._fetch(j))
                loading.add_done_callback(lambda _: self._loading.pop(j, None))
            chunk = await asyncio.shield(loading)
        if not 0 <= i - self.index[j][2] < len(chunk):
            raise IndexError(f"file {self.row.id} has no request line {i}")
        return dict(orjson.loads(chunk[i - self.index[j][2]]))

    async def _fetch(self, j: int) -> list[bytes]:
        offset, length, _, _ = self.index[j]
        part = func.substr(BatchFile.content_sealed, offset + 1, length, type_=LargeBinary)
        async with self.services.sessions() as session:
            sealed = (
                await session.execute(select(part).where(BatchFile.id == self.row.id))
            ).scalar_one()
        data = _open_chunk(self.services, self.row, self.index, j, bytes(sealed))
        if data is None:
            raise RuntimeError(f"file {self.row.id}: chunk {j} does not open")
        chunk = list(request_lines(data))
        self._cache[j] = chunk
        while len(self._cache) > 2:
            self._cache.pop(next(iter(self._cache)))
        return chunk
