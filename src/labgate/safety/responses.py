"""What a client receives when the guardrail blocks: always OpenAI-shaped, never a 500.

* An input blocked in ``refuse`` mode gets a normal chat completion whose message is the
  refusal text and whose ``finish_reason`` is ``"content_filter"`` (:func:`refusal_completion`).
* An input blocked in ``error`` mode gets HTTP 400 with code ``content_policy_violation``
  (:func:`input_block_error`).
* A stream blocked mid-way gets one last chunk carrying the refusal text and
  ``finish_reason: "content_filter"`` (:func:`refusal_chunk`).

The message names the category and the request id, and says how to report a wrong refusal
(``POST /v1/safety/reports``, :mod:`labgate.safety.reports`); refusals in completion form also
carry ``labgate_report: {"request_id", "url"}`` for clients such as the chat page. It never
echoes the text that was blocked.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from labgate.api.errors import APIError
from labgate.safety.decision import Decision
from labgate.safety.policy import SafetyPolicy

CONTENT_FILTER = "content_filter"
POLICY_VIOLATION_CODE = "content_policy_violation"


REPORT_PATH = "/v1/safety/reports"


def report_pointer(request_id: str | None) -> dict[str, Any]:
    """Where the requester reports a wrong refusal (``labgate_report`` in refusals)."""
    return {"request_id": request_id, "url": REPORT_PATH}


def refusal_text(policy: SafetyPolicy, decision: Decision, request_id: str | None = None) -> str:
    category = decision.category.value if decision.category else "policy"
    return policy.refusal_message.format(category=category, request_id=request_id or "(none)")


def refusal_completion(
    policy: SafetyPolicy,
    decision: Decision,
    *,
    model: str,
    request_id: str | None = None,
    prompt_tokens: int = 0,
) -> dict[str, Any]:
    """A ``chat.completion`` that refuses, for inputs blocked in ``refuse`` mode."""
    return {
        "id": f"chatcmpl-{request_id or uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": refusal_text(policy, decision, request_id),
                    "refusal": refusal_text(policy, decision, request_id),
                },
                "finish_reason": CONTENT_FILTER,
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": 0,
            "total_tokens": prompt_tokens,
        },
        "labgate_report": report_pointer(request_id),
    }


def refusal_chunk(
    policy: SafetyPolicy,
    decision: Decision,
    *,
    model: str,
    completion_id: str,
    request_id: str | None = None,
) -> dict[str, Any]:
    """The last ``chat.completion.chunk`` of a stream the guardrail ended."""
    return {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "delta": {"content": "\n\n" + refusal_text(policy, decision, request_id)},
                "finish_reason": CONTENT_FILTER,
                "logprobs": None,
            }
        ],
        "labgate_report": report_pointer(request_id),
    }


def input_block_error(
    policy: SafetyPolicy, decision: Decision, request_id: str | None = None
) -> APIError:
    """HTTP 400 ``content_policy_violation`` for inputs blocked in ``error`` mode."""
    return APIError(
        400,
        refusal_text(policy, decision, request_id),
        "invalid_request_error",
        POLICY_VIOLATION_CODE,
        param="messages",
    )
