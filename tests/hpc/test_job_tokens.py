"""Each Slurm job gets its own worker token, from labgate's real worker registry: it lives the
job's time limit from the job's registration (however long the job queued), registers that
one worker only, and dies with the job. Driven through the controller against the in-memory
Slurm; the job's side (the registration a job script makes) through the registry's calls."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from labgate.app import Services, create_app
from labgate.hpc.controller import HpcController
from labgate.hpc.launcher import JOB_TOKEN_GRACE_S
from labgate.hpc.render import RenderContext
from labgate.hpc.router_link import RouterGatewayLink
from labgate.hpc.settings import HpcSettings
from labgate.hpc.slurm import SlurmCLI
from labgate.hpc.store import JobStore
from labgate.router.registration import RegistrationError, WorkerRegistry
from labgate.router.router import Router
from labgate.router.workers import WorkerPool
from tests.hpc.conftest import fake_spec, job_log, until
from tests.hpc.gateway_double import GatewayDouble
from tests.hpc.memory_slurm import MemorySlurm
from tests.support.servers import serve_app

pytestmark = pytest.mark.store


class Clock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


async def test_a_job_token_lives_the_jobs_time_limit_and_dies_with_the_job(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    clock = Clock()
    now = datetime.now(UTC)
    slurm = MemorySlurm(clock)
    spec = fake_spec("tiny", walltime="02:00:00")
    router = Router(session=None)  # type: ignore[arg-type]
    router.pools[spec.served_name] = WorkerPool(spec.served_name)
    registry = WorkerRegistry(router, sessions, clock=lambda: now)
    context = RenderContext("http://gw:8080", "/usr/bin/python3", tmp_path / "spool", "lgtest")
    controller = HpcController(
        [spec],
        backend=slurm,
        store=JobStore(sessions),
        gateway=GatewayDouble(clock=clock),
        tokens=registry,
        context=context,
        clock=clock,
        settings=HpcSettings(),
    )
    await controller.ensure_started(spec.served_name)
    [submission] = slurm.submissions
    header = Path(submission.env["LABGATE_AUTH_FILE"]).read_text().strip()
    assert header.startswith("Authorization: Bearer lgw-")
    authorization = header.split(": ", 1)[1]

    grant = await registry.verify(authorization)
    assert grant.model == spec.served_name and grant.job_id == submission.env["LABGATE_LAUNCH_ID"]
    assert grant.ttl_s == spec.walltime_seconds + JOB_TOKEN_GRACE_S
    assert grant.expires_at is not None, "a job that never starts does not leave a live token"

    # the job queued three hours, then started and registered: its token lives from then
    now += timedelta(hours=3)
    worker = await registry.register(
        grant, spec.served_name, "http://gh001:8000/v1", submission.job_id, spec.name
    )
    now += timedelta(seconds=spec.walltime_seconds)
    grant = await registry.verify(authorization)
    registry.heartbeat(grant, worker.worker_id, 0.0)
    now += timedelta(seconds=JOB_TOKEN_GRACE_S + 1)
    with pytest.raises(RegistrationError) as expired:
        await registry.verify(authorization)
    assert expired.value.status == 401

    # and when the job ends the controller revokes it, which drops its worker at once
    now -= timedelta(seconds=JOB_TOKEN_GRACE_S + 1)
    slurm.finish(submission.job_id, "CANCELLED")
    await controller.reconcile()
    assert worker.worker_id not in router.pools[spec.served_name].workers
    with pytest.raises(RegistrationError) as revoked:
        await registry.verify(authorization)
    assert revoked.value.status == 401


@pytest.mark.slurm
async def test_a_revoked_job_token_ends_the_real_job(
    make_settings: Callable[..., Any], store: JobStore, job_prefix: str, tmp_path: Path
) -> None:
    """Against the real Slurm and labgate's own gateway: revoking a serving job's token drops
    its worker at once, and the job script ends the job at its next heart-beat."""
    spec = fake_spec("revoked")
    model = spec.served_name
    settings = make_settings([{"name": model, "workers": []}], router={"heartbeat_interval_s": 1})
    app = create_app(settings)
    async with serve_app(app) as url:
        services: Services = app.state.services
        context = RenderContext(url, sys.executable, tmp_path / "spool", job_prefix)
        controller = HpcController(
            [spec],
            backend=SlurmCLI(),
            store=store,
            gateway=RouterGatewayLink(services.router),
            tokens=services.registry,
            context=context,
            settings=HpcSettings(reconcile_interval_s=0.5, wait_for_start_max_s=60),
        )
        await controller.start()
        try:
            cold = await controller.ensure_started(model)
            status = await controller.wait_ready(model, 60)
            assert status.ready, job_log(context, spec.name, cold.slurm_job_id)
            pool = services.router.pools[model]
            [worker] = pool.workers.values()
            [job] = await store.active()
            await services.registry.revoke_job_tokens(job.launch_id)
            assert worker.worker_id not in pool.workers, "dropped before the call returned"

            async def job_ended() -> bool:
                return not await store.active()

            await until(job_ended, within=45, what="the job to end on its refused heart-beat")
        finally:
            await controller.stop()
        log = job_log(context, spec.name, cold.slurm_job_id)
        assert "refused this job's token (HTTP 401" in log, log


async def test_one_jobs_token_cannot_pass_its_worker_off_as_another_jobs(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    """The controller believes a worker serves a job only if that job's token registered it."""
    clock = Clock()
    slurm = MemorySlurm(clock)
    spec = fake_spec("pair", max_replicas=2, min_replicas=2)
    model = spec.served_name
    router = Router(session=None)  # type: ignore[arg-type]
    router.pools[model] = WorkerPool(model)
    registry = WorkerRegistry(router, sessions)
    context = RenderContext("http://gw:8080", "/usr/bin/python3", tmp_path / "spool", "lgtest")
    store = JobStore(sessions)
    controller = HpcController(
        [spec],
        backend=slurm,
        store=store,
        gateway=RouterGatewayLink(router),
        tokens=registry,
        context=context,
        clock=clock,
        settings=HpcSettings(),
    )
    await controller.reconcile()  # min_replicas: two jobs
    first, second = slurm.submissions
    for s in (first, second):
        slurm.start(s.job_id)

    async def grant_of(submission: Any) -> Any:
        header = Path(submission.env["LABGATE_AUTH_FILE"]).read_text().strip()
        return await registry.verify(header.split(": ", 1)[1])

    async def phase_of(job_id: str) -> str:
        return {j.slurm_job_id: j.phase for j in await store.active()}[job_id]

    # the first job's token registers a worker that claims to be the second job's
    await registry.register(
        await grant_of(first), model, "http://gh001:9000/v1", second.job_id, spec.name
    )
    # and so does a token issued by hand
    manual = await registry.verify("Bearer " + await registry.issue_token(model))
    await registry.register(manual, model, "http://gh002:9000/v1", second.job_id, spec.name)
    await controller.reconcile()
    assert await phase_of(second.job_id) == "starting", "the impostors do not make it ready"

    real = await registry.register(
        await grant_of(second), model, "http://gh003:9000/v1", second.job_id, spec.name
    )
    await controller.reconcile()
    assert await phase_of(second.job_id) == "ready"
    [row] = [j for j in await store.active() if j.slurm_job_id == second.job_id]
    assert row.worker_id == real.worker_id
