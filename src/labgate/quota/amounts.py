"""Weighted token amounts: what a request costs a project's allocation.

Budgets are kept in integer *units* of one thousandth of a weighted token, not in floats:
counters in Redis and SQL are then exact and their atomic increments never drift. A thousandth
is fine enough for any weight a model is given, and Redis Lua (which counts in doubles) stays
exact up to 2**53 units, i.e. nine thousand billion weighted tokens per project and period.

The cost of a request is ``w_in * prompt + w_out * output + w_reasoning * reasoning`` where
``output`` is the visible completion *without* the reasoning tokens (OpenAI's
``completion_tokens`` includes ``reasoning_tokens``; :meth:`TokenUsage.from_openai` splits it).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

UNITS_PER_TOKEN = 1000
"""Budget units in one weighted token."""


def tokens_to_units(tokens: float) -> int:
    """Convert weighted tokens (as an admin writes a budget) to integer budget units."""
    if tokens < 0:
        raise ValueError(f"a token amount cannot be negative, got {tokens}")
    return round(tokens * UNITS_PER_TOKEN)


def units_to_tokens(units: int) -> float:
    """Convert budget units back to weighted tokens, for messages and reports."""
    return units / UNITS_PER_TOKEN


@dataclass(frozen=True, slots=True)
class Weights:
    """How much one token of each kind costs on a model, relative to a plain token.

    Supplied by the caller (labgate's ``[[models]] weights`` table); a large model's output is
    typically weighted higher than its input.
    """

    input: float = 1.0
    output: float = 1.0
    reasoning: float = 1.0

    def __post_init__(self) -> None:
        for name in ("input", "output", "reasoning"):
            if getattr(self, name) < 0:
                raise ValueError(f"weight {name} cannot be negative")

    @classmethod
    def of(cls, source: Any) -> Weights:
        """Build from any object with ``input``, ``output`` and ``reasoning`` attributes (the
        same three values give the same, immutable, object: every request asks for its
        model's weights)."""
        return _weights(float(source.input), float(source.output), float(source.reasoning))


@functools.lru_cache(maxsize=256)
def _weights(input: float, output: float, reasoning: float) -> Weights:
    return Weights(input, output, reasoning)


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Tokens a finished request really used, with reasoning counted apart from output."""

    prompt: int = 0
    output: int = 0
    reasoning: int = 0

    @classmethod
    def from_openai(cls, usage: Mapping[str, Any]) -> TokenUsage:
        """Read an OpenAI ``usage`` object, where ``completion_tokens`` includes reasoning."""
        prompt = int(usage.get("prompt_tokens") or 0)
        completion = int(usage.get("completion_tokens") or 0)
        details = usage.get("completion_tokens_details") or {}
        reasoning = int(details.get("reasoning_tokens") or 0)
        return cls(prompt=prompt, output=max(0, completion - reasoning), reasoning=reasoning)


def usage_amount(weights: Weights, usage: TokenUsage) -> int:
    """Budget units a finished request is charged: its real, weighted usage."""
    weighted = (
        weights.input * usage.prompt
        + weights.output * usage.output
        + weights.reasoning * usage.reasoning
    )
    return round(weighted * UNITS_PER_TOKEN)


def worst_case_amount(weights: Weights, prompt_tokens: int, max_tokens: int) -> int:
    """Budget units to reserve before dispatch: the most the request can possibly cost.

    ``max_tokens`` bounds output and reasoning together, so each of those tokens is priced at
    the dearer of the two weights; the real charge at settlement is never above this unless the
    worker overruns ``max_tokens``.
    """
    if prompt_tokens < 0 or max_tokens < 0:
        raise ValueError("token counts cannot be negative")
    dearest = max(weights.output, weights.reasoning)
    weighted = weights.input * prompt_tokens + dearest * max_tokens
    return round(weighted * UNITS_PER_TOKEN)
