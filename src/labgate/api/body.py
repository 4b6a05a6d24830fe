"""Reading a request body with a size limit, without buffering more than the limit."""

from __future__ import annotations

from starlette.requests import Request

from labgate.api.errors import APIError


def _too_large(limit: int) -> APIError:
    return APIError(
        413,
        f"the request body is larger than this gateway's limit of {limit} bytes; send a smaller "
        "request (the limit is the max_body_bytes setting)",
        code="request_too_large",
    )


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise _too_large(limit)
        except ValueError:
            raise APIError(400, "the Content-Length header is not a number") from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    body = b"".join(chunks)
    if not body:
        raise APIError(400, "the request body is empty; send a JSON object", code="invalid_json")
    return body
