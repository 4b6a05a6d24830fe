"""The embedded embedding worker: llama.cpp's embedding mode on the packaged GGUF, over an
OpenAI-compatible ``/v1/embeddings``.

llama-cpp-python's own server cannot serve it: its embedding mode has no pooling setting, so a
decoder model such as Gemma 3 answers one vector per token. Here the model is loaded with mean
pooling and each vector is scaled to unit length, as OpenAI's are. It runs as a second child
process beside the chat worker (the same GGUF, loaded a second time), so an embedding never
waits behind a chat answer being generated. One input list at a time (llama.cpp's context is
not shared between threads). Measured on the shared 2-core
development host (load average 5 to 7): 630 MB resident with ``--n-ctx 512``, ready 4 s after
start, 1.5 to 2.3 s for one 12-token input (the same as llama.cpp in-process there); it is a
plumbing model, not a retrieval model.

``python -m labgate.worker.embedding --model-path FILE [--model-alias NAME] [--port P]``
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
from typing import Any


def _unit(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def build_app(model: Any, alias: str) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    lock = asyncio.Lock()

    def error(message: str, status: int = 400) -> JSONResponse:
        kind = "invalid_request_error" if status < 500 else "server_error"
        return JSONResponse(
            {"error": {"message": message, "type": kind, "param": "input", "code": None}},
            status_code=status,
        )

    async def models(_: Request) -> JSONResponse:
        return JSONResponse(
            {
                "object": "list",
                "data": [{"id": alias, "object": "model", "created": 0, "owned_by": "labgate"}],
            }
        )

    def embed(texts: list[str]) -> tuple[list[list[float]], int]:
        tokens = 0
        for text in texts:
            ids = model.tokenize(text.encode(), add_bos=True, special=False)
            if len(ids) > model.n_ctx():
                raise ValueError(
                    f"an input of {len(ids)} tokens is longer than the context ({model.n_ctx()})"
                )
            tokens += len(ids)
        # one call for the whole list: llama.cpp batches the inputs
        vectors = [_unit([float(x) for x in v]) for v in model.embed(texts)]
        return vectors, tokens

    async def embeddings(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            return error("the body is not JSON")
        raw = body.get("input") if isinstance(body, dict) else None
        if isinstance(raw, str):
            raw = [raw]
        elif isinstance(raw, list) and raw and all(isinstance(t, int) for t in raw):
            raw = [raw]
        if not isinstance(raw, list) or not raw:
            return error("input must be a string, a list of strings, or token ids")
        texts = []
        for item in raw:
            if isinstance(item, str):
                texts.append(item)
            elif isinstance(item, list) and all(isinstance(t, int) for t in item):
                texts.append(model.detokenize(item).decode("utf-8", errors="replace"))
            else:
                return error("input must be a string, a list of strings, or token ids")
        async with lock:
            try:
                vectors, tokens = await asyncio.to_thread(embed, texts)
            except ValueError as exc:
                return error(str(exc))
        return JSONResponse(
            {
                "object": "list",
                "data": [
                    {"object": "embedding", "index": i, "embedding": v}
                    for i, v in enumerate(vectors)
                ],
                "model": alias,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )

    return Starlette(
        routes=[
            Route("/v1/models", models, methods=["GET"]),
            Route("/v1/embeddings", embeddings, methods=["POST"]),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m labgate.worker.embedding",
        description="Serve a GGUF model's embeddings over an OpenAI-compatible API.",
    )
    parser.add_argument("--model-path", required=True, help="GGUF file to serve")
    parser.add_argument("--model-alias", default="gemma-3-270m-embed")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9102)
    parser.add_argument("--n-ctx", type=int, default=2048)
    parser.add_argument("--threads", type=int, default=0, help="0: all cores")
    args = parser.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import uvicorn
    from llama_cpp import LLAMA_POOLING_TYPE_MEAN, Llama

    threads = args.threads or os.cpu_count() or 1
    model = Llama(
        model_path=args.model_path,
        embedding=True,
        pooling_type=LLAMA_POOLING_TYPE_MEAN,
        n_ctx=args.n_ctx,
        n_batch=args.n_ctx,
        n_ubatch=args.n_ctx,
        n_threads=threads,
        n_threads_batch=threads,
        verbose=False,
    )
    uvicorn.run(
        build_app(model, args.model_alias), host=args.host, port=args.port, log_level="warning"
    )


if __name__ == "__main__":
    main()
