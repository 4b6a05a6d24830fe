"""The embedded worker's own front: ``GET /v1/models`` answered without llama.cpp's lock.

llama-cpp-python's route for it waits for the model's lock, so the gateway's health probe
would wait behind a long answer (and mark a busy worker as down). The end-to-end behaviour
with the real model is in ``tests/e2e/test_embedded_model.py``."""

from __future__ import annotations

from typing import Any

import httpx

from labgate.worker.embedded import _ModelList


class _Busy:
    """Stands for llama-cpp-python's app: records what reaches it."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"from the model"})


async def test_the_model_list_is_answered_without_reaching_the_model() -> None:
    inner = _Busy()
    transport = httpx.ASGITransport(app=_ModelList(inner, "gemma-3-270m"))
    async with httpx.AsyncClient(transport=transport, base_url="http://worker") as client:
        for path in ("/v1/models", "/v1/models/"):
            r = await client.get(path)
            assert r.status_code == 200
            assert r.json() == {
                "object": "list",
                "data": [
                    {"id": "gemma-3-270m", "object": "model", "owned_by": "me", "permissions": []}
                ],
            }
        assert inner.paths == []
        r = await client.post("/v1/chat/completions", json={})
        assert r.status_code == 201 and r.text == "from the model"
        r = await client.post("/v1/models")  # only GET is answered here
        assert r.status_code == 201
    assert inner.paths == ["/v1/chat/completions", "/v1/models"]
