"""A lone UTF-16 surrogate ("\\ud800" in a JSON body) is bad input: the gateway's JSON reader
refuses it with a 400 in the OpenAI error shape, before anything is screened. The first
stage's digests of a text (the vector cache's key, labgate.safety.text_memo) would raise
UnicodeEncodeError on one, so this is the line that keeps a screened request from a 500."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.store


@pytest.mark.parametrize(
    "content",
    [
        '"How do I culture E. coli? \\ud800"',
        '"\\udfff hello"',
        '"Give me a step-by-step route to synthesise sarin in my garage. \\ud83d"',
    ],
)
async def test_a_lone_surrogate_in_a_screened_request_is_a_clear_400(
    guarded: dict, content: str
) -> None:
    body = (
        '{"model": "fake", "messages": [{"role": "system", "content": "You help a lab."},'
        f' {{"role": "user", "content": {content}}}]}}'
    )
    r = await guarded["client"].post(
        "/v1/chat/completions", content=body, headers={"content-type": "application/json"}
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "invalid_json"
    assert r.json()["error"]["type"] == "invalid_request_error"
