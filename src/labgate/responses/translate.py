"""Responses API ⇄ chat completions: the pure translation, no I/O.

A Responses request becomes a chat request (:func:`chat_body`) that goes down the one chat
path; the chat answer (a dict, or its SSE stream) comes back as a Response object
(:func:`response_object`) or Responses stream events (``stream.py``). What a Responses request
may carry that the chat path cannot (hosted tools, background runs, server-side conversations,
stored prompts, images and files) is refused with a 400 naming it.
"""

from __future__ import annotations

import os
import time
from typing import Any

from labgate.access.decision import LABEL_FIELD
from labgate.api.errors import APIError

# Responses-only fields the translation consumes or drops (not forwarded to the chat path)
_CONSUMED = frozenset(
    {
        "input",
        "instructions",
        "previous_response_id",
        "store",
        "tools",
        "tool_choice",
        "reasoning",
        "max_output_tokens",
        "text",
        "include",
        "metadata",
        "truncation",
        "stream_options",
        "prompt_cache_key",
        "safety_identifier",
        "max_tool_calls",
        "top_logprobs",
        "client_metadata",
    }
)
_REFUSED = {
    "background": "background responses are not served: ask with stream or wait for the answer",
    "conversation": "server-side conversations are not served: chain turns with "
    "previous_response_id",
    "prompt": "stored prompt templates are not served: send instructions and input",
}
_INCLUDES = frozenset(
    {"reasoning.encrypted_content", "message.output_text.logprobs", "message.input_image.image_url"}
)
_TEXT_PARTS = frozenset({"input_text", "output_text", "text"})
EFFORTS = ("none", "minimal", "low", "medium", "high")


def bad(message: str, param: str | None = None, code: str = "invalid_value") -> APIError:
    return APIError(400, message, "invalid_request_error", code, param)


def new_item_id(prefix: str) -> str:
    return f"{prefix}_{os.urandom(12).hex()}"


def check_request(body: Any) -> dict[str, Any]:
    """The request's own checks (types of the Responses-only fields); the chat path checks the
    rest once translated."""
    if not isinstance(body, dict):
        raise bad("the request body must be a JSON object", code="invalid_type")
    for name, why in _REFUSED.items():
        if body.get(name) not in (None, False):
            raise bad(f"{name}: {why}", param=name, code="unsupported_parameter")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise bad("missing required parameter: model", "model", "missing_required_parameter")
    if "input" not in body and not body.get("previous_response_id"):
        raise bad("missing required parameter: input", "input", "missing_required_parameter")
    for name, kind in (
        ("instructions", str),
        ("previous_response_id", str),
        ("store", bool),
        ("stream", bool),
        ("parallel_tool_calls", bool),
        ("metadata", dict),
        ("reasoning", dict),
        ("text", dict),
        ("include", list),
        ("tools", list),
        ("truncation", str),
    ):
        value = body.get(name)
        if value is not None and not isinstance(value, kind):
            raise bad(f"invalid type for {name}: expected {kind.__name__}", name, "invalid_type")
    mot = body.get("max_output_tokens")
    if mot is not None and (not isinstance(mot, int) or isinstance(mot, bool) or mot < 1):
        raise bad("max_output_tokens must be a positive integer", "max_output_tokens")
    if body.get("truncation") not in (None, "auto", "disabled"):
        raise bad("truncation must be 'auto' or 'disabled'", "truncation")
    for i, inc in enumerate(body.get("include") or ()):
        if inc not in _INCLUDES:
            raise bad(f"include[{i}] {inc!r} is not supported", f"include.{i}", "unsupported_value")
    meta = body.get("metadata") or {}
    if len(meta) > 16 or not all(
        isinstance(k, str) and len(k) <= 64 and isinstance(v, str) and len(v) <= 512
        for k, v in meta.items()
    ):
        raise bad(
            "metadata holds at most 16 string values (keys up to 64, values up to 512 chars)",
            "metadata",
        )
    effort = (body.get("reasoning") or {}).get("effort")
    if effort is not None and effort not in EFFORTS:
        raise bad(f"reasoning.effort must be one of {', '.join(EFFORTS)}", "reasoning.effort")
    return body


def normalise_input(raw: Any) -> list[dict[str, Any]]:
    """The input as a list of typed items, each with an id (as ``input_items`` lists them)."""
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [{"type": "message", "role": "user", "content": raw}]
    if not isinstance(raw, list):
        raise bad("input must be a string or a list of items", "input", "invalid_type")
    items: list[dict[str, Any]] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise bad(f"input[{i}] must be an object", f"input.{i}", "invalid_type")
        kind = item.get("type") or ("message" if "role" in item else None)
        if kind == "message":
            items.append(_message_item(i, item))
        elif kind == "function_call":
            for field in ("call_id", "name", "arguments"):
                if not isinstance(item.get(field), str):
                    raise bad(
                        f"input[{i}] is a function_call without a string {field}",
                        f"input.{i}.{field}",
                        "missing_required_parameter",
                    )
            items.append(
                {
                    "type": "function_call",
                    "id": item.get("id") or new_item_id("fc"),
                    "call_id": item["call_id"],
                    "name": item["name"],
                    "arguments": item["arguments"],
                    "status": "completed",
                }
            )
        elif kind == "function_call_output":
            if not isinstance(item.get("call_id"), str):
                raise bad(
                    f"input[{i}] is a function_call_output without a string call_id",
                    f"input.{i}.call_id",
                    "missing_required_parameter",
                )
            output = item.get("output")
            if isinstance(output, list):
                output = _parts_text(i, output)
            if not isinstance(output, str):
                raise bad(
                    f"input[{i}].output must be a string or a list of text parts",
                    f"input.{i}.output",
                    "invalid_type",
                )
            items.append(
                {
                    "type": "function_call_output",
                    "id": item.get("id") or new_item_id("fco"),
                    "call_id": item["call_id"],
                    "output": output,
                    "status": "completed",
                }
            )
        elif kind == "reasoning":
            summary = item.get("summary") or []
            enc = item.get("encrypted_content")
            if not isinstance(summary, list) or (enc is not None and not isinstance(enc, str)):
                raise bad(f"input[{i}] is not a valid reasoning item", f"input.{i}")
            items.append(
                {
                    "type": "reasoning",
                    "id": item.get("id") or new_item_id("rs"),
                    "summary": summary,
                    **({"encrypted_content": enc} if enc else {}),
                }
            )
        else:
            raise bad(
                f"input[{i}] is an item of type {kind!r}; labgate accepts messages, "
                "function_call, function_call_output and reasoning items",
                f"input.{i}.type",
                "unsupported_value",
            )
    return items


def _parts_text(i: int, parts: list[Any]) -> str:
    texts = []
    for j, part in enumerate(parts):
        kind = part.get("type") if isinstance(part, dict) else None
        field = "refusal" if kind == "refusal" else "text"
        if kind not in _TEXT_PARTS and kind != "refusal":
            raise bad(
                f"input[{i}].content[{j}] is a part of type {kind!r}; labgate accepts text "
                "parts only: its guardrail screens text and its audit log keeps text, so "
                "images, audio and files are not passed on",
                f"input.{i}.content.{j}.type",
                "unsupported_value",
            )
        if not isinstance(part.get(field), str):
            raise bad(
                f"input[{i}].content[{j}] is a {kind} part without a string {field!r}",
                f"input.{i}.content.{j}.{field}",
            )
        texts.append(part[field])
    return "\n".join(texts)


def _message_item(i: int, item: dict[str, Any]) -> dict[str, Any]:
    role = item.get("role")
    if role not in ("user", "assistant", "system", "developer"):
        raise bad(
            f"input[{i}].role must be user, assistant, system or developer",
            f"input.{i}.role",
        )
    content = item.get("content")
    if isinstance(content, list):
        text = _parts_text(i, content)
    elif isinstance(content, str):
        text = content
    else:
        raise bad(
            f"input[{i}].content must be a string or a list of text parts",
            f"input.{i}.content",
            "invalid_type",
        )
    part_type = "output_text" if role == "assistant" else "input_text"
    out: dict[str, Any] = {
        "type": "message",
        "id": item.get("id") or new_item_id("msg"),
        "role": role,
        "content": [{"type": part_type, "text": text}],
        "status": "completed",
    }
    if LABEL_FIELD in item:
        out[LABEL_FIELD] = item[LABEL_FIELD]
    return out


def item_text(item: dict[str, Any]) -> str:
    return "\n".join(
        str(p.get("text") or p.get("refusal") or "") for p in item.get("content") or ()
    )


def messages_of(
    items: list[dict[str, Any]], label: str | None = None, reasoning_ok: Any = None
) -> list[dict[str, Any]]:
    """Chat messages for typed items. ``label``: the stored label of a chain these items come
    from, put on every turn so the chat path joins it into the conversation's high-water mark.
    ``reasoning_ok(token)``: whether a reasoning item's ``encrypted_content`` is one of ours
    (reasoning is not passed to chat workers: they have no place for it)."""
    messages: list[dict[str, Any]] = []
    for n, item in enumerate(items):
        kind = item["type"]
        msg: dict[str, Any] | None = None
        if kind == "message":
            msg = {"role": item["role"], "content": item_text(item)}
            if LABEL_FIELD in item:
                msg[LABEL_FIELD] = item[LABEL_FIELD]
        elif kind == "function_call":
            call = {
                "id": item["call_id"],
                "type": "function",
                "function": {"name": item["name"], "arguments": item["arguments"]},
            }
            last = messages[-1] if messages else None
            if last is not None and last["role"] == "assistant" and last.get("_calls"):
                last["tool_calls"].append(call)
                continue
            msg = {"role": "assistant", "content": None, "tool_calls": [call], "_calls": True}
        elif kind == "function_call_output":
            msg = {"role": "tool", "tool_call_id": item["call_id"], "content": item["output"]}
        elif kind == "reasoning":
            token = item.get("encrypted_content")
            if token is not None and reasoning_ok is not None and not reasoning_ok(token):
                raise bad(
                    f"input[{n}].encrypted_content was not sealed by this gateway for you",
                    f"input.{n}.encrypted_content",
                )
            continue
        if msg is None:
            continue
        if label is not None:
            msg[LABEL_FIELD] = label
        messages.append(msg)
    for msg in messages:
        msg.pop("_calls", None)
    return messages


def chat_tools(tools: list[Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """The chat tools for a request's function tools, and the types of the tools left out.

    Tools that are not functions (hosted tools such as ``web_search``, a ``namespace`` of a
    client's sub-agents, ``custom`` free-form tools) have no place in a chat request: they
    are left out, and the answer's ``X-Labgate-Tools-Left-Out`` header names them, so a
    client that offers them (Codex CLI offers ``web_search`` and a ``namespace``) still works,
    with the tools a chat worker can call."""
    out, left_out = [], []
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict) or not isinstance(tool.get("type"), str):
            raise bad(f"tools[{i}] must be an object with a type", f"tools.{i}", "invalid_type")
        if tool["type"] != "function":
            left_out.append(tool["type"][:64])
            continue
        if not isinstance(tool.get("name"), str) or not tool["name"]:
            raise bad(f"tools[{i}] has no name", f"tools.{i}.name", "missing_required_parameter")
        fn: dict[str, Any] = {"name": tool["name"]}
        for key in ("description", "parameters", "strict"):
            if tool.get(key) is not None:
                fn[key] = tool[key]
        out.append({"type": "function", "function": fn})
    return out, left_out


def chat_tool_choice(choice: Any) -> Any:
    if choice is None or isinstance(choice, str):
        if choice not in (None, "auto", "none", "required"):
            raise bad("tool_choice must be auto, none, required or a function", "tool_choice")
        return choice
    if isinstance(choice, dict) and choice.get("type") == "function" and choice.get("name"):
        return {"type": "function", "function": {"name": choice["name"]}}
    raise bad("tool_choice must be auto, none, required or a function", "tool_choice")


def response_format(text: dict[str, Any] | None) -> dict[str, Any] | None:
    fmt = (text or {}).get("format")
    if fmt is None:
        return None
    if not isinstance(fmt, dict) or fmt.get("type") not in ("text", "json_object", "json_schema"):
        raise bad("text.format.type must be text, json_object or json_schema", "text.format")
    if fmt["type"] == "text":
        return None
    if fmt["type"] == "json_object":
        return {"type": "json_object"}
    if not isinstance(fmt.get("schema"), dict) or not isinstance(fmt.get("name"), str):
        raise bad("a json_schema format needs a name and a schema object", "text.format")
    schema = {"name": fmt["name"], "schema": fmt["schema"]}
    for key in ("strict", "description"):
        if fmt.get(key) is not None:
            schema[key] = fmt[key]
    return {"type": "json_schema", "json_schema": schema}


def chat_body(body: dict[str, Any], messages: list[dict[str, Any]], stream: bool) -> dict[str, Any]:
    """The chat request for a checked Responses request whose items are already ``messages``."""
    chat: dict[str, Any] = {
        k: v for k, v in body.items() if k not in _CONSUMED and k not in _REFUSED
    }
    chat["messages"] = messages
    chat["stream"] = stream
    if stream:
        chat["stream_options"] = {"include_usage": True}
    if body.get("max_output_tokens") is not None:
        chat["max_completion_tokens"] = body["max_output_tokens"]
    effort = (body.get("reasoning") or {}).get("effort")
    if effort is not None:
        chat["reasoning_effort"] = effort
    tools, _ = chat_tools(body.get("tools") or [])
    if tools:
        chat["tools"] = tools
    choice = chat_tool_choice(body.get("tool_choice"))
    if choice is not None and tools:
        chat["tool_choice"] = choice
    if not tools:
        chat.pop("parallel_tool_calls", None)
    fmt = response_format(body.get("text"))
    if fmt is not None:
        chat["response_format"] = fmt
    return chat


# -- back: a chat answer as a Response -----------------------------------------------------


def output_items(
    *,
    content: str | None,
    calls: list[tuple[str, str, str]],
    reasoning: str,
    show_reasoning: bool,
    encrypted: str | None,
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if reasoning and (show_reasoning or encrypted is not None):
        item: dict[str, Any] = {
            "id": new_item_id("rs"),
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": reasoning}] if show_reasoning else [],
        }
        if encrypted is not None:
            item["encrypted_content"] = encrypted
        items.append(item)
    if content:
        items.append(message_item(content))
    for call_id, name, arguments in calls:
        items.append(function_call_item(call_id, name, arguments))
    return items


def message_item(text: str, status: str = "completed") -> dict[str, Any]:
    return {
        "id": new_item_id("msg"),
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
    }


def function_call_item(
    call_id: str, name: str, arguments: str, status: str = "completed"
) -> dict[str, Any]:
    return {
        "id": new_item_id("fc"),
        "type": "function_call",
        "status": status,
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
    }


def status_of(finish_reason: str | None) -> tuple[str, dict[str, Any] | None]:
    if finish_reason == "length":
        return "incomplete", {"reason": "max_output_tokens"}
    if finish_reason == "content_filter":
        return "incomplete", {"reason": "content_filter"}
    return "completed", None


def usage_of(chat_usage: dict[str, Any] | None) -> dict[str, Any]:
    u = chat_usage or {}
    prompt = int(u.get("prompt_tokens") or 0)
    output = int(u.get("completion_tokens") or 0)
    reasoning = int((u.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0)
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": prompt + output,
    }


def response_object(
    body: dict[str, Any],
    *,
    response_id: str,
    model: str,
    created_at: int | None = None,
    status: str = "in_progress",
    incomplete: dict[str, Any] | None = None,
    output: list[dict[str, Any]] | None = None,
    usage: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    reasoning = body.get("reasoning") or {}
    return {
        "id": response_id,
        "object": "response",
        "created_at": created_at or int(time.time()),
        "status": status,
        "background": False,
        "error": error,
        "incomplete_details": incomplete,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": None,
        "model": model,
        "output": output or [],
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
        "service_tier": "default",
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": body.get("text") or {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p", 1.0),
        "truncation": body.get("truncation", "disabled"),
        "usage": usage,
        "user": body.get("user"),
        "metadata": body.get("metadata") or {},
    }


def from_chat(
    body: dict[str, Any],
    chat: dict[str, Any],
    *,
    response_id: str,
    model: str,
    reasoning: str,
    show_reasoning: bool,
    encrypted: str | None,
) -> dict[str, Any]:
    """The Response for a plain chat answer."""
    choice = (chat.get("choices") or [{}])[0]
    msg = choice.get("message") or {}
    calls = [
        (
            str(c.get("id") or new_item_id("call")),
            str((c.get("function") or {}).get("name") or ""),
            str((c.get("function") or {}).get("arguments") or ""),
        )
        for c in msg.get("tool_calls") or ()
    ]
    status, incomplete = status_of(choice.get("finish_reason"))
    out = response_object(
        body,
        response_id=response_id,
        model=model,
        created_at=chat.get("created"),
        status=status,
        incomplete=incomplete,
        output=output_items(
            content=msg.get("content"),
            calls=calls,
            reasoning=reasoning,
            show_reasoning=show_reasoning,
            encrypted=encrypted,
        ),
        usage=usage_of(chat.get("usage")),
    )
    for key in ("labgate_label", "labgate_report"):
        if key in chat:
            out[key] = chat[key]
    return out
