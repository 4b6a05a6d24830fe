"""``POST /v1/embeddings``: embedding models behind the same identity, labels, guardrail,
quota, fair share and audit record as the chat path.

A request is a :class:`~labgate.gateway.prepared.Prepared` of kind ``embedding`` and goes
through the completion service's own gatekeeper (label decision, input screening, project
rules, the budget reservation, a fair-share turn) and dispatch (label-checked workers, retries
before the first byte); it is charged its input tokens and recorded in the audit log with a
digest of its input (the transcript keeps the input text; vectors are never stored).

What is screened: text inputs are what the embedding model reads, so the guardrail screens
them like any prompt (a blocked input is a 400 ``content_policy_violation`` here: there is no
answer text to put a refusal in). Token-id inputs are passed on and recorded as their numbers:
the guardrail cannot read them, and an embedding model writes no text anyone could be helped by.
"""

from __future__ import annotations

import base64
import math
import struct
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from labgate.api.body import read_body
from labgate.api.errors import APIError, not_found
from labgate.api.openai_routes import (
    _headers,
    _JSONAnswer,
    _request_class,
    _wait_seconds,
    usable_models,
)
from labgate.api.schemas import _check_extras
from labgate.gateway.prepared import Prepared, input_digests
from labgate.gateway.record import RequestRecord
from labgate.gateway.safety_gate import InputRefused
from labgate.gateway.usage import take_usage

MAX_INPUTS = 2048
_KNOWN = frozenset({"model", "input", "encoding_format", "dimensions", "user"})


def _bad(message: str, param: str | None = None, code: str = "invalid_value") -> APIError:
    return APIError(400, message, "invalid_request_error", code, param)


def _texts(raw: Any) -> tuple[list[str], bool]:
    """The inputs as texts (token ids written as numbers) and whether they were token ids."""
    if isinstance(raw, str):
        if not raw:
            raise _bad("input must not be empty", "input")
        return [raw], False
    if not isinstance(raw, list) or not raw:
        raise _bad(
            "input must be a string, a list of strings, or token ids (a list of integers or "
            "a list of such lists), and not empty",
            "input",
        )
    if len(raw) > MAX_INPUTS:
        raise _bad(f"input holds at most {MAX_INPUTS} items", "input")
    if all(isinstance(x, str) for x in raw):
        if not all(raw):
            raise _bad("input strings must not be empty", "input")
        return list(raw), False

    def ids(seq: Any) -> bool:
        return (
            isinstance(seq, list)
            and bool(seq)
            and all(isinstance(t, int) and not isinstance(t, bool) and 0 <= t < 2**31 for t in seq)
        )

    if ids(raw):
        return [" ".join(map(str, raw))], True
    if all(ids(seq) for seq in raw):
        return [" ".join(map(str, seq)) for seq in raw], True
    raise _bad(
        "input must be a string, a list of strings, or token ids (a list of integers from 0 "
        "to 2**31-1, or a list of such lists)",
        "input",
    )


_INPUTS_ONLY: dict[int, Any] = {}


def _inputs_only(model: Any) -> Any:
    """``model`` as the budget sees an embedding request: it produces no tokens."""
    copy = _INPUTS_ONLY.get(id(model))
    if copy is None or copy[0] is not model:
        copy = _INPUTS_ONLY[id(model)] = (model, model.model_copy(update={"max_output_tokens": 1}))
    return copy[1]


def _shorten(vector: list[float], size: int) -> list[float]:
    """A Matryoshka embedding cut to ``size`` and scaled back to unit length."""
    cut = vector[:size]
    norm = math.sqrt(sum(x * x for x in cut)) or 1.0
    return [x / norm for x in cut]


async def embeddings(request: Request) -> Response:
    headers = _headers(request)
    services = request.app.state.services
    principal = None
    try:
        principal = await services.auth.authenticate(headers.get("authorization"), request.headers)
        raw = await read_body(request, services.settings.max_body_bytes, headers)
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise _bad(
                "the request body is not valid JSON; send a JSON object with Content-Type: "
                "application/json",
                code="invalid_json",
            ) from None
    except APIError as exc:
        await services.completions.record_refusal(principal, "embedding", None, exc)
        raise
    return await answer_embeddings(services, principal, body, headers)


def check_body(body: Any) -> tuple[list[str], str, dict[str, Any]]:
    """The body's own checks (no model look-up): its texts, encoding format and extra fields.
    Batch lines for ``/v1/embeddings`` are checked with it at upload."""
    if not isinstance(body, dict):
        raise _bad("the request body must be a JSON object", code="invalid_type")
    name = body.get("model")
    if not isinstance(name, str) or not name:
        raise _bad("missing required parameter: model", "model", "missing_required_parameter")
    if "input" not in body:
        raise _bad("missing required parameter: input", "input", "missing_required_parameter")
    texts, _ = _texts(body["input"])
    fmt = body.get("encoding_format", "float")
    if fmt not in ("float", "base64"):
        raise _bad("encoding_format must be float or base64", "encoding_format")
    extras = {k: v for k, v in body.items() if k not in _KNOWN}
    _check_extras(extras)
    return texts, fmt, extras


async def answer_embeddings(
    services: Any, principal: Any, body: Any, headers: dict[str, str]
) -> Response:
    """An authenticated caller's embeddings request, from its parsed body on (the route's and
    each ``/v1/embeddings`` batch item's one path)."""
    svc = services.completions
    try:
        texts, fmt, extras = check_body(body)
        name = body["model"]
        model = services.models.get(name)
        if model is None or model not in await usable_models(services, principal):
            raise not_found(
                f"the model {name!r} does not exist; GET /v1/models lists the models you can use",
                code="model_not_found",
                param="model",
            )
        if model.kind != "embedding":
            raise _bad(
                f"{name!r} is a chat model; /v1/embeddings serves the models configured with "
                'kind = "embedding"',
                "model",
                "model_not_supported",
            )
        dims = body.get("dimensions")
        if dims is not None:
            allowed = model.embedding_dimensions or []
            if not isinstance(dims, int) or isinstance(dims, bool) or dims not in allowed:
                raise _bad(
                    f"dimensions must be one of {allowed} for {name!r}"
                    if allowed
                    else f"{name!r} does not take dimensions",
                    "dimensions",
                )
        payload: dict[str, Any] = {
            **extras,
            "model": model.worker_model_name,
            "input": body["input"],
            "encoding_format": "float",
        }
        if isinstance(body.get("user"), str):
            payload["user"] = body["user"]
        record = RequestRecord(
            "embedding", principal, model.name, False, prompt_text="\n".join(texts)
        )
        record.model_version = model.version
        # the budget reserves the input's bound and one output token, not max_output_tokens
        prepared = Prepared(record, _inputs_only(model), payload, "/embeddings", None, False, False)
        prepared.messages = len(texts)
        # an earlier labelled answer given as an input keeps its label (access.answers): the
        # same look-up as a chat turn's, so it cannot be embedded below its label
        prepared.answer_digests = input_digests(texts)
        prepared.request_class = _request_class(headers, body)
        prepared.label_header = headers.get("x-labgate-label")
        prepared.wait_s = _wait_seconds(headers)
        if "labgate_label" in body:
            prepared.payload["labgate_label"] = body["labgate_label"]
    except APIError as exc:
        await svc.record_refusal(principal, "embedding", None, exc)
        raise
    vectors, usage = await _run(svc, prepared, len(texts))
    data = []
    for i, vector in enumerate(vectors):
        if dims is not None and len(vector) > dims:
            vector = _shorten(vector, dims)
        value: Any = vector
        if fmt == "base64":
            value = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        data.append({"object": "embedding", "index": i, "embedding": value})
    out = {
        "object": "list",
        "data": data,
        "model": model.name,
        "usage": {"prompt_tokens": usage, "total_tokens": usage},
    }
    if record.label is not None:
        out["labgate_label"] = record.label
    answer_headers = [(b"x-request-id", record.request_id.encode("latin-1"))]
    if record.label is not None:
        answer_headers.append((b"x-labgate-label", record.label.encode("latin-1")))
    return _JSONAnswer(orjson.dumps(out), answer_headers, prepared.after_answer)


async def _run(svc: Any, p: Prepared, inputs: int) -> tuple[list[list[float]], int]:
    """Admit, dispatch and record one embedding request: its vectors and input tokens."""
    rec = p.record
    try:
        try:
            await svc.gate.admit(p)
        except InputRefused as refused:
            assert svc.safety is not None
            await svc._end(rec, 400, "content_filter", "input blocked by the guardrail")
            raise APIError(
                400,
                svc.safety.refusal(p, refused.decision)["choices"][0]["message"]["content"],
                "invalid_request_error",
                "content_policy_violation",
                "input",
                headers={"X-Request-Id": rec.request_id},
            ) from None
        try:
            call = await svc._open(p)
        except BaseException:
            await svc.gate.finish(p, produced=False)
            raise
    except APIError as exc:
        exc.headers.setdefault("X-Request-Id", rec.request_id)
        if rec.outcome != "content_filter":
            status = exc.status
            outcome = "refused" if status < 500 else "unavailable"
            await svc._end(rec, status, outcome, exc.message)
        raise
    try:
        body = call.body or {}
        vectors = [
            [float(x) for x in item["embedding"]]
            for item in sorted(body.get("data") or (), key=lambda d: d.get("index", 0))
        ]
        if len(vectors) != inputs:
            raise ValueError("the worker's answer does not hold one vector per input")
    except (TypeError, ValueError, KeyError, AttributeError):
        call.release()
        await svc.gate.finish(p, produced=False)
        await svc._end(rec, 502, "worker_error", "the worker's embeddings could not be read")
        raise APIError(
            502,
            "the embedding worker answered with something labgate could not read; retry",
            "server_error",
            "worker_bad_answer",
            headers={"X-Request-Id": rec.request_id},
        ) from None
    usage = body.get("usage") or {}
    # the worker's count, else labgate's estimate (marked in the record)
    take_usage(rec, {"prompt_tokens": usage.get("prompt_tokens")}, p.model.weights, 0, 0)
    rec.completion_tokens = rec.reasoning_tokens = 0
    w = p.model.weights
    rec.weighted_tokens = w.input * rec.prompt_tokens
    call.release()
    await svc._end(rec, 200, "ok", settle=p)
    return vectors, rec.prompt_tokens


hot_routes = {("POST", "/v1/embeddings"): embeddings}
routes = [Route("/v1/embeddings", embeddings, methods=["POST"])]
