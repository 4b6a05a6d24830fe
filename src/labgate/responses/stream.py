"""A chat SSE stream, as the chat path produced it, re-told as Responses stream events.

The events are the ones OpenAI's SDKs parse, each with its ``sequence_number``:
``response.created``, ``response.in_progress``; per output item ``response.output_item.added``
… ``.done``; for a message ``response.content_part.added``, ``response.output_text.delta`` /
``.done``, ``response.content_part.done``; for a tool call
``response.function_call_arguments.delta`` / ``.done``; for shown reasoning
``response.reasoning_summary_part.added``, ``response.reasoning_summary_text.delta`` / ``.done``,
``response.reasoning_summary_part.done``; and last ``response.completed``,
``response.incomplete`` (``max_output_tokens``, or ``content_filter`` when the guardrail cut
the answer, as a chat stream ends with ``finish_reason: content_filter``) or, after an
``error`` event, ``response.failed``. Keep-alive comments pass through.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any

import orjson

from labgate.responses.translate import (
    function_call_item,
    message_item,
    new_item_id,
    response_object,
    status_of,
    usage_of,
)

Finisher = Callable[[dict[str, Any]], Awaitable[None]]


class ResponsesStream:
    def __init__(
        self,
        body: dict[str, Any],
        response_id: str,
        model: str,
        *,
        hidden_reasoning: Callable[[], str | None] | None = None,
        finish: Finisher | None = None,
    ) -> None:
        """``hidden_reasoning()``: at the end, the reasoning's ``encrypted_content`` (None: no
        such item); ``finish(response)``: called with the final Response before its last event
        (to store it)."""
        self.body = body
        self.id = response_id
        self.model = model
        self.seq = 0
        self.output: list[dict[str, Any]] = []
        self.current: dict[str, Any] | None = None  # the item being streamed
        self.calls: dict[int, dict[str, Any]] = {}  # tool-call index → its item
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] | None = None
        self.extra: dict[str, Any] = {}
        self.hidden_reasoning = hidden_reasoning
        self.finish = finish

    def _event(self, kind: str, **fields: Any) -> bytes:
        payload = {"type": kind, "sequence_number": self.seq, **fields}
        self.seq += 1
        return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(payload) + b"\n\n"

    def _snapshot(self, status: str, **kw: Any) -> dict[str, Any]:
        out = response_object(self.body, response_id=self.id, model=self.model, status=status, **kw)
        out.update(self.extra)
        return out

    async def events(self, chat: AsyncIterator[bytes]) -> AsyncGenerator[bytes, None]:
        yield self._event("response.created", response=self._snapshot("in_progress"))
        yield self._event("response.in_progress", response=self._snapshot("in_progress"))
        failed: dict[str, Any] | None = None
        async for frame in chat:
            if frame.startswith(b":"):
                yield frame  # keep-alive while the model reasons
                continue
            for line in frame.split(b"\n"):
                if not line.startswith(b"data: "):
                    continue
                data = line[6:]
                if data == b"[DONE]":
                    continue
                obj = orjson.loads(data)
                if "error" in obj:
                    err = obj["error"] if isinstance(obj["error"], dict) else {}
                    failed = {
                        "code": err.get("code") or "server_error",
                        "message": err.get("message") or "the answer failed",
                        "param": err.get("param"),
                    }
                    continue
                for key in ("labgate_label", "labgate_report"):
                    if key in obj:
                        self.extra[key] = obj[key]
                if obj.get("usage"):
                    self.usage = obj["usage"]
                for choice in obj.get("choices") or ():
                    if choice.get("index", 0) != 0:
                        continue
                    for event in self._delta(choice.get("delta") or {}):
                        yield event
                    if choice.get("finish_reason"):
                        self.finish_reason = choice["finish_reason"]
        for event in self._close():
            yield event
        if self.hidden_reasoning is not None:
            encrypted = self.hidden_reasoning()
            if encrypted is not None:
                item = {
                    "id": new_item_id("rs"),
                    "type": "reasoning",
                    "summary": [],
                    "encrypted_content": encrypted,
                }
                index = len(self.output)
                self.output.append(item)
                yield self._event("response.output_item.added", output_index=index, item=item)
                yield self._event("response.output_item.done", output_index=index, item=item)
        usage = usage_of(self.usage) if self.usage else None
        if failed is not None:
            yield self._event("error", **failed)
            failed.pop("param")
            final = self._snapshot("failed", output=self.output, usage=usage, error=failed)
            yield self._event("response.failed", response=final)
            return
        status, incomplete = status_of(self.finish_reason)
        final = self._snapshot(status, incomplete=incomplete, output=self.output, usage=usage)
        if self.finish is not None:
            await self.finish(final)
        kind = "response.completed" if status == "completed" else "response.incomplete"
        yield self._event(kind, response=final)

    # -- items --------------------------------------------------------------------------------

    def _delta(self, delta: dict[str, Any]) -> list[bytes]:
        events: list[bytes] = []
        reasoning = delta.get("reasoning_content")
        if reasoning:
            if self.current is None or self.current["type"] != "reasoning":
                events += self._close()
                events += self._open_reasoning()
            self.current["_text"].append(reasoning)  # type: ignore[index]
            events.append(
                self._event(
                    "response.reasoning_summary_text.delta",
                    item_id=self.current["id"],  # type: ignore[index]
                    output_index=len(self.output) - 1,
                    summary_index=0,
                    delta=reasoning,
                )
            )
        content = delta.get("content")
        if content:
            if self.current is None or self.current["type"] != "message":
                events += self._close()
                events += self._open_message()
            self.current["_text"].append(content)  # type: ignore[index]
            events.append(
                self._event(
                    "response.output_text.delta",
                    item_id=self.current["id"],  # type: ignore[index]
                    output_index=len(self.output) - 1,
                    content_index=0,
                    delta=content,
                    logprobs=[],
                )
            )
        for call in delta.get("tool_calls") or ():
            index = call.get("index", 0)
            fn = call.get("function") or {}
            item = self.calls.get(index)
            if item is None or item is not self.current:
                if item is None:
                    events += self._close()
                    item = function_call_item(
                        str(call.get("id") or new_item_id("call")),
                        str(fn.get("name") or ""),
                        "",
                        status="in_progress",
                    )
                    item["_text"] = []
                    self.calls[index] = item
                    self.current = item
                    self.output.append(item)
                    events.append(
                        self._event(
                            "response.output_item.added",
                            output_index=len(self.output) - 1,
                            item=_public(item),
                        )
                    )
            pieces = fn.get("arguments")
            if pieces and "_text" in item:
                item["_text"].append(pieces)
                events.append(
                    self._event(
                        "response.function_call_arguments.delta",
                        item_id=item["id"],
                        output_index=self.output.index(item),
                        delta=pieces,
                    )
                )
        return events

    def _open_message(self) -> list[bytes]:
        item = message_item("", status="in_progress")
        item["content"] = []
        item["_text"] = []
        self.current = item
        self.output.append(item)
        index = len(self.output) - 1
        part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
        return [
            self._event("response.output_item.added", output_index=index, item=_public(item)),
            self._event(
                "response.content_part.added",
                item_id=item["id"],
                output_index=index,
                content_index=0,
                part=part,
            ),
        ]

    def _open_reasoning(self) -> list[bytes]:
        item: dict[str, Any] = {
            "id": new_item_id("rs"),
            "type": "reasoning",
            "summary": [],
            "_text": [],
        }
        self.current = item
        self.output.append(item)
        index = len(self.output) - 1
        return [
            self._event("response.output_item.added", output_index=index, item=_public(item)),
            self._event(
                "response.reasoning_summary_part.added",
                item_id=item["id"],
                output_index=index,
                summary_index=0,
                part={"type": "summary_text", "text": ""},
            ),
        ]

    def _close(self) -> list[bytes]:
        """Close the item being streamed, and any tool calls still open."""
        events: list[bytes] = []
        for item in self.output:
            if "_text" not in item:
                continue
            text = "".join(item.pop("_text"))
            index = self.output.index(item)
            if item["type"] == "message":
                part = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
                item["content"] = [part]
                item["status"] = "completed"
                events += [
                    self._event(
                        "response.output_text.done",
                        item_id=item["id"],
                        output_index=index,
                        content_index=0,
                        text=text,
                        logprobs=[],
                    ),
                    self._event(
                        "response.content_part.done",
                        item_id=item["id"],
                        output_index=index,
                        content_index=0,
                        part=part,
                    ),
                ]
            elif item["type"] == "reasoning":
                part = {"type": "summary_text", "text": text}
                item["summary"] = [part]
                events += [
                    self._event(
                        "response.reasoning_summary_text.done",
                        item_id=item["id"],
                        output_index=index,
                        summary_index=0,
                        text=text,
                    ),
                    self._event(
                        "response.reasoning_summary_part.done",
                        item_id=item["id"],
                        output_index=index,
                        summary_index=0,
                        part=part,
                    ),
                ]
            else:
                item["arguments"] = text
                item["status"] = "completed"
                events.append(
                    self._event(
                        "response.function_call_arguments.done",
                        item_id=item["id"],
                        output_index=index,
                        name=item["name"],
                        arguments=text,
                    )
                )
            events.append(self._event("response.output_item.done", output_index=index, item=item))
        self.current = None
        return events


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_")}
