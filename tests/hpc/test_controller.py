"""The controller's decisions, on an injected clock, against an in-memory Slurm and the gateway
double: scale from zero, no duplicates, idle scale-down, back-off, renewal hand-over, queue
pressure, health, restarts, and the token hand-over. The same flows against the real Slurm
are in test_jobs_slurm.py."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from labgate.hpc.controller import HpcController, UnknownModel
from labgate.hpc.models import JobPhase, RetireReason
from labgate.hpc.render import RenderContext
from labgate.hpc.settings import HpcSettings
from labgate.hpc.spec import DeploymentSpec
from labgate.hpc.store import JobStore
from tests.hpc.conftest import fake_spec
from tests.hpc.gateway_double import GatewayDouble, Registered
from tests.hpc.memory_slurm import MemorySlurm

pytestmark = pytest.mark.store


class Clock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class Rig:
    """A controller with everything around it, and the moves a test makes."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], tmp_path: Path,
                 **spec_fields: Any) -> None:
        self.clock = Clock()
        self.slurm = MemorySlurm(self.clock)
        self.gateway = GatewayDouble(clock=self.clock, check_health=False,
                                     heartbeat_timeout_s=1e9)
        self.store = JobStore(sessions)
        self.spec = fake_spec("tiny", **spec_fields)
        self.model = self.spec.served_name
        self.context = RenderContext("http://gw:8080", "/usr/bin/python3", tmp_path / "spool",
                                     "lgtest")
        self.controller = self.new_controller()

    def new_controller(self, *specs: DeploymentSpec) -> HpcController:
        return HpcController(
            specs or [self.spec], backend=self.slurm, store=self.store, gateway=self.gateway,
            tokens=self.gateway, context=self.context, clock=self.clock,
            settings=HpcSettings(backoff_base_s=30, backoff_max_s=120),
        )

    def register(self, job_id: str, *, healthy: bool = True, outstanding: int = 0) -> str:
        worker_id = f"w{job_id}"
        self.gateway.registered[worker_id] = Registered(
            worker_id, self.model, f"http://gh001:{job_id}/v1", job_id, self.spec.name,
            self.clock(), healthy=healthy, outstanding=outstanding)
        return worker_id

    async def phases(self) -> dict[str, str]:
        return {j.slurm_job_id or j.launch_id: j.phase for j in await self.store.active()}

    async def serving(self) -> str:
        """Cold start → job running → worker registered → ready; returns the Slurm job id."""
        await self.controller.ensure_started(self.model)
        job_id = self.slurm.submissions[-1].job_id
        self.slurm.start(job_id)
        self.register(job_id)
        await self.controller.reconcile()
        assert (await self.phases())[job_id] == JobPhase.READY
        return job_id


@pytest.fixture
def rig(sessions: async_sessionmaker[AsyncSession], tmp_path: Path) -> Rig:
    return Rig(sessions, tmp_path)


async def test_cold_model_submits_once_and_says_it_is_starting(rig: Rig) -> None:
    status = await rig.controller.ensure_started(rig.model)
    assert status.state == "submitting" or status.state == "queued"
    assert not status.ready
    assert len(rig.slurm.submissions) == 1
    job_id = rig.slurm.submissions[0].job_id
    assert status.slurm_job_id == job_id
    assert "is" in status.message and "retry in about 5 s" in status.message
    again = await rig.controller.ensure_started(rig.model)
    await rig.controller.reconcile()
    assert len(rig.slurm.submissions) == 1, "a queued job is not submitted twice"
    assert again.state == "queued" and again.retry_after_s == 5

    rig.slurm.start(job_id, nodes="gh042")
    await rig.controller.reconcile()
    assert (await rig.phases())[job_id] == JobPhase.STARTING
    starting = await rig.controller.ensure_started(rig.model)
    assert starting.state == "starting" and "gh042" in starting.message

    rig.register(job_id)
    assert (await rig.controller.ensure_started(rig.model)).ready
    await rig.controller.reconcile()
    assert (await rig.phases())[job_id] == JobPhase.READY
    assert len(rig.slurm.submissions) == 1


async def test_unknown_model_is_not_started(rig: Rig) -> None:
    assert not rig.controller.manages("other")
    with pytest.raises(UnknownModel):
        await rig.controller.ensure_started("other")
    await rig.controller.reconcile()
    assert rig.slurm.submissions == [], "no demand, min_replicas 0: nothing runs"


async def test_idle_deployment_is_drained_then_cancelled(rig: Rig) -> None:
    job_id = await rig.serving()
    rig.clock.advance(rig.spec.idle_seconds - 1)
    await rig.controller.reconcile()
    assert rig.slurm.cancelled == []
    rig.clock.advance(1)
    await rig.controller.reconcile()
    assert ("drain-by-controller", f"w{job_id}") in rig.gateway.events
    assert rig.slurm.cancelled == [job_id]
    await rig.controller.reconcile()
    [ended] = await rig.store.ended_since(0)
    assert ended.retire_reason == RetireReason.IDLE and ended.end_state == "cancelled"
    assert not ended.failed
    await rig.controller.ensure_started(rig.model)
    assert len(rig.slurm.submissions) == 2, "a new request starts it again, no back-off"


async def test_a_job_submitted_by_hand_gets_one_idle_period(rig: Rig) -> None:
    rig.clock.advance(rig.spec.idle_seconds * 2)  # the controller has long seen no demand
    job = await rig.controller.launcher.launch(rig.spec)  # what 'labgate hpc submit' does
    rig.slurm.start(job.slurm_job_id or "")
    rig.register(job.slurm_job_id or "")
    await rig.controller.reconcile()
    assert (await rig.phases()) == {job.slurm_job_id: JobPhase.READY}
    rig.clock.advance(rig.spec.idle_seconds)
    await rig.controller.reconcile()
    assert rig.slurm.cancelled == [job.slurm_job_id]


async def test_min_replicas_are_kept_without_demand(sessions: Any, tmp_path: Path) -> None:
    rig = Rig(sessions, tmp_path, min_replicas=2, max_replicas=2)
    await rig.controller.reconcile()
    assert len(rig.slurm.submissions) == 2
    await rig.controller.reconcile()
    assert len(rig.slurm.submissions) == 2


async def test_a_draining_worker_is_cancelled_once_its_requests_finish(rig: Rig) -> None:
    job_id = await rig.serving()
    rig.gateway.registered[f"w{job_id}"].outstanding = 2
    rig.clock.advance(rig.spec.idle_seconds)
    await rig.controller.reconcile()
    assert rig.gateway.registered[f"w{job_id}"].draining
    assert rig.slurm.cancelled == [], "requests still in flight"
    rig.gateway.registered[f"w{job_id}"].outstanding = 0
    await rig.controller.reconcile()
    assert rig.slurm.cancelled == [job_id]


async def test_a_drain_that_never_empties_ends_after_drain_seconds(rig: Rig) -> None:
    job_id = await rig.serving()
    rig.gateway.registered[f"w{job_id}"].outstanding = 1
    rig.clock.advance(rig.spec.idle_seconds)
    await rig.controller.reconcile()
    rig.clock.advance(rig.spec.drain_seconds)
    await rig.controller.reconcile()
    assert rig.slurm.cancelled == [job_id]


async def test_failed_jobs_are_resubmitted_with_exponential_backoff(rig: Rig) -> None:
    job_id = await rig.serving()
    rig.gateway.last_request[rig.model] = rig.clock()
    rig.slurm.finish(job_id, "NODE_FAIL")
    rig.gateway.forget_workers()
    await rig.controller.reconcile()
    [ended] = await rig.store.ended_since(0)
    assert ended.end_state == "node_fail" and ended.failed
    assert len(rig.slurm.submissions) == 1, "backing off 30 s"
    status = await rig.controller.ensure_started(rig.model)
    assert status.state == "backoff" and status.retry_after_s == 30
    assert "try again in about 30 s" in status.message

    rig.clock.advance(30)
    await rig.controller.reconcile()
    assert len(rig.slurm.submissions) == 2
    second = rig.slurm.submissions[-1].job_id
    rig.slurm.start(second)
    rig.slurm.finish(second, "FAILED")
    await rig.controller.reconcile()
    rig.clock.advance(59)
    await rig.controller.reconcile()
    assert len(rig.slurm.submissions) == 2, "second failure: 60 s"
    rig.clock.advance(1)
    await rig.controller.reconcile()
    assert len(rig.slurm.submissions) == 3
    third = rig.slurm.submissions[-1].job_id
    rig.slurm.start(third)
    rig.register(third)
    await rig.controller.reconcile()
    assert rig.controller._demand[rig.spec.name].failures == 0, "ready resets the back-off"


async def test_a_job_that_reaches_its_walltime_is_replaced_without_backoff(rig: Rig) -> None:
    job_id = await rig.serving()
    rig.clock.advance(rig.spec.walltime_seconds - rig.spec.drain_seconds + 5)
    rig.gateway.last_request[rig.model] = rig.clock()
    rig.slurm.finish(job_id, "COMPLETED")  # it drained itself on --signal=B:TERM and exited
    await rig.controller.reconcile()
    [ended] = await rig.store.ended_since(0)
    assert ended.retire_reason == RetireReason.WALLTIME and not ended.failed
    assert len(rig.slurm.submissions) == 2, "replaced at once: no back-off"


async def test_renewal_starts_a_successor_and_drains_the_old_job_when_it_is_ready(
    sessions: Any, tmp_path: Path
) -> None:
    rig = Rig(sessions, tmp_path, walltime="00:10:00", renew_before_seconds=120,
              drain_seconds=30)
    old = await rig.serving()
    rig.gateway.last_request[rig.model] = rig.clock()
    rig.clock.advance(600 - 121)
    await rig.controller.reconcile()
    assert len(rig.slurm.submissions) == 1
    rig.clock.advance(1)
    rig.gateway.last_request[rig.model] = rig.clock()
    await rig.controller.reconcile()
    assert len(rig.slurm.submissions) == 2
    new = rig.slurm.submissions[-1].job_id
    rows = {j.slurm_job_id: j for j in await rig.store.active()}
    assert rows[new].renewal_of == rows[old].launch_id
    await rig.controller.reconcile()
    assert len(rig.slurm.submissions) == 2, "a job and its renewal count as one replica"
    assert rig.slurm.cancelled == [] and not rig.gateway.registered[f"w{old}"].draining

    rig.slurm.start(new)
    await rig.controller.reconcile()
    assert rig.slurm.cancelled == [], "the old job serves until the successor is ready"
    rig.register(new)
    await rig.controller.reconcile()
    assert rig.gateway.registered[f"w{old}"].draining
    assert rig.slurm.cancelled == [old]
    await rig.controller.reconcile()
    ended = await rig.store.ended_since(0)
    assert [(j.slurm_job_id, j.retire_reason) for j in ended] == [(old, "renewed")]
    assert (await rig.phases()) == {new: JobPhase.READY}


async def test_queue_pressure_adds_replicas_up_to_the_maximum(
    sessions: Any, tmp_path: Path
) -> None:
    rig = Rig(sessions, tmp_path, max_replicas=2, scale_up_queue_depth=4)
    await rig.serving()
    rig.gateway.last_request[rig.model] = rig.clock()
    rig.gateway.queue[rig.model] = 4
    await rig.controller.reconcile()
    assert len(rig.slurm.submissions) == 2
    await rig.controller.reconcile()
    assert len(rig.slurm.submissions) == 2, "one on its way: wait for it"
    second = rig.slurm.submissions[-1].job_id
    rig.slurm.start(second)
    rig.register(second)
    rig.gateway.queue[rig.model] = 100
    await rig.controller.reconcile()
    assert len(rig.slurm.submissions) == 2, "max_replicas"

    rig.gateway.queue[rig.model] = 0
    rig.clock.advance(rig.spec.idle_seconds - 10)
    rig.gateway.last_request[rig.model] = rig.clock()
    await rig.controller.reconcile()
    assert len(rig.slurm.cancelled) == 0
    rig.clock.advance(10)
    rig.gateway.last_request[rig.model] = rig.clock()
    await rig.controller.reconcile()
    assert len(rig.slurm.cancelled) == 1, "quiet for idle_seconds: one replica goes"
    [retired] = [j for j in await rig.store.active() if j.retire_reason]
    assert retired.retire_reason == RetireReason.SCALE_DOWN


async def test_unhealthy_workers_are_cancelled_and_replaced(rig: Rig) -> None:
    job_id = await rig.serving()
    rig.gateway.last_request[rig.model] = rig.clock()
    rig.gateway.registered[f"w{job_id}"].healthy = False
    await rig.controller.reconcile()
    assert rig.slurm.cancelled == []
    rig.clock.advance(rig.spec.unhealthy_seconds)
    rig.gateway.last_request[rig.model] = rig.clock()
    await rig.controller.reconcile()
    assert rig.slurm.cancelled == [job_id], "unhealthy: cancelled without waiting to drain"
    await rig.controller.reconcile()
    [ended] = await rig.store.ended_since(0)
    assert ended.retire_reason == RetireReason.UNHEALTHY and ended.failed
    rig.clock.advance(30)
    rig.gateway.last_request[rig.model] = rig.clock()
    await rig.controller.reconcile()
    assert len(rig.slurm.submissions) == 2


async def test_a_job_that_never_registers_is_cancelled(rig: Rig) -> None:
    await rig.controller.ensure_started(rig.model)
    job_id = rig.slurm.submissions[0].job_id
    rig.slurm.start(job_id)
    await rig.controller.reconcile()
    rig.clock.advance(rig.spec.startup_timeout_seconds)
    await rig.controller.reconcile()
    assert rig.slurm.cancelled == [job_id]
    await rig.controller.reconcile()
    [ended] = await rig.store.ended_since(0)
    assert ended.retire_reason == RetireReason.STARTUP_TIMEOUT


async def test_a_new_controller_adopts_running_jobs_without_duplicates(rig: Rig) -> None:
    job_id = await rig.serving()
    rig.gateway.forget_workers()  # the gateway restarted: nothing registered, no demand known
    rig.clock.advance(rig.spec.idle_seconds)
    restarted = rig.new_controller()
    await restarted.reconcile()
    assert rig.slurm.cancelled == [], "a restart is not a reason to think the model idle"
    status = await restarted.ensure_started(rig.model)
    assert len(rig.slurm.submissions) == 1
    assert status.state == "starting" and status.slurm_job_id == job_id
    rig.register(job_id)  # the job's next heart-beat got 404 and it registered again
    await restarted.reconcile()
    assert (await rig.phases()) == {job_id: JobPhase.READY}
    assert len(rig.slurm.submissions) == 1
    rig.clock.advance(rig.spec.idle_seconds)
    await restarted.reconcile()
    assert rig.slurm.cancelled == [job_id], "idle for a full period after the restart"


async def test_a_lost_sbatch_answer_is_recovered_from_the_job_comment(rig: Rig) -> None:
    await rig.controller.ensure_started(rig.model)
    [row] = await rig.store.active()
    job_id, row.slurm_job_id, row.phase = row.slurm_job_id, None, JobPhase.SUBMITTING.value
    await rig.store.save(row)  # as if the gateway died before recording sbatch's answer
    await rig.new_controller().reconcile()
    assert (await rig.phases()) == {job_id: JobPhase.QUEUED}
    assert len(rig.slurm.submissions) == 1


async def test_a_submission_with_no_job_is_ended_as_lost(rig: Rig) -> None:
    await rig.controller.ensure_started(rig.model)
    [row] = await rig.store.active()
    rig.slurm.jobs.clear()
    row.slurm_job_id, row.phase = None, JobPhase.SUBMITTING.value
    await rig.store.save(row)
    await rig.controller.reconcile()
    assert len(await rig.store.active()) == 1, "within the grace period"
    rig.clock.advance(121)
    await rig.controller.reconcile()
    [ended] = await rig.store.ended_since(0)
    assert ended.end_state == "lost"


async def test_the_token_reaches_the_job_only_through_a_0600_file(rig: Rig) -> None:
    await rig.controller.ensure_started(rig.model)
    [submission] = rig.slurm.submissions
    [row] = await rig.store.active()
    assert submission.comment == f"labgate-launch={row.launch_id}"
    assert set(submission.env) == {"LABGATE_AUTH_FILE", "LABGATE_LAUNCH_ID"}
    auth = Path(submission.env["LABGATE_AUTH_FILE"])
    assert auth.parent == rig.context.spool_dir / "tokens"
    [token] = rig.gateway.issued
    assert file_facts(auth) == (0o600, 0o700, f"Authorization: Bearer {token}\n")
    assert token not in submission.script
    assert all(token not in str(v) for v in vars(row).values())

    rig.slurm.finish(submission.job_id, "CANCELLED")
    await rig.controller.reconcile()
    assert file_facts(auth) is None, "removed when the job ends"
    assert all(g.revoked for g in rig.gateway.grants.values())


async def test_a_refused_submission_backs_off_and_says_so(rig: Rig) -> None:
    rig.slurm.refuse = "Invalid account or account/partition combination specified"
    status = await rig.controller.ensure_started(rig.model)
    assert status.state == "unavailable" and status.retry_after_s == 30
    [ended] = await rig.store.ended_since(0)
    assert ended.end_state == "submit_failed"
    assert "Invalid account" in (ended.message or "")
    assert not file_facts(rig.context.spool_dir / "tokens", listing=True)
    assert all(g.revoked for g in rig.gateway.grants.values())
    rig.slurm.refuse = None
    again = await rig.controller.ensure_started(rig.model)
    assert again.state == "backoff"


def file_facts(path: Path, listing: bool = False) -> Any:
    """(file mode, directory mode, text) of a file, None when it is gone; or a dir's listing."""
    if listing:
        return list(path.iterdir())
    if not path.exists():
        return None
    return (stat.S_IMODE(path.stat().st_mode), stat.S_IMODE(path.parent.stat().st_mode),
            path.read_text())
