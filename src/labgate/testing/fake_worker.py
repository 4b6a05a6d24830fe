"""A test double of an OpenAI-compatible model worker, for tests and benchmarks.

It is not a model: it answers with canned text, fast, and can be told to misbehave so the
gateway's handling of each failure can be shown in isolation. Behaviour is set per process on
the command line, or per request with a ``fake`` field in the body or the ``X-Fake`` header
(comma-separated flags; the gateway forwards unknown body fields, so a client can set them):

* ``think``          wrap a reasoning part in ``<think>…</think>`` before the answer;
* ``split-tags``     stream the tags cut in the middle (``"<thi"``, ``"nk>"``);
* ``native``         put reasoning in ``reasoning_content`` instead of tags;
* ``fail``           answer 500 before any byte;
* ``die-after=N``    in a stream, drop the connection after N chunks;
* ``delay=S``        wait S seconds before answering (per chunk in a stream);
* ``stream-error=C`` in a stream, answer 200 and then only an error event with code C (as
  vLLM and SGLang report a request they cannot serve once the stream has begun);
* ``no-finish``      in a stream, send no ``finish_reason`` before ``[DONE]`` (an answer cut
  short, as llama-cpp-python's server cuts a stream when another request waits);
* ``tool-call``      answer with a call of the tool ``write_notes`` whose ``text`` argument is
  the answer (streamed in pieces of the arguments), ``finish_reason`` ``tool_calls``;
  ``tool-call=llama`` as llama-cpp-python's server sends one: the call also as the legacy
  ``function_call``, and in a stream every delta naming it again; ``tool-call=legacy`` as
  the old functions API: ``function_call`` only;
* ``then-answer``    with ``tool-call``: once the last message is a tool's result, answer
  with text (an agent's loop: call the tool, read its result, answer);
* ``no-usage``       never report usage;
* ``words=N``        answer with N words (N tokens), whatever ``max_tokens`` says: a worker
  that overruns its limit;
* ``set-cookie``     set a cookie on a plain answer (a gateway must not send it back);
* ``echo``           answer with the last message's text, a few characters a chunk (a client's
  rendering of Markdown, code and maths, streamed as a model streams it).

``POST /v1/embeddings`` answers each input (a string, or a list of token ids) with an
8-dimensional unit vector drawn from the input's SHA-256 (the same input, the same vector),
and ``prompt_tokens`` one per word or token id; ``fail`` answers 500, ``garbage`` a body with
no vectors.

**A declared capacity** (for benchmarks that stand in for a GPU worker): ``--slots N`` serves
at most N chat or completion requests at once, as a GPU engine serves a fixed number of
sequences; the others wait in the worker's own first-come queue, as in vLLM's waiting queue,
out of reach of any gateway's scheduler. With ``delay=S`` (a non-streamed answer holds its slot
S seconds) the worker's capacity is exactly N / S requests a second, whatever the host's CPU
(as long as the host can relay that many). ``GET /stats`` reports ``busy``, ``waiting`` and the
most that waited at once (``max_waiting``; ``?reset=1`` starts it again). Without ``--slots``
the worker is unconstrained.

``python -m labgate.testing.fake_worker --port 9101 [--flags think,...] [--model NAME]
[--slots N]``
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import math
import time
import uuid
from typing import Any

import orjson
from aiohttp import web

REASONING = "The user asks a question. I recall the relevant fact and check it."
ANSWER = "Paris is the capital of France."


def _flags(request: web.Request, payload: dict[str, Any], default: str) -> dict[str, str]:
    raw = str(payload.get("fake") or request.headers.get("X-Fake", default))
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        key, _, value = part.partition("=")
        out[key] = value or "1"
    return out


def _notes_call(text: str) -> dict[str, str]:
    return {"name": "write_notes", "arguments": orjson.dumps({"text": text}).decode()}


def _tool_delta(i: int, text: str, shape: str) -> dict[str, Any]:
    """The delta of the ``i``-th streamed piece of the ``write_notes`` call. OpenAI's shape:
    the first delta names the call, the rest carry pieces of its JSON arguments; llama.cpp's
    server names it in every delta and repeats it as ``function_call``."""
    piece = orjson.dumps(text).decode()[1:-1]  # the text escaped as inside a JSON string
    if i == 0:
        piece = '{"text":"' + piece  # as orjson writes the plain answer's arguments
    return _call_delta(piece, named=i == 0 or shape == "llama", shape=shape)


def _call_delta(arguments: str, *, named: bool, shape: str) -> dict[str, Any]:
    fn: dict[str, Any] = {"arguments": arguments}
    if named:
        fn["name"] = "write_notes"
    if shape == "legacy":
        return {"function_call": fn}
    call: dict[str, Any] = {"index": 0, "function": fn}
    if named:
        call.update(id="call_0", type="function")
    delta: dict[str, Any] = {"tool_calls": [call]}
    if shape == "llama":
        delta["function_call"] = dict(fn)
    return delta


def _pieces(flags: dict[str, str], echo: str | None = None) -> list[tuple[str, str]]:
    """The streamed deltas as (kind, text); kind is 'content' or 'reasoning'."""
    if "echo" in flags and echo is not None:
        return [("content", echo[i : i + 7]) for i in range(0, len(echo), 7)] or [("content", "")]
    words = ANSWER.split(" ")
    if "words" in flags:
        words = ["w"] * int(flags["words"])
    answer = [("content", w if i == 0 else " " + w) for i, w in enumerate(words)]
    if "native" in flags:
        return [("reasoning", w + " ") for w in REASONING.split(" ")] + answer
    if "think" not in flags:
        return answer
    thought = [("content", w + " ") for w in REASONING.split(" ")]
    if "split-tags" in flags:
        return (
            [("content", "<thi"), ("content", "nk>")]
            + thought
            + [("content", "</th"), ("content", "ink>"), ("content", "\n\n")]
            + answer
        )
    return [("content", "<think>")] + thought + [("content", "</think>\n\n")] + answer


class FakeWorker:
    def __init__(self, model: str = "fake", flags: str = "", slots: int = 0) -> None:
        self.model = model
        self.flags = flags
        self.slots = slots  # 0: unconstrained
        self._free: asyncio.Semaphore | None = None  # made on the serving loop
        self.busy = 0
        self.waiting = 0
        self.max_waiting = 0
        self.requests = 0
        self.cancelled = 0
        self.last_payload: dict[str, Any] | None = None
        self.last_headers: dict[str, str] = {}
        self.last_cookie_set = ""

    def app(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_get("/v1/models", self.models)
        app.router.add_post("/v1/chat/completions", self.chat)
        app.router.add_post("/v1/completions", self.completions)
        app.router.add_post("/v1/embeddings", self.embeddings)
        app.router.add_get("/stats", self.stats)
        return app

    async def stats(self, request: web.Request) -> web.Response:
        if request.query.get("reset"):  # a benchmark's phase starts: count its own waits
            self.max_waiting = self.waiting
        return web.json_response(
            {
                "requests": self.requests,
                "cancelled": self.cancelled,
                "slots": self.slots,
                "busy": self.busy,
                "waiting": self.waiting,
                "max_waiting": self.max_waiting,
                "last_payload": self.last_payload,
            }
        )

    async def models(self, _: web.Request) -> web.Response:
        return web.json_response(
            {
                "object": "list",
                "data": [{"id": self.model, "object": "model", "created": 0, "owned_by": "fake"}],
            }
        )

    async def embeddings(self, request: web.Request) -> web.Response:
        self.requests += 1
        payload = orjson.loads(await request.read())
        flags = _flags(request, payload, self.flags)
        self.last_payload = payload
        self.last_headers = dict(request.headers)
        if "fail" in flags:
            return web.json_response({"error": {"message": "fake failure"}}, status=500)
        raw = payload.get("input")
        if isinstance(raw, str) or (raw and isinstance(raw[0], int)):
            raw = [raw]
        data, tokens = [], 0
        for i, item in enumerate(raw or ()):
            text = item if isinstance(item, str) else " ".join(map(str, item))
            tokens += len(text.split())
            digest = hashlib.sha256(text.encode()).digest()
            vector = [b / 255 - 0.5 for b in digest[:8]]
            norm = math.sqrt(sum(x * x for x in vector)) or 1.0
            data.append(
                {"object": "embedding", "index": i, "embedding": [x / norm for x in vector]}
            )
        if "garbage" in flags:
            data = [{"object": "embedding", "index": 0, "embedding": "nope"}]
        return web.json_response(
            {
                "object": "list",
                "data": data,
                "model": payload.get("model"),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )

    async def chat(self, request: web.Request) -> web.StreamResponse:
        return await self._answer(request, chat=True)

    async def completions(self, request: web.Request) -> web.StreamResponse:
        return await self._answer(request, chat=False)

    async def _answer(self, request: web.Request, chat: bool) -> web.StreamResponse:
        if not self.slots:
            return await self._answer_now(request, chat)
        if self._free is None:
            self._free = asyncio.Semaphore(self.slots)
        self.waiting += 1
        self.max_waiting = max(self.max_waiting, self.waiting)
        try:
            await self._free.acquire()
        finally:
            self.waiting -= 1
        self.busy += 1
        try:
            return await self._answer_now(request, chat)
        finally:
            self.busy -= 1
            self._free.release()

    async def _answer_now(self, request: web.Request, chat: bool) -> web.StreamResponse:
        self.requests += 1
        payload = orjson.loads(await request.read())
        flags = _flags(request, payload, self.flags)
        self.last_payload = payload
        self.last_headers = dict(request.headers)
        if "fail" in flags:
            return web.json_response({"error": {"message": "fake failure"}}, status=500)
        messages = payload.get("messages") or [{}]
        if "then-answer" in flags and messages[-1].get("role") == "tool":
            flags.pop("tool-call", None)
        delay = float(flags.get("delay", 0) or 0)
        last = messages[-1].get("content") if chat else payload.get("prompt")
        pieces = _pieces(flags, last if isinstance(last, str) else None)
        cid = ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex[:12]
        created = int(time.time())
        usage = {
            "prompt_tokens": 7,
            "completion_tokens": len(pieces),
            "total_tokens": 7 + len(pieces),
        }
        if not payload.get("stream"):
            if delay:
                await asyncio.sleep(delay)
            text = "".join(t for k, t in pieces if k == "content")
            reasoning = "".join(t for k, t in pieces if k == "reasoning")
            message: dict[str, Any]
            choice: dict[str, Any]
            if chat and "tool-call" in flags:
                call = {"id": "call_0", "type": "function", "function": _notes_call(text)}
                message = {"role": "assistant", "content": None, "tool_calls": [call]}
                if flags["tool-call"] == "llama":
                    message["function_call"] = call["function"]
                elif flags["tool-call"] == "legacy":
                    message = {
                        "role": "assistant",
                        "content": None,
                        "function_call": call["function"],
                    }
                choice = {"index": 0, "message": message, "finish_reason": "tool_calls"}
            elif chat:
                message = {"role": "assistant", "content": text}
                if reasoning:
                    message["reasoning_content"] = reasoning
                choice = {"index": 0, "message": message, "finish_reason": "stop"}
            else:
                choice = {"index": 0, "text": text, "finish_reason": "stop"}
            body: dict[str, Any] = {
                "id": cid,
                "object": "chat.completion" if chat else "text_completion",
                "created": created,
                "model": payload.get("model"),
                "choices": [choice],
            }
            if "no-usage" not in flags:
                body["usage"] = usage
            answer = web.Response(body=orjson.dumps(body), content_type="application/json")
            if "set-cookie" in flags:
                answer.set_cookie("worker_session", uuid.uuid4().hex)
                self.last_cookie_set = answer.cookies.output(header="")
            return answer
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        if "stream-error" in flags:
            code = int(flags["stream-error"] or 400)
            kind = "BadRequestError" if code < 500 else "InternalServerError"
            await self._send(
                resp, {"error": {"message": "fake stream error", "type": kind, "code": code}}
            )
            await resp.write(b"data: [DONE]\n\n")
            return resp
        die_after = int(flags["die-after"]) if "die-after" in flags else None
        obj_name = "chat.completion.chunk" if chat else "text_completion"

        def chunk(choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
            return {
                "id": cid,
                "object": obj_name,
                "created": created,
                "model": payload.get("model"),
                "choices": choices,
                **extra,
            }

        try:
            if chat:
                opening = {"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}
                await self._send(resp, chunk([opening]))
            for i, (kind, text) in enumerate(pieces):
                if die_after is not None and i >= die_after:
                    request.transport.close()  # type: ignore[union-attr]
                    return resp
                if delay:
                    await asyncio.sleep(delay)
                if chat:
                    delta: dict[str, Any] = (
                        _tool_delta(i, text, flags["tool-call"])
                        if "tool-call" in flags
                        else {"reasoning_content": text}
                        if kind == "reasoning"
                        else {"content": text}
                    )
                    choice = {"index": 0, "delta": delta, "finish_reason": None}
                else:
                    choice = {"index": 0, "text": text, "finish_reason": None}
                await self._send(resp, chunk([choice]))
            finish = "stop"
            if chat and "tool-call" in flags:
                finish = "tool_calls"
                shape = flags["tool-call"]
                closing = _call_delta('"}', named=shape == "llama", shape=shape)
                await self._send(
                    resp, chunk([{"index": 0, "delta": closing, "finish_reason": None}])
                )
            ending: dict[str, Any] = (
                {"index": 0, "delta": {}, "finish_reason": finish}
                if chat
                else {"index": 0, "text": "", "finish_reason": "stop"}
            )
            if "no-finish" not in flags:
                await self._send(resp, chunk([ending]))
            if "no-usage" not in flags and (payload.get("stream_options") or {}).get(
                "include_usage"
            ):
                await self._send(resp, chunk([], usage=usage))
            await resp.write(b"data: [DONE]\n\n")
        except (ConnectionResetError, asyncio.CancelledError):
            self.cancelled += 1
            raise
        return resp

    @staticmethod
    async def _send(resp: web.StreamResponse, obj: dict[str, Any]) -> None:
        await resp.write(b"data: " + orjson.dumps(obj) + b"\n\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake OpenAI-compatible worker (test double).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9101)
    parser.add_argument("--model", default="fake")
    parser.add_argument("--flags", default="", help="default behaviour flags (see module doc)")
    parser.add_argument(
        "--slots",
        type=int,
        default=0,
        help="chat/completion requests served at once; more wait in a first-come queue "
        "(0: unconstrained)",
    )
    args = parser.parse_args(argv)
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover
        pass
    web.run_app(
        FakeWorker(args.model, args.flags, args.slots).app(),
        host=args.host,
        port=args.port,
        print=None,
        access_log=None,
    )


if __name__ == "__main__":
    main()
