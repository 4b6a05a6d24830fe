"""``reasoning_effort`` takes every value OpenAI accepts (issue 27: "minimal" and "none" were
refused): each gets its own reasoning budget, and engines, which know low/medium/high only,
are sent "low" for both."""

from __future__ import annotations

import pytest
from openai import AsyncOpenAI

from labgate.config import ReasoningConfig
from labgate.reasoning import reasoning_budget
from tests.api.conftest import Gateway


@pytest.mark.parametrize(("effort", "budget"), [("none", 0), ("minimal", 256)])
async def test_none_and_minimal_are_answered_with_their_budget(
    gateway: Gateway, effort: str, budget: int
) -> None:
    client = AsyncOpenAI(base_url=gateway.url + "/v1", api_key=gateway.key)
    reply = await client.chat.completions.create(
        model="fake",
        messages=[{"role": "user", "content": "q"}],
        reasoning_effort=effort,  # type: ignore[arg-type]
    )
    assert reply.choices[0].message.content
    sent = gateway.worker.worker.last_payload
    assert sent is not None
    assert sent["thinking_token_budget"] == budget
    assert sent["reasoning_effort"] == "low"  # what vLLM / SGLang accept
    await client.close()


async def test_an_effort_openai_does_not_know_is_still_a_400(gateway: Gateway) -> None:
    async with gateway.client() as http:
        r = await http.post(
            "/v1/chat/completions",
            json={"model": "fake", "messages": [{"role": "user", "content": "q"}],
                  "reasoning_effort": "maximal"},
        )
    assert r.status_code == 400
    assert r.json()["error"]["param"] == "reasoning_effort"


def test_a_config_listing_some_efforts_keeps_the_defaults_of_the_others() -> None:
    cfg = ReasoningConfig(budgets={"low": 10, "medium": 20, "high": 30})
    assert reasoning_budget(cfg, "low") == 10
    assert reasoning_budget(cfg, "minimal") == 256
    assert reasoning_budget(cfg, "none") == 0
