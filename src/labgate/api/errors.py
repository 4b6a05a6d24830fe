"""Errors in the OpenAI shape: ``{"error": {"message", "type", "param", "code"}}``.

Every error a client sees goes through here, with a status that says whose fault it is and a
message that says what to do next. Nothing below the API layer knows about HTTP; it raises its
own exceptions and the handlers registered by :func:`install_error_handlers` map them.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

log = logging.getLogger("labgate.api")

_TYPE_BY_STATUS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    409: "conflict_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
    500: "server_error",
    502: "server_error",
    503: "service_unavailable",
    504: "server_error",
}


def error_body(
    message: str, type_: str, code: str | None = None, param: str | None = None
) -> bytes:
    return orjson.dumps(
        {"error": {"message": message, "type": type_, "param": param, "code": code}}
    )


class APIError(Exception):
    """An error to show a client, already in OpenAI terms."""

    def __init__(
        self,
        status: int,
        message: str,
        type_: str | None = None,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_ or _TYPE_BY_STATUS.get(status, "invalid_request_error")
        self.code = code
        self.param = param
        self.headers = headers or {}

    def to_response(self) -> Response:
        return Response(
            error_body(self.message, self.type, self.code, self.param),
            status_code=self.status,
            media_type="application/json",
            headers=self.headers,
        )

    def to_payload(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


def internal_error() -> APIError:
    """What a client sees of a bug: no traceback, a request to retry (the cause is logged)."""
    return APIError(
        500, "labgate hit an internal error; it has been logged. Try again.", "server_error"
    )


def invalid_request(message: str, param: str | None = None, code: str | None = None) -> APIError:
    return APIError(400, message, "invalid_request_error", code, param)


def unauthorized(message: str, code: str = "invalid_api_key") -> APIError:
    return APIError(
        401, message, "authentication_error", code, headers={"WWW-Authenticate": "Bearer"}
    )


def forbidden(message: str, code: str = "forbidden") -> APIError:
    return APIError(403, message, "permission_error", code)


def not_found(message: str, code: str = "not_found", param: str | None = None) -> APIError:
    return APIError(404, message, "not_found_error", code, param)


def unavailable(
    message: str, retry_after_s: float | None = None, code: str = "unavailable"
) -> APIError:
    headers = {"Retry-After": str(max(1, round(retry_after_s)))} if retry_after_s else {}
    return APIError(503, message, "service_unavailable", code, headers=headers)


def too_many_requests(
    message: str, retry_after_s: float, code: str = "rate_limit_exceeded"
) -> APIError:
    return APIError(
        429,
        message,
        "rate_limit_error",
        code,
        headers={"Retry-After": str(max(1, round(retry_after_s)))},
    )


_SEND_JSON = "send a JSON object with Content-Type: application/json (curl: --json '{...}')"


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None, str]:
    """The message, parameter and code of a route's validation failure. Failures of the body
    as a whole (not JSON, not an object, missing: curl's ``-d`` sends a form) say what to
    send instead of pydantic's words for them."""
    errors = exc.errors()
    if not errors:
        return "the request is not valid", None, "invalid_value"
    first = errors[0]
    kind = first.get("type", "")
    if kind == "json_invalid":
        return "the request body is not valid JSON; " + _SEND_JSON, None, "invalid_json"
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
    param = ".".join(loc) or None
    if param is None and tuple(first.get("loc", ())) == ("body",):
        if kind == "missing":
            return "the request body is empty; " + _SEND_JSON, None, "invalid_json"
        return "the request body is not a JSON object; " + _SEND_JSON, None, "invalid_type"
    msg = first.get("msg", "is not valid")
    return (f"{param}: {msg}" if param else msg), param, "invalid_value"


_SERVED = (
    "POST /v1/chat/completions, POST /v1/completions, POST /v1/responses (and GET/DELETE "
    "/v1/responses/{id}), POST /v1/embeddings, /v1/files, /v1/batches and GET /v1/models"
)


def install_error_handlers(app: FastAPI) -> None:
    """Map every exception a route can raise to an OpenAI-shaped response (never a traceback)."""

    @app.exception_handler(APIError)
    async def _api_error(_: Request, exc: APIError) -> Response:
        return exc.to_response()

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> Response:
        message, param, code = _validation_message(exc)
        return APIError(400, message, "invalid_request_error", code, param).to_response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        code = None
        headers = dict(exc.headers or {})
        path = request.url.path
        if exc.status_code == 404 and message == "Not Found":
            code = "unknown_route"
            message = (
                f"labgate does not serve {path}: its OpenAI-compatible API is "
                f"{_SERVED} (not the audio, image or assistants APIs)"
                if path.startswith("/v1/") and not path.startswith(("/v1/admin/", "/v1/audit/"))
                else f"no such route {path}; the OpenAI-compatible API lives under /v1"
            )
        elif exc.status_code == 405:
            code = "method_not_allowed"
            allowed = headers.get("Allow")  # Starlette's 405 names the methods there
            message = f"{request.method} is not allowed on {path}" + (
                f"; use {allowed}" if allowed else ""
            )
        return APIError(exc.status_code, message, code=code, headers=headers).to_response()

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return internal_error().to_response()
