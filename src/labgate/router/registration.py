"""Workers that register themselves at run time (Slurm jobs, or any engine an operator starts).

A worker proves who it is with a *worker token*: random, issued by labgate for one model (and
usually one Slurm job), stored only as its SHA-256. ``register`` adds the worker to its model's
pool; it must then heart-beat at least every ``heartbeat_timeout_s`` or the health checker
removes it; ``drain`` stops new requests to it (the job is about to end).

A token is the credential of the one worker it registers, and of nothing else:

* it registers at most one worker, under a random id; it may heart-beat, drain and
  deregister that worker only. Configured workers, and workers other tokens registered, are
  out of its reach (404, as for a worker that does not exist; registering at their URL: 409);
* it carries a model and the highest label its worker may process (``max_label``): a worker
  that asks for more is refused, one that states nothing gets the token's label;
* it expires (``expires_at``; and ``ttl_s`` after its first registration, so a Slurm job's
  token lives the job's time limit from when the job starts) and can be revoked
  (:meth:`WorkerRegistry.revoke`). A revocation removes its worker from this replica's pool at
  once and, through the key-revocation bus, from every other replica's; :meth:`sweep`
  (every few seconds) removes the workers of tokens that expired or were revoked while an
  event was missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, Index, Integer, String, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from labgate.router.router import Router
from labgate.router.workers import Worker, WorkerPool
from labgate.store.base import Base

if TYPE_CHECKING:
    from labgate.access.policy import AccessPolicy

log = logging.getLogger("labgate.router")

TOKEN_PREFIX = "lgw-"
DEFAULT_TOKEN_TTL_S = 24 * 3600
"""A token issued without an expiry expires this long after it is issued, plus its ``ttl_s``:
so it must first be used within a day."""
REVOKED_PREFIX = "worker-token:"
"""Worker-token revocations travel on the key-revocation bus as ``worker-token:<id>``."""
ALL = "*"  # labgate.quota.revocation.ALL_KEYS: events may have been missed
GRANT_CACHE_S = 30.0
"""How long a verified token is trusted without reading its row again (revocations made
without the bus, e.g. straight in the database, take effect within this)."""


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


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """What a verified worker token allows."""

    model: str
    job_id: str | None = None
    deployment: str | None = None
    token_id: str = ""
    max_label: str | None = None
    expires_at: datetime | None = None
    ttl_s: int | None = None
    first_used_at: datetime | None = None

    @property
    def deadline(self) -> datetime | None:
        """When the token stops working: its expiry, or its lifetime after first use."""
        ends = [_utc(self.expires_at)]
        first = _utc(self.first_used_at)
        if self.ttl_s is not None and first is not None:
            ends.append(first + timedelta(seconds=self.ttl_s))
        known = [e for e in ends if e is not None]
        return min(known) if known else None

    @staticmethod
    def of(row: WorkerToken) -> TokenGrant:
        return TokenGrant(
            row.model,
            row.job_id,
            row.deployment,
            row.id,
            row.max_label,
            _utc(row.expires_at),
            row.ttl_s,
            _utc(row.first_used_at),
        )


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A worker token as listings show it (never the secret, nor its hash)."""

    id: str
    model: str
    max_label: str | None
    job_id: str | None
    deployment: str | None
    issued_by: str | None
    created_at: datetime
    expires_at: datetime | None
    ttl_s: int | None
    first_used_at: datetime | None
    revoked_at: datetime | None
    deadline: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            out[name] = value.isoformat() if isinstance(value, datetime) else value
        return out


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token just issued: the secret (shown once) and what it allows."""

    token: str
    info: TokenInfo


@dataclass(slots=True)
class _Cached:
    grant: TokenGrant
    fetched: float
    revoked: bool = False


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _info(row: WorkerToken) -> TokenInfo:
    grant = TokenGrant.of(row)
    return TokenInfo(
        row.id,
        row.model,
        row.max_label,
        row.job_id,
        row.deployment,
        row.issued_by,
        _utc(row.created_at) or row.created_at,
        _utc(row.expires_at),
        row.ttl_s,
        _utc(row.first_used_at),
        _utc(row.revoked_at),
        grant.deadline,
    )


def new_worker_id() -> str:
    """A registered worker's id: random (96 bits), so one token cannot name another's worker."""
    return secrets.token_hex(12)


class WorkerRegistry:
    def __init__(
        self,
        router: Router,
        sessions: async_sessionmaker[AsyncSession],
        heartbeat_interval_s: float = 10.0,
        *,
        access: AccessPolicy | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.router = router
        self.sessions = sessions
        self.heartbeat_interval_s = heartbeat_interval_s
        self.access = access
        self.clock = clock
        self.on_change: Callable[[WorkerPool], None] = lambda pool: None
        self.publish: Callable[[str], Awaitable[None]] | None = None
        """Sends a revocation to every replica (the key-revocation bus's ``publish``)."""
        self._grants: dict[str, _Cached] = {}
        self._wake = asyncio.Event()

    # -- issuing and revoking ---------------------------------------------------------------

    def _check_label(self, label: str | None) -> str | None:
        if label is None:
            return None
        if self.access is None:
            return label
        from labgate.access.labels import LabelError

        try:
            return self.access.parse(label).marking
        except LabelError as exc:
            raise ValueError(
                f"max_label {label!r} is not a label of this deployment: {exc}"
            ) from None

    def ceiling(self, model: str, max_label: str | None) -> str | None:
        """The highest label a worker registered with such a token may process: the model's
        accreditation, narrowed by the token's ``max_label``. None with labels off."""
        if self.access is None or not self.access.enabled:
            return None
        found = self.access.worker_accreditation(model, max_label)
        return found.marking if found is not None else None

    async def issue(
        self,
        model: str,
        job_id: str | None = None,
        deployment: str | None = None,
        expires_at: datetime | None = None,
        *,
        ttl_s: int | None = None,
        max_label: str | None = None,
        issued_by: str | None = None,
    ) -> IssuedToken:
        """Issue a token for one worker of ``model``; raises ValueError for a bad label."""
        marking = self._check_label(max_label)
        now = self.clock()
        if ttl_s is not None and ttl_s <= 0:
            raise ValueError("ttl_s must be a positive number of seconds")
        if expires_at is None:  # never a token that lives for ever, used or not
            expires_at = now + timedelta(seconds=(ttl_s or 0) + DEFAULT_TOKEN_TTL_S)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = WorkerToken(
            token_hash=_hash(token),
            id=secrets.token_hex(8),
            model=model,
            max_label=marking,
            job_id=job_id,
            deployment=deployment,
            issued_by=issued_by,
            created_at=now,
            expires_at=_utc(expires_at),
            ttl_s=ttl_s,
        )
        async with self.sessions.begin() as s:
            s.add(row)
        return IssuedToken(token, _info(row))

    async def issue_token(
        self,
        model: str,
        job_id: str | None = None,
        deployment: str | None = None,
        expires_at: datetime | None = None,
        *,
        ttl_s: int | None = None,
        max_label: str | None = None,
        issued_by: str | None = None,
    ) -> str:
        """:meth:`issue`, returning only the secret (the HPC launcher's ``WorkerTokens``)."""
        issued = await self.issue(
            model,
            job_id,
            deployment,
            expires_at,
            ttl_s=ttl_s,
            max_label=max_label,
            issued_by=issued_by,
        )
        return issued.token

    async def list_tokens(self, active_only: bool = False) -> list[TokenInfo]:
        async with self.sessions() as s:
            rows = (
                (await s.execute(select(WorkerToken).order_by(WorkerToken.created_at)))
                .scalars()
                .all()
            )
        infos = [_info(r) for r in rows]
        if active_only:
            now = self.clock()
            infos = [
                i
                for i in infos
                if i.revoked_at is None and (i.deadline is None or i.deadline > now)
            ]
        return infos

    async def revoke(self, token_id: str) -> bool:
        """Revoke a token: its worker leaves this replica at once, the others promptly."""
        async with self.sessions.begin() as s:
            done = await s.execute(
                update(WorkerToken)
                .where(WorkerToken.id == token_id, WorkerToken.revoked_at.is_(None))
                .values(revoked_at=self.clock())
            )
            exists = (
                await s.execute(select(WorkerToken.id).where(WorkerToken.id == token_id))
            ).first()
        if exists is None:
            return False
        if getattr(done, "rowcount", 0):
            await self._revoked([token_id])
        return True

    async def revoke_job_tokens(self, job_id: str) -> None:
        async with self.sessions.begin() as s:
            ids = list(
                (
                    await s.execute(
                        select(WorkerToken.id).where(
                            WorkerToken.job_id == job_id, WorkerToken.revoked_at.is_(None)
                        )
                    )
                ).scalars()
            )
            await s.execute(
                update(WorkerToken)
                .where(WorkerToken.job_id == job_id, WorkerToken.revoked_at.is_(None))
                .values(revoked_at=self.clock())
            )
        await self._revoked(ids)

    async def _revoked(self, token_ids: list[str]) -> None:
        for token_id in token_ids:
            self.forget_token(token_id)
            if self.publish is not None:
                try:
                    await self.publish(REVOKED_PREFIX + token_id)
                except Exception:  # the sweep still removes its worker on the other replicas
                    log.warning(
                        "could not announce the revocation of worker token %s",
                        token_id,
                        exc_info=True,
                    )

    def forget_token(self, token_id: str) -> None:
        """A token was revoked (here or on another replica): forget it and drop its worker."""
        for cached in self._grants.values():
            if cached.grant.token_id == token_id:
                cached.revoked = True
        for pool in self.router.pools.values():
            owned = [w.worker_id for w in pool.workers.values() if w.owner == token_id]
            for worker_id in owned:
                pool.remove(worker_id)
                log.info("worker %s of %s removed: its token was revoked", worker_id, pool.model)
            if owned:
                self.on_change(pool)

    def listening(self, handler: Callable[[str], None]) -> Callable[[str], None]:
        """``handler`` (the key caches') extended with worker-token revocations, for
        ``RevocationBus.run``."""

        def on_revoked(key_id: str) -> None:
            handler(key_id)
            if key_id.startswith(REVOKED_PREFIX):
                self.forget_token(key_id[len(REVOKED_PREFIX) :])
            elif key_id == ALL:
                self._grants.clear()
                self._wake.set()

        return on_revoked

    # -- verifying --------------------------------------------------------------------------

    async def _load(self, digest: str) -> TokenGrant | None:
        async with self.sessions() as s:
            row = (
                await s.execute(select(WorkerToken).where(WorkerToken.token_hash == digest))
            ).scalar_one_or_none()
        if row is None or row.revoked_at is not None:
            return None
        return TokenGrant.of(row)

    async def verify(self, authorization: str | None) -> TokenGrant:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise RegistrationError(401, "send the worker token as 'Authorization: Bearer <token>'")
        digest = _hash(token.strip())
        cached = self._grants.get(digest)
        if cached is None or time.monotonic() - cached.fetched > GRANT_CACHE_S:
            grant = await self._load(digest)
            if grant is None:
                self._grants.pop(digest, None)
                raise RegistrationError(401, "the worker token is not valid (or was revoked)")
            cached = self._grants[digest] = _Cached(grant, time.monotonic())
        if cached.revoked:
            raise RegistrationError(401, "the worker token is not valid (or was revoked)")
        deadline = cached.grant.deadline
        if deadline is not None and deadline <= self.clock():
            raise RegistrationError(
                401, f"the worker token expired at {deadline.isoformat()}; the job needs a new one"
            )
        return cached.grant

    async def _first_use(self, grant: TokenGrant) -> TokenGrant:
        """Start the token's lifetime at its first registration (once, on any replica)."""
        if grant.ttl_s is None or grant.first_used_at is not None:
            return grant
        now = self.clock()
        async with self.sessions.begin() as s:
            await s.execute(
                update(WorkerToken)
                .where(WorkerToken.id == grant.token_id, WorkerToken.first_used_at.is_(None))
                .values(first_used_at=now)
            )
            row = (
                await s.execute(select(WorkerToken).where(WorkerToken.id == grant.token_id))
            ).scalar_one()
        fresh = TokenGrant.of(row)
        for cached in self._grants.values():
            if cached.grant.token_id == grant.token_id:
                cached.grant = fresh
        return fresh

    # -- the worker's own calls -------------------------------------------------------------

    def _accreditation(self, grant: TokenGrant, stated: str | None) -> str | None:
        if stated is None:
            return grant.max_label
        if self.access is None or grant.max_label is None:
            return stated
        from labgate.access.labels import LabelError

        try:
            label = self.access.parse(stated)
        except LabelError as exc:
            raise RegistrationError(
                400, f"accreditation {stated!r} is not a label: {exc}"
            ) from None
        if not self.access.dominates(grant.max_label, label):
            raise RegistrationError(
                403,
                f"this token allows workers accredited up to {grant.max_label} only, not "
                f"{label.marking}",
            )
        return label.marking

    async def register_accredited(
        self,
        grant: TokenGrant,
        model: str,
        base_url: str,
        job_id: str | None,
        deployment: str | None,
        accreditation: str | None,
    ) -> Worker:
        return await self.register(grant, model, base_url, job_id, deployment, accreditation)

    async def register(
        self,
        grant: TokenGrant,
        model: str,
        base_url: str,
        job_id: str | None,
        deployment: str | None,
        accreditation: str | None = None,
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
        label = self._accreditation(grant, accreditation)
        url = base_url.rstrip("/")
        self._own_worker(pool, grant, url)
        grant = await self._first_use(grant)
        if any(c.revoked and c.grant.token_id == grant.token_id for c in self._grants.values()):
            raise RegistrationError(401, "the worker token is not valid (or was revoked)")
        mine = self._own_worker(pool, grant, url)  # again: others may have registered meanwhile
        if mine is not None:  # the same worker registering again (the gateway forgot it)
            mine.draining = False
            mine.last_heartbeat = time.monotonic()
            mine.accreditation = label
            self.on_change(pool)
            return mine
        worker = pool.add(
            Worker(
                base_url=url,
                model=model,
                worker_id=new_worker_id(),
                source="registered",
                # a Slurm job id only from a job's token: a worker registered with a token
                # issued by hand cannot pass itself off as one of labgate's jobs
                job_id=(job_id or grant.job_id) if grant.job_id else None,
                deployment=deployment or grant.deployment,
                accreditation=label,
                owner=grant.token_id,
                launch_id=grant.job_id,
            )
        )
        self.on_change(pool)
        return worker

    @staticmethod
    def _own_worker(pool: WorkerPool, grant: TokenGrant, url: str) -> Worker | None:
        """The worker this token registered at ``url`` (None: it has none yet); refuses a URL
        another worker holds, or a second worker for the token."""
        mine: Worker | None = None
        for w in pool.workers.values():
            if grant.token_id and w.owner == grant.token_id:
                mine = w
            elif w.base_url.rstrip("/") == url:
                raise RegistrationError(
                    409,
                    "another worker is registered at this URL (a configured one, or one "
                    "registered with another token)",
                )
        if mine is not None and mine.base_url.rstrip("/") != url:
            raise RegistrationError(
                409,
                f"this token already registered worker {mine.worker_id} at another URL; a "
                "token registers one worker (deregister it first, or use another token)",
            )
        return mine

    def _find(self, grant: TokenGrant, worker_id: str) -> tuple[WorkerPool, Worker]:
        pool = self.router.pools.get(grant.model)
        worker = pool.get(worker_id) if pool else None
        if pool is None or worker is None or not grant.token_id or worker.owner != grant.token_id:
            # the same answer for another's worker as for none: ids cannot be probed
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

    # -- keeping the pools honest -----------------------------------------------------------

    async def sweep(self) -> int:
        """Remove registered workers whose token expired or was revoked; how many went."""
        owners = {
            w.owner for pool in self.router.pools.values() for w in pool.workers.values() if w.owner
        }
        if not owners:
            return 0
        async with self.sessions() as s:
            rows = (
                (await s.execute(select(WorkerToken).where(WorkerToken.id.in_(owners))))
                .scalars()
                .all()
            )
        now = self.clock()
        alive = {
            r.id
            for r in rows
            if r.revoked_at is None and ((d := TokenGrant.of(r).deadline) is None or d > now)
        }
        removed = 0
        for pool in self.router.pools.values():
            gone = [w.worker_id for w in pool.workers.values() if w.owner and w.owner not in alive]
            for worker_id in gone:
                pool.remove(worker_id)
                log.info(
                    "worker %s of %s removed: its token expired or was revoked",
                    worker_id,
                    pool.model,
                )
            if gone:
                removed += len(gone)
                self.on_change(pool)
        return removed

    async def run(self, interval_s: float | None = None) -> None:
        """Sweep every ``interval_s`` (default: the heart-beat interval), and at once when the
        revocation bus may have missed events."""
        every = interval_s or max(1.0, self.heartbeat_interval_s)
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), every)
            self._wake.clear()
            try:
                await self.sweep()
            except Exception:
                log.warning("worker token sweep failed; trying again", exc_info=True)
