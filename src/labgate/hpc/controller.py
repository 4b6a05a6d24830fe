"""The HPC controller: keeps each deployment's Slurm jobs at the number its demand calls for.

One reconcile pass, per deployment, in this order:

1. **observe**: match each unfinished ``hpc_jobs`` row with ``squeue`` (by job id, or by the
   launch id in the job's comment for a row whose ``sbatch`` answer was lost) and with the
   gateway's registered workers; move it along submitting → queued → starting → ready, or to
   ended. A job that ends without labgate asking (other than by reaching its walltime) is a
   failure: it backs off the next submission exponentially.
2. **health**: a ready job whose worker is unhealthy or unregistered for ``unhealthy_seconds``,
   or a job running ``startup_timeout_seconds`` without registering, is cancelled (and
   counts as a failure).
3. **scale**: compare the replicas (jobs not being retired, a job and its renewal counted
   once) with :func:`~labgate.hpc.policy.target_replicas`; submit the missing ones, retire
   the extra ones (queued before starting before ready; for idleness, only replicas at least
   ``idle_seconds`` old, so a job an operator submits by hand gets that long).
4. **renew**: a ready job within ``renew_before_seconds`` of its walltime gets a successor;
   once the successor is ready the old job is drained, so service has no gap.
5. **drain**: a retiring job that has a worker is drained at the gateway first; it is
   cancelled once no request is in flight on it, or after ``drain_seconds``.

Restarts: everything the controller needs is in ``hpc_jobs`` and ``squeue``, so a new
controller adopts the jobs of the old one and never submits a duplicate. What stays in memory
(failure counts, when demand was last seen) only delays decisions after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from labgate.hpc.gateway import GatewayLink, WorkerInfo, WorkerTokens
from labgate.hpc.launcher import Launcher, LaunchError, launch_id_from_comment, prepare_spool
from labgate.hpc.models import HpcJob, JobPhase, RetireReason
from labgate.hpc.policy import DemandState, is_idle, last_activity, target_replicas
from labgate.hpc.render import RenderContext
from labgate.hpc.settings import HpcSettings
from labgate.hpc.slurm import JobState, SlurmBackend, SlurmError, SlurmJob
from labgate.hpc.spec import DeploymentSpec
from labgate.hpc.store import JobStore
from labgate.hpc.view import DeploymentView, retirement_order

log = logging.getLogger("labgate.hpc")

SUBMIT_GRACE_S = 120.0  # a row still 'submitting' after this, with no job found, is lost
RECANCEL_AFTER_S = 60.0  # scancel again if a cancelled job still runs after this
WALLTIME_SLACK_S = 30.0  # an end this close to (walltime - drain) is the walltime's doing


class UnknownModel(Exception):
    """The model has no deployment; the gateway should answer 404 for it."""


@dataclass(frozen=True, slots=True)
class StartStatus:
    """What the gateway tells a client who asked for a model that has no ready worker."""

    model: str
    state: str  # ready | submitting | queued | starting | backoff | unavailable
    retry_after_s: float
    message: str
    slurm_job_id: str | None = None

    @property
    def ready(self) -> bool:
        return self.state == "ready"


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """squeue as read at the start of a pass, by job id and by launch id (the comment)."""

    taken_at: float
    by_id: dict[str, SlurmJob]
    by_launch: dict[str, SlurmJob]


class HpcController:
    """Starts, watches, renews and retires the Slurm jobs of the configured deployments."""

    def __init__(
        self,
        deployments: Iterable[DeploymentSpec],
        *,
        backend: SlurmBackend,
        store: JobStore,
        gateway: GatewayLink,
        tokens: WorkerTokens,
        context: RenderContext,
        settings: HpcSettings | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.deployments: dict[str, DeploymentSpec] = {}
        for spec in deployments:
            if spec.name in self.deployments:
                raise ValueError(f"two deployments are named {spec.name!r}; names must be unique")
            self.deployments[spec.name] = spec
        self.by_model: dict[str, DeploymentSpec] = {}
        for spec in self.deployments.values():
            self.by_model.setdefault(spec.served_name, spec)
        self.backend = backend
        self.store = store
        self.gateway = gateway
        self.context = context
        self.settings = settings or HpcSettings()
        self.clock = clock
        self.launcher = Launcher(
            backend=backend, store=store, tokens=tokens, context=context, clock=clock
        )
        self._demand = {name: DemandState() for name in self.deployments}
        self._born = clock()
        self._unhealthy_since: dict[str, float] = {}
        self._locks = {name: asyncio.Lock() for name in self.deployments}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- running in the background -------------------------------------------------------

    def manages(self, model: str) -> bool:
        return model in self.by_model

    async def start(self) -> None:
        """Start reconciling in the background (every ``reconcile_interval_s``, or when woken)."""
        await asyncio.to_thread(prepare_spool, self.context.spool_dir)
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="labgate-hpc-controller")

    async def stop(self) -> None:
        """Stop reconciling. Jobs keep running: the next controller adopts them."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def wake(self) -> None:
        """Run a reconcile pass now rather than at the next interval."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                await self.reconcile()
            except Exception:
                log.exception("HPC reconcile pass failed; trying again next interval")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.reconcile_interval_s)
            self._wake.clear()

    # -- what the gateway calls ----------------------------------------------------------

    async def ensure_started(self, model: str) -> StartStatus:
        """A request came for ``model``: make sure a job is on its way, say how long to wait.

        Never submits a second job while one is queued or starting, and respects back-off.
        """
        spec = self.by_model.get(model)
        if spec is None:
            raise UnknownModel(model)
        now = self.clock()
        demand = self._demand[spec.name]
        demand.wanted_at = now
        async with self._locks[spec.name]:
            workers = await self.gateway.workers(spec.served_name)
            if any(w.healthy and not w.draining for w in workers):
                return StartStatus(model, "ready", 0.0, f"model {model!r} is ready")
            jobs = await self.store.active([spec.name])
            view = DeploymentView(spec, now, jobs, {})
            replicas = view.replicas()
            if not replicas:
                if now < demand.retry_at:
                    wait = demand.retry_at - now
                    return StartStatus(
                        model,
                        "backoff",
                        wait,
                        f"model {model!r} failed to start recently; labgate will try again in "
                        f"about {wait:.0f} s. Retry then, or ask an administrator to look at "
                        f"'labgate hpc status'.",
                    )
                try:
                    replicas = [await self.launcher.launch(spec)]
                except LaunchError as exc:
                    delay = demand.record_failure(
                        now, self.settings.backoff_base_s, self.settings.backoff_max_s
                    )
                    log.error("%s", exc)
                    return StartStatus(
                        model,
                        "unavailable",
                        delay,
                        f"model {model!r} could not be started on the cluster right now; "
                        f"retry in about {delay:.0f} s",
                    )
                demand.last_change_at = now
        self.wake()
        return self._start_status(spec, replicas, now)

    async def wait_ready(self, model: str, timeout_s: float, *, poll_s: float = 1.0) -> StartStatus:
        """Like :meth:`ensure_started`, then wait up to ``timeout_s`` (capped by the
        ``wait_for_start_max_s`` setting) for a worker to be ready."""
        limit = min(timeout_s, self.settings.wait_for_start_max_s)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        status = await self.ensure_started(model)
        while not status.ready and loop.time() < deadline:
            await asyncio.sleep(min(poll_s, max(0.0, deadline - loop.time())))
            status = await self.ensure_started(model)
        return status

    def _start_status(self, spec: DeploymentSpec, jobs: list[HpcJob], now: float) -> StartStatus:
        order = [JobPhase.READY, JobPhase.STARTING, JobPhase.QUEUED, JobPhase.SUBMITTING]
        job = min(jobs, key=lambda j: order.index(j.job_phase) if j.job_phase in order else 9)
        model, expected = spec.served_name, float(spec.expected_startup_seconds)
        if job.job_phase in (JobPhase.READY, JobPhase.STARTING) and job.started_at is not None:
            wait = max(5.0, expected - (now - job.started_at))
            where = f"on {job.nodes}" if job.nodes else "on the cluster"
            text = f"is starting {where} (Slurm job {job.slurm_job_id})"
            state = "starting"
        elif job.job_phase is JobPhase.QUEUED:
            wait = expected
            reason = f", waiting for {job.message}" if job.message else ""
            text = f"is queued on the cluster (Slurm job {job.slurm_job_id}{reason})"
            state = "queued"
        else:
            wait, text, state = expected, "is being submitted to the cluster", "submitting"
        return StartStatus(
            model,
            state,
            wait,
            f"model {model!r} {text}; retry in about {wait:.0f} s, or send the request "
            f"with the header 'X-Labgate-Wait: <seconds>' to wait for it",
            job.slurm_job_id,
        )

    # -- the reconcile pass --------------------------------------------------------------

    async def reconcile(self) -> None:
        """One pass over every deployment (see the module's docstring for the order)."""
        taken_at = self.clock()
        try:
            slurm_jobs = await self.backend.list_jobs(self.context.job_name_prefix + ":")
        except SlurmError as exc:
            log.warning("cannot see Slurm's queue, skipping this pass: %s", exc)
            return
        snapshot = _Snapshot(
            taken_at,
            {j.job_id: j for j in slurm_jobs},
            {launch: j for j in slurm_jobs if (launch := launch_id_from_comment(j.comment))},
        )
        for name, spec in self.deployments.items():
            async with self._locks[name]:
                await self._reconcile_deployment(spec, snapshot)

    async def _reconcile_deployment(self, spec: DeploymentSpec, snapshot: _Snapshot) -> None:
        now = self.clock()
        workers = await self.gateway.workers(spec.served_name)
        by_job: dict[str, list[WorkerInfo]] = {}
        for w in workers:
            if w.job_id:
                by_job.setdefault(w.job_id, []).append(w)
        view = DeploymentView(spec, now, await self.store.active([spec.name]), by_job)
        for job in view.jobs:
            await self._observe(view, job, snapshot)
        await self._check_health(view)
        await self._scale(view)
        await self._renew(view)
        await self._progress_drains(view)
        await self.store.save(*view.jobs)

    async def _observe(self, view: DeploymentView, job: HpcJob, snapshot: _Snapshot) -> None:
        if job.submitted_at > snapshot.taken_at:
            return  # submitted (by ensure_started) after squeue was read: next pass
        if job.slurm_job_id is None:
            found = snapshot.by_launch.get(job.launch_id)
            if found is None:
                if view.now - job.submitted_at > SUBMIT_GRACE_S:
                    await self._end(view, job, "lost", "sbatch never answered with a job id")
                return
            job.slurm_job_id = found.job_id
            log.info("adopted Slurm job %s for launch %s", found.job_id, job.launch_id)
        slurm = snapshot.by_id.get(job.slurm_job_id)
        if slurm is None:
            await self._end(view, job, "gone", "no longer in squeue")
            return
        job.slurm_state = slurm.slurm_state
        if slurm.state.ended:
            await self._end(view, job, slurm.slurm_state.lower(), slurm.reason or None)
            return
        if slurm.state is JobState.QUEUED:
            if job.job_phase is JobPhase.SUBMITTING:
                job.phase = JobPhase.QUEUED.value
            job.message = slurm.reason or None
            return
        if slurm.state is JobState.RUNNING:
            job.started_at = slurm.started_at or job.started_at or view.now
            job.time_limit_s = slurm.time_limit_s or job.time_limit_s
            job.nodes = slurm.nodes or job.nodes
            job.message = None
        worker = view.worker_of(job)
        if job.job_phase in (JobPhase.SUBMITTING, JobPhase.QUEUED, JobPhase.STARTING):
            job.phase = (JobPhase.READY if worker else JobPhase.STARTING).value
            if worker is not None:
                job.ready_at = view.now
                self._demand[view.spec.name].record_success()
                log.info(
                    "Slurm job %s of %s is ready at %s",
                    job.slurm_job_id,
                    view.spec.name,
                    worker.base_url,
                )
        if worker is not None:
            job.worker_id, job.base_url = worker.worker_id, worker.base_url

    async def _end(self, view: DeploymentView, job: HpcJob, state: str, detail: str | None) -> None:
        ends_at = job.ends_at()
        if (
            job.retire_reason is None
            and state in ("completed", "timeout")
            and ends_at
            and view.now >= ends_at - view.spec.drain_seconds - WALLTIME_SLACK_S
        ):
            job.retire_reason = RetireReason.WALLTIME.value
        job.phase = JobPhase.ENDED.value
        job.end_state = state[:64]
        job.ended_at = view.now
        if detail:
            job.message = detail[:1000]
        self._unhealthy_since.pop(job.launch_id, None)
        worker = view.worker_of(job)
        if worker is not None and not worker.draining:
            await self.gateway.drain(view.spec.served_name, worker.worker_id)
        await self.launcher.forget(job)
        if job.failed:
            delay = self._demand[view.spec.name].record_failure(
                view.now, self.settings.backoff_base_s, self.settings.backoff_max_s
            )
            log.warning(
                "Slurm job %s of %s ended (%s%s) without labgate asking; next submission in %.0f s",
                job.slurm_job_id,
                view.spec.name,
                state,
                f": {detail}" if detail else "",
                delay,
            )
        else:
            log.info(
                "Slurm job %s of %s ended (%s) after %s",
                job.slurm_job_id,
                view.spec.name,
                state,
                job.retire_reason,
            )

    async def _check_health(self, view: DeploymentView) -> None:
        spec, now = view.spec, view.now
        for job in view.live():
            if job.retire_reason is not None:
                continue
            if job.job_phase is JobPhase.STARTING and job.started_at is not None:
                if now - job.started_at >= spec.startup_timeout_seconds:
                    log.warning(
                        "Slurm job %s of %s did not register within %d s; cancelling",
                        job.slurm_job_id,
                        spec.name,
                        spec.startup_timeout_seconds,
                    )
                    await self._retire(view, job, RetireReason.STARTUP_TIMEOUT)
                continue
            if job.job_phase is not JobPhase.READY:
                continue
            worker = view.worker_of(job)
            if worker is not None and worker.healthy:
                self._unhealthy_since.pop(job.launch_id, None)
                continue
            since = self._unhealthy_since.setdefault(job.launch_id, now)
            if now - since >= spec.unhealthy_seconds:
                what = "unhealthy" if worker else "not registered"
                log.warning(
                    "worker of Slurm job %s (%s) has been %s for %.0f s; cancelling",
                    job.slurm_job_id,
                    spec.name,
                    what,
                    now - since,
                )
                job.message = f"worker {what} for {now - since:.0f} s"
                await self._retire(view, job, RetireReason.UNHEALTHY)

    async def _scale(self, view: DeploymentView) -> None:
        spec, now = view.spec, view.now
        demand = self._demand[spec.name]
        model = spec.served_name
        queue_depth = await self.gateway.queue_depth(model)
        if queue_depth > 0:
            demand.last_pressure_at = now
        replicas = view.replicas()
        # Demand is remembered in memory only: after a restart, running jobs get a full idle
        # period before they can count as idle.
        active_at = last_activity(
            await self.gateway.last_request_at(model),
            demand.wanted_at,
            self._born if replicas else None,
        )
        ready = sum(1 for j in replicas if j.job_phase is JobPhase.READY)
        target = target_replicas(
            spec,
            now=now,
            replicas=len(replicas),
            ready=ready,
            queue_depth=queue_depth,
            last_active_at=active_at,
            state=demand,
        )
        if len(replicas) < target and now >= demand.retry_at:
            for _ in range(target - len(replicas)):
                try:
                    view.jobs.append(await self.launcher.launch(spec))
                except LaunchError as exc:
                    log.error("%s", exc)
                    demand.record_failure(
                        now, self.settings.backoff_base_s, self.settings.backoff_max_s
                    )
                    break
            demand.last_change_at = now
        elif len(replicas) > target:
            reason = RetireReason.IDLE if is_idle(spec, now, active_at) else RetireReason.SCALE_DOWN
            extra = retirement_order(replicas)
            if reason is RetireReason.IDLE:
                # A replica younger than idle_seconds (one an operator just submitted) stays.
                extra = [j for j in extra if now - j.submitted_at >= spec.idle_seconds]
            for job in extra[: len(replicas) - target]:
                log.info(
                    "retiring Slurm job %s of %s (%s)", job.slurm_job_id, spec.name, reason.value
                )
                await self._retire(view, job, reason)
                demand.last_change_at = now

    async def _renew(self, view: DeploymentView) -> None:
        spec, now = view.spec, view.now
        if not spec.renew_before_seconds:
            return
        demand = self._demand[spec.name]
        for job in view.live():
            if job.job_phase is not JobPhase.READY or job.retire_reason is not None:
                continue
            successor = view.successor_of(job)
            if successor is None:
                ends_at = job.ends_at()
                if ends_at is not None and ends_at - now <= spec.renew_before_seconds:
                    if now < demand.retry_at:
                        continue
                    log.info(
                        "Slurm job %s of %s ends in %.0f s; submitting its successor",
                        job.slurm_job_id,
                        spec.name,
                        ends_at - now,
                    )
                    try:
                        view.jobs.append(await self.launcher.launch(spec, renewal_of=job.launch_id))
                    except LaunchError as exc:
                        log.error("%s", exc)
                        demand.record_failure(
                            now, self.settings.backoff_base_s, self.settings.backoff_max_s
                        )
            elif successor.job_phase is JobPhase.READY:
                log.info(
                    "successor %s of Slurm job %s (%s) is ready; draining the old job",
                    successor.slurm_job_id,
                    job.slurm_job_id,
                    spec.name,
                )
                await self._retire(view, job, RetireReason.RENEWED)

    async def _retire(self, view: DeploymentView, job: HpcJob, reason: RetireReason) -> None:
        """Take a job out of service: drain its worker (if any), cancel it when drained.

        A job being renewed goes with its predecessor, which would otherwise be renewed again.
        """
        if job.retire_reason is None:
            job.retire_reason = reason.value
        worker = view.worker_of(job)
        if worker is not None and not worker.draining:
            await self.gateway.drain(view.spec.served_name, worker.worker_id)
        if job.drain_started_at is None:
            job.drain_started_at = view.now
        job.phase = JobPhase.DRAINING.value
        if worker is None or reason.is_failure:
            await self._cancel(view, job)
        if job.renewal_of:
            for other in view.live():
                if other.launch_id == job.renewal_of and other.retire_reason is None:
                    await self._retire(view, other, reason)

    async def _progress_drains(self, view: DeploymentView) -> None:
        spec, now = view.spec, view.now
        for job in view.live():
            if job.job_phase is not JobPhase.DRAINING:
                continue
            if job.cancel_requested_at is not None:
                if now - job.cancel_requested_at >= RECANCEL_AFTER_S:
                    await self._cancel(view, job)
                continue
            worker = view.worker_of(job)
            started = job.drain_started_at or now
            if worker is None or worker.outstanding == 0 or now - started >= spec.drain_seconds:
                await self._cancel(view, job)

    async def _cancel(self, view: DeploymentView, job: HpcJob) -> None:
        if job.slurm_job_id is None:
            return  # adopted (and then cancelled) once squeue shows it, or ended as lost
        try:
            await self.backend.cancel(job.slurm_job_id)
        except SlurmError as exc:
            log.warning("could not cancel Slurm job %s: %s", job.slurm_job_id, exc)
            return
        job.cancel_requested_at = view.now
