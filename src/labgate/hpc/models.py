"""The ``hpc_jobs`` table: every job labgate launched, what phase it is in, and how it ended.

It is the controller's memory across gateway restarts: jobs that have not ended are found again
here (and matched with ``squeue``), so a restarted gateway adopts them instead of submitting
duplicates. A row is written before ``sbatch`` runs (phase ``submitting``) and carries the
launch id that is also the job's ``--comment``, so even a crash between ``sbatch`` and the
update that records the Slurm job id leaves a job that can be recognised.

Times are epoch seconds (UTC). No secret is stored: the worker token lives only as a SHA-256 in
the gateway's token table, and as a 0600 file on the spool while the job runs.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from labgate.store.base import Base


class JobPhase(StrEnum):
    """Where a job is in its life, as labgate tracks it."""

    SUBMITTING = "submitting"  # row written, sbatch not yet answered
    QUEUED = "queued"  # Slurm has it pending
    STARTING = "starting"  # running; the engine has not registered yet
    READY = "ready"  # registered with the gateway, serving
    DRAINING = "draining"  # labgate is retiring it: no new requests, then scancel
    ENDED = "ended"  # gone from Slurm, for whatever reason

    @property
    def active(self) -> bool:
        return self is not JobPhase.ENDED


class RetireReason(StrEnum):
    """Why labgate itself ended a job. Jobs that end without one failed."""

    IDLE = "idle"  # no requests for idle_seconds; down to min_replicas
    SCALE_DOWN = "scale_down"  # more replicas than the queue needs
    RENEWED = "renewed"  # its successor is ready before the walltime ends
    UNHEALTHY = "unhealthy"  # the worker failed health checks or stopped heart-beating
    STARTUP_TIMEOUT = "startup_timeout"  # running but never registered
    OPERATOR = "operator"  # labgate hpc cancel
    WALLTIME = "walltime"  # reached its time limit (drained itself on --signal), not renewed

    @property
    def is_failure(self) -> bool:
        """Retirements that mean the job did not work, and count towards back-off."""
        return self in (RetireReason.UNHEALTHY, RetireReason.STARTUP_TIMEOUT)


class HpcJob(Base):
    __tablename__ = "hpc_jobs"

    launch_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    deployment: Mapped[str] = mapped_column(String(64), index=True)
    model: Mapped[str] = mapped_column(String(256))
    phase: Mapped[str] = mapped_column(String(16), index=True)
    slurm_job_id: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    slurm_state: Mapped[str | None] = mapped_column(String(64), default=None)
    worker_id: Mapped[str | None] = mapped_column(String(64), default=None)
    base_url: Mapped[str | None] = mapped_column(String(512), default=None)
    nodes: Mapped[str | None] = mapped_column(String(1024), default=None)
    renewal_of: Mapped[str | None] = mapped_column(String(32), default=None)
    retire_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    end_state: Mapped[str | None] = mapped_column(String(64), default=None)
    message: Mapped[str | None] = mapped_column(String(1024), default=None)
    time_limit_s: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[float] = mapped_column(Float)
    started_at: Mapped[float | None] = mapped_column(Float, default=None)
    ready_at: Mapped[float | None] = mapped_column(Float, default=None)
    drain_started_at: Mapped[float | None] = mapped_column(Float, default=None)
    cancel_requested_at: Mapped[float | None] = mapped_column(Float, default=None)
    ended_at: Mapped[float | None] = mapped_column(Float, default=None)

    @property
    def job_phase(self) -> JobPhase:
        return JobPhase(self.phase)

    @property
    def retire(self) -> RetireReason | None:
        return RetireReason(self.retire_reason) if self.retire_reason else None

    @property
    def failed(self) -> bool:
        """Ended without labgate asking, or retired because it did not work."""
        reason = self.retire
        return reason is None or reason.is_failure

    def ends_at(self) -> float | None:
        """When its walltime runs out, once it has started."""
        return None if self.started_at is None else self.started_at + self.time_limit_s

    def __repr__(self) -> str:
        return (
            f"HpcJob({self.launch_id} {self.deployment} job={self.slurm_job_id} "
            f"phase={self.phase} retire={self.retire_reason})"
        )
