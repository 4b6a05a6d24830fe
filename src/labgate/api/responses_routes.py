"""``/v1/responses``: OpenAI's Responses API, translated onto the one chat path.

``POST /v1/responses`` turns the request into a chat request (``responses/translate.py``),
which is parsed, prepared, admitted (labels, guardrail, quota, fair share), dispatched and
recorded exactly as ``/v1/chat/completions`` is; its answer, plain or streamed, is told back as
a Response. A turn chained by ``previous_response_id`` continues from the stored chain (its
owner's only), and every turn it carries is marked with the chain's stored label, so the chat
path's high-water mark follows the chain and a lower stated label is refused as a write-down.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from labgate.api.body import read_body
from labgate.api.errors import APIError, not_found
from labgate.api.openai_routes import (
    _SSE_HEADERS,
    _headers,
    _JSONAnswer,
    _request_class,
    _wait_seconds,
)
from labgate.api.schemas import parse_chat
from labgate.api.sse import SSEResponse
from labgate.audit.keyring import KeyringError
from labgate.identity.principal import Principal
from labgate.responses.store import ResponseStore, StoredResponse, new_response_id
from labgate.responses.stream import ResponsesStream
from labgate.responses.translate import (
    bad,
    chat_body,
    chat_tools,
    check_request,
    from_chat,
    messages_of,
    normalise_input,
)

_ENCRYPTED = "reasoning.encrypted_content"
log = logging.getLogger("labgate.responses")


def response_store(services: Any) -> ResponseStore:
    store = services.extras.get("responses_store")
    if store is None:
        vault = services.transcripts
        if vault is None:
            raise APIError(503, "stored responses need the audit vault's keys", code="unavailable")
        cfg = getattr(services.settings, "responses", None)
        days = cfg.retention_days if cfg is not None else 30.0
        store = ResponseStore(services.engine, vault.keyring, timedelta(days=days))
        services.extras["responses_store"] = store
    return store


def _missing(response_id: str, param: str | None = None) -> APIError:
    return not_found(
        f"no response with id {response_id!r}: it does not exist, has expired, or is not yours",
        code="response_not_found" if param is None else "previous_response_not_found",
        param=param,
    )


async def _readable(
    services: Any, principal: Principal, response_id: str, param: str | None = None
) -> StoredResponse:
    """The stored response, if ``principal`` owns it and their clearance dominates its label
    (anything else is the same 404 as a missing one: an id says nothing)."""
    if not isinstance(response_id, str) or not 1 <= len(response_id) <= 64:
        raise _missing(str(response_id)[:64], param)
    try:
        stored = await response_store(services).load(response_id, principal.user_id)
    except KeyringError:
        # altered in the database (or its master key is gone): nothing that can be shown
        log.warning("stored response %s does not decrypt", response_id)
        raise _missing(response_id, param) from None
    access = services.access
    if stored is None or (access is not None and not access.may_read(principal, stored.label)):
        raise _missing(response_id, param)
    return stored


async def create_response(request: Request) -> Response:
    headers = _headers(request)
    services = request.app.state.services
    principal = None
    try:
        principal = await services.auth.authenticate(headers.get("authorization"), request.headers)
        raw = await read_body(request, services.settings.max_body_bytes, headers)
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise bad(
                "the request body is not valid JSON; send a JSON object with Content-Type: "
                "application/json",
                code="invalid_json",
            ) from None
    except APIError as exc:
        await services.completions.record_refusal(principal, "chat", None, exc)
        raise
    return await answer_response(services, principal, body, headers)


async def answer_response(
    services: Any, principal: Principal, body: Any, headers: dict[str, str]
) -> Response:
    """An authenticated caller's Responses request, from its parsed body on (the route's and
    each ``/v1/responses`` batch item's one path)."""
    try:
        check_request(body)
        store = response_store(services)
        owner = principal.user_id
        items = normalise_input(body.get("input"))
        context: list[dict[str, Any]] = []
        chain_label = None
        previous = body.get("previous_response_id")
        if previous:
            stored = await _readable(services, principal, previous, "previous_response_id")
            context, chain_label = stored.chain_items(), stored.label

        def ours(token: str) -> bool:
            return store.reasoning.open(owner, token) is not None

        messages: list[dict[str, Any]] = []
        if body.get("instructions"):
            messages.append({"role": "system", "content": body["instructions"]})
        messages += messages_of(context, label=chain_label, reasoning_ok=ours)
        messages += messages_of(items, reasoning_ok=ours)
        if not any(m["role"] != "system" for m in messages):
            raise bad("input must hold at least one message or item", "input", "empty_array")
        stream = bool(body.get("stream"))
        chat = chat_body(body, messages, stream)
        prepared = services.completions.prepare.chat(
            principal, parse_chat(orjson.dumps(chat)), headers.get("x-labgate-show-reasoning")
        )
        prepared.request_class = _request_class(headers, prepared.payload)
        prepared.label_header = headers.get("x-labgate-label")
        prepared.wait_s = _wait_seconds(headers)
    except APIError as exc:
        await services.completions.record_refusal(principal, "chat", None, exc)
        raise
    result = await services.completions.run(prepared)
    record = prepared.record
    response_id = new_response_id()
    model = prepared.model.name
    keep = body.get("store", True) is not False
    wants_sealed = _ENCRYPTED in (body.get("include") or ())

    def sealed() -> str | None:
        text = record.reasoning_text
        return store.reasoning.seal(owner, text) if wants_sealed and text else None

    async def save(response: dict[str, Any]) -> None:
        if keep:
            await store.save(
                response_id=response_id,
                owner=owner,
                project=principal.project,
                label=record.label,
                model=model,
                previous_response_id=previous or None,
                input_items=items,
                response=response,
                context=context,
            )

    out_headers = [(b"x-request-id", record.request_id.encode("latin-1"))]
    if record.label is not None:
        out_headers.append((b"x-labgate-label", record.label.encode("latin-1")))
    left_out = ", ".join(dict.fromkeys(chat_tools(body.get("tools") or [])[1]))
    if left_out:
        out_headers.append((b"x-labgate-tools-left-out", left_out.encode("latin-1", "replace")))
    if isinstance(result, dict):
        response = from_chat(
            body,
            result,
            response_id=response_id,
            model=model,
            reasoning=record.reasoning_text,
            show_reasoning=prepared.show_reasoning,
            encrypted=sealed(),
        )
        await save(response)
        return _JSONAnswer(orjson.dumps(response), out_headers, prepared.after_answer)
    translator = ResponsesStream(
        body,
        response_id,
        model,
        hidden_reasoning=sealed if wants_sealed and not prepared.show_reasoning else None,
        finish=save,
    )
    sse_headers = {**_SSE_HEADERS, "X-Request-Id": record.request_id}
    if record.label is not None:
        sse_headers["X-Labgate-Label"] = record.label
    if left_out:
        sse_headers["X-Labgate-Tools-Left-Out"] = left_out
    return SSEResponse(translator.events(result), headers=sse_headers)


async def _principal(request: Request) -> Principal:
    services = request.app.state.services
    principal: Principal = await services.auth.authenticate(
        request.headers.get("authorization"), request.headers
    )
    return principal


def _json(obj: Any) -> Response:
    return Response(orjson.dumps(obj), media_type="application/json")


async def get_response(request: Request) -> Response:
    principal = await _principal(request)
    stored = await _readable(request.app.state.services, principal, request.path_params["rid"])
    return _json(stored.response)


async def delete_response(request: Request) -> Response:
    services = request.app.state.services
    principal = await _principal(request)
    stored = await _readable(services, principal, request.path_params["rid"])
    await response_store(services).delete(stored.id, principal.user_id)
    return _json({"id": stored.id, "object": "response.deleted", "deleted": True})


async def input_items(request: Request) -> Response:
    principal = await _principal(request)
    stored = await _readable(request.app.state.services, principal, request.path_params["rid"])
    q = request.query_params
    order = q.get("order", "desc")
    if order not in ("asc", "desc"):
        raise bad("order must be asc or desc", "order")
    try:
        limit = int(q.get("limit", "20"))
    except ValueError:
        raise bad("limit must be an integer from 1 to 100", "limit") from None
    if not 1 <= limit <= 100:
        raise bad("limit must be an integer from 1 to 100", "limit")
    data = list(stored.input_items)
    if order == "desc":
        data.reverse()
    after = q.get("after")
    if after:
        ids = [item.get("id") for item in data]
        data = data[ids.index(after) + 1 :] if after in ids else []
    page = data[:limit]
    return _json(
        {
            "object": "list",
            "data": page,
            "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None,
            "has_more": len(data) > limit,
        }
    )


hot_routes = {("POST", "/v1/responses"): create_response}

routes = [
    Route("/v1/responses", create_response, methods=["POST"]),
    Route("/v1/responses/{rid}", get_response, methods=["GET"]),
    Route("/v1/responses/{rid}", delete_response, methods=["DELETE"]),
    Route("/v1/responses/{rid}/input_items", input_items, methods=["GET"]),
]
