"""End to end with the real Slurm: rendered jobs run the fake engine, register with the gateway
double over HTTP, heart-beat, and are scaled, replaced, renewed and adopted by a controller
running in the background exactly as in the gateway."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from labgate.hpc.launcher import auth_file_path
from labgate.hpc.models import HpcJob, JobPhase, RetireReason
from labgate.hpc.render import RenderContext
from labgate.hpc.store import JobStore
from labgate.testing.fake_worker import ANSWER
from tests.hpc.conftest import fake_spec, job_log, run, until
from tests.hpc.gateway_double import GatewayDouble

pytestmark = pytest.mark.slurm


async def squeue_jobs(prefix: str) -> list[str]:
    out = await run("squeue", "--noheader", "--states=all", "--format=%i %j")
    return [p[0] for line in out.splitlines()
            if len(p := line.split()) == 2 and p[1].startswith(prefix + ":")]


async def ready_row(store: JobStore, other_than: set[str] = frozenset()) -> HpcJob | None:
    for job in await store.active():
        if job.phase == JobPhase.READY and job.slurm_job_id not in other_than:
            return job
    return None


async def test_cold_request_starts_a_job_that_answers_and_is_cancelled_when_idle(
    store: JobStore, gateway: GatewayDouble, context: RenderContext, job_prefix: str,
    running: Callable[..., Any],
) -> None:
    spec = fake_spec("cold", idle_seconds=6)
    await running(spec, store, gateway, context)
    body = {"model": spec.served_name, "messages": [{"role": "user", "content": "Capital?"}]}
    async with aiohttp.ClientSession() as http:
        async with http.post(gateway.url + "/v1/chat/completions", json=body) as r:
            assert r.status == 503
            assert int(r.headers["Retry-After"]) >= 1
            error = (await r.json())["error"]
            assert error["code"] == "model_starting"
            assert f"model {spec.served_name!r} is" in error["message"]
            assert "X-Labgate-Wait" in error["message"]
        [row] = await store.active()
        async with http.post(gateway.url + "/v1/chat/completions", json=body,
                             headers={"X-Labgate-Wait": "60"}) as r:
            answer = await r.json()
            assert r.status == 200, job_log(context, spec.name, row.slurm_job_id)
    assert answer["choices"][0]["message"]["content"] == ANSWER
    assert await squeue_jobs(job_prefix) == [row.slurm_job_id], "one job, submitted once"
    assert gateway.count("register") == 1
    await until(lambda: _true(gateway.count("heartbeat") >= 2), within=15, what="heart-beats")

    async def ended() -> bool:
        return not await store.active()

    await until(ended, within=45, what="the idle job to be drained and cancelled")
    [done] = await store.ended_since(0)
    assert (done.retire_reason, done.end_state) == (RetireReason.IDLE, "cancelled")
    assert ("drain-by-controller", done.worker_id) in gateway.events
    assert not await asyncio.to_thread(auth_file_path(context.spool_dir, done.launch_id).exists)
    log = job_log(context, spec.name, done.slurm_job_id)
    assert "registered with" in log and "SIGTERM: draining" in log


async def test_killed_crashed_and_sick_jobs_are_replaced(
    store: JobStore, gateway: GatewayDouble, context: RenderContext, job_prefix: str,
    running: Callable[..., Any],
) -> None:
    spec = fake_spec("flaky", unhealthy_seconds=2)
    controller = await running(spec, store, gateway, context)
    assert (await controller.wait_ready(spec.served_name, 60)).ready
    seen: set[str] = set()

    async def replacement() -> HpcJob:
        holder: list[HpcJob] = []

        async def found() -> bool:
            job = await ready_row(store, seen)
            holder[:] = [job] if job else []
            return bool(job)

        await until(found, within=45, what="a replacement job to be ready")
        seen.add(holder[0].slurm_job_id or "")
        return holder[0]

    first = await replacement()
    await run("scancel", first.slurm_job_id or "")
    second = await replacement()
    async with aiohttp.ClientSession() as http:
        root = (second.base_url or "").removesuffix("/v1")
        async with http.post(root + "/control/crash") as r:
            assert r.status == 200
        third = await replacement()
        async with http.post((third.base_url or "").removesuffix("/v1") + "/control/sick") as r:
            assert r.status == 200
    fourth = await replacement()

    ended = {j.slurm_job_id: j for j in await store.ended_since(0)}
    assert ended[first.slurm_job_id].end_state == "cancelled"
    assert ended[first.slurm_job_id].failed, "cancelled by someone else: a failure"
    crashed = ended[second.slurm_job_id]
    assert crashed.failed, job_log(context, spec.name, second.slurm_job_id)
    # Whichever notices first: the job script (the engine exited: the job fails) or the
    # gateway's health checks (unhealthy for unhealthy_seconds: labgate cancels it).
    assert (crashed.end_state, crashed.retire_reason) in (("failed", None),
                                                           ("cancelled", "unhealthy"))
    assert ended[third.slurm_job_id].retire_reason == RetireReason.UNHEALTHY
    assert sorted(await squeue_jobs(job_prefix)) == sorted(
        j.slurm_job_id or "" for j in (first, second, third, fourth))


async def test_renewal_hands_over_before_the_walltime_without_a_gap(
    store: JobStore, gateway: GatewayDouble, context: RenderContext,
    running: Callable[..., Any],
) -> None:
    spec = fake_spec("renew", walltime="00:02:00", renew_before_seconds=110, drain_seconds=10)
    controller = await running(spec, store, gateway, context)
    assert (await controller.wait_ready(spec.served_name, 60)).ready
    gaps: list[float] = []

    async def watch() -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not gateway.ready(spec.served_name):
                gaps.append(loop.time())
            await asyncio.sleep(0.2)

    watcher = asyncio.create_task(watch())
    try:
        async def handed_over() -> bool:
            return any(j.retire_reason == RetireReason.RENEWED
                       for j in await store.ended_since(0))

        await until(handed_over, within=60, what="the renewal hand-over")
    finally:
        watcher.cancel()
    await controller.stop()
    [old] = await store.ended_since(0)
    [new] = await store.active()
    assert new.renewal_of == old.launch_id and new.phase == JobPhase.READY
    assert old.end_state == "cancelled"
    assert gaps == [], "a ready worker at every moment of the hand-over"


@pytest.mark.store  # the restart is recovered from the database: run it on PostgreSQL too
async def test_a_restarted_controller_adopts_its_job_which_later_drains_at_its_walltime(
    store: JobStore, gateway: GatewayDouble, context: RenderContext, job_prefix: str,
    running: Callable[..., Any],
) -> None:
    spec = fake_spec("adopt", walltime="00:01:00", drain_seconds=20, renew_before_seconds=0)
    first = await running(spec, store, gateway, context)
    assert (await first.wait_ready(spec.served_name, 60)).ready
    [job] = await store.active()

    await first.stop()
    gateway.forget_workers()  # the gateway restarted
    second = await running(spec, store, gateway, context)
    await until(lambda: _true(bool(gateway.ready(spec.served_name))), within=15,
                what="the job to register again after the gateway restart")
    assert (await second.ensure_started(spec.served_name)).ready
    await second.reconcile()
    assert await squeue_jobs(job_prefix) == [job.slurm_job_id], "adopted, not duplicated"
    assert [j.launch_id for j in await store.active()] == [job.launch_id]

    [worker] = gateway.ready(spec.served_name)
    assert worker.job_id == job.slurm_job_id

    async def drained_itself() -> bool:
        return ("drain-by-job", worker.worker_id) in gateway.events

    await until(drained_itself, within=60, what="--signal=B:TERM before the walltime")
    await until(lambda: _has_ready_other(store, job.slurm_job_id), within=45,
                what="a replacement for the expired job")
    # the adopted job's own row: a replacement that failed to start (seen once in CI, on a
    # loaded machine; the controller resubmits it with back-off) may have ended too
    ended_rows = await store.ended_since(0)
    [ended] = [row for row in ended_rows if row.slurm_job_id == job.slurm_job_id]
    others = [row for row in ended_rows if row is not ended]
    assert all(row.failed for row in others), [
        (row.slurm_job_id, row.end_state, job_log(context, spec.name, row.slurm_job_id))
        for row in others
    ]
    assert ended.retire_reason == RetireReason.WALLTIME and not ended.failed
    assert ended.end_state == "completed", job_log(context, spec.name, job.slurm_job_id)
    log = job_log(context, spec.name, job.slurm_job_id)
    assert "SIGTERM: draining" in log and "stopped after draining" in log



async def _has_ready_other(store: JobStore, slurm_job_id: str | None) -> bool:
    return await ready_row(store, {slurm_job_id or ""}) is not None


async def _true(value: bool) -> bool:
    return value
