"""What ``labgate hpc status`` shows: each deployment's jobs, from ``hpc_jobs`` and ``squeue``.

Load comes from the engine itself: its Prometheus ``/metrics`` (vLLM's
``vllm:num_requests_running``/``waiting``, SGLang's ``sglang:num_running_reqs``/``queue_reqs``)
read over HTTP from the worker's registered address. An engine without those metrics (the
llama.cpp worker) shows no load.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass

import aiohttp

from labgate.hpc.models import HpcJob, JobPhase
from labgate.hpc.slurm import JobState, SlurmBackend, SlurmError, SlurmJob

_METRIC = re.compile(
    r"^(vllm:num_requests_(running|waiting)|sglang:num_(running|queue)_reqs)(\{[^}]*\})?\s+"
    r"([0-9.eE+-]+)\s*$"
)


@dataclass(frozen=True, slots=True)
class Load:
    running: int
    waiting: int

    def __str__(self) -> str:
        return f"{self.running} running, {self.waiting} waiting"


@dataclass(frozen=True, slots=True)
class JobRow:
    deployment: str
    model: str
    launch_id: str
    slurm_job_id: str | None
    phase: str
    slurm_state: str | None
    nodes: str | None
    age_s: float
    load: Load | None
    note: str | None


def parse_load(metrics_text: str) -> Load | None:
    """Requests running and waiting from an engine's Prometheus text, if it reports them."""
    running = waiting = 0.0
    seen = False
    for line in metrics_text.splitlines():
        match = _METRIC.match(line.strip())
        if not match:
            continue
        seen = True
        value = float(match.group(5))
        if match.group(2) == "running" or match.group(3) == "running":
            running += value
        else:
            waiting += value
    return Load(int(running), int(waiting)) if seen else None


async def probe_load(session: aiohttp.ClientSession, base_url: str) -> Load | None:
    root = base_url.removesuffix("/").removesuffix("/v1")
    try:
        async with session.get(root + "/metrics", timeout=aiohttp.ClientTimeout(total=3)) as r:
            if r.status != 200:
                return None
            return parse_load(await r.text())
    except (aiohttp.ClientError, TimeoutError):
        return None


async def collect_status(
    jobs: Iterable[HpcJob], backend: SlurmBackend, *, now: float, probe: bool = True
) -> list[JobRow]:
    """One row per job, Slurm's current state and the engine's load filled in where known."""
    jobs = list(jobs)
    slurm: dict[str, SlurmJob | None] = {}
    note_all: str | None = None
    try:
        slurm = await backend.status(j.slurm_job_id for j in jobs if j.slurm_job_id)
    except SlurmError as exc:
        note_all = f"squeue unavailable: {exc}"
    loads: dict[str, Load | None] = {}
    if probe:
        targets = [j for j in jobs if j.job_phase is JobPhase.READY and j.base_url]
        if targets:
            async with aiohttp.ClientSession() as session:
                results = await asyncio.gather(
                    *(probe_load(session, j.base_url or "") for j in targets)
                )
            loads = {j.launch_id: load for j, load in zip(targets, results, strict=True)}
    rows = []
    for job in jobs:
        live = slurm.get(job.slurm_job_id) if job.slurm_job_id else None
        note = note_all or job.message or job.retire_reason
        if job.job_phase is JobPhase.ENDED:
            note = (job.end_state or "ended") + (
                f" ({job.retire_reason})" if job.retire_reason else ""
            )
        rows.append(
            JobRow(
                deployment=job.deployment,
                model=job.model,
                launch_id=job.launch_id,
                slurm_job_id=job.slurm_job_id,
                phase=current_phase(job, live),
                slurm_state=live.slurm_state if live else job.slurm_state,
                nodes=(live.nodes if live and live.nodes else job.nodes),
                age_s=now - job.submitted_at,
                load=loads.get(job.launch_id),
                note=note,
            )
        )
    return rows


def current_phase(job: HpcJob, live: SlurmJob | None) -> str:
    """The row's phase, brought up to date with squeue where the controller has not yet
    (it runs every few seconds inside the gateway, and not at all while the gateway is down)."""
    if live is None or job.job_phase is JobPhase.ENDED:
        return job.phase
    if live.state.ended:
        return JobPhase.ENDED.value
    if live.state is JobState.RUNNING and job.job_phase in (JobPhase.SUBMITTING, JobPhase.QUEUED):
        return JobPhase.STARTING.value
    return job.phase


def format_age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172800:
        return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"
    return f"{seconds // 86400}d{(seconds % 86400) // 3600}h"
