"""POST /v1/embeddings through the official openai SDK: lists, base64, dimensions, token ids,
the audit record (a digest of the input, no vectors), hidden and wrong-kind models, bad input."""

from __future__ import annotations

import base64
import math
import struct
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import openai
import orjson
import pytest
from openai import AsyncOpenAI

from labgate.app import create_app
from tests.support.servers import RunningWorker, serve_app

pytestmark = pytest.mark.store


@pytest.fixture
async def env(
    make_settings: Callable[..., Any], fake_worker: RunningWorker
) -> AsyncIterator[dict[str, Any]]:
    settings = make_settings(
        [
            {"name": "fake", "workers": [fake_worker.base_url]},
            {
                "name": "embed",
                "kind": "embedding",
                "workers": [fake_worker.base_url],
                "embedding_dimensions": [4],
            },
        ]
    )
    app = create_app(settings)
    async with serve_app(app) as url:
        services = app.state.services
        yield {
            "url": url,
            "key": services.bootstrap.admin_key,
            "services": services,
            "worker": fake_worker.worker,
            "sdk": AsyncOpenAI(
                base_url=url + "/v1", api_key=services.bootstrap.admin_key, max_retries=0
            ),
        }


async def _last_record(services: Any) -> dict[str, Any]:
    log = services.audit
    return orjson.loads((await log.get_record(await log.size() - 1)).data)


async def test_a_list_of_strings(env: dict[str, Any]) -> None:
    r = await env["sdk"].embeddings.create(model="embed", input=["a neutron", "a proton star"])
    assert [d.index for d in r.data] == [0, 1]
    assert all(len(d.embedding) == 8 for d in r.data)
    assert r.data[0].embedding != r.data[1].embedding
    assert r.usage.prompt_tokens == 5 and r.model == "embed"
    rec = await _last_record(env["services"])
    assert rec["details"]["endpoint"] == "embedding" and rec["status"] == 200
    assert rec["usage"]["prompt_tokens"] == 5 and rec["usage"]["completion_tokens"] == 0
    assert "prompt_sha256" in rec["digests"]
    assert "0." not in orjson.dumps(rec).decode().split('"digests"')[0]  # no vector


async def test_base64_and_float_agree(env: dict[str, Any]) -> None:
    sdk = env["sdk"]
    floats = await sdk.embeddings.create(model="embed", input="x", encoding_format="float")
    # the SDK asks for base64 by default and decodes it itself
    default = await sdk.embeddings.create(model="embed", input="x")
    assert default.data[0].embedding == pytest.approx(floats.data[0].embedding, rel=1e-6)
    async with httpx.AsyncClient(base_url=env["url"]) as c:
        r = await c.post(
            "/v1/embeddings",
            headers={"Authorization": f"Bearer {env['key']}"},
            json={"model": "embed", "input": "x", "encoding_format": "base64"},
        )
    raw = base64.b64decode(r.json()["data"][0]["embedding"])
    assert list(struct.unpack(f"<{len(raw) // 4}f", raw)) == pytest.approx(
        floats.data[0].embedding, rel=1e-6
    )
    assert env["worker"].last_payload["encoding_format"] == "float"


async def test_dimensions_and_token_ids(env: dict[str, Any]) -> None:
    sdk = env["sdk"]
    short = await sdk.embeddings.create(model="embed", input="x", dimensions=4)
    vec = short.data[0].embedding
    assert len(vec) == 4 and math.isclose(sum(v * v for v in vec), 1.0, rel_tol=1e-5)
    with pytest.raises(openai.BadRequestError):
        await sdk.embeddings.create(model="embed", input="x", dimensions=5)
    ids = await sdk.embeddings.create(model="embed", input=[[1, 2, 3], [4, 5]])
    assert len(ids.data) == 2 and ids.usage.prompt_tokens == 5
    one = await sdk.embeddings.create(model="embed", input=[7, 8, 9])
    assert len(one.data) == 1


async def test_models_of_the_wrong_kind_or_missing(env: dict[str, Any]) -> None:
    sdk = env["sdk"]
    with pytest.raises(openai.BadRequestError) as err:
        await sdk.embeddings.create(model="fake", input="x")
    assert err.value.code == "model_not_supported"
    with pytest.raises(openai.NotFoundError) as missing:
        await sdk.embeddings.create(model="nope", input="x")
    assert missing.value.code == "model_not_found"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"model": "embed"},
        {"input": "x"},
        {"model": "embed", "input": ""},
        {"model": "embed", "input": []},
        {"model": "embed", "input": [""]},
        {"model": "embed", "input": [1, "a"]},
        {"model": "embed", "input": [[1], []]},
        {"model": "embed", "input": [-1]},
        {"model": "embed", "input": [10**20]},
        {"model": "embed", "input": {"text": "x"}},
        {"model": "embed", "input": "x", "encoding_format": "hex"},
        {"model": "embed", "input": "x", "dimensions": "4"},
        {"model": "embed", "input": "x", "dimensions": True},
        {"model": "embed", "input": "x", "lora_path": "/tmp/x"},
        {"model": "embed", "input": ["x"] * 3000},
        {"model": 5, "input": "x"},
        [1],
    ],
)
async def test_bad_input_is_a_400(env: dict[str, Any], body: Any) -> None:
    async with httpx.AsyncClient(base_url=env["url"]) as c:
        r = await c.post(
            "/v1/embeddings", headers={"Authorization": f"Bearer {env['key']}"}, json=body
        )
    assert r.status_code == 400, r.text
    assert set(r.json()["error"]) >= {"message", "type", "code", "param"}


async def test_a_broken_worker_is_a_502_or_503_never_a_500(env: dict[str, Any]) -> None:
    async with httpx.AsyncClient(base_url=env["url"]) as c:
        for flag in ("garbage", "fail"):
            r = await c.post(
                "/v1/embeddings",
                headers={"Authorization": f"Bearer {env['key']}"},
                json={"model": "embed", "input": "x", "fake": flag},
            )
            assert r.status_code in (502, 503), r.text
            assert "error" in r.json()


async def test_no_key_is_a_401(env: dict[str, Any]) -> None:
    async with httpx.AsyncClient(base_url=env["url"]) as c:
        r = await c.post("/v1/embeddings", json={"model": "embed", "input": "x"})
    assert r.status_code == 401


async def test_harmful_text_is_screened(
    make_settings: Callable[..., Any], fake_worker: RunningWorker
) -> None:
    """Embedding inputs are text the model reads: screened like any prompt, and a blocked one
    is a 400 that names its request (there is no answer text to put a refusal in)."""
    from tests.api.test_safety_path import BENIGN, HARMFUL

    settings = make_settings(
        [{"name": "embed", "kind": "embedding", "workers": [fake_worker.base_url]}],
        safety={"enabled": True},
    )
    app = create_app(settings)
    async with serve_app(app) as url:
        services = app.state.services
        headers = {"Authorization": f"Bearer {services.bootstrap.admin_key}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as c:
            before = fake_worker.worker.requests
            r = await c.post("/v1/embeddings", json={"model": "embed", "input": [BENIGN, HARMFUL]})
            assert r.status_code == 400, r.text
            assert r.json()["error"]["code"] == "content_policy_violation"
            assert r.headers["x-request-id"] in r.json()["error"]["message"]
            assert fake_worker.worker.requests == before
            rec = await _last_record(services)
            assert rec["outcome"] == "content_filter"
            assert rec["details"]["endpoint"] == "embedding"


async def test_an_embedding_model_writes_no_text(env: dict[str, Any]) -> None:
    async with httpx.AsyncClient(base_url=env["url"]) as c:
        headers = {"Authorization": f"Bearer {env['key']}"}
        for path, body in (
            ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}]}),
            ("/v1/completions", {"prompt": "x"}),
            ("/v1/responses", {"input": "x"}),
        ):
            r = await c.post(path, headers=headers, json={"model": "embed", **body})
            assert r.status_code == 400, (path, r.text)
            assert r.json()["error"]["code"] == "model_not_supported"


async def test_input_tokens_are_charged_to_the_budget(env: dict[str, Any]) -> None:
    """The budget reserves the input's bound (not a chat answer's max_tokens) and settles the
    worker's input tokens; nothing is left reserved."""
    from sqlalchemy import update

    from labgate.quota import budget_period, units_to_tokens
    from labgate.store.tenancy import Project

    services = env["services"]
    async with services.sessions.begin() as s:
        await s.execute(
            update(Project)
            .where(Project.id == "default")
            .values(budget_tokens=200, budget_period="month")
        )
    services.projects.forget("default")
    r = await env["sdk"].embeddings.create(model="embed", input=["one two three", "four"])
    assert r.usage.prompt_tokens == 4
    usage = await services.quota.budgets.usage("default", budget_period("month"))
    assert units_to_tokens(usage.used) == 4 and units_to_tokens(usage.reserved) == 0
    with pytest.raises(openai.RateLimitError):
        await env["sdk"].embeddings.create(model="embed", input=["word " * 400])


async def test_a_labelled_answer_is_not_embedded_below_its_label(
    make_settings: Callable[..., Any], fake_worker: RunningWorker
) -> None:
    """A SECRET answer given as an embedding input is the chat path's write-down: refused at a
    lower label, as if it were resent as a chat turn."""
    from sqlalchemy import update

    from labgate.store.tenancy import User
    from tests.api.test_labels_path import LABELS

    labels = {**LABELS, "models": {"chat": "SECRET", "emb": "SECRET"}}
    settings = make_settings(
        [
            {"name": "chat", "workers": [fake_worker.base_url]},
            {"name": "emb", "kind": "embedding", "workers": [fake_worker.base_url]},
        ],
        labels=labels,
    )
    app = create_app(settings)
    async with serve_app(app) as url:
        services = app.state.services
        async with services.sessions.begin() as s:
            await s.execute(update(User).values(clearance="SECRET"))
        services.auth.invalidate_all()
        auth = {"Authorization": f"Bearer {services.bootstrap.admin_key}"}
        async with httpx.AsyncClient(base_url=url, headers=auth) as c:
            secret = {"X-Labgate-Label": "SECRET"}
            r = await c.post(
                "/v1/chat/completions",
                headers=secret,
                json={"model": "chat", "messages": [{"role": "user", "content": "the results"}]},
            )
            assert r.status_code == 200 and r.json()["labgate_label"] == "SECRET", r.text
            answer = r.json()["choices"][0]["message"]["content"]
            low = {"X-Labgate-Label": "UNCLASSIFIED"}
            embed = {"model": "emb", "input": ["an ordinary sentence here", answer]}
            refused = await c.post("/v1/embeddings", headers=low, json=embed)
            resent = await c.post(
                "/v1/chat/completions",
                headers=low,
                json={"model": "chat", "messages": [{"role": "user", "content": answer}]},
            )
            assert refused.status_code == resent.status_code == 403, refused.text
            assert refused.json()["error"]["code"] == resent.json()["error"]["code"]
            ok = await c.post("/v1/embeddings", headers=secret, json=embed)
            assert ok.status_code == 200 and ok.json()["labgate_label"] == "SECRET"
