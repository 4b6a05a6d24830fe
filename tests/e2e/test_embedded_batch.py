"""A batch on the embedded model (real llama.cpp worker processes): ``labgate serve`` with the
packaged Gemma 3 270M, the official ``openai`` SDK's files and batches calls, and the output
files read line by line (chat answers, embedding vectors equal to the direct call's, a
Responses answer)."""

from __future__ import annotations

import io
import math
import time
from collections.abc import Iterator
from typing import Any

import openai
import orjson
import pytest

from tests.e2e.test_embedded_model import Served, serve_embedded

pytestmark = pytest.mark.slow
CHAT = "gemma-3-270m"
EMBED = "gemma-3-270m-embed"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    # the gate's bootstrap approves the embedded chat model only
    extra = {"LABGATE_APPROVAL__ENFORCE": "false", "LABGATE_BATCH__POLL_S": "0.1"}
    with serve_embedded(tmp_path_factory.mktemp("batch"), extra) as s:
        yield s


def _sdk(served: Served) -> openai.OpenAI:
    return openai.OpenAI(base_url=served.url + "/v1", api_key=served.key, max_retries=0)


def _batch(client: openai.OpenAI, endpoint: str, bodies: dict[str, dict[str, Any]]) -> Any:
    data = b"".join(
        orjson.dumps({"custom_id": cid, "method": "POST", "url": endpoint, "body": body}) + b"\n"
        for cid, body in bodies.items()
    )
    f = client.files.create(file=("in.jsonl", io.BytesIO(data)), purpose="batch")
    batch = client.batches.create(
        input_file_id=f.id,
        endpoint=endpoint,  # type: ignore[arg-type]
        completion_window="24h",
    )
    for _ in range(1800):  # the poll bound only; the batch usually ends in seconds
        batch = client.batches.retrieve(batch.id)
        if batch.status in ("completed", "failed", "expired", "cancelled"):
            break
        time.sleep(0.1)
    assert batch.status == "completed", batch
    errors = client.files.content(batch.error_file_id).text if batch.error_file_id else ""
    assert batch.request_counts.completed == len(bodies), errors
    assert batch.request_counts.failed == 0 and not errors
    lines = client.files.content(batch.output_file_id).content.splitlines()
    results = [orjson.loads(x) for x in lines]
    assert sorted(r["custom_id"] for r in results) == sorted(bodies)  # each exactly once
    for r in results:
        assert r["id"].startswith("batch_req_") and r["error"] is None
        assert r["response"]["status_code"] == 200 and r["response"]["request_id"]
    return {r["custom_id"]: r["response"]["body"] for r in results}


def test_a_chat_batch_on_the_embedded_model(served: Served) -> None:
    questions = {
        "planet": "Name a planet of the solar system.",
        "metal": "Name a metal.",
        "colour": "Name a colour.",
    }
    bodies = {
        cid: {
            "model": CHAT,
            "messages": [{"role": "user", "content": q}],
            "max_tokens": 16,
            "temperature": 0,
        }
        for cid, q in questions.items()
    }
    out = _batch(_sdk(served), "/v1/chat/completions", bodies)
    for cid in questions:
        body = out[cid]
        assert body["object"] == "chat.completion" and body["model"] == CHAT
        choice = body["choices"][0]
        assert choice["message"]["role"] == "assistant" and choice["message"]["content"].strip()
        assert choice["finish_reason"] in ("stop", "length")
        usage = body["usage"]
        assert 0 < usage["completion_tokens"] <= 16 and usage["prompt_tokens"] > 0


def test_an_embeddings_batch_equals_the_direct_calls(served: Served) -> None:
    client = _sdk(served)
    texts = {
        "rain": "a gentle rain over the hills",
        "pair": ["the cat sleeps on the mat", "Paris"],
    }
    bodies = {cid: {"model": EMBED, "input": t} for cid, t in texts.items()}
    out = _batch(client, "/v1/embeddings", bodies)
    for cid, given in texts.items():
        body = out[cid]
        assert body["object"] == "list" and body["model"] == EMBED
        direct = client.embeddings.create(model=EMBED, input=given, encoding_format="float")
        assert [d["index"] for d in body["data"]] == [d.index for d in direct.data]
        for mine, theirs in zip(body["data"], direct.data, strict=True):
            vector = mine["embedding"]
            assert len(vector) == 640
            assert math.isclose(sum(x * x for x in vector), 1.0, rel_tol=1e-3)
            assert vector == pytest.approx(theirs.embedding, abs=1e-4)
        assert body["usage"]["prompt_tokens"] == direct.usage.prompt_tokens


def test_a_responses_batch_on_the_embedded_model(served: Served) -> None:
    client = _sdk(served)
    out = _batch(
        client,
        "/v1/responses",
        {"r1": {"model": CHAT, "input": "Name a noble gas.", "max_output_tokens": 16}},
    )
    body = out["r1"]
    assert body["object"] == "response" and body["status"] in ("completed", "incomplete")
    text = [c["text"] for item in body["output"] for c in item.get("content") or ()]
    assert "".join(text).strip()
    assert client.responses.retrieve(body["id"]).id == body["id"]
