"""The controller and its jobs with labgate's own gateway (not the double): jobs register
through the real ``/internal/workers`` routes with tokens from the real worker registry, the
controller sees them through :class:`RouterGatewayLink`, the gateway routes a client's request
to the job, and when the model goes idle the job is drained at the gateway and cancelled."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from labgate.app import Services, create_app
from labgate.hpc.controller import HpcController
from labgate.hpc.models import RetireReason
from labgate.hpc.render import RenderContext
from labgate.hpc.router_link import RouterGatewayLink
from labgate.hpc.settings import HpcSettings
from labgate.hpc.slurm import SlurmCLI
from labgate.hpc.store import JobStore
from labgate.testing.fake_worker import ANSWER
from tests.hpc.conftest import fake_spec, job_log, until
from tests.support.servers import serve_app

pytestmark = [pytest.mark.slurm, pytest.mark.store]


async def test_jobs_serve_through_the_real_gateway_and_retire_when_idle(
    make_settings: Callable[..., Any], store: JobStore, job_prefix: str, tmp_path: Path,
) -> None:
    spec = fake_spec("real", idle_seconds=5)
    model = spec.served_name
    app = create_app(make_settings([{"name": model, "workers": []}]))
    async with serve_app(app) as url:
        services: Services = app.state.services
        assert services.bootstrap is not None and services.bootstrap.admin_key
        link = RouterGatewayLink(services.router)
        context = RenderContext(url, sys.executable, tmp_path / "spool", job_prefix)
        controller = HpcController(
            [spec], backend=SlurmCLI(), store=store, gateway=link, tokens=services.registry,
            context=context, settings=HpcSettings(reconcile_interval_s=0.5,
                                                  wait_for_start_max_s=60),
        )
        await controller.start()
        try:
            cold = await controller.ensure_started(model)
            assert not cold.ready and cold.slurm_job_id
            link.note_request(model)
            status = await controller.wait_ready(model, 60)
            assert status.ready, job_log(context, spec.name, cold.slurm_job_id)
            [worker] = services.router.pools[model].workers.values()
            assert (worker.source, worker.job_id, worker.deployment) == (
                "registered", cold.slurm_job_id, spec.name)

            async with httpx.AsyncClient(
                base_url=url, timeout=30,
                headers={"Authorization": f"Bearer {services.bootstrap.admin_key}"},
            ) as client:
                link.note_request(model)
                r = await client.post("/v1/chat/completions", json={
                    "model": model,
                    "messages": [{"role": "user", "content": "What is the capital of France?"}],
                })
            assert r.status_code == 200, r.text
            assert r.json()["choices"][0]["message"]["content"] == ANSWER

            async def retired() -> bool:
                return not await store.active()

            await until(retired, within=45, what="the idle job to be drained and cancelled")
        finally:
            await controller.stop()
        assert worker.draining, "drained at the gateway before it was cancelled"
        [ended] = await store.ended_since(0)
        assert ended.retire_reason == RetireReason.IDLE
        log = job_log(context, spec.name, cold.slurm_job_id)
        assert "SIGTERM: draining" in log and "drain: gateway answered HTTP 200" in log
