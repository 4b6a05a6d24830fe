"""One access line per model request, never with the prompt (issue 27: operators had no line per
request); JSON lines on request; Alembic's migration lines kept out of a normal start."""

from __future__ import annotations

import logging

import orjson
import pytest

from labgate import logs
from tests.api.conftest import Gateway

SECRET_PROMPT = "the words of a prompt that must never reach a log"


async def test_one_access_line_per_request_without_the_prompt(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="labgate.access")
    async with gateway.client() as c:
        ok = await c.post(
            "/v1/chat/completions",
            json={"model": "fake", "messages": [{"role": "user", "content": SECRET_PROMPT}]},
        )
        refused = await c.post(
            "/v1/chat/completions",
            json={"model": "fake", "messages": [{"role": "user", "content": "q"}],
                  "seed": 10**20},
        )
    assert ok.status_code == 200 and refused.status_code == 400
    await gateway.services.usage.flush()
    lines = [r for r in caplog.records if r.name == "labgate.access"]
    mine = [r for r in lines if ok.headers["X-Request-Id"] in r.getMessage()]
    assert len(mine) == 1
    text = mine[0].getMessage()
    assert "status=200" in text and "model=fake" in text and "project=default" in text
    assert "outcome=ok" in text and "prompt_tokens=" in text
    assert all(SECRET_PROMPT not in r.getMessage() for r in caplog.records)
    assert all(gateway.key not in r.getMessage() for r in caplog.records)


def test_json_lines_carry_the_access_fields() -> None:
    record = logging.LogRecord("labgate.access", logging.INFO, __file__, 1, "x", None, None)
    record.fields = {"request_id": "req_1", "status": 200}
    line = orjson.loads(logs.JsonFormatter().format(record))
    assert line["request_id"] == "req_1" and line["status"] == 200
    assert line["level"] == "info" and line["logger"] == "labgate.access"


def test_a_normal_start_keeps_migration_lines_out() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logs.configure("info", "text")
        assert not logging.getLogger("alembic").isEnabledFor(logging.INFO)
        assert logging.getLogger("labgate.access").isEnabledFor(logging.INFO)
        logs.configure("debug", "json")
        assert logging.getLogger("alembic").isEnabledFor(logging.INFO)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        for name in ("alembic", "transformers", "sentence_transformers", "torch", "httpx",
                     "aiohttp.access"):
            logging.getLogger(name).setLevel(logging.NOTSET)
