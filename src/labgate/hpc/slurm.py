"""Talking to Slurm: an interface, and its implementation over Slurm's command-line tools.

:class:`SlurmBackend` is what the controller needs from Slurm: submit a script, list and look at
jobs, cancel one. :class:`SlurmCLI` implements it with ``sbatch --parsable``, ``squeue`` with a
fixed ``--format`` (stable from Slurm 20.11 to 24.x, unlike ``--json`` whose schema changed
between releases), ``scontrol show job --oneliner`` and ``scancel``, each an asyncio subprocess
with a timeout, so nothing blocks the gateway's event loop. A ``slurmrestd`` backend can be
added behind the same interface.

Slurm's job states are folded into a few (:class:`JobState`) that say what the controller must
do: wait (queued), use (running), wait for the end (completing), or account for the end.
"""

from __future__ import annotations

import asyncio
import getpass
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from labgate.hpc.slurmtime import parse_limit, parse_timestamp


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETING = "completing"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"
    TIMEOUT = "timeout"

    @property
    def ended(self) -> bool:
        return self in (JobState.COMPLETED, JobState.CANCELLED, JobState.FAILED, JobState.TIMEOUT)


_STATE_BY_SLURM = {
    "PENDING": JobState.QUEUED,
    "CONFIGURING": JobState.QUEUED,
    "REQUEUED": JobState.QUEUED,
    "REQUEUE_HOLD": JobState.QUEUED,
    "REQUEUE_FED": JobState.QUEUED,
    "RESV_DEL_HOLD": JobState.QUEUED,
    "SUSPENDED": JobState.QUEUED,
    "STOPPED": JobState.QUEUED,
    "RESIZING": JobState.RUNNING,
    "RUNNING": JobState.RUNNING,
    "COMPLETING": JobState.COMPLETING,
    "SIGNALING": JobState.COMPLETING,
    "STAGE_OUT": JobState.COMPLETING,
    "COMPLETED": JobState.COMPLETED,
    "CANCELLED": JobState.CANCELLED,
    "REVOKED": JobState.CANCELLED,
    "TIMEOUT": JobState.TIMEOUT,
    "DEADLINE": JobState.TIMEOUT,
    "FAILED": JobState.FAILED,
    "NODE_FAIL": JobState.FAILED,
    "BOOT_FAIL": JobState.FAILED,
    "OUT_OF_MEMORY": JobState.FAILED,
    "PREEMPTED": JobState.FAILED,
    "SPECIAL_EXIT": JobState.FAILED,
}


def normalise_state(slurm_state: str) -> JobState:
    """Fold a Slurm state (``PENDING``, ``CANCELLED by 0``, ``CF``…) into a :class:`JobState`."""
    word = slurm_state.strip().split(" ", 1)[0].rstrip("+").upper()
    return _STATE_BY_SLURM.get(word, JobState.FAILED if word else JobState.QUEUED)


@dataclass(frozen=True, slots=True)
class SlurmJob:
    """One job as Slurm reports it."""

    job_id: str
    name: str
    state: JobState
    slurm_state: str
    comment: str = ""
    nodes: str = ""
    reason: str = ""
    submitted_at: float | None = None
    started_at: float | None = None
    time_limit_s: int | None = None

    def ends_at(self) -> float | None:
        """When the walltime runs out (epoch seconds), once the job has started."""
        if self.started_at is None or self.time_limit_s is None:
            return None
        return self.started_at + self.time_limit_s


class SlurmError(Exception):
    """A Slurm command failed; the message says which, why, and what to check."""


class SlurmBackend(Protocol):
    """What labgate needs from Slurm; :class:`SlurmCLI` is the command-line implementation."""

    async def submit(
        self, script: str, *, env: Mapping[str, str], comment: str | None = None
    ) -> str:
        """Submit ``script``; return the job id. ``env`` is the job's whole environment."""
        ...

    async def list_jobs(self, name_prefix: str) -> list[SlurmJob]:
        """This user's jobs whose names start with ``name_prefix``, ended ones Slurm still
        remembers included (``MinJobAge``, 300 s by default)."""
        ...

    async def status(self, job_ids: Iterable[str]) -> dict[str, SlurmJob | None]:
        """Each job's current record, or ``None`` once Slurm has forgotten it."""
        ...

    async def details(self, job_id: str) -> dict[str, str] | None:
        """All of ``scontrol show job``'s fields for one job, or ``None`` if unknown."""
        ...

    async def cancel(self, job_id: str) -> None:
        """Cancel the job: Slurm sends SIGTERM to its processes, then SIGKILL after KillWait."""
        ...


_SEP = "\x1f"  # ASCII unit separator: cannot appear in job names, comments or node lists
_FIELDS = ("%i", "%j", "%T", "%k", "%N", "%r", "%V", "%S", "%l")
_BASE_ENV = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "SLURM_CONF")


class SlurmCLI:
    """:class:`SlurmBackend` over ``sbatch``, ``squeue``, ``scontrol`` and ``scancel``.

    ``bin_dir`` points at Slurm's binaries when they are not on ``PATH``; ``user`` restricts
    listings to one user's jobs (default: the user the gateway runs as).
    """

    def __init__(
        self,
        *,
        timeout_s: float = 30.0,
        bin_dir: Path | None = None,
        user: str | None = None,
        workdir: Path | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        self.bin_dir = bin_dir
        self.user = user or getpass.getuser()
        self.workdir = workdir

    def _tool(self, name: str) -> str:
        return str(self.bin_dir / name) if self.bin_dir else name

    def job_environment(self, extra: Mapping[str, str]) -> dict[str, str]:
        """The environment a job starts with: a few basics from ours, plus ``extra``.

        sbatch copies its own environment into the job (``--export=ALL``), where Slurm keeps
        it in its state files and, with ``AccountingStoreFlags=job_env``, in the accounting
        database. Starting sbatch with a minimal environment keeps the gateway's secrets (its
        database URL, keys) out of both.
        """
        env = {k: os.environ[k] for k in _BASE_ENV if k in os.environ}
        env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
        env.update(extra)
        return env

    async def _run(
        self, argv: list[str], *, stdin: str | None = None, env: Mapping[str, str] | None = None
    ) -> tuple[int, str, str]:
        what = argv[0].rsplit("/", 1)[-1]
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=dict(env) if env is not None else None,
                cwd=str(self.workdir) if self.workdir else None,
            )
        except FileNotFoundError as exc:
            raise SlurmError(
                f"{what} was not found; install Slurm's client tools on this host or set the "
                "directory of Slurm's binaries"
            ) from exc
        try:
            out, err = await asyncio.wait_for(
                proc.communicate(stdin.encode() if stdin is not None else None), self.timeout_s
            )
        except TimeoutError as exc:
            proc.kill()
            await proc.wait()
            raise SlurmError(
                f"{what} did not answer within {self.timeout_s:g}s; check that slurmctld is up "
                "('scontrol ping')"
            ) from exc
        return proc.returncode or 0, out.decode(errors="replace"), err.decode(errors="replace")

    async def submit(
        self, script: str, *, env: Mapping[str, str], comment: str | None = None
    ) -> str:
        argv = [self._tool("sbatch"), "--parsable"]
        if comment:
            argv.append(f"--comment={comment}")
        code, out, err = await self._run(argv, stdin=script, env=self.job_environment(env))
        if code != 0:
            raise SlurmError(f"sbatch refused the job: {err.strip() or out.strip()}")
        job_id = out.strip().split(";", 1)[0]
        if not job_id.isdigit():
            raise SlurmError(f"sbatch answered {out.strip()!r} instead of a job id")
        return job_id

    async def _squeue(self) -> list[SlurmJob]:
        argv = [
            self._tool("squeue"),
            "--noheader",
            "--states=all",
            f"--user={self.user}",
            "--format=" + _SEP.join(_FIELDS),
        ]
        code, out, err = await self._run(argv)
        if code != 0:
            raise SlurmError(f"squeue failed: {err.strip() or out.strip()}")
        return [job for line in out.splitlines() if (job := parse_squeue_line(line))]

    async def list_jobs(self, name_prefix: str) -> list[SlurmJob]:
        return [job for job in await self._squeue() if job.name.startswith(name_prefix)]

    async def status(self, job_ids: Iterable[str]) -> dict[str, SlurmJob | None]:
        wanted = list(job_ids)
        if not wanted:
            return {}
        known = {job.job_id: job for job in await self._squeue()}
        return {job_id: known.get(job_id) for job_id in wanted}

    async def details(self, job_id: str) -> dict[str, str] | None:
        code, out, err = await self._run(
            [self._tool("scontrol"), "show", "job", "--oneliner", job_id]
        )
        if code != 0:
            if "Invalid job id" in err:
                return None
            raise SlurmError(f"scontrol show job {job_id} failed: {err.strip()}")
        return parse_scontrol_oneliner(out)

    async def cancel(self, job_id: str) -> None:
        code, out, err = await self._run([self._tool("scancel"), job_id])
        if code != 0 and "Invalid job id" not in err and "already completing" not in err:
            raise SlurmError(f"scancel {job_id} failed: {err.strip() or out.strip()}")


def parse_squeue_line(line: str) -> SlurmJob | None:
    """One line of ``squeue --format`` with :data:`_FIELDS` joined by :data:`_SEP`."""
    parts = line.split(_SEP)
    if len(parts) != len(_FIELDS):
        return None
    job_id, name, state, comment, nodes, reason, submitted, started, limit = parts
    return SlurmJob(
        job_id=job_id.strip(),
        name=name,
        state=normalise_state(state),
        slurm_state=state.strip(),
        comment="" if comment == "(null)" else comment,
        nodes=nodes.strip(),
        reason="" if reason in ("None", "(null)") else reason.strip(),
        submitted_at=parse_timestamp(submitted),
        started_at=parse_timestamp(started) if normalise_state(state) != JobState.QUEUED else None,
        time_limit_s=parse_limit(limit),
    )


def parse_scontrol_oneliner(text: str) -> dict[str, str]:
    """``Key=Value Key=Value…`` from ``scontrol show job --oneliner`` (values may hold '=')."""
    fields: dict[str, str] = {}
    key: str | None = None
    for token in text.strip().split(" "):
        name, sep, value = token.partition("=")
        if sep and name and name.replace("/", "").replace(":", "").isalnum():
            key = name
            fields[key] = value
        elif key is not None and token:
            fields[key] += " " + token
    return fields
