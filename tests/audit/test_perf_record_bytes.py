"""The request's audit record built with less work (issue 25): the same bytes as before.

``request_payload`` adds the fields that may be empty only when they are not, and writes the
record's time from a per-second text (``utc_text``) instead of a ``datetime``. What the log
stores must not move by a byte: the record (hence its leaf hash and the tree), and the sealed
transcript beside it. ``_payload_before`` is the function as it was (commit ``ee789b4``), kept
here as the reference.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Awaitable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from labgate.audit import transcripts as transcripts_module
from labgate.audit.merkle import leaf_hash
from labgate.audit.models import TRANSCRIPTS
from labgate.audit.observer import request_payload, transcript_for, utc_text
from labgate.audit.records import AuditRecord, record_bytes
from labgate.audit.transcripts import Transcript
from labgate.gateway.record import BATCH_ITEM, BatchItemContext, RequestRecord
from labgate.identity.principal import Principal, Role
from tests.api.conftest import Gateway, gateway  # noqa: F401  (the fixture)

# -- the reference -------------------------------------------------------------------------------


def _payload_before(request: RequestRecord) -> dict[str, Any]:
    """``request_payload`` as it was at ``ee789b4``, verbatim but for its docstring."""
    principal = request.principal
    started = datetime.fromtimestamp(request.started_at, UTC)
    timings: dict[str, float] = {"total_ms": round(request.duration_s * 1000, 3)}
    if request.ttft_s is not None:
        timings["first_token_ms"] = round(request.ttft_s * 1000, 3)
    payload: dict[str, Any] = {
        "v": 1,
        "kind": "request",
        "time": started.isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "request_id": request.request_id,
        "user": principal.user_id,
        "lab": principal.lab,
        "project": principal.project,
        "key_id": principal.key_id,
        "auth_method": principal.auth_method,
        "model": request.model,
        "model_version": request.model_version,
        "worker": request.worker_id,
        "label": request.label,
        "safety": list(request.safety),
        "usage": {
            "prompt_tokens": request.prompt_tokens,
            "completion_tokens": request.completion_tokens,
            "reasoning_tokens": request.reasoning_tokens,
            "total_tokens": request.prompt_tokens + request.completion_tokens,
        },
        "timings": timings,
        "outcome": request.outcome,
        "status": request.status,
        "error": request.error,
        "digests": request.digests(),
        "details": {
            "endpoint": request.kind,
            "stream": request.stream,
            "attempts": request.attempts,
        },
    }
    if request.batch is not None:
        payload["details"]["batch"] = request.batch
    return {k: v for k, v in payload.items() if v is not None}


def _transcript_before(request: RequestRecord) -> Transcript:
    """``transcript_for`` as it was at ``ee789b4``."""
    principal = request.principal
    return Transcript(
        prompt=request.prompt_text,
        reasoning=request.reasoning_text or None,
        response=request.response_text or None,
        project=principal.project,
        lab=principal.lab,
        label=request.label,
    )


def _time_before(timestamp: float) -> str:
    return (
        datetime.fromtimestamp(timestamp, UTC)
        .isoformat(timespec="microseconds")
        .replace("+00:00", "Z")
    )


# -- the time text -------------------------------------------------------------------------------


def _moments() -> list[float]:
    rng = random.Random(25)
    base = 1_765_000_000.0
    found: list[float] = [0.0, 1.0, 0.5, base, base + 0.25, 951_782_399.9999996]  # leap day eve
    for second in (base, 1_767_225_599.0, 253_402_300_798.0):  # a second, a new year, year 9999
        for micro in range(-3, 4):
            found.append(second + 1 + micro * 1e-6)
        # the half-microsecond boundary, each side of it, and rounding into the next second
        for frac in (0.0000005, 0.0000015, 0.0000025, 0.4999995, 0.9999994, 0.9999995,
                     0.9999996, 0.99999949999, 0.99999950001):
            found.append(second + frac)
            found.append(math.nextafter(second + frac, math.inf))
            found.append(math.nextafter(second + frac, -math.inf))
    found += [rng.uniform(0, 253_402_300_798) for _ in range(3000)]
    found += [base + rng.uniform(0, 5) for _ in range(3000)]  # many within a few seconds
    found += [base + n / 1e6 for n in range(0, 3_000_000, 997)]  # a step through 3 s
    return found


def test_the_time_text_is_datetimes_for_every_moment() -> None:
    moments = _moments()
    for timestamp in moments:
        assert utc_text(timestamp) == _time_before(timestamp), repr(timestamp)
    # the text of the second is remembered: going back and forth between seconds still works
    rng = random.Random(7)
    rng.shuffle(moments)
    for timestamp in moments[:4000]:
        assert utc_text(timestamp) == _time_before(timestamp), repr(timestamp)


def test_moments_outside_four_digit_years_take_datetimes_way() -> None:
    for timestamp in (-1.5, -86_400.0 * 365 * 1000, 253_402_300_799.25):
        assert utc_text(timestamp) == _time_before(timestamp)
    with pytest.raises((ValueError, OverflowError)):  # as datetime: no year 10000
        utc_text(253_402_300_800.5)


# -- the payload ---------------------------------------------------------------------------------


def _requests() -> list[RequestRecord]:
    """Answered, streamed, refused before a key, failed, guarded, labelled, a batch item."""
    key_user = Principal("dana", lab="anl", project="fusion", roles=frozenset({Role.USER}),
                         key_id="key_9")
    oidc = Principal("ari", lab="lanl", project=None, key_id=None, auth_method="oidc")
    nobody = Principal(user_id="(unauthenticated)", auth_method="none")
    plain = RequestRecord("chat", key_user, "fake", False, worker_id="w1", attempts=1,
                          prompt_tokens=7, completion_tokens=9, prompt_text="capital of France?",
                          response_text="Paris.")
    plain.finished = plain.started + 0.0123456
    streamed = RequestRecord("chat", key_user, "fake", True, worker_id="w2", attempts=2,
                             model_version="2025-06", label="CUI", prompt_tokens=3,
                             completion_tokens=40, reasoning_tokens=12,
                             prompt_text="explain", reasoning_text="think", response_text="x" * 500)
    streamed.first_token_at = streamed.started + 0.004
    streamed.finished = streamed.started + 0.2
    refused = RequestRecord("chat", nobody, "(none)", False, status=401, outcome="refused",
                            error="missing or malformed API key")
    refused.finished = refused.started + 0.0001
    failed = RequestRecord("completion", oidc, "m", False, status=502, outcome="worker_error",
                           error="worker went away", attempts=3, prompt_text="p")
    failed.finished = failed.started + 1.5
    guarded = RequestRecord("chat", key_user, "fake", True, status=200,
                            outcome="content_filter", error="the guardrail ended the answer",
                            safety=[{"stage": "output", "category": "cbrn", "score": 0.93}],
                            prompt_text="q", response_text="partial", started_at=1_760_000_000.25)
    guarded.first_token_at = guarded.started + 0.0
    guarded.finished = guarded.started + 0.05
    unfinished = RequestRecord("chat", key_user, "fake", False)  # finished not yet set
    token = BATCH_ITEM.set(BatchItemContext({"batch": "batch_1", "line": 4, "custom_id": "c-4"}))
    try:
        item = RequestRecord("chat", key_user, "fake", False, prompt_text="item", attempts=1)
    finally:
        BATCH_ITEM.reset(token)
    item.finished = item.started + 0.3
    return [plain, streamed, refused, failed, guarded, unfinished, item]


def test_the_payload_and_its_stored_bytes_are_as_before() -> None:
    for n, request in enumerate(_requests()):
        fast = request_payload(request)
        before = _payload_before(request)
        if request.finished is None:  # the total is read from the clock: taken out of both
            fast["timings"].pop("total_ms")
            before["timings"].pop("total_ms")
        assert fast == before
        assert set(fast) == set(before)  # the same fields left out
        assert record_bytes(fast, n) == record_bytes(before, n)
        assert leaf_hash(record_bytes(fast, n)) == leaf_hash(record_bytes(before, n))
        assert AuditRecord.model_validate(fast).payload() == fast


# -- through the gateway: records and sealed transcripts -----------------------------------------


class _Capture:
    """A record keeper beside the audit log: the gateway's request records, as it hands them."""

    def __init__(self) -> None:
        self.records: list[RequestRecord] = []

    def begin(self, record: RequestRecord) -> Awaitable[object]:
        self.records.append(record)
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


_FIXED = bytes(range(256))


@pytest.mark.store
async def test_what_the_gateway_stores_is_byte_for_byte_what_it_stored_before(
    gateway: Gateway,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Plain, streamed, failed, refused and unauthenticated requests through the API: each
    stored record is the canonical JSON of the old payload at its index, and each sealed
    transcript is the row the old transcript gives (its random draws fixed for the test)."""
    monkeypatch.setattr(transcripts_module, "os", SimpleNamespace(urandom=lambda n: _FIXED[:n]))
    capture = _Capture()
    gateway.services.completions.record_keepers.append(capture)
    chat = {"model": "fake", "messages": [{"role": "user", "content": "capital of France?"}]}
    async with gateway.client() as c:
        assert (await c.post("/v1/chat/completions", json=chat)).status_code == 200
        streamed = await c.post("/v1/chat/completions", json={**chat, "stream": True})
        assert streamed.status_code == 200 and "[DONE]" in streamed.text
        usage = {**chat, "stream": True, "stream_options": {"include_usage": True}}
        assert (await c.post("/v1/chat/completions", json=usage)).status_code == 200
        assert (await c.post("/v1/completions",
                             json={"model": "fake", "prompt": "once upon"})).status_code == 200
        assert (await c.post("/v1/chat/completions",
                             json={**chat, "fake": "fail"})).status_code == 503
        assert (await c.post("/v1/chat/completions",
                             json={"model": "nope", "messages": []})).status_code == 400
    async with gateway.client(key="lg-not-a-key") as anon:
        assert (await anon.post("/v1/chat/completions", json=chat)).status_code == 401

    log = gateway.services.audit
    assert log is not None
    stored = {}
    for index in range(await log.size()):
        row = await log.get_record(index)
        stored[orjson.loads(row.data).get("request_id")] = (index, row.data)
    async with log.engine.connect() as conn:
        sealed = {r.record_idx: r for r in await conn.execute(select(TRANSCRIPTS))}
    vault = gateway.services.audit_parts.vault if gateway.services.audit_parts else None
    assert vault is not None and len(capture.records) == 7
    kinds = {(r.kind, r.stream, r.outcome) for r in capture.records}
    assert {("chat", False, "ok"), ("chat", True, "ok"), ("completion", False, "ok"),
            ("chat", False, "worker_error"), ("chat", False, "refused")} <= kinds
    for request in capture.records:
        index, data = stored[request.request_id]
        assert data == record_bytes(_payload_before(request), index)
        row = sealed[index]
        assert transcript_for(request) == _transcript_before(request)
        again = vault.seal_row(index, _transcript_before(request), row.created_at)
        for column in ("project", "lab", "label", "key_id", "wrapped_key", "nonce",
                       "ciphertext"):
            value = row._mapping[column]
            if isinstance(again[column], bytes):
                value = bytes(value)
            assert value == again[column], column
