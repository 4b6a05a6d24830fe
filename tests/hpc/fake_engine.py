"""The engine the Slurm jobs of these tests run: labgate's fake worker behind the command line
of the embedded llama.cpp worker (``--model-path``, ``--model-alias``, ``--host``, ``--port``,
``--n-ctx``, ``--threads``), so the job script is the one a real deployment gets.

Beyond the fake worker's OpenAI routes it serves vLLM-style ``/metrics`` (requests in flight),
which the job's drain logic and ``labgate hpc status`` read; ``POST /control/sick``, which
makes ``/v1/models`` answer 503 from then on (a worker failing its health checks); and
``POST /control/crash``, which ends the process at once with status 3 (an engine crash).

Run as ``python -m tests.hpc.fake_engine`` with the repository root on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Awaitable, Callable

from aiohttp import web

from labgate.testing.fake_worker import FakeWorker

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class JobEngine(FakeWorker):
    def __init__(self, model: str) -> None:
        super().__init__(model, os.environ.get("FAKE_ENGINE_FLAGS", ""))
        self.in_flight = 0
        self.sick = False

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_get("/metrics", self.metrics)
        app.router.add_post("/control/sick", self.make_sick)
        app.router.add_post("/control/crash", self.crash)
        app.middlewares.append(self._count)
        return app

    @web.middleware
    async def _count(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == "/v1/models" and self.sick:
            return web.json_response({"error": {"message": "sick"}}, status=503)
        counted = request.path.endswith("/completions")
        self.in_flight += counted
        try:
            return await handler(request)
        finally:
            self.in_flight -= counted

    async def metrics(self, _: web.Request) -> web.Response:
        label = f'{{model_name="{self.model}"}}'
        return web.Response(text=(
            f"vllm:num_requests_running{label} {float(self.in_flight)}\n"
            f"vllm:num_requests_waiting{label} 0.0\n"
        ))

    async def make_sick(self, _: web.Request) -> web.Response:
        self.sick = True
        return web.json_response({"sick": True})


    async def crash(self, _: web.Request) -> web.Response:
        asyncio.get_running_loop().call_later(0.1, os._exit, 3)
        return web.json_response({"crashing": True})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake engine for labgate's Slurm tests.")
    parser.add_argument("--model-path", required=True)
    parser.add_argument("--model-alias", default="fake")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--n-ctx", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args(argv)
    print(f"fake engine: serving {args.model_alias} on {args.host}:{args.port}", flush=True)
    web.run_app(JobEngine(args.model_alias).app(), host=args.host, port=args.port,
                print=None, access_log=None)


if __name__ == "__main__":
    main()
