"""The embedded model worker: llama.cpp's OpenAI-compatible server (``llama-cpp-python``).

Run as its own process: ``python -m labgate.worker.embedded --model-path FILE --port P``.
It serves ``/v1/models``, ``/v1/chat/completions`` and ``/v1/completions``.

Gemma 3 270M as packaged is a small base model; asked with a bare chat template it tends to
ramble or continue the user's text. The ``labgate-qa`` chat format frames the conversation as a
short transcript with one worked example and stops at the next speaker's turn, which makes it
answer a chat turn with a short, on-topic reply.

llama-cpp-python's server sends no ``usage`` in a stream, and the gateway would then have to
guess the prompt's size from the user's text alone, missing the preamble above (5 tokens
counted against 72 used, for a one-line question). So this worker ends every stream with
the usage chunk that OpenAI sends for ``stream_options.include_usage`` (``choices`` empty),
counted from the tokens llama.cpp really evaluated and sampled: the same figures as the
plain answer to the same request (:func:`_add_stream_usage`). The gateway always asks its
workers for that chunk.

Two defaults of that server would cut answers short, and are changed here. It interrupts a
stream in progress whenever another request waits for the model (``interrupt_requests``):
the stream ends with ``[DONE]`` and no ``finish_reason``, half an answer that looks finished.
Here the second request waits its turn instead. And its ``GET /v1/models`` waits for the
model's lock too, so the gateway's health probe (every 5 s) both cut streams and, without
the interruption, would wait behind a long answer and mark a busy worker as down;
:class:`_Front` answers that route without the lock (and refuses, with a 400, the
request bodies that server would answer with a 500). A stream the model refuses before
its first token (a prompt longer than the context) ended with no event at all after its 200,
which the gateway took for a broken worker (503); it now carries an error event, as vLLM's
do, and the gateway answers the client 400.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from typing import Any

PREAMBLE = (
    "The following is a conversation with a helpful, knowledgeable assistant. The assistant "
    "answers each question directly, correctly and briefly.\n\n"
    "User: What is the boiling point of water at sea level?\n"
    "Assistant: Water boils at 100 degrees Celsius (212 degrees Fahrenheit) at sea level.\n\n"
)
STOPS = ["\nUser:", "\n\nUser", "User:", "\nAssistant:"]


def format_conversation(messages: list[dict[str, Any]]) -> str:
    """Render chat messages as a transcript that ends where the assistant should speak."""
    parts = [PREAMBLE]
    for m in messages:
        content = m.get("content") or ""
        if isinstance(content, list):
            content = "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        role = m.get("role")
        if role in ("system", "developer"):
            parts.append(f"{content.strip()}\n\n")
        elif role == "assistant":
            parts.append(f"Assistant: {content.strip()}\n\n")
        else:
            parts.append(f"User: {content.strip()}\n")
    parts.append("Assistant:")
    return "".join(parts)


def _register_chat_format() -> None:
    from llama_cpp import llama_chat_format as lcf

    @lcf.register_chat_format("labgate-qa")
    def _labgate_qa(messages: list[dict[str, Any]], **_: Any) -> Any:
        return lcf.ChatFormatterResponse(prompt=format_conversation(messages), stop=STOPS)


class _Counts:
    """What one generation evaluated and sampled (filled in by the patched ``generate``)."""

    def __init__(self) -> None:
        self.prompt: int | None = None
        self.completion = 0


def _add_stream_usage() -> None:
    """Make ``Llama``'s streams end with a usage chunk (see the module's docstring).

    ``Llama.generate`` is handed the prompt's tokens (BOS and all, exactly as evaluated) and
    yields each sampled token; every one but the end-of-generation token is part of the
    completion, as in the plain answer's ``usage``. The server serves one request at a time
    per model (its lock is held until a stream's last chunk), so the counts of the stream in
    progress live on the ``Llama`` object. A chat completion calls ``create_completion``
    inside: only the outer call adds the chunk."""
    import llama_cpp
    from llama_cpp import Llama

    generate = Llama.generate
    create_completion = Llama.create_completion
    create_chat_completion = Llama.create_chat_completion

    def counting_generate(self: Any, tokens: Any, *args: Any, **kwargs: Any) -> Iterator[int]:
        counts: _Counts | None = getattr(self, "_labgate_counts", None)
        if counts is not None:
            counts.prompt = len(tokens)
        for token in generate(self, tokens, *args, **kwargs):
            if counts is not None and not llama_cpp.llama_vocab_is_eog(self._model.vocab, token):
                counts.completion += 1
            yield token

    def with_usage(self: Any, chunks: Any) -> Iterator[dict[str, Any]]:
        counts = _Counts()
        self._labgate_counts = counts
        last: dict[str, Any] | None = None
        chunks = iter(chunks)
        try:
            try:
                first = next(chunks)
            except StopIteration:
                return
            except ValueError as exc:
                # refused before the first token (a prompt longer than the context): the
                # server has already answered 200, so say it as vLLM does, in an error event
                yield {"error": {"message": str(exc), "type": "BadRequestError", "code": 400}}
                return
            last = first
            yield first
            for chunk in chunks:
                last = chunk
                yield chunk
        finally:
            if getattr(self, "_labgate_counts", None) is counts:
                self._labgate_counts = None
        if last is not None and counts.prompt is not None:
            yield {
                **{k: last[k] for k in ("id", "object", "created", "model") if k in last},
                "choices": [],
                "usage": {
                    "prompt_tokens": counts.prompt,
                    "completion_tokens": counts.completion,
                    "total_tokens": counts.prompt + counts.completion,
                },
            }

    def chat_with_usage(self: Any, *args: Any, **kwargs: Any) -> Any:
        self._labgate_inner = True  # its create_completion adds nothing
        try:
            result = create_chat_completion(self, *args, **kwargs)
        finally:
            self._labgate_inner = False
        return with_usage(self, result) if kwargs.get("stream") else result

    def completion_with_usage(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = create_completion(self, *args, **kwargs)
        if kwargs.get("stream") and not getattr(self, "_labgate_inner", False):
            return with_usage(self, result)
        return result

    Llama.generate = counting_generate  # type: ignore[method-assign,assignment]
    Llama.create_completion = completion_with_usage  # type: ignore[method-assign,assignment]
    Llama.create_chat_completion = chat_with_usage  # type: ignore[method-assign,assignment]


async def _send_json(send: Any, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _refusal(message: str, param: str | None = None) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": "invalid_request_error",
            "param": param,
            "code": None,
        }
    }


class _Front:
    """ASGI front of llama-cpp-python's app (see the module's docstring).

    * ``GET /v1/models`` is answered here, without the model's lock (the model is loaded
      before the server listens, so the list is fixed).
    * Completion requests are checked here first, against the server's own request models
      (``requests``: path to pydantic model). That server answers **500** for a body it
      cannot validate, which a gateway must take for a broken worker: one client's odd
      request (a ``developer`` message, a ``seed`` that is not a number) would turn into
      503s, and three in a row would open the worker's circuit breaker for everyone. Here
      such a body gets a 400 in the OpenAI shape. ``developer`` messages, which OpenAI's SDKs
      send to reasoning models, become ``system`` ones (the prompt format treats them
      alike); ``n`` above 1 and several prompts in one request, which this server would
      ignore or crash on, are refused with a 400 too; a ``json_schema`` response format
      becomes the server's own ``json_object`` with that schema (a grammar), so structured
      output works.
    """

    def __init__(self, app: Any, alias: str, requests: dict[str, Any] | None = None) -> None:
        self.app = app
        self.requests = requests or {}
        self.models = json.dumps(
            {
                "object": "list",
                "data": [{"id": alias, "object": "model", "owned_by": "me", "permissions": []}],
            }
        ).encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"].rstrip("/")
        if scope["method"] == "GET" and path == "/v1/models":
            await _send_json(send, 200, self.models)
            return
        model = self.requests.get(path) if scope["method"] == "POST" else None
        if model is None:
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        checked = self._check(b"".join(chunks), model)
        if isinstance(checked, tuple):
            await _send_json(send, 400, json.dumps(_refusal(*checked)).encode())
            return
        body = json.dumps(checked).encode()
        scope = {
            **scope,
            "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
            + [(b"content-length", str(len(body)).encode())],
        }
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    def _check(raw: bytes, model: Any) -> dict[str, Any] | tuple[str, str | None]:
        """The body to pass on, or ``(message, param)`` for a 400."""
        from pydantic import ValidationError

        try:
            data = json.loads(raw)
        except ValueError as exc:
            return f"the body is not valid JSON: {exc}", None
        if not isinstance(data, dict):
            return "the body must be a JSON object", None
        for message in data.get("messages") or []:
            if isinstance(message, dict) and message.get("role") == "developer":
                message["role"] = "system"
        _json_schema_as_llama_format(data)
        n = data.get("n")
        if isinstance(n, int) and n > 1:
            return "this model's worker (llama.cpp) returns one choice: ask with n = 1", "n"
        prompt = data.get("prompt")
        if isinstance(prompt, list) and len(prompt) > 1:
            return "this model's worker (llama.cpp) takes one prompt per request", "prompt"
        try:
            model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            param = ".".join(str(part) for part in first["loc"])
            return f"{param}: {first['msg']}", param
        return data


def _json_schema_as_llama_format(data: dict[str, Any]) -> None:
    """OpenAI's ``response_format: {"type": "json_schema", "json_schema": {"schema": S}}``
    (LangChain's ``with_structured_output``, the SDK's ``parse``) in the form llama.cpp's
    server takes, ``{"type": "json_object", "schema": S}``: it then constrains the answer with
    a grammar built from the schema. That server refuses the OpenAI form with a 400."""
    fmt = data.get("response_format")
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        return
    spec = fmt.get("json_schema")
    schema = spec.get("schema") if isinstance(spec, dict) else None
    data["response_format"] = (
        {"type": "json_object", "schema": schema}
        if isinstance(schema, dict)
        else {"type": "json_object"}
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m labgate.worker.embedded",
        description="Serve a GGUF model over an OpenAI-compatible API with llama.cpp.",
    )
    parser.add_argument("--model-path", required=True, help="GGUF file to serve")
    parser.add_argument("--model-alias", default="gemma-3-270m", help="model name it answers to")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--n-ctx", type=int, default=2048)
    parser.add_argument("--threads", type=int, default=0, help="0: all cores")
    parser.add_argument("--chat-format", default="labgate-qa")
    args = parser.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import uvicorn
    from llama_cpp.server.app import create_app
    from llama_cpp.server.settings import ModelSettings, ServerSettings
    from llama_cpp.server.types import CreateChatCompletionRequest, CreateCompletionRequest

    _register_chat_format()
    _add_stream_usage()
    threads = args.threads or os.cpu_count() or 1
    app = create_app(
        # a waiting request must not cut the stream in progress short
        server_settings=ServerSettings(host=args.host, port=args.port, interrupt_requests=False),
        model_settings=[
            ModelSettings(
                model=args.model_path,
                model_alias=args.model_alias,
                chat_format=args.chat_format,
                n_ctx=args.n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                verbose=False,
            )
        ],
    )
    uvicorn.run(
        _Front(
            app,
            args.model_alias,
            {
                "/v1/chat/completions": CreateChatCompletionRequest,
                "/v1/completions": CreateCompletionRequest,
            },
        ),
        host=args.host,
        port=args.port,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
