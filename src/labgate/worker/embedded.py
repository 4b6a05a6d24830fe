"""The embedded model worker: llama.cpp's OpenAI-compatible server (``llama-cpp-python``).

Run as its own process: ``python -m labgate.worker.embedded --model-path FILE --port P``.
It serves ``/v1/models``, ``/v1/chat/completions`` and ``/v1/completions``.

Gemma 3 270M as packaged is a small base model; asked with a bare chat template it tends to
ramble or continue the user's text. The ``labgate-qa`` chat format frames the conversation as a
short transcript with one worked example and stops at the next speaker's turn, which makes it
answer a chat turn with a short, on-topic reply.
"""

from __future__ import annotations

import argparse
import os
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

    _register_chat_format()
    threads = args.threads or os.cpu_count() or 1
    app = create_app(
        server_settings=ServerSettings(host=args.host, port=args.port),
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
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
