"""What ``labgate hpc status`` shows: phases brought up to date from squeue, and engine load."""

from __future__ import annotations

from labgate.hpc.models import HpcJob, JobPhase
from labgate.hpc.status import collect_status, current_phase, format_age, parse_load
from tests.hpc.fake_engine import JobEngine
from tests.hpc.memory_slurm import MemorySlurm
from tests.support.servers import serve_aiohttp

SCRIPT = "#!/bin/bash\n#SBATCH --job-name=lg:d:m\n#SBATCH --time=00:10:00\n"


def row(launch_id: str, phase: JobPhase, slurm_job_id: str | None, **kw: object) -> HpcJob:
    return HpcJob(launch_id=launch_id, deployment="d", model="m", phase=phase.value,
                  slurm_job_id=slurm_job_id, time_limit_s=600, submitted_at=1000.0, **kw)


def test_engine_metrics_give_the_load() -> None:
    vllm = ('# HELP x\nvllm:num_requests_running{model_name="m",engine="0"} 3.0\n'
            'vllm:num_requests_waiting{model_name="m",engine="0"} 2.0\n')
    assert str(parse_load(vllm)) == "3 running, 2 waiting"
    assert str(parse_load("sglang:num_running_reqs 1\nsglang:num_queue_reqs 4\n")) == (
        "1 running, 4 waiting")
    assert parse_load("process_cpu_seconds_total 12.5\n") is None


async def test_phases_follow_squeue_when_the_controller_has_not() -> None:
    slurm = MemorySlurm(lambda: 1000.0)
    running = await slurm.submit(SCRIPT, env={})
    slurm.start(running)
    gone = await slurm.submit(SCRIPT, env={})
    slurm.finish(gone, "CANCELLED")
    jobs = [row("a", JobPhase.QUEUED, running), row("b", JobPhase.READY, gone),
            row("c", JobPhase.ENDED, "1", end_state="timeout", retire_reason="walltime")]
    assert current_phase(jobs[0], slurm.jobs[running]) == "starting"
    assert current_phase(jobs[1], slurm.jobs[gone]) == "ended"
    rows = await collect_status(jobs, slurm, now=1090.0, probe=False)
    assert [(r.phase, r.slurm_state, r.age_s) for r in rows] == [
        ("starting", "RUNNING", 90.0), ("ended", "CANCELLED", 90.0), ("ended", None, 90.0)]
    assert rows[2].note == "timeout (walltime)"
    assert format_age(90) == "90s" and format_age(5400) == "90m" and format_age(90000) == "25h00m"


async def test_ready_jobs_report_their_engines_load() -> None:
    async with serve_aiohttp(JobEngine("m").app()) as url:
        slurm = MemorySlurm(lambda: 1000.0)
        job_id = await slurm.submit(SCRIPT, env={})
        slurm.start(job_id)
        ready = row("a", JobPhase.READY, job_id, base_url=url + "/v1")
        unreachable = row("b", JobPhase.READY, None, base_url="http://127.0.0.1:9/v1")
        rows = await collect_status([ready, unreachable], slurm, now=1000.0)
        assert str(rows[0].load) == "0 running, 0 waiting"
        assert rows[1].load is None
