"""An outside red team with an insider's ordinary key attacks the surfaces added last: the
Responses API, embeddings, files and batches, the pages' sign-in, safety reports, approvals and
the model registry. Each test asserts the secure behaviour through the real routes of an app with
fake workers (the authorization matrix's world: alice SECRET in lab-alpha, aldo another user of
her lab, carol of lab-beta, hugo TOP SECRET//NUC, m-nuc accredited SECRET//NUC).

A test that fails on the current tree is a strict xfail naming the finding
(/work/notes/findings.md), so the hole stays visible and the day it is fixed the suite says so.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from typing import Any

import httpx
import orjson
import pytest

from labgate.identity.principal import Principal, Role
from tests.security.test_authz_matrix import (  # noqa: F401  (world is the fixture)
    _TOP_ADMIN,
    EQUAL,
    HIGHER,
    LOWER,
    OWN_LAB,
    World,
    _is_openai_error,
    world,
)

pytestmark = pytest.mark.store

BIG = 10**20


def _h(w: World, who: str, label: str | None = None, **extra: str) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {w.keys[f'@{who}']}", **extra}
    if label:
        headers["X-Labgate-Label"] = label
    return headers


def _sound(r: httpx.Response) -> None:
    """Never a 5xx; every refusal OpenAI-shaped; every answer with X-Request-Id."""
    assert r.status_code < 500, (r.status_code, r.text[:500])
    if r.status_code >= 400:
        assert _is_openai_error(r), r.text[:500]


def _code(r: httpx.Response) -> str | None:
    try:
        return r.json()["error"]["code"]
    except Exception:  # noqa: BLE001
        return None


async def _store(w: World, who: str, label: str = EQUAL, text: str = "my notes") -> str:
    r = await w.client.post(
        "/v1/responses",
        headers=_h(w, who, label),
        json={"model": "m-sec", "input": f"{text} {uuid.uuid4().hex[:6]}", "max_output_tokens": 8},
    )
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


# ----------------------------------------------------------------------------- /v1/responses


async def test_someone_elses_response_is_a_missing_one_on_every_route(world: World) -> None:  # noqa: F811
    w = world
    theirs = {
        "aldo (same lab)": await _store(w, "aldo"),
        "carol (other lab)": await _store(w, "carol"),
        "hugo (SECRET//NUC)": (
            await w.client.post(
                "/v1/responses",
                headers=_h(w, "hugo", HIGHER),
                json={"model": "m-nuc", "input": "nuc notes", "max_output_tokens": 8},
            )
        ).json()["id"],
    }
    never = "resp_" + uuid.uuid4().hex
    for whose, rid in {**theirs, "never issued": never}.items():
        for method, path in (
            ("GET", f"/v1/responses/{rid}"),
            ("GET", f"/v1/responses/{rid}/input_items"),
            ("DELETE", f"/v1/responses/{rid}"),
        ):
            r = await w.client.request(method, path, headers=_h(w, "alice"))
            assert r.status_code == 404, (whose, method, path, r.text)
            assert _code(r) == "response_not_found", (whose, r.text)
            assert "nuc notes" not in r.text and "m-nuc" not in r.text
        # chaining on it is the same missing previous response, and nothing is answered
        r = await w.client.post(
            "/v1/responses",
            headers=_h(w, "alice", EQUAL),
            json={"model": "m-sec", "input": "go on", "previous_response_id": rid},
        )
        assert r.status_code == 404 and _code(r) == "previous_response_not_found", r.text
    # the owners still have theirs: alice's DELETE did nothing
    for owner, rid in (("aldo", theirs["aldo (same lab)"]), ("carol", theirs["carol (other lab)"])):
        r = await w.client.get(f"/v1/responses/{rid}", headers=_h(w, owner))
        assert r.status_code == 200, r.text


async def test_a_chain_keeps_its_label_and_cannot_be_lowered(world: World) -> None:  # noqa: F811
    w = world
    rid = await _store(w, "alice", EQUAL, "the SECRET part")
    r = await w.client.post(
        "/v1/responses",
        headers=_h(w, "alice", LOWER),
        json={"model": "m-open", "input": "and in short?", "previous_response_id": rid},
    )
    assert r.status_code in (400, 403), r.text
    _sound(r)
    # unstated, the chain's label governs (no UNCLASSIFIED answer of a SECRET chain)
    r = await w.client.post(
        "/v1/responses",
        headers=_h(w, "alice"),
        json={"model": "m-sec", "input": "and in short?", "previous_response_id": rid},
    )
    assert r.status_code == 200, r.text
    assert r.headers.get("x-labgate-label") == EQUAL


async def test_encrypted_content_of_another_user_or_forged_is_refused(world: World) -> None:  # noqa: F811
    from labgate.api.responses_routes import response_store

    w = world
    sealer = response_store(w.services).reasoning
    carols = sealer.seal(w.users["carol"], "carol's private reasoning")
    aldos = sealer.seal(w.users["aldo"], "aldo's private reasoning")
    own = sealer.seal(w.users["alice"], "alice's own reasoning")
    raw = base64.urlsafe_b64decode(own.encode())
    flipped = base64.urlsafe_b64encode(raw[:-1] + bytes([raw[-1] ^ 1])).decode()
    foreign_key = base64.urlsafe_b64encode(b"../../etc/passwd\x00" + raw.partition(b"\x00")[2])
    forged: list[Any] = [
        carols,
        aldos,
        flipped,
        foreign_key.decode(),
        "not base64 at all!!",
        "A" * 100_000,
        base64.urlsafe_b64encode(b"\x00" * 40).decode(),
        base64.urlsafe_b64encode("\u00e9\u00e9\x00abc".encode()).decode(),
    ]
    for token in forged:
        r = await w.client.post(
            "/v1/responses",
            headers=_h(w, "alice", EQUAL),
            json={
                "model": "m-sec",
                "input": [
                    {"type": "reasoning", "summary": [], "encrypted_content": token},
                    {"role": "user", "content": "continue"},
                ],
            },
        )
        assert r.status_code == 400, (token[:40], r.status_code, r.text[:300])
        _sound(r)
        assert "private reasoning" not in r.text
    # her own token is accepted
    r = await w.client.post(
        "/v1/responses",
        headers=_h(w, "alice", EQUAL),
        json={
            "model": "m-sec",
            "input": [
                {"type": "reasoning", "summary": [], "encrypted_content": own},
                {"role": "user", "content": "continue"},
            ],
        },
    )
    assert r.status_code == 200, r.text


async def test_encrypted_content_of_the_wrong_type_is_a_400(world: World) -> None:  # noqa: F811
    w = world
    for token in (BIG, 12, [], {}, True, ["x"], {"a": "b"}):
        r = await w.client.post(
            "/v1/responses",
            headers=_h(w, "alice", EQUAL),
            json={
                "model": "m-sec",
                "input": [
                    {"type": "reasoning", "summary": [], "encrypted_content": token},
                    {"role": "user", "content": "continue"},
                ],
            },
        )
        assert r.status_code == 400, (token, r.status_code, r.text[:300])
        _sound(r)


RESPONSE_FIELDS = (
    "model",
    "input",
    "instructions",
    "previous_response_id",
    "max_output_tokens",
    "temperature",
    "top_p",
    "tools",
    "tool_choice",
    "text",
    "reasoning",
    "include",
    "store",
    "stream",
    "metadata",
    "parallel_tool_calls",
    "truncation",
    "user",
    "seed",
    "top_logprobs",
    "service_tier",
    "background",
    "max_tool_calls",
    "prompt",
    "conversation",
)
WRONG_VALUES: list[Any] = [
    BIG,
    -BIG,
    2**64,
    1.5e308,
    "x",
    "",
    [],
    [BIG],
    {},
    {"a": BIG},
    True,
    None,
]


@pytest.mark.parametrize("field", RESPONSE_FIELDS)
async def test_a_wrong_type_in_any_responses_field_is_never_a_500(world: World, field: str) -> None:  # noqa: F811
    w = world
    for value in WRONG_VALUES:
        body = {"model": "m-sec", "input": "hi", "max_output_tokens": 8, field: value}
        r = await w.client.post("/v1/responses", headers=_h(w, "alice", EQUAL), json=body)
        _sound(r)
        if r.status_code == 200 and r.headers.get("content-type", "").startswith("text/"):
            await r.aread()


async def test_items_of_every_shape_in_input_are_never_a_500(world: World) -> None:  # noqa: F811
    w = world
    items: list[Any] = [
        {"role": "user", "content": BIG},
        {"role": "user", "content": [{"type": "input_text", "text": BIG}]},
        {"role": "user", "content": [{"type": "input_image", "image_url": BIG}]},
        {"role": "user", "content": [{"type": "nope"}]},
        {"role": "user", "content": [BIG]},
        {"role": BIG, "content": "hi"},
        {"role": "system", "content": "hi"},
        {"role": "developer", "content": "hi"},
        {"role": "assistant", "content": "hi", "labgate_label": "SECRET//NUC"},
        {"role": "user", "content": "hi", "labgate_label": BIG},
        {"type": "function_call", "call_id": BIG, "name": BIG, "arguments": BIG},
        {"type": "function_call_output", "call_id": "c", "output": BIG},
        {"type": "item_reference", "id": "resp_" + "0" * 32},
        {"type": "message", "role": "user", "content": {"a": 1}},
        {"type": BIG},
        {},
        [],
        BIG,
        None,
        "just text",
    ]
    for item in items:
        for shape in ([item], [item, {"role": "user", "content": "hi"}]):
            r = await w.client.post(
                "/v1/responses",
                headers=_h(w, "alice", EQUAL),
                json={"model": "m-sec", "input": shape, "max_output_tokens": 8},
            )
            _sound(r)
            assert "SECRET//NUC" not in r.headers.get("x-labgate-label", ""), r.text


async def test_huge_and_deep_inputs_are_refused_cleanly(world: World) -> None:  # noqa: F811
    w = world
    deep: Any = "x"
    for _ in range(3000):
        deep = [deep]
    bodies: list[bytes] = [
        _dumps({"model": "m-sec", "input": [{"role": "user", "content": "a"}] * 50_000}),
        _dumps({"model": "m-sec", "input": "a" * 3_000_000}),
        b'{"model":"m-sec","input":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"model":"m-sec","input":"hi","max_output_tokens":' + b"9" * 5000 + b"}",
        b'{"model":"m-sec","input":"hi","metadata":{"a":' + b"9" * 400 + b"}}",
    ]
    for raw in bodies:
        r = await w.client.post(
            "/v1/responses",
            headers={**_h(w, "alice", EQUAL), "Content-Type": "application/json"},
            content=raw,
        )
        _sound(r)


@pytest.mark.parametrize("param", ["limit", "after", "before", "order", "include"])
async def test_input_items_paging_is_never_a_500(world: World, param: str) -> None:  # noqa: F811
    w = world
    rid = await _store(w, "alice")
    for value in (str(BIG), "-1", "0", "x" * 5000, "%00", "resp_x", "desc"):
        r = await w.client.get(
            f"/v1/responses/{rid}/input_items", params={param: value}, headers=_h(w, "alice")
        )
        _sound(r)


# ----------------------------------------------------------------------------- /v1/embeddings


async def test_a_hidden_model_is_a_missing_one_for_embeddings(world: World) -> None:  # noqa: F811
    w = world
    missing = await w.client.post(
        "/v1/embeddings",
        headers=_h(w, "alice", EQUAL),
        json={"model": "m-nosuch", "input": "hello"},
    )
    assert missing.status_code == 404, missing.text
    for label in (None, LOWER, EQUAL, HIGHER):
        r = await w.client.post(
            "/v1/embeddings",
            headers=_h(w, "alice", label),
            json={"model": "m-nuc", "input": "hello"},
        )
        assert r.status_code == 404 and _code(r) == _code(missing), (label, r.text)
        assert (
            r.json()["error"]["message"].replace("m-nuc", "m-nosuch")
            == (missing.json()["error"]["message"])
        )


async def test_an_embedding_above_the_callers_clearance_is_refused(world: World) -> None:  # noqa: F811
    w = world
    r = await w.client.post(
        "/v1/embeddings",
        headers=_h(w, "alice", HIGHER),
        json={"model": "m-emb", "input": "hello"},
    )
    assert r.status_code in (403, 404), r.text
    _sound(r)
    # the body's own label cannot go around the header
    r = await w.client.post(
        "/v1/embeddings",
        headers=_h(w, "alice"),
        json={"model": "m-emb", "input": "hello", "labgate_label": "TOP SECRET//NUC"},
    )
    assert r.status_code in (400, 403), r.text
    _sound(r)


EMBEDDING_INPUTS: list[Any] = [
    [[-1]],
    [[2**31]],
    [[2**63]],
    [[BIG]],
    [BIG],
    [-BIG],
    [[1.5]],
    [["a"]],
    [[]],
    [],
    "",
    [""],
    [None],
    {"a": 1},
    [[1, 2], "mixed"],
    [[0] * 200_000],
    ["a"] * 100_000,
    [[1] * 10] * 20_000,
    BIG,
    True,
]


async def test_embedding_inputs_out_of_range_are_never_a_500(world: World) -> None:  # noqa: F811
    w = world
    for value in EMBEDDING_INPUTS:
        r = await w.client.post(
            "/v1/embeddings",
            headers=_h(w, "alice", EQUAL),
            json={"model": "m-emb", "input": value},
        )
        _sound(r)


@pytest.mark.parametrize(
    "field", ["dimensions", "encoding_format", "user", "model", "truncate", "extra"]
)
async def test_embedding_fields_out_of_range_are_never_a_500(world: World, field: str) -> None:  # noqa: F811
    w = world
    for value in (0, -1, BIG, 2**31, 2**64, "x", "base64", 1.5, [], {}, None, True):
        r = await w.client.post(
            "/v1/embeddings",
            headers=_h(w, "alice", EQUAL),
            json={"model": "m-emb", "input": "hello", field: value},
        )
        _sound(r)


# ----------------------------------------------------------------------------- files, batches


def _has(w: World, prefix: str) -> bool:
    from tests.security.test_authz_matrix import app_routes

    return any(path.startswith(prefix) for _, path in app_routes(w.app))


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def _jsonl(*lines: Any) -> bytes:
    return b"\n".join(line if isinstance(line, bytes) else _dumps(line) for line in lines)


def _line(n: int, model: str = "m-sec", **body: Any) -> dict[str, Any]:
    return {
        "custom_id": f"c{n}",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": model,
            "messages": [{"role": "user", "content": f"q {n}"}],
            "max_tokens": 8,
            **body,
        },
    }


async def _upload(w: World, who: str, data: bytes, label: str | None = EQUAL) -> httpx.Response:
    return await w.client.post(
        "/v1/files",
        headers=_h(w, who, label),
        files={"file": ("in.jsonl", data, "application/jsonl")},
        data={"purpose": "batch"},
    )


async def _batch(w: World, who: str, fid: str) -> httpx.Response:
    return await w.client.post(
        "/v1/batches",
        headers=_h(w, who),
        json={"input_file_id": fid, "endpoint": "/v1/chat/completions", "completion_window": "24h"},
    )


@pytest.fixture
def batches(world: World) -> World:  # noqa: F811
    if not _has(world, "/v1/batches") or not _has(world, "/v1/files"):
        pytest.skip("no /v1/files and /v1/batches in this tree")
    return world


async def test_another_users_file_and_batch_are_missing_ones(batches: World) -> None:
    w = batches
    up = await _upload(w, "alice", _jsonl(_line(1)))
    assert up.status_code == 200, up.text
    fid = up.json()["id"]
    made = await _batch(w, "alice", fid)
    assert made.status_code == 200, made.text
    bid = made.json()["id"]
    for who in ("aldo", "carol", "hugo"):
        for method, path in (
            ("GET", f"/v1/files/{fid}"),
            ("GET", f"/v1/files/{fid}/content"),
            ("DELETE", f"/v1/files/{fid}"),
            ("GET", f"/v1/batches/{bid}"),
            ("POST", f"/v1/batches/{bid}/cancel"),
        ):
            r = await w.client.request(method, path, headers=_h(w, who))
            assert r.status_code == 404, (who, method, path, r.text)
            _sound(r)
            assert "q 1" not in r.text
        # a batch over alice's file
        r = await _batch(w, who, fid)
        assert r.status_code == 404, (who, r.text)
        listed = await w.client.get("/v1/batches", headers=_h(w, who))
        assert bid not in listed.text
        listed = await w.client.get("/v1/files", headers=_h(w, who))
        assert fid not in listed.text
    r = await w.client.get(f"/v1/batches/{bid}", headers=_h(w, "alice"))
    assert r.status_code == 200 and r.json()["status"] != "cancelling", r.text
    assert (await w.client.get(f"/v1/files/{fid}", headers=_h(w, "alice"))).status_code == 200


async def test_a_file_above_the_uploaders_clearance_is_refused(batches: World) -> None:
    w = batches
    r = await _upload(w, "alice", _jsonl(_line(1)), HIGHER)
    assert r.status_code == 403, r.text
    _sound(r)
    r = await _upload(w, "alice", _jsonl(_line(1)), "SECRET//BOGUS")
    assert r.status_code == 400, r.text
    _sound(r)


async def test_a_batch_takes_its_files_label_and_stays_with_it(batches: World) -> None:
    w = batches
    up = await _upload(w, "alice", _jsonl(_line(1)), EQUAL)
    assert up.status_code == 200 and up.json()["labgate_label"] == EQUAL, up.text
    # a lower label stated at batch creation does not lower the batch
    r = await w.client.post(
        "/v1/batches",
        headers=_h(w, "alice", LOWER),
        json={
            "input_file_id": up.json()["id"],
            "endpoint": "/v1/chat/completions",
            "completion_window": "24h",
        },
    )
    assert r.status_code in (200, 400, 403), r.text
    if r.status_code == 200:
        from labgate.batch.models import BatchJob

        async with w.services.sessions() as s:
            row = await s.get(BatchJob, r.json()["id"])
        assert row is not None and row.label == EQUAL


MALFORMED: list[bytes] = [
    b"not json",
    b"[]",
    b'"x"',
    b"\xff\xfe\x00",
    b'{"custom_id": 1, "method": "POST", "url": "/v1/chat/completions", "body": {}}',
    _dumps({**_line(1), "method": "GET"}),
    _dumps({**_line(1), "url": "/v1/admin/users"}),
    _dumps({**_line(1), "url": "/internal/workers/register"}),
    _dumps({**_line(1), "url": "/v1/chat/completions/../admin/labs"}),
    _dumps({**_line(1), "url": BIG}),
    _dumps({**_line(1), "body": BIG}),
    _dumps({**_line(1), "body": "x"}),
    _dumps(_line(1, stream=True)),
    _dumps(_line(1, seed=BIG)),
    _dumps(_line(1, max_tokens=BIG)),
    _dumps(_line(1, chat_template="{{ evil }}")),
    b'{"custom_id":"d","method":"POST","url":"/v1/chat/completions","body":'
    + b"[" * 50_000
    + b"]" * 50_000
    + b"}",
    _dumps({**_line(1), "custom_id": "x" * 1_000_000}),
]


async def test_malformed_batch_lines_are_a_400(batches: World) -> None:
    w = batches
    accepted = []
    for n, bad_line in enumerate(MALFORMED):
        r = await _upload(w, "alice", _jsonl(_line(0), bad_line))
        _sound(r)
        if r.status_code not in (400, 413):
            accepted.append((n, bad_line[:200], r.status_code))
    assert not accepted, accepted
    r = await _upload(w, "alice", _jsonl(_line(1), _line(1)))
    assert r.status_code == 400, r.text  # custom_id repeats


async def test_files_and_batches_with_wrong_fields_are_never_a_500(batches: World) -> None:
    w = batches
    for data in ({"purpose": "assistants"}, {"purpose": BIG}, {}):
        r = await w.client.post(
            "/v1/files",
            headers=_h(w, "alice", EQUAL),
            files={"file": ("in.jsonl", _jsonl(_line(1)), "application/jsonl")},
            data={k: str(v) for k, v in data.items()},
        )
        assert r.status_code == 400, r.text
        _sound(r)
    for raw in (b"{}", b"not json", b"[]", b'{"input_file_id": 1}'):
        r = await w.client.post(
            "/v1/files",
            headers={**_h(w, "alice", EQUAL), "Content-Type": "application/json"},
            content=raw,
        )
        _sound(r)
    up = await _upload(w, "alice", _jsonl(_line(1)))
    fid = up.json()["id"]
    for body in (
        {"input_file_id": fid, "endpoint": "/v1/admin/users", "completion_window": "24h"},
        {"input_file_id": fid, "endpoint": "/v1/embeddings", "completion_window": "24h"},
        {"input_file_id": fid, "endpoint": "/v1/chat/completions", "completion_window": "9999h"},
        {"input_file_id": "x" * 5000, "endpoint": "/v1/chat/completions", "completion_window": 1},
        {"input_file_id": BIG, "endpoint": BIG, "completion_window": BIG},
        {
            "input_file_id": fid,
            "endpoint": "/v1/chat/completions",
            "completion_window": "24h",
            "metadata": {"a": BIG},
        },
        {"input_file_id": fid},
        [],
    ):
        r = await w.client.post("/v1/batches", headers=_h(w, "alice"), json=body)
        assert r.status_code in (400, 404, 422), (body, r.text)
        _sound(r)
    for path in ("/v1/batches", "/v1/files"):
        for params in ({"limit": str(BIG)}, {"limit": "-1"}, {"after": "x" * 5000}):
            r = await w.client.get(path, params=params, headers=_h(w, "alice"))
            _sound(r)


async def _finished(w: World, who: str, bid: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for _ in range(400):
        r = await w.client.get(f"/v1/batches/{bid}", headers=_h(w, who))
        body = r.json()
        if body.get("status") in ("completed", "failed", "expired", "cancelled"):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"batch {bid} did not finish: {body}")


async def test_a_batch_naming_a_hidden_model_gets_no_answer(batches: World) -> None:
    w = batches
    up = await _upload(w, "alice", _jsonl(_line(1, model="m-nuc"), _line(2)), EQUAL)
    assert up.status_code in (200, 404), up.text
    if up.status_code == 404:
        return  # refused at upload: as good
    made = await _batch(w, "alice", up.json()["id"])
    assert made.status_code in (200, 404), made.text
    if made.status_code == 404:
        return
    done = await _finished(w, "alice", made.json()["id"])
    out = done.get("output_file_id")
    results = {}
    for fid in (out, done.get("error_file_id")):
        if fid:
            r = await w.client.get(f"/v1/files/{fid}/content", headers=_h(w, "alice"))
            assert r.status_code == 200, r.text
            for line in r.text.splitlines():
                item = orjson.loads(line)
                results[item["custom_id"]] = item
    assert results["c1"]["response"]["status_code"] == 404, results["c1"]
    assert results["c2"]["response"]["status_code"] == 200, results["c2"]


# ----------------------------------------------------------------------------- safety reports


async def test_reporting_someone_elses_or_a_made_up_request_files_nothing(world: World) -> None:  # noqa: F811
    from sqlalchemy import func, select

    from labgate.safety.models import SafetyFlag

    w = world
    async with w.services.sessions() as s:
        before = (await s.execute(select(func.count(SafetyFlag.id)))).scalar_one()
    # carol's and hugo's requests (the matrix's records), made-up ids and wrong types
    ids: list[Any] = []
    for slot in ("other", "higher"):
        data = orjson.loads((await w.services.audit.get_record(w.records[slot])).data)
        ids.append(data["request_id"])
    ids += ["req-" + uuid.uuid4().hex, "x" * 100_000, "%00", BIG, [], {}, None, True]
    for rid in ids:
        r = await w.client.post(
            "/v1/safety/reports",
            headers=_h(w, "alice"),
            json={"request_id": rid, "reason": "this is wrong"},
        )
        assert r.status_code in (400, 403, 404, 413, 422), (str(rid)[:40], r.text[:300])
        _sound(r)
        assert "m-nuc" not in r.text and "lab-beta" not in r.text
    async with w.services.sessions() as s:
        after = (await s.execute(select(func.count(SafetyFlag.id)))).scalar_one()
    assert after == before


# ----------------------------------------------------------------------------- approvals


async def test_nobody_approves_their_own_request(world: World) -> None:  # noqa: F811
    w = world
    # pat (platform admin) asks for a clearance for aldo, then tries to approve it himself
    r = await w.client.patch(
        f"/v1/admin/users/{w.users['aldo']}",
        headers=_h(w, "pat"),
        json={"clearance": "TOP SECRET"},
    )
    assert r.status_code == 202, r.text
    body = r.json()
    action = (body.get("pending_grant") or body.get("pending") or body).get("id")
    assert action, body
    r = await w.client.post(f"/v1/admin/approvals/{action}/approve", headers=_h(w, "pat"))
    assert r.status_code == 403, r.text
    _sound(r)
    # and the subject of the request may not approve it either (aldo is no platform admin;
    # alice neither): nobody but a second platform admin
    for who in ("aldo", "alice", "olga", "audrey", "apollo"):
        r = await w.client.post(f"/v1/admin/approvals/{action}/approve", headers=_h(w, who))
        assert r.status_code in (403, 404), (who, r.text)
    row = await w.user_row(w.users["aldo"])
    assert row.clearance == "SECRET"
    # hostile ids
    for bad_id in ("9" * 40, "-1", "x" * 5000, "%00"):
        r = await w.client.post(f"/v1/admin/approvals/{bad_id}/approve", headers=_h(w, "pia"))
        _sound(r)
    await w.client.post(
        f"/v1/admin/approvals/{action}/reject", headers=_h(w, "pia"), json={"reason": "test"}
    )


async def test_an_approver_made_by_the_requester_is_not_the_second_person(world: World) -> None:  # noqa: F811
    """pat creates a platform admin (pia approves the grant), then asks for a clearance: the
    account pat made may not be pat's second person."""
    w = world
    r = await w.client.post(
        "/v1/admin/users",
        headers=_h(w, "pat"),
        json={"lab_id": OWN_LAB, "username": "deputy-" + uuid.uuid4().hex[:6]},
    )
    assert r.status_code in (200, 201), r.text
    deputy = r.json()["id"]
    r = await w.client.patch(
        f"/v1/admin/users/{deputy}", headers=_h(w, "pat"), json={"roles": ["platform_admin"]}
    )
    assert r.status_code == 202, r.text
    grant = (r.json().get("pending_grant") or r.json()).get("id")
    r = await w.client.post(f"/v1/admin/approvals/{grant}/approve", headers=_h(w, "pia"))
    assert r.status_code == 200, r.text
    key, _ = await w.services.keys.create(deputy, None, name="deputy")
    r = await w.client.patch(
        f"/v1/admin/users/{w.users['bob']}", headers=_h(w, "pat"), json={"clearance": "SECRET"}
    )
    assert r.status_code == 202, r.text
    action = (r.json().get("pending_grant") or r.json()).get("id")
    r = await w.client.post(
        f"/v1/admin/approvals/{action}/approve", headers={"Authorization": f"Bearer {key}"}
    )
    assert r.status_code == 403, r.text
    assert (await w.user_row(w.users["bob"])).clearance == "CUI"


# ----------------------------------------------------------------------------- model registry


async def test_a_model_version_needs_two_approvers_neither_the_submitter(world: World) -> None:  # noqa: F811
    from labgate.approval.wiring import model_registry
    from tests.security.test_authz_matrix import _GOOD_METRICS

    w = world
    registry = model_registry(w.services)
    # a platform admin who also holds the approver role submits the version
    both = await w.new_user(OWN_LAB, ["user", "platform_admin", "approver"], "SECRET")
    await w.add_member("PRJ-ALPHA", both)
    both_key, _ = await w.new_key(both, "PRJ-ALPHA")
    submitter = Principal(
        both,
        lab=OWN_LAB,
        project="PRJ-ALPHA",
        roles=frozenset({Role.USER, Role.PLATFORM_ADMIN, Role.APPROVER}),
        clearance="SECRET",
    )
    view = await registry.submit(
        submitter,
        name="m-sec",
        version="rt-" + uuid.uuid4().hex[:6],
        source="/m",
        engine="vllm",
        weights_digest=uuid.uuid4().hex * 2,
    )
    vid = view["id"]
    await registry.save_evaluation(
        _TOP_ADMIN,
        vid,
        evaluation_id=None,
        suites={},
        seed=0,
        settings={},
        items={},
        metrics=_GOOD_METRICS,
        finished=True,
    )
    sign = {"deployment": w.services.settings.approval.deployment, "reason": "looks fine"}
    # the submitter signs off: refused
    r = await w.client.post(
        f"/v1/admin/models/{vid}/approve",
        headers={"Authorization": f"Bearer {both_key}"},
        json=sign,
    )
    assert r.status_code == 403, r.text
    _sound(r)
    # a second approver, made now (as a second platform admin would grant it), signs once:
    # pending; signing again alone never approves
    uid = await w.new_user(OWN_LAB, ["user", "approver"], "SECRET")
    await w.add_member("PRJ-ALPHA", uid)
    key, _ = await w.new_key(uid, "PRJ-ALPHA")
    h = {"Authorization": f"Bearer {key}"}
    r = await w.client.post(f"/v1/admin/models/{vid}/approve", headers=h, json=sign)
    assert r.status_code == 202, r.text
    r = await w.client.post(f"/v1/admin/models/{vid}/approve", headers=h, json=sign)
    assert r.status_code in (403, 409), r.text
    pending = [
        p.get("id")
        for p in (await w.client.get("/v1/admin/approvals", headers=_h(w, "pat")))
        .json()
        .get("data", [])
        if p.get("action") == "model.approve"
    ]
    for action in pending:
        for who in ("pat", "pia", "apollo"):
            r = await w.client.post(f"/v1/admin/approvals/{action}/approve", headers=_h(w, who))
            assert r.status_code in (400, 403, 404, 409), (who, r.text)
    shown = await registry.show(vid)
    assert shown["status"] != "approved", shown


# ----------------------------------------------------------------------------- web sign-in


@pytest.fixture
async def signin_app(
    make_settings: Callable[..., Any], fake_worker: Any
) -> AsyncIterator[tuple[str, Any, Any]]:
    from labgate.app import create_app
    from tests.identity.issuer import LoopbackIssuer
    from tests.support.servers import serve_app

    async with LoopbackIssuer() as idp:
        settings = make_settings(
            [{"name": "fake", "workers": [fake_worker.base_url]}],
            oidc={"issuers": [idp.config("default", provisioning="auto", allow_http=True)]},
        )
        app = create_app(settings)
        async with serve_app(app) as url:
            yield url, app, idp


async def _callback_url(c: httpx.AsyncClient, extra: dict[str, str] | None = None) -> str:
    go = await c.get("/web/signin/0", params=extra or {})
    assert go.status_code == 302, go.text
    back = await c.get(go.headers["location"])  # the issuer signs alice in
    assert back.status_code == 302, back.text
    return str(back.headers["location"])


async def _signed_in(url: str) -> tuple[httpx.AsyncClient, str]:
    c = httpx.AsyncClient(base_url=url, follow_redirects=False)
    done = await c.get(await _callback_url(c))
    assert done.status_code == 303, done.text
    me = (await c.get("/web/session")).json()
    return c, me["csrf_token"]


async def test_a_callback_completes_only_in_the_browser_that_started_it(
    signin_app: tuple[str, Any, Any],
) -> None:
    url, _, _ = signin_app
    async with httpx.AsyncClient(base_url=url, follow_redirects=False) as attacker:
        link = await _callback_url(attacker)
    async with httpx.AsyncClient(base_url=url, follow_redirects=False) as victim:
        r = await victim.get(link)
        assert r.status_code == 400, r.text
        assert "labgate_session" not in r.headers.get("set-cookie", "")


async def test_a_session_id_set_before_sign_in_is_not_kept(
    signin_app: tuple[str, Any, Any],
) -> None:
    url, _, _ = signin_app
    async with httpx.AsyncClient(base_url=url, follow_redirects=False) as c:
        c.cookies.set("labgate_session", "fixed-by-the-attacker")
        done = await c.get(await _callback_url(c))
        assert done.status_code == 303
        assert "fixed-by-the-attacker" not in done.headers["set-cookie"]
    async with httpx.AsyncClient(base_url=url) as attacker:
        attacker.cookies.set("labgate_session", "fixed-by-the-attacker")
        assert (await attacker.get("/web/session")).json() == {"signed_in": False}
        assert (await attacker.get("/v1/models")).status_code == 401


async def test_no_redirect_parameter_leaves_the_site(signin_app: tuple[str, Any, Any]) -> None:
    url, _, idp = signin_app
    evil = "https://evil.test/steal"
    params = {
        "next": evil,
        "redirect_uri": evil,
        "return_to": evil,
        "redirect": evil,
        "url": evil,
        "continue": evil,
    }
    async with httpx.AsyncClient(base_url=url, follow_redirects=False) as c:
        go = await c.get("/web/signin/0", params=params)
        target = httpx.URL(go.headers["location"])
        assert str(target).startswith(idp.issuer)
        assert dict(target.params)["redirect_uri"] == url + "/web/callback"
        assert "evil" not in str(target)
        back = await c.get(str(target))
        link = httpx.URL(back.headers["location"]).copy_merge_params(params)
        done = await c.get(str(link))
        assert done.status_code == 303 and done.headers["location"] == "/", done.headers


async def test_a_host_header_does_not_move_the_callback(
    signin_app: tuple[str, Any, Any],
) -> None:
    url, _, _ = signin_app
    async with httpx.AsyncClient(base_url=url, follow_redirects=False) as c:
        go = await c.get("/web/signin/0", headers={"Host": "evil.test"})
        assert go.status_code in (302, 400, 404)
        if go.status_code == 302:
            redirect_uri = dict(httpx.URL(go.headers["location"]).params)["redirect_uri"]
            assert "evil.test" not in redirect_uri, redirect_uri


async def test_the_key_not_the_cookie_decides_who_asks(signin_app: tuple[str, Any, Any]) -> None:
    url, app, _ = signin_app
    admin_key = app.state.services.bootstrap.admin_key
    c, csrf = await _signed_in(url)
    async with aclosing(c):
        mine = await c.get("/v1/admin/whoami")
        with_key = await c.get("/v1/admin/whoami", headers={"Authorization": f"Bearer {admin_key}"})
        assert with_key.status_code == 200, with_key.text
        assert mine.status_code in (200, 400, 401, 403)
        if mine.status_code == 200:
            assert mine.json() != with_key.json()
        # a forged or revoked key next to a good cookie is refused, not upgraded to the cookie
        r = await c.get("/v1/admin/whoami", headers={"Authorization": "Bearer lg-00000000-x"})
        assert r.status_code == 401, r.text
        r = await c.post(
            "/v1/chat/completions",
            headers={"Authorization": "Bearer nope", "X-CSRF-Token": csrf},
            json={"model": "fake", "messages": [{"role": "user", "content": "hi"}]},
        )
        assert r.status_code == 401, r.text


async def test_changes_by_cookie_need_the_csrf_token(signin_app: tuple[str, Any, Any]) -> None:
    url, _, _ = signin_app
    c, csrf = await _signed_in(url)
    async with aclosing(c):
        for method, path in (
            ("POST", "/v1/responses"),
            ("DELETE", "/v1/responses/resp_x"),
            ("POST", "/v1/embeddings"),
            ("POST", "/v1/safety/reports"),
            ("POST", "/v1/admin/keys"),
            ("POST", "/web/signout"),
            ("PUT", "/v1/responses/resp_x"),
            ("PATCH", "/v1/admin/users/x"),
        ):
            for headers in (
                {},
                {"X-CSRF-Token": ""},
                {"X-CSRF-Token": csrf[:-1]},
                {"X-CSRF-Token": csrf, "Origin": "null"},
                {"X-CSRF-Token": csrf, "Origin": "http://evil.test"},
            ):
                r = await c.request(method, path, headers=headers, json={})
                assert r.status_code == 403, (method, path, headers, r.text)
                assert _code(r) == "csrf_failed"
        # still signed in: none of the above signed her out
        assert (await c.get("/web/session")).json()["signed_in"]


async def test_a_non_ascii_csrf_token_is_a_403(signin_app: tuple[str, Any, Any]) -> None:
    url, _, _ = signin_app
    c, _csrf = await _signed_in(url)
    async with aclosing(c):
        r = await c.post("/web/signout", headers={"X-CSRF-Token": b"\xe9t\xe9"})
        assert r.status_code == 403, r.status_code


async def test_a_batch_stops_when_its_creators_key_and_clearance_go(batches: World) -> None:
    """The batch is written as POST /v1/batches writes it, then its creator's key is revoked and
    clearance lowered before the runner takes an item (deterministic: the row is inserted after
    the revocation, with the principal the creation would have frozen)."""

    from sqlalchemy import update

    from labgate.batch.batches import _principal_json
    from labgate.store.tenancy import User

    w = batches
    uid = await w.new_user(OWN_LAB, ["user"], "SECRET")
    await w.add_member("PRJ-ALPHA", uid)
    key, key_id = await w.new_key(uid, "PRJ-ALPHA")
    h = {"Authorization": f"Bearer {key}", "X-Labgate-Label": EQUAL}
    up = await w.client.post(
        "/v1/files",
        headers=h,
        files={"file": ("in.jsonl", _jsonl(_line(1)), "application/jsonl")},
        data={"purpose": "batch"},
    )
    assert up.status_code == 200, up.text
    principal = Principal(
        uid,
        lab=OWN_LAB,
        project="PRJ-ALPHA",
        roles=frozenset({Role.USER}),
        clearance="SECRET",
        key_id=key_id,
        auth_method="api_key",
    )
    frozen = _principal_json(principal)
    await w.services.keys.revoke(key_id)
    async with w.services.sessions.begin() as s:
        await s.execute(update(User).where(User.id == uid).values(clearance="UNCLASSIFIED"))
    w.services.auth.invalidate_all()
    assert (await w.client.get("/v1/models", headers=h)).status_code == 401
    ok = await run_frozen_item(w, uid, frozen, up.json()["id"])
    assert ok == 0, "a revoked key's batch item was answered at SECRET"


async def run_frozen_item(w: World, uid: str, frozen: str, file_id: str) -> int | None:
    """Put a one-item batch straight into the store as ``POST /v1/batches`` would leave it,
    with ``frozen`` as its principal, wake the runner and wait for the item: its ``ok``."""
    from datetime import UTC, datetime, timedelta

    from labgate.batch.models import BatchItem, BatchJob

    now = datetime.now(UTC)
    bid = "batch_" + uuid.uuid4().hex
    async with w.services.sessions.begin() as s:
        s.add(
            BatchJob(
                id=bid,
                owner=uid,
                project="PRJ-ALPHA",
                label=EQUAL,
                principal_json=frozen,
                endpoint="/v1/chat/completions",
                input_file_id=file_id,
                completion_window="24h",
                metadata_json=None,
                status="in_progress",
                total=1,
                created_at=now,
                expires_at=now + timedelta(hours=24),
                times_json=orjson.dumps({"in_progress_at": int(now.timestamp())}).decode(),
            )
        )
        await s.flush()
        s.add(BatchItem(batch_id=bid, line=0, status="pending", attempts=0))
    runner = w.services.extras.get("batch_runner")
    if runner is not None:
        runner.wake()
    for _ in range(400):
        async with w.services.sessions() as s:
            item = await s.get(BatchItem, (bid, 0))
            done = item is not None and item.status == "done"
            ok = item.ok if item is not None else None
        if done:
            break
        await asyncio.sleep(0.05)
    assert done, "the item never ran"
    return ok
