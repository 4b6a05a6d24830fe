"""The embedded worker's own front (``labgate.worker.embedded._Front``), before llama-cpp-python.

That server takes the model's lock for ``GET /v1/models`` (so the gateway's health probe would
wait behind a long answer) and answers 500 for a request body it cannot validate (which the
gateway must count against the worker). The front answers the first itself and turns the
second into a 400. Checked here against llama-cpp-python's own request models; the real
model's behaviour end to end is in ``tests/e2e/test_embedded_model.py``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from llama_cpp.server.types import CreateChatCompletionRequest, CreateCompletionRequest

from labgate.worker.embedded import _Front


class _Model:
    """Stands for llama-cpp-python's app: records what reaches it."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, Any] | None, str | None]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        raw = message.get("body", b"")
        length = dict(scope["headers"]).get(b"content-length")
        assert length is None or int(length) == len(raw)  # the header follows the body
        self.seen.append((scope["path"], json.loads(raw) if raw else None, scope["method"]))
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"from the model"})


@pytest.fixture
async def front() -> AsyncIterator[tuple[httpx.AsyncClient, _Model]]:
    inner = _Model()
    app = _Front(
        inner,
        "gemma-3-270m",
        {
            "/v1/chat/completions": CreateChatCompletionRequest,
            "/v1/completions": CreateCompletionRequest,
        },
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://worker") as client:
        yield client, inner


def _chat(**extra: Any) -> dict[str, Any]:
    return {"model": "gemma-3-270m", "messages": [{"role": "user", "content": "hi"}], **extra}


async def test_the_model_list_is_answered_without_reaching_the_model(
    front: tuple[httpx.AsyncClient, _Model],
) -> None:
    client, inner = front
    for path in ("/v1/models", "/v1/models/"):
        r = await client.get(path)
        assert r.status_code == 200
        assert r.json() == {
            "object": "list",
            "data": [
                {"id": "gemma-3-270m", "object": "model", "owned_by": "me", "permissions": []}
            ],
        }
    assert inner.seen == []
    assert (await client.post("/v1/models")).status_code == 201  # only GET is answered here
    assert [path for path, _, _ in inner.seen] == ["/v1/models"]


async def test_a_valid_request_reaches_the_model_and_developer_becomes_system(
    front: tuple[httpx.AsyncClient, _Model],
) -> None:
    client, inner = front
    body = _chat(
        messages=[{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "hi"}]
    )
    r = await client.post("/v1/chat/completions", json=body)
    assert r.status_code == 201 and r.text == "from the model"
    _, passed, _ = inner.seen[-1]
    assert passed is not None and [m["role"] for m in passed["messages"]] == ["system", "user"]
    r = await client.post(
        "/v1/completions", json={"model": "gemma-3-270m", "prompt": "The sun is", "seed": 3}
    )
    assert r.status_code == 201
    assert inner.seen[-1][1] == {"model": "gemma-3-270m", "prompt": "The sun is", "seed": 3}


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        ("/v1/chat/completions", _chat(seed="not a number"), "seed"),
        ("/v1/chat/completions", _chat(messages=[{"role": "wizard", "content": "x"}]), "messages"),
        ("/v1/chat/completions", _chat(n=2), "n"),
        ("/v1/completions", {"model": "m", "prompt": ["one", "two"]}, "prompt"),
        ("/v1/completions", {"model": "m", "prompt": "x", "max_tokens": "many"}, "max_tokens"),
    ],
)
async def test_a_body_the_server_would_answer_500_gets_a_400(
    front: tuple[httpx.AsyncClient, _Model], path: str, body: dict[str, Any], param: str
) -> None:
    client, inner = front
    r = await client.post(path, json=body)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"].startswith(param)
    assert inner.seen == []


async def test_a_body_that_is_not_a_json_object_gets_a_400(
    front: tuple[httpx.AsyncClient, _Model],
) -> None:
    client, inner = front
    for raw in (b'{"model": "m", "messages": [', b"[1, 2]"):
        r = await client.post("/v1/chat/completions", content=raw)
        assert r.status_code == 400 and "JSON" in r.json()["error"]["message"]
    assert inner.seen == []


async def test_a_json_schema_format_reaches_llama_cpp_as_its_own_schema_form(
    front: tuple[httpx.AsyncClient, _Model],
) -> None:
    """llama.cpp's server knows ``json_object`` with a ``schema`` (a grammar), not OpenAI's
    ``json_schema``, and answered LangChain's ``with_structured_output`` with a 400 (issue 27)."""
    client, inner = front
    schema = {"type": "object", "properties": {"answer": {"type": "integer"}},
              "required": ["answer"]}
    r = await client.post(
        "/v1/chat/completions",
        json=_chat(response_format={
            "type": "json_schema", "json_schema": {"name": "A", "schema": schema, "strict": True},
        }),
    )
    assert r.status_code == 201
    assert inner.seen[-1][1]["response_format"] == {"type": "json_object", "schema": schema}
