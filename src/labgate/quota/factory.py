"""Build the quota parts for a deployment: Redis-backed when a Redis URL is set, else the
database alone (budgets still global, rate limits per replica).

The gateway's start-up calls :func:`build_quota`, then ``await parts.start()``, runs
``parts.run_background(stop)`` and ``revocations.run(cache.drop)`` as tasks, and calls
``await parts.close()`` at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.quota.db_budget import DatabaseQuotaService
from labgate.quota.errors import QuotaUnavailable
from labgate.quota.ratelimit import InMemoryRateLimiter, RateLimiter
from labgate.quota.redis_budget import RedisQuotaService
from labgate.quota.redis_ratelimit import RedisRateLimiter
from labgate.quota.revocation import DatabaseRevocationBus, RedisRevocationBus, RevocationBus
from labgate.quota.service import QuotaService

log = logging.getLogger("labgate.quota")


@dataclass
class QuotaParts:
    """Budgets, rate limits and the revocation bus of one gateway process."""

    budgets: QuotaService
    rate_limiter: RateLimiter
    revocations: RevocationBus
    redis: Redis | None = None
    sweep_interval_s: float = 30.0

    @property
    def backend(self) -> str:
        return "redis" if self.redis is not None else "database"

    async def start(self) -> None:
        await self.budgets.start()
        await self.rate_limiter.start()

    async def close(self) -> None:
        await self.budgets.close()
        await self.rate_limiter.close()
        if self.redis is not None:
            await self.redis.aclose()

    async def run_background(self, stop: asyncio.Event) -> None:
        """Flush Redis usage to the database and sweep expired reservations until ``stop``."""
        if isinstance(self.budgets, RedisQuotaService):
            await self.budgets.run_background(stop)
            return
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.sweep_interval_s)
            try:
                await self.budgets.reclaim_expired()
            except QuotaUnavailable as exc:
                log.warning("reservation sweep postponed: %s", exc)


def make_redis(url: str) -> Redis:
    """A Redis client that fails fast: on the request path a Redis outage should become a
    clear 503 within a fraction of a second, not ten backed-off retries (redis-py's default)."""
    return Redis.from_url(
        url,
        socket_timeout=2.0,
        socket_connect_timeout=1.0,
        health_check_interval=10,
        retry=Retry(ExponentialWithJitterBackoff(base=0.01, cap=0.1), retries=2),
    )


def build_quota(
    engine: AsyncEngine,
    redis_url: str | None = None,
    *,
    prefix: str = "labgate:",
    reservation_ttl_s: float = 900.0,
    flush_interval_s: float = 5.0,
) -> QuotaParts:
    """The quota parts for ``engine`` and, when given, the Redis at ``redis_url``."""
    if redis_url:
        redis = make_redis(redis_url)
        return QuotaParts(
            budgets=RedisQuotaService(
                redis,
                engine,
                prefix=prefix,
                reservation_ttl_s=reservation_ttl_s,
                flush_interval_s=flush_interval_s,
            ),
            rate_limiter=RedisRateLimiter(redis, prefix=prefix),
            revocations=RedisRevocationBus(redis, channel=f"{prefix}keys:revoked"),
            redis=redis,
        )
    return QuotaParts(
        budgets=DatabaseQuotaService(engine, reservation_ttl_s=reservation_ttl_s),
        rate_limiter=InMemoryRateLimiter(),
        revocations=DatabaseRevocationBus(engine),
    )
