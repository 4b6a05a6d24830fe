"""What a blocked client receives: OpenAI-shaped refusals and the 400 error."""

from __future__ import annotations

from labgate.safety.categories import Action, Category
from labgate.safety.decision import Decision
from labgate.safety.policy import SafetyPolicy
from labgate.safety.responses import (
    input_block_error,
    refusal_chunk,
    refusal_completion,
    refusal_text,
)

BLOCKED = Decision(action=Action.BLOCK, category=Category.CBRN_BIOLOGICAL, score=0.93)


def test_refusal_completion_is_a_normal_completion_with_content_filter() -> None:
    body = refusal_completion(SafetyPolicy(), BLOCKED, model="r1", request_id="req-42")
    assert body["object"] == "chat.completion"
    assert body["model"] == "r1"
    [choice] = body["choices"]
    assert choice["finish_reason"] == "content_filter"
    assert choice["message"]["role"] == "assistant"
    assert "cbrn_biological" in choice["message"]["content"]
    assert "req-42" in choice["message"]["content"]


def test_refusal_chunk_ends_a_stream_with_content_filter() -> None:
    chunk = refusal_chunk(SafetyPolicy(), BLOCKED, model="r1", completion_id="chatcmpl-1")
    assert chunk["object"] == "chat.completion.chunk"
    assert chunk["id"] == "chatcmpl-1"
    assert chunk["choices"][0]["finish_reason"] == "content_filter"
    assert "content policy" in chunk["choices"][0]["delta"]["content"]


def test_error_mode_gives_400_content_policy_violation() -> None:
    error = input_block_error(SafetyPolicy(input_block_mode="error"), BLOCKED, "req-7")
    assert error.status == 400
    payload = error.to_payload()["error"]
    assert payload["code"] == "content_policy_violation"
    assert payload["type"] == "invalid_request_error"
    assert "req-7" in payload["message"]


def test_deployment_can_word_the_refusal() -> None:
    policy = SafetyPolicy(refusal_message="Declined ({category}); ticket {request_id}.")
    assert refusal_text(policy, BLOCKED, "abc") == "Declined (cbrn_biological); ticket abc."
