"""The Slurm jobs of model deployments over HTTP: ``GET /v1/admin/hpc/jobs`` (the console's
"Workers and Slurm jobs" view; ``labgate hpc status`` shows the same rows in a terminal).

It reads the ``hpc_jobs`` table, which the controller keeps current every reconcile pass, so
any gateway replica answers, not only the one running the controller, and no request waits on
``squeue`` or on an engine's ``/metrics``. For administrators as ``/v1/admin/workers`` is
(platform and lab administrators), and like it only the jobs of models the reader is cleared
for: a job of a model accredited above the reader's clearance is left out, its name with it
(no read-down).

Per job: phase, Slurm state, nodes, when it was submitted, started and registered (the cold
start: submitted to ready, and the part of it spent queued), how it ended, and whether that was
a failure (ended without labgate asking, or retired as unhealthy or never registering). Per
model: the jobs' phases counted, cold starts and failures in the window, and the requests
waiting for a worker now.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from labgate.api.deps import require_roles
from labgate.hpc.models import HpcJob, JobPhase
from labgate.hpc.store import JobStore
from labgate.identity.principal import Principal, Role

router = APIRouter(prefix="/v1/admin/hpc", tags=["admin"])

_admin = require_roles(Role.PLATFORM_ADMIN, Role.LAB_ADMIN)


def _age(later: float | None, earlier: float | None) -> float | None:
    if later is None or earlier is None:
        return None
    return round(max(0.0, later - earlier), 3)


def job_view(job: HpcJob, now: float) -> dict[str, Any]:
    """One job as the console shows it (no token, no address: nothing a worker could use)."""
    ended = job.job_phase is JobPhase.ENDED
    return {
        "launch_id": job.launch_id,
        "deployment": job.deployment,
        "model": job.model,
        "phase": job.phase,
        "slurm_job_id": job.slurm_job_id,
        "slurm_state": job.slurm_state,
        "nodes": job.nodes,
        "worker_id": job.worker_id,
        "renewal_of": job.renewal_of,
        "submitted_at": job.submitted_at,
        "started_at": job.started_at,
        "ready_at": job.ready_at,
        "ended_at": job.ended_at,
        "age_s": _age(job.ended_at if ended else now, job.submitted_at),
        "queued_s": _age(job.started_at, job.submitted_at),
        "cold_start_s": _age(job.ready_at, job.submitted_at),
        "retire_reason": job.retire_reason,
        "end_state": job.end_state,
        "failed": ended and job.failed,
        "message": job.message,
    }


def _queue_depths(request: Request) -> dict[str, dict[str, int]]:
    """Requests waiting for a worker and running, per model, from the fair-share scheduler
    (when it runs; the pool's totals, as ``/v1/admin/scheduler`` shows them)."""
    services = request.app.state.services
    scheduler = getattr(services, "scheduler", None) or services.extras.get("scheduler")
    if scheduler is None:
        return {}
    try:
        pools = scheduler.snapshot().get("pools", {})
    except Exception:  # noqa: BLE001 - a view must not fail because a counter did
        return {}
    return {
        model: {"waiting": _count(pool.get("queued")), "running": _count(pool.get("running"))}
        for model, pool in pools.items()
        if isinstance(pool, dict)
    }


def _count(value: object) -> int:
    """A count, or the sum of counts per request class (``{"interactive": 2, "batch": 5}``)."""
    if isinstance(value, dict):
        return sum(_count(v) for v in value.values())
    return int(value) if isinstance(value, int | float) else 0


@router.get("/jobs")
async def hpc_jobs(
    request: Request,
    ended_minutes: int = Query(
        default=60, ge=0, le=7 * 24 * 60, description="Also jobs that ended this recently."
    ),
    principal: Principal = Depends(_admin),
) -> dict[str, Any]:
    """Each model deployment's Slurm jobs and a summary per model, within the reader's
    clearance."""
    services = request.app.state.services
    access = services.access
    now = time.time()
    store = JobStore(services.sessions)
    jobs = await store.active()
    if ended_minutes:
        jobs += await store.ended_since(now - ended_minutes * 60)
    jobs = [j for j in jobs if access is None or access.sees_model(principal, j.model)]
    depths = _queue_depths(request)
    models: dict[str, dict[str, Any]] = {}
    for job in jobs:
        m = models.setdefault(
            job.model,
            {
                "model": job.model,
                "deployments": [],
                "phases": {},
                "cold_starts": 0,
                "cold_start_s_max": None,
                "failures": 0,
                "waiting": depths.get(job.model, {}).get("waiting", 0),
                "running": depths.get(job.model, {}).get("running", 0),
            },
        )
        if job.deployment not in m["deployments"]:
            m["deployments"].append(job.deployment)
        m["phases"][job.phase] = m["phases"].get(job.phase, 0) + 1
        cold = _age(job.ready_at, job.submitted_at)
        if cold is not None:
            m["cold_starts"] += 1
            m["cold_start_s_max"] = max(cold, m["cold_start_s_max"] or 0.0)
        if job.job_phase is JobPhase.ENDED and job.failed:
            m["failures"] += 1
    return {
        "object": "list",
        "now": now,
        "ended_minutes": ended_minutes,
        "controller_here": "hpc" in services.extras,
        "models": sorted(models.values(), key=lambda m: m["model"]),
        "data": [
            job_view(j, now)
            for j in sorted(jobs, key=lambda j: (j.model, j.phase == "ended", j.submitted_at))
        ],
    }
