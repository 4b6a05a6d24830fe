"""Reasoning output: splitting ``<think>…</think>`` from the answer, and reasoning budgets.

DeepSeek-R1-style models write their chain of thought between ``<think>`` and ``</think>`` in
the same text stream as the answer. OpenAI clients expect it apart, in ``reasoning_content``.
:class:`ThinkSplitter` does the split incrementally, so a tag cut across two streamed chunks
(``"<thi"`` then ``"nk>"``) is still recognised, and text that merely looks like the start of a
tag is held back only until it can be decided.

Some R1 chat templates put the opening ``<think>`` in the prompt, so the output starts inside
the reasoning and only the closing tag appears. ``starts_in_reasoning=True`` handles that.
"""

from __future__ import annotations

from dataclasses import dataclass

from labgate.config import _DEFAULT_BUDGETS, ReasoningConfig

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest suffix of ``text`` that is a proper prefix of ``tag``."""
    for n in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:n]):
            return n
    return 0


@dataclass(slots=True)
class Split:
    reasoning: str = ""
    content: str = ""


class ThinkSplitter:
    """Incremental ``<think>`` splitter: feed text deltas, get reasoning and content deltas."""

    __slots__ = ("_in_think", "_pending", "_seen_any", "_strip_newlines", "closed")

    def __init__(self, *, starts_in_reasoning: bool = False) -> None:
        self._in_think = starts_in_reasoning
        self._pending = ""
        self._seen_any = False
        self._strip_newlines = False
        self.closed = False

    @property
    def in_reasoning(self) -> bool:
        return self._in_think

    def feed(self, delta: str) -> Split:
        out = Split()
        if not delta:
            return out
        text = self._pending + delta
        self._pending = ""
        while text:
            if self._in_think:
                idx = text.find(CLOSE_TAG)
                if idx >= 0:
                    out.reasoning += text[:idx]
                    text = text[idx + len(CLOSE_TAG) :]
                    self._in_think = False
                    self.closed = True
                    # The answer conventionally starts after a blank line; drop it.
                    self._strip_newlines = True
                    continue
                keep = _partial_suffix(text, CLOSE_TAG)
                out.reasoning += text[: len(text) - keep]
                self._pending = text[len(text) - keep :]
                break
            if not self._seen_any and not self.closed:
                stripped = text.lstrip()
                if stripped.startswith(OPEN_TAG):
                    text = stripped[len(OPEN_TAG) :]
                    self._in_think = True
                    self._seen_any = True
                    continue
                if OPEN_TAG.startswith(stripped):
                    # Could still become "<think>": wait for more text.
                    self._pending = text
                    break
            self._seen_any = True
            if self._strip_newlines:
                text = text.lstrip("\n")
                if not text:
                    break
                self._strip_newlines = False
            out.content += text
            text = ""
        return out

    def flush(self) -> Split:
        """End of stream: whatever was held back is plain text of the current kind."""
        pending, self._pending = self._pending, ""
        if self._in_think:
            return Split(reasoning=pending)
        return Split(content=pending)


def split_reasoning(text: str, *, starts_in_reasoning: bool = False) -> tuple[str, str]:
    """Split a whole response into ``(reasoning, content)``."""
    splitter = ThinkSplitter(starts_in_reasoning=starts_in_reasoning)
    a = splitter.feed(text)
    b = splitter.flush()
    return a.reasoning + b.reasoning, a.content + b.content


def reasoning_budget(cfg: ReasoningConfig, effort: str | None) -> int | None:
    """Tokens of reasoning a request may spend at ``effort`` (the model's default when None)."""
    if cfg.format == "none":
        return None
    chosen = effort or cfg.default_effort
    found = cfg.budgets.get(chosen)  # type: ignore[call-overload]
    if found is None:  # a config that lists only some efforts: the others keep their defaults
        found = _DEFAULT_BUDGETS.get(chosen)  # type: ignore[call-overload]
    return found


def engine_effort(effort: str) -> str:
    """The ``reasoning_effort`` an engine understands: vLLM and SGLang know low/medium/high."""
    return "low" if effort in ("none", "minimal") else effort
