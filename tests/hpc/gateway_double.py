"""A stand-in for the gateway, for the HPC tests: the registration contract over real HTTP,
plus the two protocols the controller calls (``GatewayLink``, ``WorkerTokens``), in memory.

It is a test double, not the gateway: the integrator implements the real routes on the
router's worker registry. What it does is what the contract says, so jobs started by the
tests talk to it exactly as they would to labgate:

* ``POST /internal/workers/register`` (Bearer worker token) → ``{"worker_id",
  "heartbeat_interval_s"}``; 401 for an unknown or revoked token, 403 for another model's;
* ``POST /internal/workers/{id}/heartbeat`` → 200, or 404 "register again";
* ``POST /internal/workers/{id}/drain`` → 200, and no more routing to it.

For the end-to-end tests it also answers ``POST /v1/chat/completions`` the way the gateway does
for a model with no ready worker: it calls the controller's ``ensure_started`` and answers 503
with ``Retry-After``, or, with an ``X-Labgate-Wait`` header, waits (``wait_ready``) and then
forwards the request to the registered worker. Workers are health-checked on each look
(``GET {base_url}/models``) and expire when they stop heart-beating, as the router does.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web

from labgate.hpc.controller import HpcController
from labgate.hpc.gateway import WorkerInfo


@dataclass
class Grant:
    model: str
    launch_id: str | None
    deployment: str | None
    revoked: bool = False
    expires_at: datetime | None = None
    ttl_s: int | None = None


@dataclass
class Registered:
    worker_id: str
    model: str
    base_url: str
    job_id: str | None
    deployment: str | None
    last_heartbeat: float
    draining: bool = False
    healthy: bool = True
    outstanding: int = 0


@dataclass
class GatewayDouble:
    heartbeat_interval_s: float = 1.0
    heartbeat_timeout_s: float = 5.0
    clock: Callable[[], float] = time.time
    check_health: bool = True
    grants: dict[str, Grant] = field(default_factory=dict)
    registered: dict[str, Registered] = field(default_factory=dict)
    last_request: dict[str, float] = field(default_factory=dict)
    queue: dict[str, int] = field(default_factory=dict)
    events: list[tuple[str, str]] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    controller: HpcController | None = None
    url: str = ""
    _runner: web.AppRunner | None = None
    _http: aiohttp.ClientSession | None = None

    # -- WorkerTokens --------------------------------------------------------------------

    async def issue_token(
        self, model: str, job_id: str | None = None, deployment: str | None = None,
        expires_at: datetime | None = None, *, ttl_s: int | None = None,
    ) -> str:
        token = "lgw-" + secrets.token_urlsafe(32)
        self.grants[_hash(token)] = Grant(model, job_id, deployment, expires_at=expires_at,
                                          ttl_s=ttl_s)
        self.issued.append(token)
        return token

    async def revoke_job_tokens(self, job_id: str) -> None:
        for grant in self.grants.values():
            if grant.launch_id == job_id:
                grant.revoked = True

    # -- GatewayLink ---------------------------------------------------------------------

    async def workers(self, model: str) -> list[WorkerInfo]:
        now = self.clock()
        for worker_id, w in list(self.registered.items()):
            if now - w.last_heartbeat > self.heartbeat_timeout_s:
                self.events.append(("expired", worker_id))
                del self.registered[worker_id]
        mine = [w for w in self.registered.values() if w.model == model]
        if self.check_health and mine:
            results = await asyncio.gather(*(self._probe(w.base_url) for w in mine))
            for w, ok in zip(mine, results, strict=True):
                w.healthy = ok
        return [
            WorkerInfo(w.worker_id, w.model, w.base_url, w.job_id, w.deployment, w.healthy,
                       w.draining, w.outstanding)
            for w in mine
        ]

    async def last_request_at(self, model: str) -> float | None:
        return self.last_request.get(model)

    async def queue_depth(self, model: str) -> int:
        return self.queue.get(model, 0)

    async def drain(self, model: str, worker_id: str) -> None:
        worker = self.registered.get(worker_id)
        if worker is not None:
            worker.draining = True
            self.events.append(("drain-by-controller", worker_id))

    # -- helpers for tests ---------------------------------------------------------------

    def ready(self, model: str) -> list[Registered]:
        return [w for w in self.registered.values()
                if w.model == model and not w.draining and w.healthy]

    def forget_workers(self) -> None:
        """What a gateway restart does to its in-memory registry."""
        self.registered.clear()

    def count(self, kind: str) -> int:
        return sum(1 for event, _ in self.events if event == kind)

    # -- HTTP ----------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/internal/workers/register", self._register)
        app.router.add_post("/internal/workers/{worker_id}/heartbeat", self._heartbeat)
        app.router.add_post("/internal/workers/{worker_id}/drain", self._drain)
        app.router.add_post("/v1/chat/completions", self._chat)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._http = aiohttp.ClientSession()
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _probe(self, base_url: str) -> bool:
        assert self._http is not None
        try:
            async with self._http.get(base_url + "/models",
                                      timeout=aiohttp.ClientTimeout(total=2)) as r:
                return r.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    def _grant(self, request: web.Request) -> Grant:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        grant = self.grants.get(_hash(token.strip())) if scheme == "Bearer" else None
        if grant is None or grant.revoked:
            raise web.HTTPUnauthorized(text='{"error": "the worker token is not valid"}')
        return grant

    async def _register(self, request: web.Request) -> web.Response:
        grant = self._grant(request)
        body = await request.json()
        if body.get("model") != grant.model:
            raise web.HTTPForbidden(text='{"error": "token is for another model"}')
        worker_id = hashlib.sha256(body["base_url"].encode()).hexdigest()[:12]
        self.registered[worker_id] = Registered(
            worker_id, body["model"], body["base_url"].rstrip("/"), body.get("job_id"),
            body.get("deployment"), self.clock(),
        )
        self.events.append(("register", worker_id))
        return web.json_response(
            {"worker_id": worker_id, "heartbeat_interval_s": self.heartbeat_interval_s}
        )

    def _known(self, request: web.Request) -> Registered:
        self._grant(request)
        worker = self.registered.get(request.match_info["worker_id"])
        if worker is None:
            raise web.HTTPNotFound(text='{"error": "unknown worker; register again"}')
        return worker

    async def _heartbeat(self, request: web.Request) -> web.Response:
        worker = self._known(request)
        worker.last_heartbeat = self.clock()
        self.events.append(("heartbeat", worker.worker_id))
        return web.json_response({"ok": True})

    async def _drain(self, request: web.Request) -> web.Response:
        worker = self._known(request)
        worker.draining = True
        self.events.append(("drain-by-job", worker.worker_id))
        return web.json_response({"ok": True})

    async def _chat(self, request: web.Request) -> web.Response:
        assert self.controller is not None and self._http is not None
        payload: dict[str, Any] = await request.json()
        model = payload["model"]
        self.last_request[model] = self.clock()
        if not self.ready(model):
            wait = request.headers.get("X-Labgate-Wait")
            status = (await self.controller.wait_ready(model, float(wait)) if wait
                      else await self.controller.ensure_started(model))
            if not status.ready or not self.ready(model):
                return web.json_response(
                    {"error": {"message": status.message, "type": "service_unavailable",
                               "param": None, "code": "model_starting"}},
                    status=503, headers={"Retry-After": str(max(1, round(status.retry_after_s)))},
                )
        worker = self.ready(model)[0]
        worker.outstanding += 1
        try:
            async with self._http.post(worker.base_url + "/chat/completions", json=payload) as r:
                return web.json_response(await r.json(), status=r.status)
        finally:
            worker.outstanding -= 1


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
