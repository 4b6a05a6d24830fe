"""A tiny fake OpenAI-compatible judge worker on loopback, for the judge's tests: answers
/v1/chat/completions with a scripted reply and records what it was asked. The ``worker``
fixture (tests/safety/conftest.py) serves one per test."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class FakeWorker:
    """Answers /v1/chat/completions with a scripted reply and records what it was asked."""

    reply: str = "safe"
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(await request.json())
        if self.status != 200:
            return web.json_response({"error": "down"}, status=self.status)
        return web.json_response(
            {
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": self.reply},
                        "finish_reason": "stop",
                    }
                ]
            }
        )
