"""The access line under ``labgate serve``'s own logging is handed to its handler directly
(issue 25): the same line, in order with the others; any other logging set-up (a capture
handler, a filter) still gets a record through the logging module."""

from __future__ import annotations

import asyncio
import logging
import re

import orjson
import pytest

from labgate import logs
from labgate.gateway.record import RequestRecord
from labgate.identity.principal import Principal


def _record() -> RequestRecord:
    who = Principal(user_id="ada", auth_method="key", lab="physics", project="p1", key_id="k")
    rec = RequestRecord("chat", who, "fake", False)
    rec.finished = rec.started + 0.0123
    rec.prompt_tokens, rec.completion_tokens, rec.label = 7, 3, "SECRET"
    return rec




def _no_time(line: str) -> str:
    return re.sub(r"\d{2}:\d{2}:\d{2}[,.]\d{3}", "T", line)


@pytest.mark.parametrize("fmt", ["text", "json"])
async def test_the_direct_line_is_the_logging_modules_line(configured, fmt: str) -> None:  # type: ignore[no-untyped-def]
    stream = configured(fmt)
    rec = _record()
    handler = logging.getLogger().handlers[0]
    assert logs._sole_step_handler() is handler
    await logs.AccessLog().finish(rec)  # direct
    logging.getLogger("labgate.tests").info("between")
    handler.addFilter(lambda record: True)  # a filter: the logging module's path
    assert logs._sole_step_handler() is None
    await logs.AccessLog().finish(rec)
    assert stream.getvalue() == ""  # held until the loop's step ends, as every INFO line
    await asyncio.sleep(0)
    direct, between, through_logging = stream.getvalue().splitlines()
    assert _no_time(direct) == _no_time(through_logging)
    assert "between" in between
    if fmt == "json":
        fields = orjson.loads(direct)
        assert fields["request_id"] == rec.request_id and fields["label"] == "SECRET"
        assert fields["logger"] == "labgate.access" and fields["ms"] == 12.3
    else:
        assert " INFO labgate.access: request_id=" in direct
        assert "user=ada lab=physics project=p1 model=fake label=SECRET status=200" in direct


async def test_a_capture_handler_still_gets_a_record(
    configured, caplog: pytest.LogCaptureFixture  # type: ignore[no-untyped-def]
) -> None:
    stream = configured("text")
    logging.getLogger().addHandler(caplog.handler)
    try:
        assert logs._sole_step_handler() is None  # two handlers
        rec = _record()
        await logs.AccessLog().finish(rec)
        await asyncio.sleep(0)
    finally:
        logging.getLogger().removeHandler(caplog.handler)
    assert [r.getMessage() for r in caplog.records if r.name == "labgate.access"] == [
        logs._access_text(logs.access_fields(rec))
    ]
    assert rec.request_id in stream.getvalue()


def test_the_access_text_names_every_field_in_order() -> None:
    fields = logs.access_fields(_record())
    assert logs._access_text(fields) == " ".join(f"{k}={fields[k]}" for k in logs._ACCESS_FIELDS)
