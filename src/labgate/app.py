"""The gateway's ASGI app: settings in, an app whose lifespan starts and stops its parts.

The parts are built once by :func:`labgate.services.build_services` and kept on
``app.state.services``; this module starts what runs in the background (embedded worker,
guardrail model, Slurm controller, audit checkpoints, quota flushing) and stops it again.
There are no module-level globals: two apps in one process (tests do this) share nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from labgate.api.errors import install_error_handlers
from labgate.api.hotpath import HotPath
from labgate.bootstrap import create_schema, ensure_admin
from labgate.config import Settings
from labgate.quota import revocation_handler
from labgate.quota.revocation import ALL_KEYS, PROJECT_PREFIX
from labgate.router.workers import Worker
from labgate.scheduler import RequestClass
from labgate.services import Services, build_services, load_shares
from labgate.tenancy.service import TenancyService
from labgate.tenancy.wiring import admin_audit_record
from labgate.worker.supervisor import WorkerProcess, embedded_argv, free_port

__all__ = ["Services", "create_app"]

log = logging.getLogger("labgate")


async def _start_embedded(services: Services) -> None:
    from labgate.worker.model_files import embedded_weights_digest, packaged_gguf

    s = services.settings
    e = s.embedded
    model_path = e.model_path
    if model_path is None:
        model_path = await asyncio.to_thread(packaged_gguf, s.data_dir)
    # the digest of the weights it loads: the packaged GGUF's published sha256 (packaged_gguf
    # checked the file against it), or the operator's own file's, hashed here
    digest = await asyncio.to_thread(embedded_weights_digest, e.model_path, model_path)
    threads = e.threads or (os.cpu_count() or 1)
    port = e.port or free_port(e.host)
    services.embedded = _supervised_worker(
        services,
        e.model_name,
        port,
        digest,
        embedded_argv(model_path, e.model_name, e.host, port, e.n_ctx, threads),
        log_name="embedded-worker.log",
        what="embedded worker",
        task_name="embedded",
    )
    if e.embedding_model_name:
        # the same GGUF in llama.cpp's embedding mode, in a second child process
        # (labgate.worker.embedding), supervised like the chat worker
        name, port = e.embedding_model_name, free_port(e.host)
        argv = embedded_argv(
            model_path,
            name,
            e.host,
            port,
            e.embedding_n_ctx,
            threads,
            module="labgate.worker.embedding",
        )
        services.extras["embedded_embedding"] = _supervised_worker(
            services,
            name,
            port,
            digest,
            argv,
            log_name="embedded-embedding-worker.log",
            what="embedded embedding worker",
            task_name="embedded-embedding",
        )


def _supervised_worker(
    services: Services,
    model: str,
    port: int,
    weights_digest: str | None,
    argv: list[str],
    *,
    log_name: str,
    what: str,
    task_name: str,
) -> WorkerProcess:
    """A child worker process serving ``model`` on ``port``: added to the model's pool (unhealthy
    until it answers), restarted by its supervisor, its health following the process."""
    s = services.settings
    base_url = f"http://{s.embedded.host}:{port}/v1"
    pool = services.router.pools[model]
    worker = pool.add(Worker(base_url=base_url, model=model, source="embedded"))
    worker.weights_digest = weights_digest
    worker.healthy = False  # until it answers

    def ready() -> None:
        pool.mark_health(worker, True)
        pool.record_success(worker)
        services.pool_changed(pool)

    def down() -> None:
        pool.mark_health(worker, False, f"{what} process exited")
        services.pool_changed(pool)

    e = s.embedded
    proc = WorkerProcess(
        argv,
        base_url,
        log_file=s.data_dir / log_name,
        startup_timeout_s=e.startup_timeout_s,
        max_restarts=e.max_restarts,
        restart_window_s=e.restart_window_s,
        on_ready=ready,
        on_down=down,
    )
    services.tasks.append(asyncio.create_task(proc.run(services.router.session), name=task_name))
    return proc


async def _flush_last_used(services: Services) -> None:
    while True:
        await asyncio.sleep(5.0)
        with contextlib.suppress(Exception):
            await services.keys.touch(services.auth.take_last_used())


def _queue_depth(services: Services, model: str) -> int:
    scheduler = services.scheduler
    if scheduler is None or model not in scheduler.pools:
        return 0
    pool = scheduler.pool(model)
    return sum(pool.queued(cls) for cls in RequestClass)


async def _start_hpc(services: Services) -> None:
    """Model workers as Slurm jobs: started on demand, renewed, retired (docs/deploy-hpc.md).

    Run the controller in one gateway replica only ([hpc] enabled on that one)."""
    from labgate.hpc.router_link import RouterGatewayLink
    from labgate.hpc.wiring import build_controller

    s = services.settings
    link = RouterGatewayLink(
        services.router, queue_depth=lambda model: _queue_depth(services, model)
    )
    controller = build_controller(
        s.hpc,
        s.deployments,
        data_dir=s.data_dir,
        public_url=s.base_url,
        sessions=services.sessions,
        gateway=link,
        tokens=services.registry,
    )
    await controller.start()
    services.completions.gate.hpc = controller
    services.completions.gate.hpc_link = link
    services.extras["hpc"] = controller


async def _start_safety(services: Services) -> None:
    """Load the guardrail's embedding model and head once (a few seconds, off the loop)."""
    from labgate.gateway.safety_gate import SafetyGate
    from labgate.safety.screen import SafetyScreen

    screen = await asyncio.to_thread(SafetyScreen.load, services.settings.safety)
    services.extras["safety_screen"] = screen
    services.completions.safety = SafetyGate(screen, services.sessions, services.access)


def _tenancy(services: Services) -> TenancyService:
    """The administration service, with its admin actions going to the audit log, key
    revocations to every replica, and changes dropping this replica's caches at once."""
    audit = services.audit
    assert audit is not None and services.quota is not None

    async def on_admin_action(action: dict[str, Any]) -> None:
        await audit.append(admin_audit_record(action))

    return TenancyService(
        services.sessions,
        auth=services.auth,
        on_admin_action=on_admin_action,
        on_key_revoked=services.quota.revocations.publish,
        on_user_changed=services.auth.oidc.forget_user if services.auth.oidc else None,
        on_project_changed=_project_changed(services),
        labels=services.access,
    )


def _project_changed(services: Services) -> Callable[[str], Awaitable[None]] | None:
    """A project's rules changed here: drop them from this replica's cache at once, and tell
    the others through the revocation bus (``project:<id>``), so no replica serves the old
    models, budget or limits for the rest of the cache's lifetime."""
    projects = services.projects
    if projects is None:
        return None
    assert services.quota is not None
    bus = services.quota.revocations

    async def changed(project_id: str) -> None:
        projects.forget(project_id)
        await bus.publish(PROJECT_PREFIX + project_id)

    return changed


def _forgetting_projects(
    services: Services, handler: Callable[[str], None]
) -> Callable[[str], None]:
    """``handler`` (the key caches') extended with project changes from the bus."""
    projects = services.projects

    def on_event(key_id: str) -> None:
        handler(key_id)
        if projects is None:
            return
        if key_id.startswith(PROJECT_PREFIX):
            projects.forget(key_id[len(PROJECT_PREFIX) :])
        elif key_id == ALL_KEYS:
            projects.forget()

    return on_event


async def _refresh_shares(services: Services) -> None:
    """Re-read labs' and projects' shares every ``share_refresh_s``: a share changed through the
    admin API or CLI, on any replica, applies here without a restart."""
    assert services.scheduler is not None
    every = services.settings.scheduler.share_refresh_s
    failing = False
    while True:
        await asyncio.sleep(every)
        try:
            await load_shares(services)
        except Exception as exc:  # the database is away for a moment: keep the shares we have
            if not failing:
                log.warning("fair-share shares not refreshed (%s); keeping the last ones", exc)
            failing = True
        else:
            failing = False


StartupHook = Callable[[Services], Awaitable[None]]


def create_app(
    settings: Settings,
    *,
    on_startup: list[StartupHook] | None = None,
) -> Any:
    """The ASGI app. Its lifespan opens the database, bootstraps, and starts background tasks."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await build_services(settings)
        app.state.services = services
        await create_schema(services.engine)
        services.bootstrap = await ensure_admin(services.sessions, settings.data_dir)
        await load_shares(services)
        if settings.safety.enabled:
            await _start_safety(services)
        if settings.hpc.enabled and settings.deployments:
            await _start_hpc(services)
        services.extras["tenancy"] = _tenancy(services)
        assert services.quota is not None and services.audit_parts is not None
        await services.audit_parts.start()
        audit_log = services.audit_parts.log
        services.usage.lane = audit_log.sqlite_lane  # SQLite: one write lane (store/lane.py)
        audit_log.inline_if = lambda: hot.active <= 1  # a lone request commits inline
        if audit_log.wal_syncer is not None:
            services.metrics.observe_wal_syncer(audit_log.wal_syncer)
        await services.quota.start()
        stop_quota = asyncio.Event()
        services.tasks.append(
            asyncio.create_task(services.quota.run_background(stop_quota), name="quota")
        )
        services.tasks.append(
            asyncio.create_task(
                services.quota.revocations.run(
                    _forgetting_projects(
                        services,
                        services.registry.listening(
                            revocation_handler(
                                services.auth.invalidate_key, services.auth.invalidate_all
                            )
                        ),
                    )
                ),
                name="revocations",
            )
        )
        if services.auth.oidc is not None:
            failures = await services.auth.oidc.verifier.warm()
            for issuer, error in failures.items():
                if error:
                    log.warning("identity provider %s: keys not fetched yet (%s)", issuer, error)
        from labgate.approval.wiring import start_model_gate

        await start_model_gate(services)  # before any worker: no traffic to unapproved models
        if settings.embedded.enabled:
            await _start_embedded(services)
        for hook in on_startup or ():
            await hook(services)
        services.tasks += [
            asyncio.create_task(services.health.run(), name="health"),
            asyncio.create_task(services.registry.run(), name="worker-tokens"),
            asyncio.create_task(services.usage.run(), name="usage"),
            asyncio.create_task(_flush_last_used(services), name="last-used"),
        ]
        if services.scheduler is not None:
            services.tasks.append(asyncio.create_task(_refresh_shares(services), name="shares"))
        from labgate.batch.runner import start_runner

        services.tasks.append(await start_runner(services))  # this replica's batch items
        try:
            yield
        finally:
            for task in services.tasks:
                task.cancel()
            for task in services.tasks:
                with contextlib.suppress(BaseException):
                    await task
            if services.embedded is not None:
                await services.embedded.stop()
            if "embedded_embedding" in services.extras:
                await services.extras["embedded_embedding"].stop()
            with contextlib.suppress(Exception):
                await services.usage.flush()  # through the audit log's lane: before it closes
            with contextlib.suppress(Exception):
                await services.audit_parts.close()
            if "hpc" in services.extras:
                with contextlib.suppress(Exception):
                    await services.extras["hpc"].stop()  # its jobs keep running
            if services.completions.safety is not None:
                with contextlib.suppress(Exception):
                    await services.completions.safety.aclose()  # its screening lane
            if "safety_screen" in services.extras:
                with contextlib.suppress(Exception):
                    await services.extras["safety_screen"].aclose()
            with contextlib.suppress(Exception):
                await services.keys.touch(services.auth.take_last_used())
            await services.router.close()
            stop_quota.set()
            with contextlib.suppress(Exception):
                await services.quota.close()
            if services.auth.oidc is not None:
                await services.auth.oidc.verifier.aclose()
            await services.engine.dispose()

    app = FastAPI(
        title="labgate",
        version=_version(),
        description="OpenAI-compatible gateway to a shared reasoning model.",
        lifespan=lifespan,
        # the document needs a key (system_routes: GET /openapi.json); no page that fetches it
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    from labgate.api import (
        admin_routes,
        embeddings_routes,
        openai_routes,
        responses_routes,
        system_routes,
        worker_routes,
    )
    from labgate.audit import routes as audit_routes
    from labgate.safety import routes as safety_routes
    from labgate.scheduler import routes as scheduler_routes
    from labgate.web.routes import build_router as build_web_router

    app.router.routes.extend(openai_routes.routes)
    app.router.routes.extend(responses_routes.routes)
    app.router.routes.extend(embeddings_routes.routes)
    app.include_router(system_routes.router)
    app.include_router(worker_routes.router)
    app.include_router(worker_routes.admin_router)
    from labgate.approval import routes as model_routes

    app.include_router(model_routes.router)
    app.include_router(model_routes.cards)
    app.include_router(admin_routes.router)
    app.include_router(scheduler_routes.router)
    from labgate.hpc import routes as hpc_routes

    app.include_router(hpc_routes.router)
    app.include_router(audit_routes.router)
    app.include_router(safety_routes.router)
    from labgate.batch import batches as batch_routes
    from labgate.batch import files as file_routes

    app.include_router(file_routes.router)
    app.include_router(batch_routes.router)
    app.include_router(build_web_router())
    # the OpenAI routes skip FastAPI's middleware and route scan (docs/architecture.md)
    # its request count: the lifespan's inline_if
    hot = HotPath(
        app,
        {
            **openai_routes.hot_routes,
            **responses_routes.hot_routes,
            **embeddings_routes.hot_routes,
        },
    )
    from labgate.web.signin import SessionAuth

    # the pages' OIDC session cookie (CSRF-checked), in front of the hot path too
    return SessionAuth(hot, app)  # type: ignore[return-value]


def _version() -> str:
    from labgate import __version__

    return __version__
