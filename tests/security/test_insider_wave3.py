"""Insider attacks on wave 3 (batch lines for embeddings/responses, streamed chunked uploads,
database web sessions, the console's read routes): an ordinary key or session, malformed
uploads that must be a 4xx in OpenAI's shape, lines the upload accepts but the runner could
not read."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
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


# ------------------------------------------------------------- labels through batch items

from tests.security.test_new_surfaces import (  # noqa: E402
    EQUAL,
    LOWER,
    World,
    _h,
    _sound,
    _store,
    world,  # noqa: F401
)


async def _run_batch(w: World, who: str, lines: list[Any], label: str, endpoint: str) -> Any:
    import asyncio

    data = b"".join(json.dumps(x).encode() + b"\n" for x in lines)
    up = await w.client.post(
        "/v1/files",
        headers=_h(w, who, label),
        files={"file": ("in.jsonl", data, "application/jsonl")},
        data={"purpose": "batch"},
    )
    assert up.status_code == 200, up.text
    made = await w.client.post(
        "/v1/batches",
        headers=_h(w, who),
        json={"input_file_id": up.json()["id"], "endpoint": endpoint, "completion_window": "24h"},
    )
    _sound(made)
    assert made.status_code == 200, made.text
    bid = made.json()["id"]
    for _ in range(600):
        r = await w.client.get(f"/v1/batches/{bid}", headers=_h(w, who))
        batch = r.json()
        if batch["status"] in ("completed", "failed", "expired", "cancelled"):
            break
        await asyncio.sleep(0.05)
    assert batch["status"] == "completed", batch
    out: dict[str, Any] = {}
    for key in ("output_file_id", "error_file_id"):
        if batch.get(key):
            r = await w.client.get(f"/v1/files/{batch[key]}/content", headers=_h(w, who))
            assert r.status_code == 200, r.text
            assert r.headers.get("x-labgate-label") == label, (key, r.headers)
            for raw in r.content.splitlines():
                item = orjson.loads(raw)
                out[item["custom_id"]] = item
    return out


def _status(item: dict[str, Any]) -> int:
    return int(item["response"]["status_code"]) if item.get("response") else 0


async def test_a_responses_line_cannot_write_a_higher_chain_down(world: World) -> None:  # noqa: F811
    """alice's SECRET response continued by a line of her UNCLASSIFIED batch: the item is
    refused (write-down), so no SECRET context reaches an UNCLASSIFIED output file; aldo's
    response (same lab) is not hers: a missing one."""
    w = world
    secret = await _store(w, "alice", EQUAL, text="the secret yield table")
    nuc = await _store(w, "aldo", EQUAL, text="aldo's notes")

    def line(cid: str, prev: str, **extra: Any) -> dict[str, Any]:
        body = {"model": "m-sec", "input": "go on", "previous_response_id": prev, **extra}
        return {"custom_id": cid, "method": "POST", "url": "/v1/responses", "body": body}

    out = await _run_batch(
        w,
        "alice",
        [line("chain", secret), line("other", nuc), line("stated", secret, labgate_label=LOWER)],
        LOWER,
        "/v1/responses",
    )
    assert set(out) == {"chain", "other", "stated"}
    for cid in ("chain", "stated"):
        assert _status(out[cid]) == 403, out[cid]
    assert _status(out["other"]) == 404, out["other"]
    assert "yield table" not in orjson.dumps(out).decode()


async def test_a_chat_line_cannot_state_a_label_other_than_its_files(world: World) -> None:  # noqa: F811
    """A line's own labgate_label (body or a message's) against the file's: lower or higher
    is refused, never answered at the line's label."""
    w = world

    def line(cid: str, body_label: str | None = None, msg_label: str | None = None) -> Any:
        msg: dict[str, Any] = {"role": "user", "content": "q"}
        if msg_label:
            msg["labgate_label"] = msg_label
        body: dict[str, Any] = {"model": "m-sec", "messages": [msg], "max_tokens": 8}
        if body_label:
            body["labgate_label"] = body_label
        return {"custom_id": cid, "method": "POST", "url": "/v1/chat/completions", "body": body}

    out = await _run_batch(
        w,
        "alice",
        [line("ok"), line("body-lower", body_label=LOWER), line("msg-higher", msg_label=EQUAL)],
        LOWER,
        "/v1/chat/completions",
    )
    assert _status(out["ok"]) == 200, out["ok"]
    for cid in ("body-lower",):
        # the same label stated twice is fine; only a different one is refused
        assert _status(out[cid]) in (200, 400, 403), out[cid]
    assert _status(out["msg-higher"]) == 403, out["msg-higher"]
    out = await _run_batch(
        w, "alice", [line("body-higher", body_label=EQUAL)], LOWER, "/v1/chat/completions"
    )
    assert _status(out["body-higher"]) in (400, 403), out["body-higher"]
    out = await _run_batch(
        w, "alice", [line("body-lower", body_label=LOWER)], EQUAL, "/v1/chat/completions"
    )
    assert _status(out["body-lower"]) in (400, 403), out["body-lower"]


# ------------------------------------------------------------------------- web sessions

from tests.web.test_session_store import _me, _sign_in, idp, port, settings_for  # noqa: E402,F401


async def test_a_session_does_not_come_back_when_its_account_is_enabled_again(
    settings_for: Callable[[], Any],  # noqa: F811
    port: int,  # noqa: F811
) -> None:
    """An account is disabled (a stolen browser, a departure) and enabled again before that
    browser's next request: the old session must stay dead. Its sessions were deleted only
    when next seen disabled, so one not used meanwhile came back with the account."""
    from sqlalchemy import select

    from labgate.app import create_app
    from labgate.store.tenancy import User
    from tests.support.servers import serve_app

    app = create_app(settings_for())
    async with serve_app(app, port) as url:
        sid = await _sign_in(url, url)
        assert (await _me(url, sid))["signed_in"]
        async with app.state.services.sessions() as db:
            alice = (
                await db.execute(select(User.id).where(User.oidc_subject == "alice-sub"))
            ).scalar_one()
        admin = {"Authorization": f"Bearer {app.state.services.bootstrap.admin_key}"}
        async with httpx.AsyncClient(base_url=url, headers=admin) as c:
            for disabled in (True, False):
                r = await c.patch(f"/v1/admin/users/{alice}", json={"disabled": disabled})
                assert r.status_code == 200, r.text
        assert await _me(url, sid) == {"signed_in": False}
        async with httpx.AsyncClient(base_url=url, cookies={"labgate_session": sid}) as c:
            assert (await c.get("/v1/models")).status_code == 401
        # she signs in again: a new session works
        assert (await _me(url, await _sign_in(url, url)))["signed_in"]


# ------------------------------------------------------------------------- model cards


def test_a_card_with_an_infinite_or_nan_metric_still_renders() -> None:
    """A stored evaluation's metric may be 1e400 (JSON the route's parser reads as inf) or
    NaN: the card, opened from the chat page by every user of the model, must still render
    (it was a ValueError, a 500), and such a value draws no bar."""
    from labgate.approval.card import _bars

    svg = _bars("Accuracy by domain", {"a": float("inf"), "b": float("nan"), "c": 0.5})
    assert "<svg" in svg and ">c<" in svg and ">a<" not in svg and ">b<" not in svg
    assert _bars("t", {"a": float("-inf")}) == ""


async def test_an_evaluation_with_a_non_finite_metric_is_a_400(
    env: dict[str, Any],  # noqa: F811
) -> None:
    """1e400 would be stored as inf: it meets every >= threshold of the card."""
    h = {"Authorization": f"Bearer {env['services'].bootstrap.admin_key}"}
    async with httpx.AsyncClient(base_url=env["url"], headers=h) as c:
        for literal in (b"1e400", b"-1e400", b"NaN", b"Infinity"):
            body = b'{"metrics": {"science": {"accuracy": ' + literal + b'}}, "finished": true}'
            r = await c.post(
                "/v1/admin/models/mv_nope/evaluations",
                content=body,
                headers={"Content-Type": "application/json"},
            )
            _openai_error(r, 400)
        ok = await c.post("/v1/admin/models/mv_nope/evaluations", json={"metrics": {"a": 1.0}})
        assert ok.status_code == 404, ok.text  # a good body reaches the (unknown) version


# ------------------------------------------------- every line the upload takes, the runner ends


async def test_every_line_the_upload_accepts_ends_as_an_output_or_error_line(
    world: World,  # noqa: F811
) -> None:
    """Odd but accepted bodies for /v1/responses and /v1/embeddings: each line is uploaded
    alone (the ones the upload refuses are a 400 and dropped), the accepted ones run as one
    batch per endpoint, which must complete with one line per custom_id: an item whose run
    raised something other than an API error was left to its lease and claimed again, forever."""
    from tests.security.test_new_surfaces import EMBEDDING_INPUTS, RESPONSE_FIELDS, WRONG_VALUES

    w = world
    bodies: dict[str, list[dict[str, Any]]] = {"/v1/responses": [], "/v1/embeddings": []}
    for field in RESPONSE_FIELDS:
        for value in WRONG_VALUES[:8]:
            bodies["/v1/responses"].append(
                {"model": "m-sec", "input": "hi", "max_output_tokens": 8, field: value}
            )
    for value in [*EMBEDDING_INPUTS, "hello", ["a", "b"], [1, 2, 3], [[1, 2], [3]], " "]:
        if len(json.dumps(value)) < 100_000:
            bodies["/v1/embeddings"].append({"model": "m-emb", "input": value})
    for field in ("dimensions", "encoding_format", "user", "extra"):
        for value in (0, -1, 2**31, "x", "base64", 1.5, [], {}, None, True):
            bodies["/v1/embeddings"].append({"model": "m-emb", "input": "hi", field: value})
    for endpoint, candidates in bodies.items():
        accepted = []
        for i, body in enumerate(candidates):
            line = {"custom_id": f"c{i}", "method": "POST", "url": endpoint, "body": body}
            up = await w.client.post(
                "/v1/files",
                headers=_h(w, "alice", EQUAL),
                files={"file": ("in.jsonl", json.dumps(line).encode(), "application/jsonl")},
                data={"purpose": "batch"},
            )
            _sound(up)
            if up.status_code == 200:
                accepted.append(line)
        assert accepted, endpoint
        out = await _run_batch(w, "alice", accepted, EQUAL, endpoint)
        assert set(out) == {x["custom_id"] for x in accepted}, endpoint
        for item in out.values():
            assert _status(item) < 500 or item["response"]["status_code"] == 503, item


async def test_a_secret_answer_pasted_into_a_lower_batch_line_is_refused(
    world: World,  # noqa: F811
) -> None:
    """alice's SECRET answer, pasted back in a line of her UNCLASSIFIED batch (a chat user
    turn, a Responses input, an embeddings input): each item inherits SECRET from the recorded
    answer and is refused, so the answer (or its vector) is not written down into an
    UNCLASSIFIED output file."""
    import asyncio

    w = world
    r = await w.client.post(
        "/v1/chat/completions",
        headers=_h(w, "alice", EQUAL),
        json={
            "model": "m-sec",
            "messages": [{"role": "user", "content": "the secret yield table, please"}],
            "max_tokens": 16,
        },
    )
    assert r.status_code == 200, r.text
    answer = r.json()["choices"][0]["message"]["content"]
    assert answer.strip()
    await asyncio.sleep(1.0)  # the recorded answers ride on the usage writes (half a second)
    chat = {
        "custom_id": "chat",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "m-sec", "messages": [{"role": "user", "content": answer}]},
    }
    out = await _run_batch(w, "alice", [chat], LOWER, "/v1/chat/completions")
    assert _status(out["chat"]) == 403, out["chat"]
    resp = {
        "custom_id": "resp",
        "method": "POST",
        "url": "/v1/responses",
        "body": {"model": "m-sec", "input": answer, "max_output_tokens": 8},
    }
    out = await _run_batch(w, "alice", [resp], LOWER, "/v1/responses")
    assert _status(out["resp"]) == 403, out["resp"]
    emb = {
        "custom_id": "emb",
        "method": "POST",
        "url": "/v1/embeddings",
        "body": {"model": "m-emb", "input": [answer]},
    }
    out = await _run_batch(w, "alice", [emb], LOWER, "/v1/embeddings")
    assert _status(out["emb"]) == 403, out["emb"]


async def test_every_change_by_cookie_needs_the_csrf_token(
    settings_for: Callable[[], Any],  # noqa: F811
    port: int,  # noqa: F811
) -> None:
    """Every state-changing route the app answers (the new console, batch, file, registry and
    sign-out routes included), reached with a live session cookie and no CSRF token, or with
    the token from another origin: 403 csrf_failed before the route runs."""
    import re

    from labgate.app import create_app
    from tests.security.test_authz_matrix import app_routes
    from tests.support.servers import serve_app

    app = create_app(settings_for())
    async with serve_app(app, port) as url:
        sid = await _sign_in(url, url)
        token = (await _me(url, sid))["csrf_token"]
        changes = sorted(
            (m, re.sub(r"\{[^}]+\}", "x", p))
            for m, p in app_routes(app)
            if m not in ("GET", "HEAD", "OPTIONS")
        )
        assert len(changes) > 30 and ("POST", "/v1/batches/x/cancel") in changes
        async with httpx.AsyncClient(base_url=url, cookies={"labgate_session": sid}) as c:
            for method, path in changes:
                for headers in ({}, {"X-CSRF-Token": token, "Origin": "https://evil.example"}):
                    r = await c.request(method, path, headers=headers, json={})
                    assert r.status_code == 403, (method, path, headers, r.status_code, r.text)
                    assert r.json()["error"]["code"] == "csrf_failed", (method, path)
        assert (await _me(url, sid))["signed_in"]  # not signed out by a forged POST either


async def test_a_file_kept_before_the_line_check_is_a_400_not_a_500(
    env: dict[str, Any],  # noqa: F811
) -> None:
    """A file with a NaN line kept before the upload refused them: creating a batch from it
    is a 400 naming the file, not the 500 of the url scan's parser."""
    from labgate.batch.sealed import new_file
    from labgate.store.tenancy import ApiKey

    services = env["services"]
    client: AsyncOpenAI = env["client"]
    async with services.sessions() as s:
        from sqlalchemy import select

        owner = (await s.execute(select(ApiKey.user_id).limit(1))).scalar_one()
    line = orjson.dumps(_line("a", "hi")).replace(b'"model":"fake"', b'"model":"fake","x":NaN')
    row = new_file(services, owner, None, None, "batch", "old.jsonl", line + b"\n", 1)
    async with services.sessions.begin() as s:
        s.add(row)
    with pytest.raises(openai.BadRequestError) as caught:
        await client.batches.create(
            input_file_id=row.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    assert caught.value.code == "invalid_batch_file"


async def test_a_batch_stops_charging_a_project_its_creator_has_left(
    world: World,  # noqa: F811
) -> None:
    """A batch created by a signed-in (OIDC) user charges the project they named; they are then
    removed from it. Their project-bound keys are revoked by the removal, but a session has no
    key: the runner rebuilt the principal with the frozen project and ran the remaining items
    on that project's allocation and model allowances."""

    from sqlalchemy import delete

    from labgate.batch.batches import _principal_json
    from labgate.identity.principal import Principal, Role
    from labgate.store.tenancy import ProjectMember
    from tests.security.test_new_surfaces import OWN_LAB, run_frozen_item

    w = world
    uid = await w.new_user(OWN_LAB, ["user"], "SECRET")
    await w.add_member("PRJ-ALPHA", uid)
    key, _ = await w.new_key(uid, "PRJ-ALPHA")
    up = await w.client.post(
        "/v1/files",
        headers={"Authorization": f"Bearer {key}", "X-Labgate-Label": EQUAL},
        files={"file": ("in.jsonl", _jsonl([_chat_line("c1")]), "application/jsonl")},
        data={"purpose": "batch"},
    )
    assert up.status_code == 200, up.text
    # the principal POST /v1/batches freezes for a session: OIDC, no key, the named project
    frozen = _principal_json(
        Principal(
            uid,
            lab=OWN_LAB,
            project="PRJ-ALPHA",
            roles=frozenset({Role.USER}),
            clearance="SECRET",
            key_id=None,
            auth_method="oidc",
        )
    )
    async with w.services.sessions.begin() as s:
        await s.execute(
            delete(ProjectMember).where(
                ProjectMember.project_id == "PRJ-ALPHA", ProjectMember.user_id == uid
            )
        )
    ok = await run_frozen_item(w, uid, frozen, up.json()["id"])
    assert ok == 0, "an item ran on the allocation of a project its creator has left"


def _chat_line(cid: str) -> dict[str, Any]:
    body = {"model": "m-sec", "messages": [{"role": "user", "content": "q"}], "max_tokens": 8}
    return {"custom_id": cid, "method": "POST", "url": "/v1/chat/completions", "body": body}


async def test_the_input_file_of_a_running_batch_cannot_be_deleted(
    env: dict[str, Any],  # noqa: F811
) -> None:
    """Deleting a batch's input file while it runs left every item the runner had not read
    yet failing on each claim (its input 'is gone'), the batch in_progress for good and a
    cancel stuck at cancelling: now a 409 until the batch has ended."""
    client: AsyncOpenAI = env["client"]
    runner = env["services"].extras["batch_runner"]
    runner.concurrency = 0  # hold the runner: nothing is claimed while we look
    data = _jsonl([_line(f"r{i}", "x") for i in range(3)])
    f = await client.files.create(file=("in.jsonl", io.BytesIO(data)), purpose="batch")
    b = await client.batches.create(
        input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    with pytest.raises(openai.ConflictError) as caught:
        await client.files.delete(f.id)
    assert caught.value.code == "file_in_use"
    assert (await client.files.retrieve(f.id)).id == f.id
    runner.concurrency = 4
    runner.wake()
    done = await _wait_done(client, b.id)
    assert done.status == "completed" and done.request_counts.completed == 3
    assert (await client.files.delete(f.id)).deleted  # the batch has ended: it may go


async def test_an_item_whose_run_keeps_raising_ends_as_an_error_line(
    env: dict[str, Any],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An item whose run raises something other than an API error (a line or an input the
    runner cannot read, a bug) was left to its lease and claimed again, forever: its batch
    never ended. After a few tries it is an error line and the batch completes."""
    from datetime import timedelta

    from labgate.batch import runner as runner_module

    client: AsyncOpenAI = env["client"]
    runner = env["services"].extras["batch_runner"]
    runner.lease = timedelta(seconds=0.2)  # tried again soon after each failure
    answer = runner.answer

    async def flaky(batch: Any, line: dict[str, Any]) -> Any:
        if line.get("custom_id") == "boom":
            raise RuntimeError("a line this runner cannot handle")
        return await answer(batch, line)

    monkeypatch.setattr(runner, "answer", flaky)
    data = _jsonl([_line("fine", "x"), _line("boom", "y")])
    f = await client.files.create(file=("in.jsonl", io.BytesIO(data)), purpose="batch")
    b = await client.batches.create(
        input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    done = await _wait_done(client, b.id)
    assert done.status == "completed"
    assert (done.request_counts.completed, done.request_counts.failed) == (1, 1)
    errors = [
        orjson.loads(x)
        for x in (await client.files.content(done.error_file_id)).content.splitlines()
    ]
    assert [e["custom_id"] for e in errors] == ["boom"]
    body = errors[0]["response"]["body"]
    assert body["error"]["code"] == "batch_item_failed"
    assert "cannot handle" not in orjson.dumps(errors).decode()  # no exception text leaks
    assert runner._failures == {} and runner_module.MAX_FAILURES >= 2
