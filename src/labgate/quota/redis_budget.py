"""Budgets in Redis, one atomic Lua script per operation, made durable in the database.

Redis holds the live counters every replica shares; the database holds ``quota_usage``, the
record that survives a Redis restart. The two meet in three places:

- seeding: the first time a project's period is touched and Redis has no counter for it (a
  new period, or a Redis that lost its data), the counter is created from the database row;
  :meth:`RedisQuotaService.start` seeds every period still open.
- flushing: each settlement marks its counter dirty; :meth:`RedisQuotaService.flush` (run every
  few seconds by :meth:`run_background`) writes dirty counters' ``used`` to the database,
  never lowering a stored value.
- a Redis that loses its data loses at most the settlements since the last flush, and the
  reservations in flight (their settlements then charge the real usage in full).

Redis errors become :class:`~labgate.quota.errors.QuotaUnavailable`: with Redis configured the
gateway does not fall back to the database, because two sets of counters could not both hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.quota.errors import BudgetExhausted, QuotaUnavailable
from labgate.quota.periods import BudgetPeriod
from labgate.quota.ratelimit import RatePlan
from labgate.quota.redis_scripts import ScriptRunner
from labgate.quota.service import BudgetUsage, Clock, QuotaService, Reservation
from labgate.quota.usage_store import UsageRow, read_open_periods, read_used, write_used

log = logging.getLogger("labgate.quota")

KEY_GRACE_S = 7 * 86400
"""Counters outlive their period by a week, then Redis drops them (the database keeps them)."""


class RedisQuotaService(QuotaService):
    """Budgets shared by every replica through Redis, flushed to ``quota_usage``."""

    def __init__(
        self,
        redis: Redis,
        engine: AsyncEngine,
        *,
        prefix: str = "labgate:",
        clock: Clock | None = None,
        flush_interval_s: float = 5.0,
        **options: float,
    ) -> None:
        super().__init__(clock=clock, **options)
        self._redis = redis
        self._engine = engine
        self._prefix = prefix
        self._scripts = ScriptRunner(
            redis, ("reserve", "limit_and_reserve", "settle", "release", "seed", "reclaim")
        )
        self.flush_interval_s = flush_interval_s
        self._dirty_key = f"{prefix}quota:dirty"
        self._active_key = f"{prefix}quota:active"

    @property
    def redis(self) -> Redis:
        return self._redis

    # -- keys -------------------------------------------------------------------------------

    def _keys(self, project_id: str, period_key: str) -> list[str]:
        tag = "{" + project_id + "|" + period_key + "}"
        base = f"{self._prefix}quota:"
        return [f"{base}usage:{tag}", f"{base}holds:{tag}", f"{base}amounts:{tag}"]

    def _now_arg(self) -> str:
        """Time for a script: the injected clock, else empty (the script reads Redis' TIME)."""
        return repr(self._clock()) if self._clock is not None else ""

    @staticmethod
    def _expire_keys_at(period: BudgetPeriod) -> int:
        return int(period.ends_at_epoch) + KEY_GRACE_S

    # -- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Load the scripts, then seed Redis with every open period's usage it lacks."""
        async with self._redis_errors():
            await self._scripts.load()
        await self._seed_rows(await read_open_periods(self._engine, self.now()))

    async def close(self) -> None:
        """Write the last settlements to the database; the caller closes the Redis client."""
        with contextlib.suppress(QuotaUnavailable):
            await self.flush()

    # -- budget operations ------------------------------------------------------------------

    async def reserve(
        self,
        project_id: str,
        period: BudgetPeriod,
        amount: int,
        limit: int,
        *,
        ttl_s: float | None = None,
    ) -> Reservation:
        return await self.limit_and_reserve(project_id, period, amount, limit, None, ttl_s=ttl_s)

    async def limit_and_reserve(
        self,
        project_id: str,
        period: BudgetPeriod,
        amount: int,
        limit: int,
        rate: RatePlan | None,
        *,
        ttl_s: float | None = None,
    ) -> Reservation:
        """:meth:`reserve`, with the request's rate limits checked and recorded by the same
        script (one round trip for both; the limiter must keep its counters in this Redis).
        Raises ``RateLimited`` (nothing reserved) or ``BudgetExhausted``."""
        self._check_amounts(amount, limit)
        rid = uuid.uuid4().hex
        ttl = ttl_s if ttl_s is not None else self.reservation_ttl_s
        keys = self._keys(project_id, period.key)
        args = [rid, amount, limit, repr(float(ttl)), self._now_arg(), self._expire_keys_at(period)]
        script = "reserve"
        if rate is not None:
            script, keys, args = "limit_and_reserve", keys + rate.keys, args + rate.args
        result = await self._run_seeded(script, keys, args, project_id, period)
        if int(result[0]) == 2:
            assert rate is not None
            raise rate.refusal(int(result[1]), int(result[2]))
        status, used, reserved, now, expires = result
        if status == 1:
            return Reservation(rid, project_id, period, amount, float(expires))
        used, reserved, now_s = int(used), int(reserved), float(now)
        raise BudgetExhausted(
            project_id,
            period,
            limit,
            used,
            period.ends_at,
            self._retry_after(period, now_s, used, amount, limit),
            reserved=reserved,
            requested=amount,
        )

    async def settle(self, reservation: Reservation, actual_amount: int) -> BudgetUsage:
        if actual_amount < 0:
            raise ValueError(f"a charge cannot be negative, got {actual_amount}")
        keys = self._keys(reservation.project_id, reservation.period.key) + [self._dirty_key]
        _, used, reserved = await self._run_seeded(
            "settle",
            keys,
            [reservation.id, actual_amount],
            reservation.project_id,
            reservation.period,
        )
        return BudgetUsage(int(used), int(reserved))

    async def release(self, reservation: Reservation) -> bool:
        keys = self._keys(reservation.project_id, reservation.period.key)
        async with self._redis_errors():
            released = await self._scripts.run("release", keys, [reservation.id])
        return bool(released)

    async def usage(self, project_id: str, period: BudgetPeriod) -> BudgetUsage:
        async with self._redis_errors():
            used, reserved = await self._redis.hmget(
                self._keys(project_id, period.key)[0], ["used", "reserved"]
            )
        if used is None:
            return BudgetUsage(await read_used(self._engine, project_id, period.key), 0)
        return BudgetUsage(int(used), int(reserved or 0))

    async def reclaim_expired(self) -> int:
        """Sweep every counter seeded in Redis (reservations also go back on each reserve)."""
        async with self._redis_errors():
            members = sorted(_text(m) for m in await self._redis.smembers(self._active_key))
            total = 0
            for start in range(0, len(members), 500):
                chunk = members[start : start + 500]
                calls = [(self._sibling_keys(key), [self._now_arg()]) for key in chunk]
                counts = [int(c) for c in await self._scripts.run_many("reclaim", calls)]
                total += sum(c for c in counts if c > 0)
                gone = [key for key, c in zip(chunk, counts, strict=True) if c < 0]
                if gone:  # counters Redis expired after their period: forget them
                    await self._redis.srem(self._active_key, *gone)
        return total

    def _sibling_keys(self, usage_key: str) -> list[str]:
        tag = usage_key[usage_key.index("{") :]
        base = f"{self._prefix}quota:"
        return [usage_key, f"{base}holds:{tag}", f"{base}amounts:{tag}"]

    # -- durability -------------------------------------------------------------------------

    async def flush(self) -> int:
        """Write the ``used`` of every counter settled since the last flush to the database.

        Taking the dirty set is one ``MULTI`` (read and clear together); if the database write
        fails the counters are marked dirty again, so the next flush retries them.
        """
        async with self._redis_errors():
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.smembers(self._dirty_key)
                pipe.delete(self._dirty_key)
                members, _ = await pipe.execute()
            if not members:
                return 0
            usage_keys = sorted(m.decode() if isinstance(m, bytes) else str(m) for m in members)
            async with self._redis.pipeline(transaction=False) as pipe:
                for key in usage_keys:
                    pipe.hmget(key, ["project", "period", "ends", "used"])
                fields = await pipe.execute()
        rows = [
            UsageRow(_text(p), _text(k), float(e), int(u))
            for p, k, e, u in fields
            if u is not None and p is not None
        ]
        try:
            return await write_used(self._engine, rows, self.now())
        except QuotaUnavailable:
            async with self._redis_errors():
                await self._redis.sadd(self._dirty_key, *usage_keys)
            raise

    async def run_background(self, stop: asyncio.Event) -> None:
        """Flush and sweep every ``flush_interval_s`` until ``stop`` is set, then flush once
        more. Failures are logged and retried at the next tick; they never end the loop."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.flush_interval_s)
            try:
                await self.flush()
                await self.reclaim_expired()
            except QuotaUnavailable as exc:
                log.warning("quota flush postponed: %s", exc)

    # -- helpers ----------------------------------------------------------------------------

    async def _run_seeded(
        self, name: str, keys: list[str], args: list[Any], project_id: str, period: BudgetPeriod
    ) -> list[Any]:
        """Run a script; if the counter is missing, seed it from the database and run again."""
        async with self._redis_errors():
            result = await self._scripts.run(name, keys, args)
        if int(result[0]) != -1:
            return list(result)
        used = await read_used(self._engine, project_id, period.key)
        await self._seed_row(UsageRow(project_id, period.key, period.ends_at_epoch, used))
        async with self._redis_errors():
            result = await self._scripts.run(name, keys, args)
        if int(result[0]) == -1:
            raise QuotaUnavailable("Redis (its counter vanished while seeding)")
        return list(result)

    async def _seed_row(self, row: UsageRow) -> None:
        await self._seed_rows([row])

    async def _seed_rows(self, rows: list[UsageRow], batch: int = 500) -> None:
        """Create the counters Redis lacks from database rows, ``batch`` per round trip."""
        for start in range(0, len(rows), batch):
            calls: list[tuple[list[str], list[Any]]] = []
            for row in rows[start : start + batch]:
                usage_key = self._keys(row.project_id, row.period)[0]
                expire_at = int(row.period_ends_at) + KEY_GRACE_S
                args = [row.used, row.project_id, row.period, repr(row.period_ends_at), expire_at]
                calls.append(([usage_key], args))
            async with self._redis_errors():
                await self._scripts.run_many("seed", calls)
                await self._redis.sadd(self._active_key, *(keys[0] for keys, _ in calls))

    @contextlib.asynccontextmanager
    async def _redis_errors(self) -> AsyncIterator[None]:
        try:
            yield
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise QuotaUnavailable("Redis") from exc


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
