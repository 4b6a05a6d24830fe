"""The parts of a gateway, built once from the settings: the :class:`Services` container.

:func:`build_services` wires the request path (authentication, admission, routing, audit,
observers) with no global state; :mod:`labgate.app` starts and stops what needs running.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from labgate.access.answers import AnswerLabels
from labgate.access.policy import AccessPolicy, policy_for
from labgate.audit.access import AccessControl
from labgate.audit.log import AuditLog
from labgate.audit.observer import AuditObserver
from labgate.audit.transcripts import TranscriptVault
from labgate.audit_wiring import AuditParts, build_audit
from labgate.bootstrap import BootstrapResult
from labgate.config import ModelConfig, ReasoningConfig, Settings
from labgate.gateway.completions import CompletionService
from labgate.gateway.observers import MetricsObserver, UsageRecorder
from labgate.gateway.policies import ProjectPolicies
from labgate.hpc.spec import DeploymentSpec, Engine
from labgate.identity.auth import Authenticator
from labgate.identity.federated import OidcAuthenticator, SqlUserDirectory
from labgate.identity.keys import KeyRepository
from labgate.identity.oidc import OIDCVerifier
from labgate.logs import AccessLog
from labgate.metrics import Metrics
from labgate.quota import QuotaGate, QuotaParts, build_quota
from labgate.router.health import HealthChecker
from labgate.router.registration import WorkerRegistry
from labgate.router.router import Router
from labgate.router.workers import Worker, WorkerPool
from labgate.scheduler import FairScheduler
from labgate.store.engine import make_engine, make_sessionmaker
from labgate.store.tenancy import Lab, Project
from labgate.worker.supervisor import WorkerProcess


@dataclass
class Services:
    """Everything the routes need, built once at start-up."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    metrics: Metrics
    keys: KeyRepository
    auth: Authenticator
    router: Router
    registry: WorkerRegistry
    completions: CompletionService
    health: HealthChecker
    usage: UsageRecorder
    models: dict[str, ModelConfig]
    scheduler: FairScheduler | None = None
    quota: QuotaParts | None = None
    audit_parts: AuditParts | None = None
    access: AccessPolicy | None = None
    projects: ProjectPolicies | None = None
    embedded: WorkerProcess | None = None
    bootstrap: BootstrapResult | None = None
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def audit(self) -> AuditLog | None:
        return self.audit_parts.log if self.audit_parts else None

    @property
    def transcripts(self) -> TranscriptVault | None:
        return self.audit_parts.vault if self.audit_parts else None

    @property
    def audit_access(self) -> AccessControl | None:
        return self.audit_parts.access if self.audit_parts else None

    def pool_changed(self, pool: WorkerPool) -> None:
        """A pool's workers came, went or changed health: export it and resize its admission."""
        self.metrics.observe_pool(pool)
        if self.scheduler is not None:
            self.scheduler.set_capacity(pool.model, pool.capacity)


LLAMACPP_IN_FLIGHT = 1
"""Requests sent at once to one llama.cpp worker (embedded, or a Slurm ``llamacpp`` job): it
generates one answer at a time, so a second one sent on would only wait in the worker's
first-come queue, out of reach of the fair-share scheduler that orders the gateway's queue by
lab, project and user."""


def embedded_embedding_config(settings: Settings) -> ModelConfig:
    e = settings.embedded
    assert e.embedding_model_name is not None
    return ModelConfig(
        name=e.embedding_model_name,
        kind="embedding",
        owned_by="labgate-embedded",
        version="gemma-3-270m-q4_k_m-mean",
        context_length=e.embedding_n_ctx,
        max_output_tokens=1,
        max_in_flight_per_worker=LLAMACPP_IN_FLIGHT,
        reasoning=ReasoningConfig(format="none", budget_field=None, forward_effort=False),
    )


def embedded_model_config(settings: Settings) -> ModelConfig:
    e = settings.embedded
    return ModelConfig(
        name=e.model_name,
        owned_by="labgate-embedded",
        version="gemma-3-270m-q4_k_m",
        context_length=e.n_ctx,
        max_output_tokens=min(1024, e.n_ctx),
        default_max_tokens=256,
        max_in_flight_per_worker=LLAMACPP_IN_FLIGHT,
        reasoning=ReasoningConfig(format="none", budget_field=None, forward_effort=False),
    )


def deployment_model_config(spec: DeploymentSpec) -> ModelConfig:
    """A Slurm-launched model that has no ``[[models]]`` table of its own."""
    if spec.engine is Engine.LLAMACPP:
        return ModelConfig(name=spec.served_name, max_in_flight_per_worker=LLAMACPP_IN_FLIGHT)
    return ModelConfig(name=spec.served_name)


def _make_pool(model: ModelConfig, settings: Settings) -> WorkerPool:
    r = settings.router
    pool = WorkerPool(
        model.name,
        breaker_failures=r.breaker_failures,
        breaker_cooldown_s=r.breaker_cooldown_s,
        max_in_flight_per_worker=model.max_in_flight_per_worker,
    )
    for url in model.workers:
        pool.add(Worker(base_url=url, model=model.name, source="config"))
    return pool


async def build_services(settings: Settings) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url)
    sessions = make_sessionmaker(engine)
    metrics = Metrics()
    keys = KeyRepository(sessions)
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=60, ttl_dns_cache=300),
        auto_decompress=False,
        # one session serves every user: a cookie a worker sets must never ride along on
        # another user's request (and the jar's per-request filtering is skipped)
        cookie_jar=aiohttp.DummyCookieJar(),
    )
    oidc: OidcAuthenticator | None = None
    if settings.oidc.issuers:
        verifier = OIDCVerifier.from_config(settings.oidc)
        oidc = OidcAuthenticator(
            verifier,
            SqlUserDirectory(sessions),
            clearance=policy_for(settings).clearance_from_claims,
        )
    # a key minted for someone else is cut to its cap's clearance through the label policy
    auth = Authenticator(keys, oidc=oidc, labels=policy_for(settings))
    router = Router(session, retries=settings.router.retries)
    models: dict[str, ModelConfig] = {}
    if settings.embedded.enabled:
        models[settings.embedded.model_name] = embedded_model_config(settings)
        if settings.embedded.embedding_model_name:
            models[settings.embedded.embedding_model_name] = embedded_embedding_config(settings)
    for m in settings.models:
        models[m.name] = m
    for deployment in settings.deployments:
        # Slurm-launched models: their workers register themselves when their job is ready
        models.setdefault(deployment.served_name, deployment_model_config(deployment))
    for m in models.values():
        router.pools[m.name] = _make_pool(m, settings)
    registry = WorkerRegistry(router, sessions, settings.router.heartbeat_interval_s)
    usage = UsageRecorder(sessions)
    scheduler = FairScheduler(settings.scheduler, registry=metrics.registry)
    quota = build_quota(engine, settings.redis_url, prefix=settings.redis_prefix)
    projects = ProjectPolicies(sessions)
    access = policy_for(settings)
    registry.access = access  # worker tokens carry a highest label
    registry.publish = quota.revocations.publish  # worker-token revocations reach every replica
    audit = build_audit(settings, engine, label_check=access.reader_may_see)
    completions = CompletionService(
        models,
        router,
        settings.policy,
        observers=[
            MetricsObserver(metrics),
            usage,
            *([AccessLog()] if settings.access_log else []),
        ],
        affinity_prefix_chars=settings.router.affinity_prefix_chars,
        scheduler=scheduler,
        quota=QuotaGate(quota.budgets, quota.rate_limiter),
        projects=projects,
        record_keepers=[
            AuditObserver(audit.log, store_transcripts=settings.audit.store_transcripts)
        ],
        access=access,
    )
    completions.prepare.access = access  # a model above the caller's clearance is "not found"
    if access.enabled:  # a resent answer keeps its label (docs/labels.md)
        answers = AnswerLabels(
            sessions, lambda label: not access.dominates(access.range_min, label)
        )
        completions.gate.answers = usage.answers = answers
        completions.record_keepers.append(answers)  # noted before the answer is sent
    health = HealthChecker(
        router,
        interval_s=settings.router.health_interval_s,
        failures=settings.router.health_failures,
        heartbeat_timeout_s=settings.router.heartbeat_timeout_s,
    )
    services = Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        metrics=metrics,
        keys=keys,
        auth=auth,
        router=router,
        registry=registry,
        completions=completions,
        health=health,
        usage=usage,
        models=models,
        scheduler=scheduler,
        quota=quota,
        projects=projects,
        audit_parts=audit,
        access=access,
    )
    health.on_change = services.pool_changed
    registry.on_change = services.pool_changed
    for pool in router.pools.values():
        services.pool_changed(pool)
    return services


async def load_shares(services: Services) -> None:
    """Labs' and projects' fair-share weights from the database (config shares win)."""
    if services.scheduler is None:
        return
    configured = services.settings.scheduler.shares
    async with services.sessions() as s:
        labs = (await s.execute(select(Lab.id, Lab.share))).all()
        projects = (await s.execute(select(Project.lab_id, Project.id, Project.share))).all()
    for lab_id, share in labs:
        if lab_id not in configured and share and share > 0:
            services.scheduler.set_share(lab_id, share)
    for lab_id, project_id, share in projects:
        key = f"{lab_id}/{project_id}"
        if key not in configured and share and share > 0:
            services.scheduler.set_share(key, share)
