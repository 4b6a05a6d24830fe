"""Insider attacks on wave 3 (batch lines for embeddings/responses, streamed chunked uploads,
database web sessions, the console's read routes): an ordinary key or session, malformed
uploads that must be a 4xx in OpenAI's shape, lines the upload accepts but the runner could
not read."""

from __future__ import annotations

import io
from typing import Any

import httpx
import openai
import orjson
import pytest
from openai import AsyncOpenAI

from tests.batch.test_files_batches import _jsonl, _line, _wait_done, env  # noqa: F401

pytestmark = pytest.mark.store


def _openai_error(r: httpx.Response, status: int | None = None) -> dict[str, Any]:
    assert r.status_code < 500, (r.status_code, r.text)
    if status is not None:
        assert r.status_code == status, (r.status_code, r.text)
    else:
        assert 400 <= r.status_code < 500, (r.status_code, r.text)
    error = r.json()["error"]
    assert isinstance(error["message"], str) and error["type"] and "code" in error
    return error


async def test_a_line_the_runner_cannot_parse_is_refused_at_upload(
    env: dict[str, Any],  # noqa: F811
) -> None:
    """NaN/Infinity are not JSON: the upload's parser took them (and checked the body as if
    they were null), the runner's parser does not, so the item failed on every claim, forever,
    and its batch never finished."""
    client: AsyncOpenAI = env["client"]
    good = orjson.dumps(_line("a", "hi"))
    bad = [
        good.replace(b'"model":"fake"', b'"model":"fake","temperature":' + literal)
        for literal in (b"NaN", b"Infinity", b"-Infinity", b"1e400")
    ] + [
        good.replace(b'"custom_id":"a"', b'"custom_id":"a\\ud800"'),  # unpaired surrogate
        good.replace(b'"custom_id":"a"', b'"custom_id":"a","x":-1e999'),
    ]
    for line in bad:
        with pytest.raises(openai.BadRequestError) as caught:
            await client.files.create(file=("in.jsonl", io.BytesIO(line + b"\n")), purpose="batch")
        assert caught.value.code == "invalid_batch_file"
        assert "line 1" in caught.value.body["message"]  # type: ignore[index]
    assert (await client.files.list()).data == []


async def test_malformed_uploads_are_4xx_in_the_openai_shape(
    env: dict[str, Any],  # noqa: F811
) -> None:
    services = env["services"]
    limit = services.settings.batch.max_file_bytes
    h = {"Authorization": f"Bearer {services.bootstrap.admin_key}"}
    good = orjson.dumps(_line("a", "hi")) + b"\n"
    boundary = "xXbOuNdArYx"
    ctype = {"Content-Type": f"multipart/form-data; boundary={boundary}"}

    def form(data: bytes, close: bool = True) -> bytes:
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="in.jsonl"\r\nContent-Type: application/jsonl\r\n\r\n'
        ).encode() + data
        return body + (f"\r\n--{boundary}--\r\n".encode() if close else b"")

    async def chunked(data: bytes) -> Any:
        for i in range(0, len(data), 65536):
            yield data[i : i + 65536]

    async with httpx.AsyncClient(base_url=env["url"], headers=h, timeout=60) as c:
        cases: list[tuple[str, Any, dict[str, str], int | None]] = [
            ("0 bytes", b"", ctype, 400),
            ("empty file", form(b""), ctype, 400),
            ("blank lines only", form(b"\n\n  \n"), ctype, 400),
            ("bad UTF-8", form(b'{"custom_id": "\xff\xfe"}\n'), ctype, 400),
            ("bad UTF-8 in a body", form(good.replace(b"hi", b"h\xc3(")), ctype, 400),
            ("truncated form", form(good, close=False), ctype, None),
            ("truncated line", form(good[:-10]), ctype, 400),
            ("no boundary", form(good), {"Content-Type": "multipart/form-data"}, 400),
            ("a huge line", form(b'{"custom_id": "' + b"x" * (limit - 100) + b'"}\n'), ctype,
             400),
            ("over the limit, chunked", chunked(form(good * (limit // len(good) + 10))), ctype,
             413),
            ("one line over the limit", form(b"x" * (limit + 10)), ctype, 413),
            ("deep JSON", form(b"[" * 100000 + b"]" * 100000 + b"\n"), ctype, None),
        ]  # fmt: skip
        for name, body, headers, status in cases:
            r = await c.post("/v1/files", content=body, headers=headers)
            error = _openai_error(r, status)
            assert error["code"], name
        assert (await c.get("/v1/files")).json()["data"] == []
