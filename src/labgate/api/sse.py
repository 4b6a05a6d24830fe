"""Server-sent events for the completion routes, streamed from the handler's own task.

Starlette's ``StreamingResponse`` (under an ASGI server that speaks spec 2.3, as uvicorn does)
runs the stream in a second task inside an anyio task group, beside a third that waits for the
client to disconnect. On the hot path that machinery costs more than the first chunk's own
work. Here the stream is sent from the calling task, and one small watcher task waits for
``http.disconnect``: if the client goes away before the stream ends, the watcher cancels the
sending task, so the body iterator (the completion service's stream) sees the cancellation
where it waits, closes the worker's connection, settles what was used, and records the request.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping

from starlette.responses import Response
from starlette.types import Receive, Scope, Send


class SSEResponse(Response):
    media_type = "text/event-stream"

    def __init__(self, content: AsyncGenerator[bytes, None], headers: Mapping[str, str]) -> None:
        self.body_iterator = content
        self.status_code = 200
        self.background = None
        self.init_headers(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        task = asyncio.current_task()
        assert task is not None
        ending = False  # the last message is being sent: a disconnect now changes nothing
        gone = False

        async def watch() -> None:
            nonlocal gone
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    if not ending:
                        gone = True
                        task.cancel()
                    return

        watcher = asyncio.ensure_future(watch())
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            async for chunk in self.body_iterator:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            ending = True
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except asyncio.CancelledError:
            if not gone:
                raise
            task.uncancel()  # our own cancellation, to stop the stream: the client is gone
            await self.body_iterator.aclose()  # its cleanup, if the cancel hit outside it
        finally:
            ending = True
            watcher.cancel()
