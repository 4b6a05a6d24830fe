"""The text access line read from the request record itself (issue 25): the text formatter
prints no fields, so the dict of them is made only where they are printed (JSON) or handed on
(any other logging set-up). The line is the same either way."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable

import orjson
import pytest

from labgate import logs
from labgate.gateway.record import RequestRecord
from labgate.identity.principal import Principal


def _records() -> list[RequestRecord]:
    full = Principal(user_id="ada", auth_method="key", lab="physics", project="p1", key_id="k")
    bare = Principal(user_id="(unauthenticated)", auth_method="none")
    found = []
    for who, stream, label, seconds in (
        (full, False, "SECRET", 0.0123),
        (full, True, None, 1.23456),
        (bare, False, None, 0.00004999),
        (full, False, "CUI", 0.01235),  # a tie at the tenth of a millisecond
        (bare, True, "SECRET//NUC", 12345.678),
    ):
        rec = RequestRecord("chat", who, "fake", stream, label=label, status=200)
        rec.finished = rec.started + seconds
        rec.prompt_tokens, rec.completion_tokens = 7, 3
        found.append(rec)
    refused = RequestRecord("chat", bare, "(none)", False, status=401, outcome="refused")
    refused.finished = refused.started + 0.001
    found.append(refused)
    return found


def test_the_text_read_from_the_record_is_the_text_of_its_fields() -> None:
    for rec in _records():
        assert logs._access_text_of(rec) == logs._access_text(logs.access_fields(rec))




@pytest.mark.parametrize("fmt", ["text", "json"])
async def test_each_formatter_writes_the_fields_line(
    configured: Callable[[str], io.StringIO], fmt: str
) -> None:
    stream = configured(fmt)
    handler = logging.getLogger().handlers[0]
    assert logs._sole_step_handler() is handler
    records = _records()
    for rec in records:
        await logs.AccessLog().finish(rec)
    handler.flush()
    lines = stream.getvalue().splitlines()
    assert len(lines) == len(records)
    for line, rec in zip(lines, records, strict=True):
        fields = logs.access_fields(rec)
        if fmt == "json":
            parsed = orjson.loads(line)
            assert parsed["msg"] == logs._access_text(fields)
            assert {k: parsed[k] for k in fields} == fields
        else:
            assert line.endswith(" INFO labgate.access: " + logs._access_text(fields))
