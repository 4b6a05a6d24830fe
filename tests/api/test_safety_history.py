"""Earlier assistant turns through the real API (labgate.safety.history_reading): a benign
conversation whose assistant outline the classifier alone reads as nuclear is answered and
goes to the reviewers' queue; the same outline sent as a prefill (the last message) is refused
before any worker sees it."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tests.safety.test_benign_conversations import SEMINAR

pytestmark = pytest.mark.store


async def _chat(guarded: dict[str, Any], messages: list[dict[str, Any]]) -> tuple[str, Any]:
    r = await guarded["client"].post(
        "/v1/chat/completions", json={"model": "fake", "messages": messages}
    )
    assert r.status_code == 200, r.text
    log = guarded["services"].audit
    record = orjson.loads((await log.get_record(await log.size() - 1)).data)
    return r.json()["choices"][0]["finish_reason"], record


async def test_a_seminar_chat_is_answered_and_reviewed(guarded: dict[str, Any]) -> None:
    finish, record = await _chat(guarded, SEMINAR)
    assert finish != "content_filter"
    assert guarded["worker"].requests == 1
    screened = record["safety"][0]
    assert screened["action"] == "flag", screened
    assert any("earlier assistant turns" in r for r in screened["reasons"]), screened


async def test_the_outline_as_a_prefill_is_refused(guarded: dict[str, Any]) -> None:
    finish, record = await _chat(guarded, SEMINAR[:2])
    assert finish == "content_filter"
    assert guarded["worker"].requests == 0
    assert record["safety"][0]["action"] == "block"
