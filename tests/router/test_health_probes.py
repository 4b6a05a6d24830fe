"""Active health probes against real HTTP servers: one slow or failing probe is not "down".

The clean-clone run of 2026-12-06 answered 503 "none of its workers is ready" for a worker that
was up: a second gateway replica, starting beside the first on a busy 2-core machine, timed out
its first probe while its event loop was held by start-up work, and one failed probe took the
worker out until the next round. A worker is now marked down after ``failures`` failed probes
in a row (timeouts, error statuses); a refused connection (nothing listening) takes it out at
once, and one good probe brings it back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from labgate.router.health import HealthChecker
from labgate.router.router import Router
from labgate.router.workers import Worker, WorkerPool
from tests.support.servers import free_port, serve_aiohttp


class Probed:
    """A worker's /v1/models that can be made to hang (no answer until released: the probe
    times out whatever the host's load) or to fail."""

    def __init__(self) -> None:
        self.hang = False
        self.released = asyncio.Event()
        self.status = 200
        self.hits = 0

    async def models(self, _request: web.Request) -> web.Response:
        self.hits += 1
        if self.hang:
            await self.released.wait()
        return web.json_response({"object": "list", "data": []}, status=self.status)


@pytest.fixture
async def probed() -> AsyncIterator[tuple[Probed, str]]:
    state = Probed()
    app = web.Application()
    app.router.add_get("/v1/models", state.models)
    async with serve_aiohttp(app) as url:
        try:
            yield state, url + "/v1"
        finally:
            state.released.set()  # a probe still hanging returns before the server stops


@pytest.fixture
async def router() -> AsyncIterator[Router]:
    router = Router(aiohttp.ClientSession())
    try:
        yield router
    finally:
        await router.session.close()


def _checker(router: Router, base_url: str, failures: int) -> tuple[HealthChecker, Worker]:
    pool = router.pools["m"] = WorkerPool("m")
    worker = pool.add(Worker(base_url=base_url, model="m"))
    return HealthChecker(router, timeout_s=2.0, failures=failures), worker


async def test_one_slow_probe_leaves_the_worker_serving(
    probed: tuple[Probed, str], router: Router
) -> None:
    state, url = probed
    checker, worker = _checker(router, url, failures=2)
    state.hang = True  # no answer: the probe times out (2 s)
    await checker.run_round()
    assert state.hits == 1
    assert worker.healthy and router.pools["m"].any_usable()
    assert worker.last_error and "TimeoutError" in worker.last_error  # operators see it
    await checker.run_round()  # the second in a row: down
    assert not worker.healthy and not router.pools["m"].any_usable()
    state.hang = False
    await checker.run_round()  # one good probe: back
    assert worker.healthy and router.pools["m"].any_usable()


async def test_a_good_probe_resets_the_count(probed: tuple[Probed, str], router: Router) -> None:
    state, url = probed
    checker, worker = _checker(router, url, failures=2)
    for _ in range(3):  # fail, succeed, fail ...: never two in a row
        state.status = 500
        await checker.run_round()
        assert worker.healthy
        state.status = 200
        await checker.run_round()
        assert worker.healthy


async def test_error_statuses_in_a_row_take_it_out(
    probed: tuple[Probed, str], router: Router
) -> None:
    state, url = probed
    checker, worker = _checker(router, url, failures=3)
    state.status = 503
    for _ in range(2):
        await checker.run_round()
        assert worker.healthy
    await checker.run_round()
    assert not worker.healthy
    assert worker.last_error == "health check answered HTTP 503"


async def test_nothing_listening_is_down_at_once(router: Router) -> None:
    checker, worker = _checker(router, f"http://127.0.0.1:{free_port()}/v1", failures=5)
    await checker.run_round()
    assert not worker.healthy
    assert "ClientConnector" in (worker.last_error or "")


async def test_failures_one_keeps_the_old_rule(probed: tuple[Probed, str], router: Router) -> None:
    state, url = probed
    checker, worker = _checker(router, url, failures=1)
    state.status = 500
    await checker.run_round()
    assert not worker.healthy


async def test_a_removed_worker_leaves_no_count(probed: tuple[Probed, str], router: Router) -> None:
    state, url = probed
    checker, worker = _checker(router, url, failures=2)
    state.status = 500
    await checker.run_round()
    assert worker.failed_probes == 1
    router.pools["m"].remove(worker.worker_id)
    await checker.run_round()
    again = router.pools["m"].add(Worker(base_url=url, model="m"))
    assert again.failed_probes == 0
    await checker.run_round()  # a fresh start: one failure is not two
    assert again.healthy and again.failed_probes == 1


async def test_the_count_is_the_workers_and_listed(
    probed: tuple[Probed, str], router: Router
) -> None:
    state, url = probed
    checker, worker = _checker(router, url, failures=3)
    pool = router.pools["m"]
    state.status = 500
    for count in (1, 2):
        await checker.run_round()
        assert worker.healthy and worker.failed_probes == count
        assert pool.describe()[0]["failed_probes"] == count  # /v1/admin/workers shows it
    await checker.run_round()  # the third: down, and the count starts again
    assert not worker.healthy and worker.failed_probes == 0
    state.status = 200
    await checker.run_round()
    assert worker.healthy and worker.failed_probes == 0
    state.status = 500
    await checker.run_round()
    assert worker.failed_probes == 1
    state.status = 200
    await checker.run_round()  # a good probe resets it
    assert worker.failed_probes == 0
