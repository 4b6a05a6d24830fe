"""Request schemas of the OpenAI-compatible routes.

Only what labgate must understand is declared; every other OpenAI parameter (``seed``,
``tools``, ``response_format``, ``logprobs``…) is kept as an extra field and forwarded to the
worker untouched, so clients keep working as the API grows. The exceptions are the engines'
own parameters that would go around labgate (a client's chat template, an adapter, a queue
priority, code on the worker: :data:`_WITHHELD`), refused with a 400 that says why. Bodies
are validated straight from bytes with pydantic-core (no intermediate ``dict``), and any
failure becomes a 400 in the OpenAI shape naming the offending parameter.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from labgate.api.errors import APIError
from labgate.visible import ASSISTANT_PART_TYPES, TEXT_PART_TYPES, content_text

Role = Literal["system", "developer", "user", "assistant", "tool", "function"]


class Message(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)

    role: Role
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None

    def text(self) -> str:
        """The message's text (the text parts of a multi-part content, one per line)."""
        return content_text(self.content)


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    include_usage: bool = False


class _Common(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)

    model: str = Field(min_length=1, max_length=256)
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, ge=0.0, le=1.0)
    n: int = Field(default=1, ge=1, le=8)
    stop: str | list[str] | None = None
    presence_penalty: float | None = Field(default=None, ge=-2.0, le=2.0)
    frequency_penalty: float | None = Field(default=None, ge=-2.0, le=2.0)
    user: str | None = None

    @field_validator("stop")
    @classmethod
    def _stop(cls, v: str | list[str] | None) -> str | list[str] | None:
        if isinstance(v, list) and len(v) > 4:
            raise ValueError("at most 4 stop sequences")
        return v


class ChatCompletionRequest(_Common):
    messages: list[Message] = Field(min_length=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high"] | None = None

    @property
    def requested_max_tokens(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens


class CompletionRequest(_Common):
    # Any, checked below: a union would answer a token-id prompt with "prompt.str: Input
    # should be a valid string", naming a branch of the type instead of the problem
    prompt: Any
    echo: bool = False

    @field_validator("prompt")
    @classmethod
    def _prompt(cls, v: Any) -> str | list[str]:
        if not isinstance(v, str | list) or (
            isinstance(v, list) and not all(isinstance(p, str) for p in v)
        ):
            raise ValueError(
                "prompt must be text: a string or a list of strings (token-id prompts are "
                "not accepted: the guardrail screens text, and the audit log keeps it)"
            )
        if not v or not any(v):
            raise ValueError("prompt must not be empty")
        return v

    @property
    def requested_max_tokens(self) -> int | None:
        return self.max_tokens


def _describe(err: ValidationError) -> APIError:
    first = err.errors(include_url=False)[0]
    kind = first.get("type", "")
    if kind in ("json_invalid", "json_type"):
        return APIError(
            400,
            "the request body is not valid JSON; send a JSON object with Content-Type: "
            "application/json",
            code="invalid_json",
        )
    loc = [str(p) for p in first.get("loc", ())]
    if len(loc) > 3 and loc[0] == "messages" and loc[2] == "content":
        # a branch of the content union ("content.str", "content.list[dict[str,any]]"): say
        # what content may be instead of naming the type's branches
        return APIError(
            400,
            f"messages[{loc[1]}].content must be a string or a list of content parts such as "
            '{"type": "text", "text": "..."}',
            code="invalid_value",
            param=f"messages.{loc[1]}.content",
        )
    param = ".".join(loc) if loc else None
    if kind == "missing":
        message = f"missing required parameter: {param}"
        code = "missing_required_parameter"
    elif param == "messages" and kind == "too_short":
        message = "messages must contain at least one message"
        code = "empty_array"
    elif param is None:
        message = f"the request body must be a JSON object ({first.get('msg')})"
        code = "invalid_type"
    else:
        msg = str(first.get("msg", "is not valid")).removeprefix("Value error, ")
        message = f"invalid value for {param}: {msg}"
        code = "invalid_value"
    return APIError(400, message, "invalid_request_error", code, param)


# Engine parameters a client must not set (vLLM's and SGLang's extras): each would change
# what the model reads, which model answers, or in what order, behind labgate's back.
_WITHHELD = {
    "chat_template": "a template of the client's own builds a prompt the guardrail never read",
    "priority": "the order of work is labgate's fair-share scheduler's to set",
    "lora_path": "an adapter would answer with a model nobody approved",
    "logits_processors": "it runs code of the client's choosing on the worker",
    "custom_logit_processor": "it runs code of the client's choosing on the worker",
    "kv_transfer_params": "it is the engines' own traffic between prefill and decode",
    "vllm_xargs": "it reaches the engine's internals",
    "bootstrap_host": "it is the engines' own traffic between prefill and decode",
    "bootstrap_port": "it is the engines' own traffic between prefill and decode",
    "bootstrap_room": "it is the engines' own traffic between prefill and decode",
}


def _check_extras(extra: dict[str, Any] | None) -> None:
    """Refuse the engine parameters in :data:`_WITHHELD`; ``chat_template_kwargs`` may only
    switch things (true/false or numbers, as Qwen3's ``enable_thinking``), never bring text or
    a template of its own into the prompt."""
    if not extra:
        return
    for name in _WITHHELD.keys() & extra.keys():
        raise APIError(
            400,
            f"{name} is not passed to the model's workers: {_WITHHELD[name]}",
            code="unsupported_parameter",
            param=name,
        )
    kwargs = extra.get("chat_template_kwargs")
    if kwargs is None:
        return
    if not isinstance(kwargs, dict) or not all(
        isinstance(v, bool | int | float) for v in kwargs.values()
    ):
        raise APIError(
            400,
            "chat_template_kwargs may only hold true/false or numbers (such as "
            '{"enable_thinking": false}): text or a template there would reach the model '
            "unscreened",
            code="unsupported_value",
            param="chat_template_kwargs",
        )


# a run of 19 digits or more in the body: perhaps an integer JSON encoders cannot write. Found
# by mapping digits to "1" and the rest to "0" and searching for 19 ones: 3 us for a 1 KB body
# and 2.2 ms for 1 MB, where a regular expression took 22 us and 20 ms
_DIGITS = bytes(0x31 if 0x30 <= i <= 0x39 else 0x30 for i in range(256))
_LONG_RUN = b"1" * 19
_INT_RANGE = (-(2**63), 2**64 - 1)  # what orjson (and the workers' parsers) can carry


def _out_of_range(value: Any, path: str) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return path if not _INT_RANGE[0] <= value <= _INT_RANGE[1] else None
    items: Any = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        found = _out_of_range(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


def _check_integers(body: bytes, req: BaseModel) -> None:
    """An integer beyond 64 bits anywhere (``seed: 10**20``) is a 400 naming it: passed on,
    it could not be written to the worker (it was a 500, unrecorded). The body is walked only
    when it holds a long run of digits (a scan in C; most bodies have none)."""
    if _LONG_RUN not in body.translate(_DIGITS):
        return
    param = _out_of_range(req.model_dump(exclude_none=True), "")
    if param is not None:
        raise APIError(
            400,
            f"invalid value for {param}: an integer beyond the 64-bit range "
            f"({_INT_RANGE[0]} to {_INT_RANGE[1]}) cannot be passed to a model worker",
            code="invalid_value",
            param=param,
        )


# the models' own validators and serializers, called directly: ``model_validate_json`` and
# ``model_dump`` are Python wrappers around them that cost as much again for a small body
_validate_chat = ChatCompletionRequest.__pydantic_validator__.validate_json
_validate_completion = CompletionRequest.__pydantic_validator__.validate_json


def worker_payload(req: ChatCompletionRequest | CompletionRequest) -> dict[str, Any]:
    """``req.model_dump(exclude_none=True)``, through the model's serializer directly."""
    payload: dict[str, Any] = req.__pydantic_serializer__.to_python(req, exclude_none=True)
    return payload


def parse_chat(body: bytes) -> ChatCompletionRequest:
    try:
        req: ChatCompletionRequest = _validate_chat(body)
    except ValidationError as exc:
        raise _describe(exc) from None
    _check_extras(req.model_extra)
    _check_integers(body, req)
    for i, m in enumerate(req.messages):
        if m.content is None and m.role not in ("assistant", "function"):
            # only an assistant turn that called tools (or a legacy function result) may come
            # without content, as in OpenAI's API
            raise APIError(
                400,
                f"messages[{i}] is a {m.role} message without content",
                code="missing_required_parameter",
                param=f"messages.{i}.content",
            )
        if isinstance(m.content, list):
            if not m.content and m.role != "assistant":
                raise APIError(
                    400,
                    f"messages[{i}].content is an empty list; give at least one text part",
                    code="empty_array",
                    param=f"messages.{i}.content",
                )
            _check_parts(i, m.role, m.content)
    return req


def _check_parts(i: int, role: str, parts: list[dict[str, Any]]) -> None:
    """Content parts must be text: the guardrail screens text and the audit log keeps it, so
    an image, audio or a file would reach the model unscreened and unrecorded."""
    allowed = ASSISTANT_PART_TYPES if role == "assistant" else TEXT_PART_TYPES
    for j, part in enumerate(parts):
        kind = part.get("type")
        if kind not in allowed:
            raise APIError(
                400,
                f"messages[{i}].content[{j}] is a part of type {kind!r}; labgate accepts "
                f"text parts only ({', '.join(sorted(allowed))}): its guardrail screens text "
                "and its audit log keeps text, so images, audio and files are not passed on",
                code="unsupported_value",
                param=f"messages.{i}.content.{j}.type",
            )
        field = "refusal" if kind == "refusal" else "text"
        if not isinstance(part.get(field), str):
            raise APIError(
                400,
                f"messages[{i}].content[{j}] is a {kind} part without a string {field!r}",
                code="invalid_value",
                param=f"messages.{i}.content.{j}.{field}",
            )


def parse_completion(body: bytes) -> CompletionRequest:
    try:
        req: CompletionRequest = _validate_completion(body)
    except ValidationError as exc:
        raise _describe(exc) from None
    _check_extras(req.model_extra)
    _check_integers(body, req)
    return req
