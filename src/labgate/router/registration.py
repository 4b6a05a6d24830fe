"""Workers that register themselves at run time (Slurm jobs, or any engine an operator starts).

A worker proves who it is with a *worker token*: random, issued by labgate for one model (and
usually one Slurm job), stored only as its SHA-256. ``register`` adds the worker to its model's
pool; it must then heart-beat at least every ``heartbeat_timeout_s`` or the health checker
removes it; ``drain`` stops new requests to it (the job is about to end).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, Index, Integer, String, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from labgate.router.router import Router
from labgate.router.workers import Worker, WorkerPool
from labgate.store.base import Base


class WorkerToken(Base):
    """One worker token: what it may register (model, highest label) and until when.

    ``id`` names the token in listings and revocations (never the secret); ``expires_at`` is
    the latest it may be used; ``ttl_s`` also bounds it from its first registration
    (``first_used_at``), so a Slurm job's token lives the job's time limit from when the job
    actually starts, however long it queued.
    """

    __tablename__ = "worker_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(256))
    max_label: Mapped[str | None] = mapped_column(String(256), nullable=True)
    job_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    deployment: Mapped[str | None] = mapped_column(String(256), nullable=True)
    issued_by: Mapped[str | None] = mapped_column(String(256), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ttl_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    first_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (
        Index("ix_worker_tokens_id", "id", unique=True),
        Index("ix_worker_tokens_job_id", "job_id"),
    )


class RegistrationError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class TokenGrant:
    model: str
    job_id: str | None
    deployment: str | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class WorkerRegistry:
    def __init__(
        self,
        router: Router,
        sessions: async_sessionmaker[AsyncSession],
        heartbeat_interval_s: float = 10.0,
    ) -> None:
        self.router = router
        self.sessions = sessions
        self.heartbeat_interval_s = heartbeat_interval_s
        self.on_change: Callable[[WorkerPool], None] = lambda pool: None
        self._grants: dict[str, TokenGrant] = {}

    async def issue_token(
        self,
        model: str,
        job_id: str | None = None,
        deployment: str | None = None,
        expires_at: datetime | None = None,
    ) -> str:
        token = "lgw-" + secrets.token_urlsafe(32)
        async with self.sessions.begin() as s:
            s.add(
                WorkerToken(
                    token_hash=_hash(token),
                    id=secrets.token_hex(8),
                    model=model,
                    job_id=job_id,
                    deployment=deployment,
                    created_at=datetime.now(UTC),
                    expires_at=expires_at,
                )
            )
        return token

    async def revoke_job_tokens(self, job_id: str) -> None:
        async with self.sessions.begin() as s:
            await s.execute(
                update(WorkerToken)
                .where(WorkerToken.job_id == job_id)
                .values(revoked_at=datetime.now(UTC))
            )
        self._grants = {h: g for h, g in self._grants.items() if g.job_id != job_id}

    async def verify(self, authorization: str | None) -> TokenGrant:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise RegistrationError(401, "send the worker token as 'Authorization: Bearer <token>'")
        digest = _hash(token.strip())
        grant = self._grants.get(digest)
        if grant is not None:
            return grant
        async with self.sessions() as s:
            row = (
                await s.execute(select(WorkerToken).where(WorkerToken.token_hash == digest))
            ).scalar_one_or_none()
        now = datetime.now(UTC)
        if row is None or row.revoked_at is not None:
            raise RegistrationError(401, "the worker token is not valid")
        expires = row.expires_at
        if (
            expires is not None
            and (expires if expires.tzinfo else expires.replace(tzinfo=UTC)) <= now
        ):
            raise RegistrationError(401, "the worker token expired")
        grant = TokenGrant(row.model, row.job_id, row.deployment)
        self._grants[digest] = grant
        return grant

    def register_accredited(
        self,
        grant: TokenGrant,
        model: str,
        base_url: str,
        job_id: str | None,
        deployment: str | None,
        accreditation: str | None,
    ) -> Worker:
        worker = self.register(grant, model, base_url, job_id, deployment)
        worker.accreditation = accreditation
        return worker

    def register(
        self,
        grant: TokenGrant,
        model: str,
        base_url: str,
        job_id: str | None,
        deployment: str | None,
    ) -> Worker:
        if model != grant.model:
            raise RegistrationError(
                403, f"this token may register workers for {grant.model!r} only"
            )
        if not base_url.startswith(("http://", "https://")):
            raise RegistrationError(400, "base_url must be an http(s) URL ending in /v1")
        pool = self.router.pools.get(model)
        if pool is None:
            raise RegistrationError(404, f"model {model!r} is not configured on this gateway")
        worker = pool.add(
            Worker(
                base_url=base_url.rstrip("/"),
                model=model,
                source="registered",
                job_id=job_id or grant.job_id,
                deployment=deployment or grant.deployment,
            )
        )
        self.on_change(pool)
        return worker

    def _find(self, grant: TokenGrant, worker_id: str) -> tuple[WorkerPool, Worker]:
        pool = self.router.pools.get(grant.model)
        worker = pool.get(worker_id) if pool else None
        if pool is None or worker is None:
            raise RegistrationError(404, "unknown worker; register again")
        return pool, worker

    def heartbeat(self, grant: TokenGrant, worker_id: str, now: float) -> Worker:
        _, worker = self._find(grant, worker_id)
        worker.last_heartbeat = now
        return worker

    def drain(self, grant: TokenGrant, worker_id: str) -> Worker:
        pool, worker = self._find(grant, worker_id)
        worker.draining = True
        self.on_change(pool)
        return worker

    def deregister(self, grant: TokenGrant, worker_id: str) -> None:
        pool, _ = self._find(grant, worker_id)
        pool.remove(worker_id)
        self.on_change(pool)
