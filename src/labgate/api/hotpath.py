"""A lean front for the OpenAI routes, in front of the FastAPI app.

Every request to ``/v1/chat/completions``, ``/v1/completions`` and ``/v1/models`` would otherwise
pass FastAPI's whole middleware stack (server-error and exception middleware, exit-stack,
telemetry) and its router's regex scan over every admin, audit and web route. Measured, that
machinery cost more than the request's own work, so these routes are dispatched here directly;
their errors are rendered the same way (the OpenAI shape) and everything else goes to the app.

:attr:`HotPath.active` counts the requests on these routes in progress (streams until their
last byte): the audit log commits a lone request's record inline when it is 1.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from labgate.api.errors import APIError, internal_error
from labgate.gateway.record import new_request_id

log = logging.getLogger("labgate.api")
Handler = Callable[[Request], Awaitable[Response]]


class HotPath:
    def __init__(self, app: ASGIApp, routes: Mapping[tuple[str, str], Handler]) -> None:
        self.app = app
        self.routes = routes
        # FastAPI keeps its state on the app; the handlers read request.app.state.services
        self.state_owner: Any = app
        self.active = 0

    def __getattr__(self, name: str) -> Any:
        # app.state, app.routes…: the wrapped FastAPI app's
        return getattr(self.app, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            handler = self.routes.get((scope["method"], scope["path"]))
            if handler is not None:
                scope["app"] = self.state_owner
                self.active += 1
                try:
                    await self._serve(handler, scope, receive, send)
                finally:
                    self.active -= 1
                return
            await self.app(scope, receive, _with_request_id(send))
            return
        await self.app(scope, receive, send)

    @staticmethod
    async def _serve(handler: Handler, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            response = await handler(Request(scope, receive, send))
        except APIError as exc:
            response = exc.to_response()
        except ClientDisconnect:
            # hung up before its body was whole: nothing to answer, nothing went wrong here
            log.info("client hung up during its request body: %s %s", *_route(scope))
            return
        except Exception:  # noqa: BLE001 - never a traceback to the client
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            response = internal_error().to_response()
        if not getattr(response, "names_itself", False) and not any(
            name == b"x-request-id" for name, _ in response.raw_headers
        ):
            # every answer names itself, errors included (the refusals' records carry the id)
            response.raw_headers.append((b"x-request-id", new_request_id().encode("latin-1")))
        # a response's background work (a plain answer's metrics and usage rows) runs even if
        # sending fails: the client went away, the request happened
        background, response.background = response.background, None
        try:
            await response(scope, receive, send)
        finally:
            if background is not None:
                await background()


def _with_request_id(send: Send) -> Send:
    """``send``, giving an answer of the other routes (admin, audit, web, health) an
    ``X-Request-Id`` when it has none, as the OpenAI routes' answers have."""

    async def sending(message: Any) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers") or ())
            if not any(name.lower() == b"x-request-id" for name, _ in headers):
                headers.append((b"x-request-id", new_request_id().encode("latin-1")))
                message = {**message, "headers": headers}
        await send(message)

    return sending


def _route(scope: Scope) -> tuple[str, str]:
    return scope["method"], scope["path"]
