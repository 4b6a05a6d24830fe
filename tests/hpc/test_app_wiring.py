"""Scale from zero through the gateway's own start-up wiring ([hpc] enabled, [[deployments]]),
with a real Slurm: a cold model gets 503 "starting" with Retry-After, a client that says it
will wait (X-Labgate-Wait) gets its answer once the job has registered."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from labgate.app import Services, create_app
from labgate.testing.fake_worker import ANSWER
from tests.hpc.conftest import fake_spec
from tests.support.servers import free_port, serve_app

pytestmark = [pytest.mark.slurm, pytest.mark.store]


async def test_cold_model_starts_on_demand_through_the_app(
    make_settings: Callable[..., Any],
    job_prefix: str,
    tmp_path: Path,
) -> None:
    spec = fake_spec("wired")
    model = spec.served_name
    port = free_port()
    settings = make_settings(
        [],
        public_url=f"http://127.0.0.1:{port}",  # where the job registers
        deployments=[spec.model_dump(mode="json", exclude_none=True)],
        hpc={
            "enabled": True,
            "reconcile_interval_s": 0.5,
            "wait_for_start_max_s": 90,
            "spool_dir": str(tmp_path / "spool"),
            "job_name_prefix": job_prefix,
        },
    )
    app = create_app(settings)
    async with serve_app(app, port) as url:
        services: Services = app.state.services
        assert model in services.models and services.extras.get("hpc") is not None
        headers = {"Authorization": f"Bearer {services.bootstrap.admin_key}"}
        chat = {"model": model, "messages": [{"role": "user", "content": "capital of France?"}]}
        async with httpx.AsyncClient(base_url=url, timeout=120, headers=headers) as client:
            r = await client.post("/v1/chat/completions", json=chat)
            assert r.status_code == 503, r.text
            assert r.json()["error"]["code"] == "model_starting"
            assert int(r.headers["Retry-After"]) >= 1
            r = await client.post(
                "/v1/chat/completions", json=chat, headers={"X-Labgate-Wait": "90"}
            )
            assert r.status_code == 200, r.text
            assert r.json()["choices"][0]["message"]["content"] == ANSWER
            [worker] = services.router.pools[model].workers.values()
            assert worker.source == "registered" and worker.deployment == "wired"
            # a llama.cpp replica takes one request at a time: one slot of fair-share capacity
            assert services.scheduler.snapshot()["pools"][model]["capacity"] == 1
            r = await client.post(
                "/v1/chat/completions", json=chat, headers={"X-Labgate-Wait": "soon"}
            )
            assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_header"
