"""Batch files are read as they arrive and kept in sealed chunks: the size limit holds while
the body is read (a chunked upload with no Content-Length too), lines are checked one at a
time with their numbers, the runner reads only the chunk holding an item, chunks cannot be
swapped or cut off, and files sealed whole before chunks still open and run."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import openai
import orjson
import pytest
from openai import AsyncOpenAI
from sqlalchemy import select, update

from labgate.app import create_app
from labgate.batch import sealed
from labgate.batch.models import BatchFile
from labgate.batch.sealed import CHUNKED, InputLines, Sealer, _index, binding_of, sealer_of
from tests.batch.test_files_batches import _jsonl, _line, _wait_done, env  # noqa: F401
from tests.support.servers import serve_app

pytestmark = pytest.mark.store


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(sealed, "CHUNK_BYTES", 300)
    return 300


def _file_with_blanks(n: int) -> bytes:
    parts = []
    for i in range(n):
        parts.append(orjson.dumps(_line(f"r{i}", f"question number {i}")) + b"\n")
        if i % 7 == 3:
            parts.append(b"\n  \n")  # blank lines: kept in the file, not request lines
    return b"".join(parts)


async def _row(services: Any, fid: str) -> BatchFile:
    async with services.sessions() as s:
        return (await s.scalars(select(BatchFile).where(BatchFile.id == fid))).one()


async def test_a_file_is_kept_in_chunks_and_the_runner_reads_one_at_a_time(
    env: dict[str, Any],  # noqa: F811
    small_chunks: int,
) -> None:
    client: AsyncOpenAI = env["client"]
    services = env["services"]
    data = _file_with_blanks(40)
    f = await client.files.create(file=("in.jsonl", io.BytesIO(data)), purpose="batch")
    assert f.bytes == len(data)
    assert (await client.files.content(f.id)).content == data  # exactly as uploaded
    row = await _row(services, f.id)
    assert row.key_id.startswith(CHUNKED) and row.lines == 40
    index = _index(bytes(row.content_sealed))
    assert index is not None and len(index) > 5  # many chunks of about 300 bytes
    assert sum(lines for *_, lines in index) == 40
    assert b"question number" not in bytes(row.content_sealed)

    lines = await InputLines.load(services, f.id)
    assert lines is not None
    assert (await lines.line(23))["custom_id"] == "r23"
    assert len(lines._cache) == 1  # the chunk holding line 23, nothing else was opened
    assert (await lines.line(0))["custom_id"] == "r0"
    assert (await lines.line(39))["custom_id"] == "r39"
    assert len(lines._cache) == 2  # at most two kept
    # eight loops asking for lines of one chunk at once: it is fetched and opened once
    fetched: list[int] = []
    fetch = lines._fetch

    async def counted(j: int) -> list[bytes]:
        fetched.append(j)
        return await fetch(j)

    lines._fetch = counted  # type: ignore[method-assign]
    got = await asyncio.gather(*(lines.line(12) for _ in range(8)))
    assert [g["custom_id"] for g in got] == ["r12"] * 8 and len(fetched) == 1

    batch = await client.batches.create(
        input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    done = await _wait_done(client, batch.id)
    assert (done.request_counts.completed, done.request_counts.failed) == (40, 0)
    output = (await client.files.content(done.output_file_id)).content
    out = [orjson.loads(x) for x in output.splitlines()]
    assert sorted(r["custom_id"] for r in out) == sorted(f"r{i}" for i in range(40))
    for r in out:  # each answer is its own line's (the fake worker says what it was asked)
        assert r["response"]["status_code"] == 200


async def test_output_files_are_written_in_chunks_a_page_of_results_at_a_time(
    env: dict[str, Any],  # noqa: F811
    small_chunks: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from labgate.batch import runner

    monkeypatch.setattr(runner, "RESULTS_PAGE", 4)
    client: AsyncOpenAI = env["client"]
    lines = [_line(f"r{i}", f"question {i}") for i in range(15)]
    lines[9] = _line("r9", "x", model="no-such-model")
    f = await client.files.create(file=("in.jsonl", io.BytesIO(_jsonl(lines))), purpose="batch")
    batch = await client.batches.create(
        input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    done = await _wait_done(client, batch.id)
    assert (done.request_counts.completed, done.request_counts.failed) == (14, 1)
    output = (await client.files.content(done.output_file_id)).content
    out = [orjson.loads(x) for x in output.splitlines()]
    assert [r["custom_id"] for r in out] == [f"r{i}" for i in range(15) if i != 9]  # in order
    errors = (await client.files.content(done.error_file_id)).content.splitlines()
    assert [orjson.loads(x)["custom_id"] for x in errors] == ["r9"]
    row = await _row(env["services"], done.output_file_id)
    index = _index(bytes(row.content_sealed))
    assert index is not None and len(index) > 3 and row.lines == 14 and row.size == len(output)


async def test_chunks_cannot_be_swapped_or_cut_off(
    env: dict[str, Any],  # noqa: F811
    small_chunks: int,
) -> None:
    client: AsyncOpenAI = env["client"]
    services = env["services"]
    data = _file_with_blanks(12)
    f = await client.files.create(file=("in.jsonl", io.BytesIO(data)), purpose="batch")
    row = await _row(services, f.id)
    content = bytes(row.content_sealed)
    index = _index(content)
    assert index is not None and len(index) >= 3
    head_size = sealed._HEAD.size + len(index) * sealed._ENTRY.size
    (o0, l0, f0, n0), (o1, l1, f1, n1) = index[0], index[1]
    # swap the first two chunks' bytes (and their table entries): the AES-GCM data binds each
    # chunk's place, so neither opens
    swapped_index = [(o0, l1, f0, n0), (o0 + l1, l0, f1, n1), *index[2:]]
    body = content[o1 : o1 + l1] + content[o0 : o0 + l0] + content[o1 + l1 :]
    table = b"".join(sealed._ENTRY.pack(*e) for e in swapped_index)
    swapped = sealed._HEAD.pack(sealed._MAGIC, len(index)) + table + body
    assert len(swapped) == len(content) and swapped[head_size:] != content[head_size:]
    # and cut off after the first chunk (the table says one chunk: it is not the last)
    cut = sealed._HEAD.pack(sealed._MAGIC, 1) + sealed._ENTRY.pack(
        sealed._HEAD.size + sealed._ENTRY.size, l0, f0, n0
    ) + content[o0 : o0 + l0]  # fmt: skip
    for altered in (swapped, cut):
        async with services.sessions.begin() as s:
            await s.execute(
                update(BatchFile).where(BatchFile.id == f.id).values(content_sealed=altered)
            )
        with pytest.raises(openai.NotFoundError):
            await client.files.content(f.id)


async def test_a_file_sealed_whole_before_chunks_still_opens_and_runs(
    env: dict[str, Any],  # noqa: F811
) -> None:
    client: AsyncOpenAI = env["client"]
    services = env["services"]
    data = _jsonl([_line(f"old{i}", f"older question {i}") for i in range(3)])
    f = await client.files.create(file=("old.jsonl", io.BytesIO(data)), purpose="batch")
    row = await _row(services, f.id)
    sealer: Sealer = sealer_of(services)
    key_id, sealed = sealer.seal(binding_of(row), data)  # the format every file had before
    async with services.sessions.begin() as s:
        await s.execute(
            update(BatchFile)
            .where(BatchFile.id == f.id)
            .values(key_id=key_id, content_sealed=sealed)
        )
    assert (await client.files.content(f.id)).content == data
    lines = await InputLines.load(services, f.id)
    assert lines is not None and (await lines.line(2))["custom_id"] == "old2"
    batch = await client.batches.create(
        input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    done = await _wait_done(client, batch.id)
    assert done.request_counts.completed == 3


async def test_line_numbers_hold_across_chunks(
    env: dict[str, Any],  # noqa: F811
    small_chunks: int,
) -> None:
    client: AsyncOpenAI = env["client"]
    good = [orjson.dumps(_line(f"g{i}", "x" * 40)) for i in range(20)]
    good[14] = (
        b'{"custom_id": "bad", "method": "POST", "url": "/v1/chat/completions", "body": \xff}'
    )
    good[17] = b"not json"
    data = b"\n".join(good) + b"\n"
    with pytest.raises(openai.BadRequestError) as caught:
        await client.files.create(file=("in.jsonl", io.BytesIO(data)), purpose="batch")
    message = caught.value.body["message"]  # type: ignore[index]
    assert "line 15: not UTF-8 text" in message and "line 18: not valid JSON" in message
    assert (await client.files.list()).data == []


async def test_the_size_limit_holds_while_the_body_is_read(
    make_settings: Callable[..., Any],
) -> None:
    """A chunked upload (no Content-Length) past the limit is a 413 in OpenAI's shape, and
    the gateway stops reading it there (before, the form parser took the whole body)."""
    settings = make_settings(
        [{"name": "fake", "workers": ["http://127.0.0.1:9"]}], batch={"max_file_bytes": 2000}
    )
    app = create_app(settings)
    consumed = 0

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        async def counted() -> Any:
            nonlocal consumed
            message = await receive()
            consumed += len(message.get("body", b""))
            return message

        await app(scope, counted, send)

    async with serve_app(counting) as url:
        key = app.state.services.bootstrap.admin_key
        boundary = "labgateboundary"
        sent = 0
        total_pieces = 2000

        async def body() -> AsyncIterator[bytes]:
            nonlocal sent
            yield (
                f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n'
                f'batch\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="big.jsonl"\r\nContent-Type: application/jsonl\r\n\r\n'
            ).encode()
            for i in range(total_pieces):  # 2000 lines of ~120 bytes: 240 kB
                sent += 1
                yield orjson.dumps(_line(f"r{i}", "y" * 60)) + b"\n"
            yield f"\r\n--{boundary}--\r\n".encode()

        headers = {
            "Authorization": f"Bearer {key}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        }
        async with httpx.AsyncClient(base_url=url, timeout=30) as c:
            try:
                r = await c.post("/v1/files", content=body(), headers=headers)
            except httpx.HTTPError:
                r = None  # the server may close the connection mid-body after answering
            if r is not None:
                assert r.status_code == 413, r.text
                error = r.json()["error"]
                assert error["code"] == "file_too_large" and error["message"]
                assert error["type"] == "invalid_request_error"
            listed = await c.get("/v1/files", headers={"Authorization": f"Bearer {key}"})
            assert listed.json()["data"] == []
        assert sent == total_pieces  # the client sent it all (about 260 kB) …
        assert consumed < 150_000  # … the gateway read the limit (+64 KiB form) and stopped


async def test_a_batch_checks_every_chunk_of_its_file(
    env: dict[str, Any],  # noqa: F811
    small_chunks: int,
) -> None:
    """POST /v1/batches reads the file a chunk at a time: a line naming another endpoint in a
    late chunk is found and named by its number."""
    client: AsyncOpenAI = env["client"]
    lines = [_line(f"r{i}", f"question {i}") for i in range(30)]
    lines[26] = _line("r26", "a completion", url="/v1/completions")
    f = await client.files.create(file=("in.jsonl", io.BytesIO(_jsonl(lines))), purpose="batch")
    index = _index(bytes((await _row(env["services"], f.id)).content_sealed))
    assert index is not None
    holding = [i for i, (_, _, first, n) in enumerate(index) if first <= 26 < first + n]
    assert holding and holding[0] > 5  # request line 27 is in a late chunk
    with pytest.raises(openai.BadRequestError) as caught:
        await client.batches.create(
            input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    assert "request line(s) 27 name a url" in caught.value.body["message"]  # type: ignore[index]
