"""A request's token accounting: the worker's usage figures (or labgate's own count) into the
record, and the OpenAI ``usage`` object the client gets."""

from __future__ import annotations

from typing import Any

from labgate.config import TokenWeights
from labgate.gateway.record import RequestRecord


def take_usage(
    rec: RequestRecord,
    usage: dict[str, Any],
    weights: TokenWeights,
    reasoning_chars: int,
    content_chars: int,
    counted: bool = False,
) -> None:
    """Settle token counts: the worker's figures when it gave them, else labgate's count.

    For streams labgate counts one token per streamed delta (what vLLM, SGLang and
    llama.cpp send); the worker's own total wins when present. A worker that reports no
    prompt count gets an estimate, marked in the record. Without a worker figure for
    reasoning tokens in a plain answer, they are estimated from the share of characters.
    """
    if usage.get("prompt_tokens") is not None:
        rec.prompt_tokens = int(usage["prompt_tokens"])
    elif not rec.prompt_tokens:
        # Some workers (llama-cpp-python's server) report no usage in streams: estimate
        # ~4 characters a token, the usual figure for English BPE vocabularies.
        rec.prompt_tokens = max(1, len(rec.prompt_text) // 4)
        rec.usage_estimated = True
    details = usage.get("completion_tokens_details") or {}
    worker_reasoning = details.get("reasoning_tokens")
    worker_completion = usage.get("completion_tokens")
    if worker_completion is not None:
        total = int(worker_completion)
        if worker_reasoning is not None:
            reasoning = int(worker_reasoning)
        elif counted:
            counted_total = rec.reasoning_tokens + rec.completion_tokens
            reasoning = round(total * rec.reasoning_tokens / counted_total) if counted_total else 0
        else:
            chars = reasoning_chars + content_chars
            reasoning = round(total * reasoning_chars / chars) if chars else 0
        rec.reasoning_tokens = min(reasoning, total)
        rec.completion_tokens = total - rec.reasoning_tokens
    rec.weighted_tokens = (
        weights.input * rec.prompt_tokens
        + weights.output * rec.completion_tokens
        + weights.reasoning * rec.reasoning_tokens
    )


def usage_block(rec: RequestRecord) -> dict[str, Any]:
    """The OpenAI ``usage`` object of a request, reasoning tokens included in completion."""
    completion = rec.completion_tokens + rec.reasoning_tokens
    return {
        "prompt_tokens": rec.prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": rec.prompt_tokens + completion,
        "completion_tokens_details": {"reasoning_tokens": rec.reasoning_tokens},
    }
