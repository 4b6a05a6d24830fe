"""Launching one job of a deployment, with its worker token handed over safely.

The order matters for crash safety and for secrecy:

1. write the ``hpc_jobs`` row (phase ``submitting``) with a fresh launch id;
2. issue the worker token (the gateway keeps only its SHA-256) and write it to
   ``<spool>/tokens/<launch id>.auth``, mode 0600 in a 0700 directory, as a curl header line.
   The token registers this job's one worker only, lives the job's time limit (plus
   ``JOB_TOKEN_GRACE_S``) from that registration, must be used within ``JOB_TOKEN_QUEUE_S``
   plus the time limit of its issue (a job that never starts leaves no live token), and is
   revoked when the job ends;
3. ``sbatch`` the rendered script with ``--comment=labgate-launch=<launch id>`` and a minimal
   environment holding only the auth file's path and the launch id;
4. record the Slurm job id (phase ``queued``).

Why a file rather than the environment or the script: sbatch stores the script and the
environment with the job (``scontrol write batch_script``, the controller's state files, and
the accounting database with ``AccountingStoreFlags=job_script,job_env``), and arguments show
in ``ps``. A 0600 file on the shared spool is readable only by the service account the jobs
run as, and the script removes it when it exits (labgate does too when the job ends).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from labgate.hpc.gateway import WorkerTokens
from labgate.hpc.models import HpcJob, JobPhase
from labgate.hpc.render import RenderContext, render_script
from labgate.hpc.slurm import SlurmBackend, SlurmError
from labgate.hpc.spec import DeploymentSpec
from labgate.hpc.store import JobStore

log = logging.getLogger("labgate.hpc")

COMMENT_PREFIX = "labgate-launch="
JOB_TOKEN_GRACE_S = 300
"""A job's token outlives its time limit by this much (clock skew, the drain at the end)."""
JOB_TOKEN_QUEUE_S = 7 * 86400
"""How long a job may wait in Slurm's queue before its unused token expires."""


class LaunchError(Exception):
    """A job could not be submitted; the message says why and what to check."""


def launch_comment(launch_id: str) -> str:
    return COMMENT_PREFIX + launch_id


def launch_id_from_comment(comment: str) -> str | None:
    comment = comment.strip()
    return comment[len(COMMENT_PREFIX) :] if comment.startswith(COMMENT_PREFIX) else None


def prepare_spool(spool_dir: Path) -> None:
    """Create the spool's ``logs/`` (job output) and ``tokens/`` (0700) directories."""
    (spool_dir / "logs").mkdir(parents=True, exist_ok=True)
    tokens = spool_dir / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    tokens.chmod(0o700)


def auth_file_path(spool_dir: Path, launch_id: str) -> Path:
    return spool_dir / "tokens" / f"{launch_id}.auth"


def write_auth_file(path: Path, token: str) -> None:
    """Write the token as a header line, creating the file 0600 (never wider, even briefly)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"Authorization: Bearer {token}\n")


class Launcher:
    """Submits jobs for deployments and cleans up after them."""

    def __init__(
        self,
        *,
        backend: SlurmBackend,
        store: JobStore,
        tokens: WorkerTokens,
        context: RenderContext,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.backend = backend
        self.store = store
        self.tokens = tokens
        self.context = context
        self.clock = clock

    async def launch(self, spec: DeploymentSpec, *, renewal_of: str | None = None) -> HpcJob:
        """Submit one job of ``spec``; its row is in phase ``queued`` when this returns."""
        launch_id = secrets.token_hex(8)
        job = HpcJob(
            launch_id=launch_id,
            deployment=spec.name,
            model=spec.served_name,
            phase=JobPhase.SUBMITTING.value,
            time_limit_s=spec.walltime_seconds,
            submitted_at=self.clock(),
            renewal_of=renewal_of,
        )
        await self.store.add(job)
        auth_file = auth_file_path(self.context.spool_dir, launch_id)
        try:
            await asyncio.to_thread(prepare_spool, self.context.spool_dir)
            wall = spec.walltime_seconds
            token = await self.tokens.issue_token(
                spec.served_name,
                job_id=launch_id,
                deployment=spec.name,
                expires_at=datetime.now(UTC)
                + timedelta(seconds=JOB_TOKEN_QUEUE_S + wall + JOB_TOKEN_GRACE_S),
                ttl_s=wall + JOB_TOKEN_GRACE_S,
            )
            await asyncio.to_thread(write_auth_file, auth_file, token)
            job_id = await self.backend.submit(
                render_script(spec, self.context),
                env={"LABGATE_AUTH_FILE": str(auth_file), "LABGATE_LAUNCH_ID": launch_id},
                comment=launch_comment(launch_id),
            )
        except (SlurmError, OSError) as exc:
            job.phase = JobPhase.ENDED.value
            job.end_state = "submit_failed"
            job.message = str(exc)[:1000]
            job.ended_at = self.clock()
            await self.store.save(job)
            await self.forget(job)
            raise LaunchError(f"could not submit a job for {spec.name}: {exc}") from exc
        job.slurm_job_id = job_id
        job.phase = JobPhase.QUEUED.value
        await self.store.save(job)
        log.info(
            "submitted Slurm job %s for deployment %s (launch %s%s)",
            job_id,
            spec.name,
            launch_id,
            f", renewing {renewal_of}" if renewal_of else "",
        )
        return job

    async def forget(self, job: HpcJob) -> None:
        """A job ended: revoke its token and remove its auth file."""
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(auth_file_path(self.context.spool_dir, job.launch_id).unlink)
        try:
            await self.tokens.revoke_job_tokens(job.launch_id)
        except Exception:  # the job is over either way; a stale token cannot start anything
            log.warning(
                "could not revoke the worker token of launch %s", job.launch_id, exc_info=True
            )
