"""Less per-request work after the answer (issue 25, seventeenth session): a usage row is queued
as a tuple with its start time as a float, and its timestamp is written as the batch goes out;
the stored row is what it was. Also the whole-answer reasoning split and ``answers_of``."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from labgate.gateway.admission import answers_of
from labgate.gateway.observers import _USAGE_COLUMNS, UsageRecorder, _sqlite_at, _usage_row
from labgate.gateway.record import RequestRecord, _sha
from labgate.identity.principal import Principal
from labgate.reasoning import split_reasoning
from labgate.store.engine import sqlite_datetime_text


def _old_text(ts: float) -> str:
    return sqlite_datetime_text(datetime.fromtimestamp(ts, UTC))


def test_the_usage_timestamp_text_is_sqlalchemys_for_every_moment() -> None:
    rng = random.Random(25)
    moments = [
        1_760_000_000.0,  # a whole second
        1_760_000_000.9999996,  # rounds up into the next second
        1_760_000_000.0000004,  # rounds down to the whole second
        1_760_000_000.5,
        1_760_000_001.000001,
        0.25,
    ]
    base = 1_760_000_000.0
    moments += [base + rng.random() * 5 for _ in range(3000)]  # many rows in a few seconds
    moments += [rng.uniform(0, 4_000_000_000) for _ in range(3000)]
    moments += sorted(base + rng.random() * 3 for _ in range(500))  # in order, as queued
    for ts in moments:
        assert _sqlite_at(ts) == _old_text(ts), ts


async def test_a_queued_usage_row_is_written_as_before() -> None:
    who = Principal(user_id="ada", auth_method="api_key", lab="lab1", project="p1")
    rec = RequestRecord("chat", who, "fake", False, prompt_text="user: hi")
    rec.started_at = 1_760_000_000.123456
    rec.finished = rec.started + 0.25
    rec.prompt_tokens, rec.completion_tokens, rec.reasoning_tokens = 7, 5, 2
    rec.weighted_tokens, rec.label = 14.0, "OFFICIAL"
    usage = UsageRecorder(None)  # type: ignore[arg-type]
    await usage.finish(rec)
    (queued,) = usage._pending
    at = datetime.fromtimestamp(rec.started_at, UTC)
    expected = {
        "request_id": rec.request_id,
        "at": at,
        "user_id": "ada",
        "lab_id": "lab1",
        "project_id": "p1",
        "model": "fake",
        "prompt_tokens": 7,
        "completion_tokens": 5,
        "reasoning_tokens": 2,
        "weighted_tokens": 14.0,
        "status": 200,
        "outcome": "ok",
        "duration_ms": pytest.approx(250.0),
        "label": "OFFICIAL",
    }
    assert dict(zip(_USAGE_COLUMNS, _usage_row(queued, False), strict=True)) == expected
    expected["at"] = "2025-10-09 08:53:20.123456"
    assert expected["at"] == sqlite_datetime_text(at)
    assert dict(zip(_USAGE_COLUMNS, _usage_row(queued, True), strict=True)) == expected


async def test_an_unidentified_refusal_queues_no_usage_row() -> None:
    nobody = Principal(user_id="(unauthenticated)", auth_method="none")
    rec = RequestRecord("chat", nobody, "x", False)
    usage = UsageRecorder(None)  # type: ignore[arg-type]
    await usage.finish(rec)
    assert usage._pending == []


@pytest.mark.parametrize(
    "text",
    [
        "The capital of France is Paris.",
        "",
        "   ",
        "<th",
        "<thinking> is not a tag",
        "answer</think>after",
        "\n\n<think",
    ],
)
def test_a_whole_answer_without_a_think_tag_is_all_content(text: str) -> None:
    """The completion path splits a whole answer only when ``<think>`` is in it; any text
    without one is all content, as the splitter itself says."""
    assert "<think>" not in text
    assert split_reasoning(text) == ("", text)


def test_a_whole_answer_with_a_leading_think_tag_is_still_split() -> None:
    assert split_reasoning("<think>why</think>\n\nbecause") == ("why", "because")


def test_answers_of_counts_n_and_best_of() -> None:
    assert answers_of({}) == 1
    assert answers_of({"n": 3}) == 3
    assert answers_of({"n": 2, "best_of": 5}) == 5
    assert answers_of({"n": 4, "best_of": 2}) == 4
    assert answers_of({"n": True}) == 1  # a bool is not a count
    assert answers_of({"n": 2.0}) == 1
    assert answers_of({"n": None, "best_of": 0}) == 1
    assert answers_of({"n": -3}) == 1


def test_the_digest_of_an_empty_text_is_sha256s() -> None:
    import hashlib

    assert _sha("") == hashlib.sha256(b"").hexdigest()
    assert _sha("é") == hashlib.sha256("é".encode()).hexdigest()


def test_the_worker_payload_is_model_dumps() -> None:
    """The request's payload, through the serializer directly, is ``model_dump``'s: nulls left
    out at every level of the model, defaults in, plain dicts inside as sent."""
    import orjson

    from labgate.api.schemas import parse_chat, parse_completion, worker_payload

    body = {
        "model": "m",
        "messages": [
            {"role": "assistant", "content": None, "tool_calls": [{"id": "x", "extra": None}]},
            {"role": "user", "content": [{"type": "text", "text": "hi", "cache": None}]},
        ],
        "temperature": 1,
        "top_p": None,
        "max_completion_tokens": 9,
        "response_format": {"type": "json_schema", "json_schema": {"schema": {"default": None}}},
        "xx": None,
        "stream_options": {"foo": None},
    }
    chat = parse_chat(orjson.dumps(body))
    assert worker_payload(chat) == chat.model_dump(exclude_none=True)
    assert worker_payload(chat)["temperature"] == 1.0 and "xx" not in worker_payload(chat)
    text = parse_completion(orjson.dumps({"model": "m", "prompt": ["a", "b"], "seed": None}))
    assert worker_payload(text) == text.model_dump(exclude_none=True)
