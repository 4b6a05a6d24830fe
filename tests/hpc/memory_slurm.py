"""An in-memory Slurm for the controller's decision tests: jobs move only when a test says so
(``start``, ``finish``), on an injected clock. The controller against the real Slurm is tested
in ``test_jobs_slurm.py``; this double isolates its decisions, fast and repeatable."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping

from labgate.hpc.slurm import JobState, SlurmError, SlurmJob, normalise_state
from labgate.hpc.slurmtime import parse_duration


@dataclasses.dataclass
class Submission:
    job_id: str
    script: str
    env: dict[str, str]
    comment: str | None


class MemorySlurm:
    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.jobs: dict[str, SlurmJob] = {}
        self.submissions: list[Submission] = []
        self.cancelled: list[str] = []
        self.refuse: str | None = None
        self._next = 100

    async def submit(self, script: str, *, env: Mapping[str, str],
                     comment: str | None = None) -> str:
        if self.refuse:
            raise SlurmError(f"sbatch refused the job: {self.refuse}")
        self._next += 1
        job_id = str(self._next)
        name = re.search(r"^#SBATCH --job-name=(\S+)$", script, re.M)
        limit = re.search(r"^#SBATCH --time=(\S+)$", script, re.M)
        assert name and limit, "a rendered script always names the job and its walltime"
        self.jobs[job_id] = SlurmJob(
            job_id, name.group(1), JobState.QUEUED, "PENDING", comment or "",
            submitted_at=self.clock(), time_limit_s=parse_duration(limit.group(1)),
        )
        self.submissions.append(Submission(job_id, script, dict(env), comment))
        return job_id

    def start(self, job_id: str, nodes: str = "gh001") -> None:
        self.jobs[job_id] = dataclasses.replace(
            self.jobs[job_id], state=JobState.RUNNING, slurm_state="RUNNING", nodes=nodes,
            started_at=self.clock())

    def finish(self, job_id: str, slurm_state: str = "FAILED") -> None:
        self.jobs[job_id] = dataclasses.replace(
            self.jobs[job_id], state=normalise_state(slurm_state), slurm_state=slurm_state)

    def running(self) -> list[str]:
        return [j for j, job in self.jobs.items() if not job.state.ended]

    async def list_jobs(self, name_prefix: str) -> list[SlurmJob]:
        return [job for job in self.jobs.values() if job.name.startswith(name_prefix)]

    async def status(self, job_ids: Iterable[str]) -> dict[str, SlurmJob | None]:
        return {job_id: self.jobs.get(job_id) for job_id in job_ids}

    async def details(self, job_id: str) -> dict[str, str] | None:
        job = self.jobs.get(job_id)
        return None if job is None else {"JobId": job_id, "JobState": job.slurm_state}

    async def cancel(self, job_id: str) -> None:
        self.cancelled.append(job_id)
        if job_id in self.jobs and not self.jobs[job_id].state.ended:
            self.finish(job_id, "CANCELLED")
