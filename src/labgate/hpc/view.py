"""One deployment as a reconcile pass sees it: its unfinished jobs and its registered workers.

It answers the questions the controller asks of them: which job serves through which worker,
which job is renewing which, how many replicas there are (a job and the successor renewing it
count once), and in which order extra replicas should go.
"""

from __future__ import annotations

from dataclasses import dataclass

from labgate.hpc.gateway import WorkerInfo
from labgate.hpc.models import HpcJob, JobPhase
from labgate.hpc.spec import DeploymentSpec


@dataclass(slots=True)
class DeploymentView:
    """A deployment's jobs and workers during one reconcile pass."""

    spec: DeploymentSpec
    now: float
    jobs: list[HpcJob]
    workers: dict[str, list[WorkerInfo]]  # by the Slurm job id they state

    def live(self) -> list[HpcJob]:
        return [j for j in self.jobs if j.job_phase.active]

    def worker_of(self, job: HpcJob) -> WorkerInfo | None:
        """The worker serving ``job``: one stating its Slurm job id, registered with the job's
        own token (another job's token, or one issued by hand, proves nothing)."""
        if not job.slurm_job_id:
            return None
        for worker in self.workers.get(job.slurm_job_id, ()):
            if worker.launch_id is None or worker.launch_id == job.launch_id:
                return worker
        return None

    def successor_of(self, job: HpcJob) -> HpcJob | None:
        for other in self.live():
            if other.renewal_of == job.launch_id and other.retire_reason is None:
                return other
        return None

    def replicas(self) -> list[HpcJob]:
        """Jobs that serve or will serve, a job being renewed counted through its successor."""
        return [j for j in self.live() if j.retire_reason is None and self.successor_of(j) is None]


def retirement_order(jobs: list[HpcJob]) -> list[HpcJob]:
    """Retire what costs least first: not yet running, then starting, then the ready job
    closest to its walltime."""
    rank = {JobPhase.SUBMITTING: 0, JobPhase.QUEUED: 1, JobPhase.STARTING: 2, JobPhase.READY: 3}

    def key(job: HpcJob) -> tuple[int, float]:
        return rank.get(job.job_phase, 4), job.ends_at() or float("inf")

    return sorted(jobs, key=key)
