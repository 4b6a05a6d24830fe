"""Rewriting a worker's SSE stream chunk by chunk for the client.

For each worker chunk: the model name becomes the client's; ``<think>`` text is split out into
``reasoning_content`` (kept only when the caller may see reasoning); reasoning the worker
already separated (``reasoning_content`` / ``reasoning``) is taken as is; each delta counts as
one token of its kind and is charged to the request's fair-share ticket as it streams; the
answer's label is stamped on the chunk. What the chunk carried, per channel, is returned so the
guardrail can screen it before it is sent.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from labgate.gateway.admission import output_cap
from labgate.reasoning import ThinkSplitter
from labgate.visible import call_text

if TYPE_CHECKING:
    from labgate.gateway.prepared import Prepared


# what in a delta (or a completion's choice) counts as produced tokens
_PRODUCING = ("content", "text", "reasoning_content", "reasoning", "tool_calls", "function_call")


class StreamRewriter:
    def __init__(self, p: Prepared) -> None:
        self.p = p
        self.chat = p.record.kind == "chat"
        self.think = p.model.reasoning.format == "think_tags" and self.chat
        self.splitters: dict[int, ThinkSplitter] = {}
        self.reasoning_parts: list[str] = []
        self.content_parts: list[str] = []
        # the tool calls the answer makes, by call index: [name, argument pieces...]
        self.tool_calls: dict[int, list[str]] = {}
        self.worker_usage: dict[str, Any] = {}
        self.template: dict[str, Any] = {}
        self.choices_open: set[int] = set()
        self.choices_done: set[int] = set()
        # the tokens the request's budget reservation pays for (n answers of max_tokens): a
        # worker that streams more is cut there (``overran``), never forwarded or charged
        self.cap = output_cap(p.payload) or None
        self.overran = False

    def rewrite(self, obj: dict[str, Any]) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
        """The chunk to send (None: nothing to send) and the ``(channel, text)`` it carried."""
        if obj.get("usage"):
            self.worker_usage = obj["usage"]
        choices = obj.get("choices") or []
        if not choices:
            return None, []
        rec = self.p.record
        if self.cap is not None and self._spent + self._producing(choices) > self.cap:
            self.overran = True
            return None, []
        if not self.template:
            self.template = {k: obj[k] for k in ("id", "object", "created") if k in obj}
        if rec.first_token_at is None:
            rec.first_token_at = time.perf_counter()
        produced: list[tuple[str, str]] = []
        keep = []
        for choice in choices:
            index = choice.get("index", 0)
            if choice.get("finish_reason") is None:
                self.choices_open.add(index)
            else:
                self.choices_done.add(index)
            if self.chat:
                if self._chat_choice(choice, produced):
                    keep.append(choice)
            else:
                text = choice.get("text") or ""
                if text:
                    self._count(reasoning=False)
                    self.content_parts.append(text)
                    produced.append(("content", text))
                keep.append(choice)
        if not keep:
            return None, produced
        obj["choices"] = keep
        obj["model"] = self.p.model.name
        if rec.label is not None:
            obj["labgate_label"] = rec.label
        obj.pop("usage", None)
        return obj, produced

    @property
    def _spent(self) -> int:
        return self.p.record.completion_tokens + self.p.record.reasoning_tokens

    def _producing(self, choices: list[Any]) -> int:
        """The most tokens a chunk's choices can count (one a delta, one more for a tool
        call's piece), checked before it is taken."""
        most = 0
        for choice in choices:
            if not isinstance(choice, dict):
                continue
            part = choice.get("delta") if self.chat else choice
            if isinstance(part, dict):
                most += sum(1 for key in _PRODUCING if part.get(key))
        return most

    def cut_chunk(self) -> dict[str, Any]:
        """The last chunk of a stream cut at the reservation: each answer still open ends
        with ``finish_reason: "length"``, as if the worker had stopped at ``max_tokens``."""
        open_ = sorted(self.choices_open - self.choices_done) or [0]
        self.choices_done.update(open_)
        choices = [
            {"index": i, "delta": {}, "finish_reason": "length"}
            if self.chat
            else {"index": i, "text": "", "finish_reason": "length"}
            for i in open_
        ]
        chunk = {
            **self.template,
            "object": "chat.completion.chunk" if self.chat else "text_completion",
            "model": self.p.model.name,
            "choices": choices,
        }
        if self.p.record.label is not None:
            chunk["labgate_label"] = self.p.record.label
        return chunk

    @property
    def unfinished(self) -> bool:
        """The stream so far leaves an answer without its ``finish_reason`` (or has none)."""
        return not self.choices_done or not self.choices_open <= self.choices_done

    def _chat_choice(self, choice: dict[str, Any], produced: list[tuple[str, str]]) -> bool:
        delta = choice.get("delta") or {}
        # Reasoning the worker already separated (vLLM/SGLang reasoning parsers).
        reasoning = delta.pop("reasoning_content", None) or delta.pop("reasoning", None) or ""
        text = delta.get("content")
        is_reasoning = bool(reasoning)
        if self.think and text:
            splitter = self.splitters.setdefault(choice.get("index", 0), ThinkSplitter())
            was_in = splitter.in_reasoning
            split = splitter.feed(text)
            reasoning += split.reasoning
            text = split.content
            is_reasoning = is_reasoning or bool(split.reasoning) or (was_in and not split.content)
            delta.pop("content", None)
            if text:
                delta["content"] = text
        if is_reasoning or text:
            self._count(reasoning=is_reasoning)
        finishing = choice.get("finish_reason") is not None
        if finishing:
            rest = self.splitters.get(choice.get("index", 0))
            if rest is not None:
                tail = rest.flush()
                reasoning += tail.reasoning
                if tail.content:
                    text = (text or "") + tail.content
                    delta["content"] = text
        if reasoning:
            self.reasoning_parts.append(reasoning)
            produced.append(("reasoning", reasoning))
            if self.p.show_reasoning:
                delta["reasoning_content"] = reasoning
        if text:
            self.content_parts.append(text)
            produced.append(("content", text))
        calls = delta.get("tool_calls")
        if not calls and isinstance(delta.get("function_call"), dict):
            calls = [{"index": 0, "function": delta["function_call"]}]  # the legacy shape
        if calls and self._tool_call_pieces(calls, produced):
            self._count(reasoning=False)
        choice["delta"] = delta
        return bool(delta) or finishing

    def _tool_call_pieces(self, calls: Any, produced: list[tuple[str, str]]) -> bool:
        """Keep the pieces of the tool calls a delta carries: the model's answer is in their
        arguments, screened as content and recorded as ``name(arguments)``."""
        found = False
        for call in calls if isinstance(calls, list) else ():
            fn = call.get("function") if isinstance(call, dict) else None
            if not isinstance(fn, dict):
                continue
            index = call.get("index")
            parts = self.tool_calls.setdefault(index if isinstance(index, int) else 0, [""])
            name, arguments = fn.get("name"), fn.get("arguments")
            if isinstance(name, str) and name and not parts[0]:
                # OpenAI names a call in its first delta only; llama.cpp's server repeats the
                # name in every one
                parts[0] = name
                produced.append(("content", name))
                found = True
            if isinstance(arguments, str) and arguments:
                parts.append(arguments)
                produced.append(("content", arguments))
                found = True
        return found

    @property
    def tool_calls_text(self) -> str:
        """The calls streamed so far as the model made them: ``name(arguments)``, one a line
        (what :func:`labgate.visible.tool_calls_text` gives for a plain answer)."""
        return "\n".join(
            call_text(parts[0], "".join(parts[1:])) for _, parts in sorted(self.tool_calls.items())
        )

    def _count(self, *, reasoning: bool) -> None:
        rec, ticket = self.p.record, self.p.ticket
        if reasoning:
            rec.reasoning_tokens += 1
            if ticket is not None:
                ticket.charge(reasoning_tokens=1)
        else:
            rec.completion_tokens += 1
            if ticket is not None:
                ticket.charge(output_tokens=1)

    def usage_chunk(self, usage: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.template,
            "object": "chat.completion.chunk" if self.chat else "text_completion",
            "model": self.p.model.name,
            "choices": [],
            "usage": usage,
        }

    @property
    def completion_id(self) -> str:
        return str(self.template.get("id") or f"chatcmpl-{self.p.record.request_id}")
