"""Routing over real worker processes: a replica killed under load hurts no request."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from labgate.app import create_app
from labgate.testing.fake_worker import ANSWER
from tests.support.servers import free_port, serve_app

pytestmark = pytest.mark.store


async def _wait_up(url: str) -> None:
    async with httpx.AsyncClient() as c:
        for _ in range(200):
            try:
                if (await c.get(url + "/models")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"worker at {url} did not start")


class WorkerProc:
    def __init__(self, flags: str = "") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "labgate.testing.fake_worker",
                "--port",
                str(self.port),
                "--flags",
                flags,
            ],
        )

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()


@pytest.fixture
async def two_workers() -> AsyncIterator[list[WorkerProc]]:
    workers = [WorkerProc("delay=0.05"), WorkerProc("delay=0.05")]
    await asyncio.gather(*(_wait_up(w.url) for w in workers))
    yield workers
    for w in workers:
        w.kill()


async def test_killed_replica_under_load(
    make_settings: Callable[..., Any], two_workers: list[WorkerProc]
) -> None:
    # one user sends all 150 requests at once: lift the per-user queue cap for this test
    settings = make_settings(
        [{"name": "fake", "workers": [w.url for w in two_workers]}],
        scheduler={
            "interactive": {"max_wait_s": 30, "max_queued": 2000, "max_queued_per_user": 1000}
        },
    )
    app = create_app(settings)
    async with serve_app(app) as url:
        key = app.state.services.bootstrap.admin_key
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as c:

            async def plain(i: int) -> int:
                r = await c.post(
                    "/v1/chat/completions",
                    json={"model": "fake", "messages": [{"role": "user", "content": f"q{i}"}]},
                )
                assert r.json()["choices"][0]["message"]["content"] == ANSWER, r.text
                return r.status_code

            async def streamed(i: int) -> str:
                async with c.stream(
                    "POST",
                    "/v1/chat/completions",
                    json={
                        "model": "fake",
                        "stream": True,
                        "messages": [{"role": "user", "content": f"s{i}"}],
                    },
                ) as r:
                    lines = [ln async for ln in r.aiter_lines() if ln.startswith("data: ")]
                assert lines[-1] == "data: [DONE]"  # always terminated, never hung
                return "error" if '"error"' in lines[-2] else "ok"

            pool = app.state.services.router.pools["fake"]
            victim = next(w for w in pool.workers.values() if w.base_url == two_workers[0].url)

            async def killer() -> None:
                # kill it while it holds requests in flight, after it has served some
                while victim.total_requests < 10 or victim.outstanding == 0:
                    await asyncio.sleep(0.005)
                two_workers[0].kill()

            tasks = [plain(i) for i in range(120)] + [streamed(i) for i in range(30)]
            results = await asyncio.wait_for(asyncio.gather(killer(), *tasks), timeout=60)
            statuses = results[1:121]
            stream_outcomes = results[121:]
            assert statuses == [200] * 120  # every non-streamed request answered
            assert all(o in ("ok", "error") for o in stream_outcomes)
            # after the kill, the dead replica is out of rotation and everything succeeds
            for i in range(20):
                assert await plain(1000 + i) == 200
            assert victim.total_failures >= 1, pool.describe()


@pytest.mark.parametrize(
    ("bad_flags", "streams"),
    [
        ("fail", (False, True)),  # 500 before any byte
        # 200, then a 5xx error event before any token: failed as surely as a 500
        ("stream-error=500", (True,)),
    ],
)
async def test_failure_before_first_byte_is_retried(
    make_settings: Callable[..., Any], bad_flags: str, streams: tuple[bool, ...]
) -> None:
    bad, good = WorkerProc(bad_flags), WorkerProc("")
    try:
        await asyncio.gather(_wait_up(bad.url), _wait_up(good.url))
        settings = make_settings([{"name": "fake", "workers": [bad.url, good.url]}])
        app = create_app(settings)
        async with serve_app(app) as url:
            key = app.state.services.bootstrap.admin_key
            pool = app.state.services.router.pools["fake"]
            bad_w = next(w for w in pool.workers.values() if str(bad.port) in w.base_url)
            async with httpx.AsyncClient(
                base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30
            ) as c:
                # which replica a request goes to depends on the ports' hashes: ask until the
                # bad one has failed three times (at least 6 requests of each kind, at most 60)
                for i in range(60):
                    if i >= 6 and bad_w.total_failures >= 3:
                        break
                    for stream in streams:
                        r = await c.post(
                            "/v1/chat/completions",
                            json={
                                "model": "fake",
                                "stream": stream,
                                "messages": [{"role": "user", "content": f"{stream}{i}"}],
                            },
                        )
                        assert r.status_code == 200, r.text
                        assert ANSWER.split()[0] in r.text and "error" not in r.text
                assert bad_w.total_failures >= 3, pool.describe()
            # three failures in a row opened its breaker (it may be half-open again by now:
            # the test's cool-down is 1 s)
            assert bad_w.opened_at > 0
    finally:
        bad.kill()
        good.kill()


async def test_registration_heartbeat_drain(
    make_settings: Callable[..., Any], fake_worker: Any
) -> None:
    settings = make_settings(
        [{"name": "fake", "workers": []}],
        router={"heartbeat_timeout_s": 0.5, "health_interval_s": 0.2},
    )
    app = create_app(settings)
    async with serve_app(app) as url:
        services = app.state.services
        key = services.bootstrap.admin_key
        token = await services.registry.issue_token("fake", job_id="123")
        async with httpx.AsyncClient(base_url=url, timeout=10) as c:
            chat = {"model": "fake", "messages": [{"role": "user", "content": "q"}]}
            auth = {"Authorization": f"Bearer {key}"}
            r = await c.post("/v1/chat/completions", json=chat, headers=auth)
            assert r.status_code == 503 and "no workers running" in r.json()["error"]["message"]

            wauth = {"Authorization": f"Bearer {token}"}
            r = await c.post(
                "/internal/workers/register",
                headers={"Authorization": "Bearer x"},
                json={"model": "fake", "base_url": fake_worker.base_url},
            )
            assert r.status_code == 401
            r = await c.post(
                "/internal/workers/register",
                headers=wauth,
                json={"model": "other", "base_url": fake_worker.base_url},
            )
            assert r.status_code == 403
            r = await c.post(
                "/internal/workers/register",
                headers=wauth,
                json={"model": "fake", "base_url": fake_worker.base_url, "job_id": "123"},
            )
            assert r.status_code == 200, r.text
            worker_id = r.json()["worker_id"]
            r = await c.post("/v1/chat/completions", json=chat, headers=auth)
            assert r.status_code == 200, r.text

            assert (
                await c.post(f"/internal/workers/{worker_id}/drain", headers=wauth)
            ).status_code == 200
            r = await c.post("/v1/chat/completions", json=chat, headers=auth)
            assert r.status_code == 503  # draining: no new requests

            # re-registering clears drain; then silence makes it expire
            r = await c.post(
                "/internal/workers/register",
                headers=wauth,
                json={"model": "fake", "base_url": fake_worker.base_url},
            )
            assert (
                await c.post("/v1/chat/completions", json=chat, headers=auth)
            ).status_code == 200
            for _ in range(50):
                await asyncio.sleep(0.1)
                if not services.router.pools["fake"].workers:
                    break
            assert not services.router.pools["fake"].workers
            r = await c.post(f"/internal/workers/{worker_id}/heartbeat", headers=wauth)
            assert r.status_code == 404  # "register again"
