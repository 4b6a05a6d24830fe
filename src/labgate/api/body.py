"""Reading a request body with a size limit, without buffering more than the limit."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import ClientDisconnect, Request

from labgate.api.errors import APIError


def _too_large(limit: int) -> APIError:
    return APIError(
        413,
        f"the request body is larger than this gateway's limit of {limit} bytes; send a smaller "
        "request (the limit is the max_body_bytes setting)",
        code="request_too_large",
    )


async def read_body(
    request: Request, limit: int, headers: Mapping[str, str] | None = None
) -> bytes:
    """The body, refused (413) past ``limit`` bytes; ``headers``: the request's headers by
    lower-case name, if the caller already has them."""
    declared = (request.headers if headers is None else headers).get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise _too_large(limit)
        except ValueError:
            raise APIError(400, "the Content-Length header is not a number") from None
    chunks: list[bytes] = []
    size = 0
    receive = request.receive  # the ASGI messages themselves: no async generator per request
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if not body:
        raise APIError(400, "the request body is empty; send a JSON object", code="invalid_json")
    return body
