"""The OpenAI-compatible routes: ``/v1/models``, ``/v1/chat/completions``, ``/v1/completions``.

These handlers are the hot path. They are plain Starlette routes (FastAPI's dependency solving
costs more than the rest of a request's own Python work), read the body once with its size
limit, validate it from bytes, and hand it to the completion service. Streams go out as
server-sent events.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from labgate.api.body import read_body
from labgate.api.errors import APIError
from labgate.api.schemas import parse_chat, parse_completion
from labgate.api.sse import SSEResponse
from labgate.gateway.prepared import Prepared
from labgate.identity.principal import Principal
from labgate.scheduler import RequestClass

_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _headers(request: Request) -> dict[str, str]:
    """The request's headers by (lower-case) name, the first of repeated ones, decoded once.

    Starlette's ``request.headers.get`` scans the header list on every call and raises and
    catches a ``KeyError`` inside for each header the client did not send; a completion request
    asks for six, most of them usually absent."""
    return {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in reversed(request.scope["headers"])
    }


def _request_class(headers: dict[str, str], payload: dict[str, Any]) -> RequestClass:
    """Batch work says so: ``X-Labgate-Priority: batch`` or OpenAI's ``service_tier: flex``."""
    if headers.get("x-labgate-priority", "").lower() == "batch":
        return RequestClass.BATCH
    if payload.get("service_tier") == "flex":
        return RequestClass.BATCH
    return RequestClass.INTERACTIVE


async def usable_models(services: Any, principal: Principal) -> list[Any]:
    """The models ``principal`` can use: their project allows them, and their clearance
    dominates the model's accreditation (a model's name is no business of someone not
    cleared for what it processes: no read-down). What ``/v1/models`` lists."""
    policy = None
    if services.projects is not None and principal.project is not None:
        policy = await services.projects.get(principal.project)
    access = services.access
    return [
        m
        for m in services.models.values()
        if (policy is None or policy.allows(m.name))
        and (access is None or access.may_read(principal, access.accreditation(m.name)))
    ]


async def _project_allows(services: Any, principal: Principal) -> Callable[[str], bool] | None:
    """Whether the caller's project allows a model (its policy is cached: no database trip)."""
    if services.projects is None or principal.project is None:
        return None
    policy = await services.projects.get(principal.project)
    return None if policy is None else policy.allows


def _approved_at(services: Any, stated: str | None) -> Callable[[str], bool]:
    """Which models the model gate would serve at the stated label (``X-Labgate-Label``; none
    stated: the deployment's default request label), so the list (and the chat page's picker,
    which sends its label) offers no model every request would find refused with
    ``model_not_approved``. A label that does not parse lists by the default: the request
    itself gets the label error."""
    gate = getattr(services.router, "gate", None)
    if gate is None or not gate.enforce:
        return lambda _name: True
    access = services.access
    label = None
    if access is not None and access.enabled:
        label = access.default_request_label
        if stated:
            from labgate.access.labels import LabelError

            try:
                label = access.parse(stated)
            except LabelError:
                pass
    return lambda name: gate.serves(name, label)


async def list_models(request: Request) -> Response:
    services = request.app.state.services
    principal = await services.auth.authenticate(
        request.headers.get("authorization"), request.headers
    )
    created = int(services.extras.get("started_at", time.time()))
    served = _approved_at(services, request.headers.get("x-labgate-label"))
    data = [
        {"id": m.name, "object": "model", "created": created, "owned_by": m.owned_by}
        for m in await usable_models(services, principal)
        if served(m.name)
    ]
    return Response(orjson.dumps({"object": "list", "data": data}), media_type="application/json")


async def get_model(request: Request) -> Response:
    model_id = request.path_params["model_id"]
    services = request.app.state.services
    principal = await services.auth.authenticate(
        request.headers.get("authorization"), request.headers
    )
    prepare = services.completions.prepare
    # a model the caller may not see answers as one that does not exist: the name says nothing
    m = prepare.resolve(model_id, principal, await _project_allows(services, principal))
    created = int(services.extras.get("started_at", time.time()))
    return Response(
        orjson.dumps({"id": m.name, "object": "model", "created": created, "owned_by": m.owned_by}),
        media_type="application/json",
    )


async def _serve(
    request: Request,
    headers: dict[str, str],
    kind: str,
    prepare: Callable[[Any, Principal, bytes, Any], Prepared],
) -> Response:
    """The shared path of both completion routes; a refusal before the request path (bad key,
    bad body, bad header) is still recorded in the audit log."""
    services = request.app.state.services
    principal = None
    try:
        principal = await services.auth.authenticate(headers.get("authorization"), headers)
        body = await read_body(request, services.settings.max_body_bytes, headers)
        allows = await _project_allows(services, principal)
        prepared = prepare(services.completions, principal, body, allows)
        prepared.request_class = _request_class(headers, prepared.payload)
        prepared.label_header = headers.get("x-labgate-label")
        prepared.wait_s = _wait_seconds(headers)
    except APIError as exc:
        await services.completions.record_refusal(principal, kind, None, exc)
        raise
    return _answer(prepared, await services.completions.run(prepared))


async def chat_completions(request: Request) -> Response:
    headers = _headers(request)
    show = headers.get("x-labgate-show-reasoning")
    return await _serve(
        request,
        headers,
        "chat",
        lambda svc, who, body, allows: svc.prepare.chat(who, parse_chat(body), show, allows),
    )


async def completions(request: Request) -> Response:
    return await _serve(
        request,
        _headers(request),
        "completion",
        lambda svc, who, body, allows: svc.prepare.completion(who, parse_completion(body), allows),
    )


def _wait_seconds(headers: dict[str, str]) -> float:
    """``X-Labgate-Wait: <seconds>``: wait for a cold model to start rather than get 503."""
    raw = headers.get("x-labgate-wait")
    if not raw:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        raise APIError(
            400, "X-Labgate-Wait must be a number of seconds", code="invalid_header"
        ) from None
    if not 0 <= value <= 3600:
        raise APIError(
            400, "X-Labgate-Wait must be between 0 and 3600 seconds", code="invalid_header"
        )
    return value


class _JSONAnswer(Response):
    """A plain answer: JSON bytes and headers labgate wrote itself, so they are put together
    directly rather than lower-cased, encoded and searched by Starlette's ``init_headers``."""

    media_type = "application/json"
    names_itself = True  # its X-Request-Id is among ``headers`` (the hot path need not look)

    def __init__(self, body: bytes, headers: list[tuple[bytes, bytes]], background: Any) -> None:
        self.status_code = 200
        self.body = body
        # metrics and usage rows, once the answer is sent: the coroutine function itself, which
        # Starlette awaits as it would a BackgroundTask (one that costs a signature inspection)
        self.background = background
        self.raw_headers = [
            (b"content-length", b"%d" % len(body)),
            (b"content-type", b"application/json"),
            *headers,
        ]


def _answer(prepared: Any, result: Any) -> Response:
    record = prepared.record
    if isinstance(result, dict):
        headers = [(b"x-request-id", record.request_id.encode("latin-1"))]
        if record.label is not None:  # the answer's classification
            headers.append((b"x-labgate-label", record.label.encode("latin-1")))
        return _JSONAnswer(orjson.dumps(result), headers, prepared.after_answer)
    sse_headers = {**_SSE_HEADERS, "X-Request-Id": record.request_id}
    if record.label is not None:
        sse_headers["X-Labgate-Label"] = record.label
    return SSEResponse(result, headers=sse_headers)


hot_routes = {
    ("GET", "/v1/models"): list_models,
    ("POST", "/v1/chat/completions"): chat_completions,
    ("POST", "/v1/completions"): completions,
}

routes = [
    Route("/v1/models", list_models, methods=["GET"]),
    Route("/v1/models/{model_id:path}", get_model, methods=["GET"]),
    Route("/v1/chat/completions", chat_completions, methods=["POST"]),
    Route("/v1/completions", completions, methods=["POST"]),
]
