"""A request that waited its turn too long is recorded as ``queue_timeout``, not as a worker's
failure (issue 27: a 503 after a queue wait was recorded as ``worker_error`` though the worker
was fine)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from labgate.app import create_app
from tests.support.servers import RunningWorker, serve_app

pytestmark = pytest.mark.store


async def test_a_queue_wait_that_runs_out_is_not_a_worker_error(
    make_settings: Callable[..., Any], fake_worker: RunningWorker
) -> None:
    settings = make_settings(
        [{"name": "fake", "workers": [fake_worker.base_url], "max_in_flight_per_worker": 1}],
        scheduler={"interactive": {"max_wait_s": 0.2, "max_queued": 10, "max_queued_per_user": 5}},
    )
    app = create_app(settings)
    async with serve_app(app) as url:
        import httpx

        key = app.state.services.bootstrap.admin_key
        async with httpx.AsyncClient(
            base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30
        ) as client:

            def ask(**extra: Any) -> Any:
                body = {"model": "fake", "messages": [{"role": "user", "content": "q"}]}
                return client.post("/v1/chat/completions", json={**body, **extra})

            slow = asyncio.ensure_future(ask(fake="delay=2"))  # holds the one slot
            await asyncio.sleep(0.3)
            waited = await ask()
            assert (await slow).status_code == 200
        assert waited.status_code == 503
        assert waited.json()["error"]["code"] == "queue_timeout"
        log = app.state.services.audit
        records = [orjson.loads((await log.get_record(i)).data) for i in range(await log.size())]
    mine = next(r for r in records if r.get("request_id") == waited.headers["X-Request-Id"])
    assert mine["status"] == 503
    assert mine["outcome"] == "queue_timeout"
