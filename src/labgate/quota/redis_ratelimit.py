"""Rate limits shared by every replica: all of a request's limits in one Lua script.

One ``EVALSHA`` checks user RPM, user TPM, project RPM and project TPM together and either
records the request against all of them or refuses it, recording nothing, with the limit that
refused and how long to wait. The GCRA arithmetic is the one of
:class:`~labgate.quota.ratelimit.InMemoryRateLimiter`, in Lua.
"""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from labgate.quota.errors import QuotaUnavailable
from labgate.quota.ratelimit import (
    WINDOW_S,
    RateLimiter,
    RateLimits,
    RatePlan,
    applicable_checks,
    never_admissible,
    refusal,
)
from labgate.quota.redis_scripts import ScriptRunner
from labgate.quota.service import Clock


class RedisRateLimiter(RateLimiter):
    """GCRA counters in Redis, keyed ``<prefix>rate:<scope>:<metric>:<subject>``."""

    def __init__(self, redis: Redis, *, prefix: str = "labgate:", clock: Clock | None = None):
        self._redis = redis
        self._prefix = prefix
        self._clock = clock
        self._scripts = ScriptRunner(redis, ("rate_limit",))

    async def start(self) -> None:
        try:
            await self._scripts.load()
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise QuotaUnavailable("Redis") from exc

    def plan(
        self, user_id: str, project_id: str, tokens: int, limits: RateLimits
    ) -> RatePlan | None:
        """The script's keys and arguments for a request (None: nothing is limited); raises
        ``RateLimited`` at once for a request no wait would admit."""
        checks = applicable_checks(user_id, project_id, tokens, limits)
        if not checks:
            return None
        too_big = never_admissible(checks)
        if too_big is not None:
            raise refusal(too_big, WINDOW_S)  # no wait helps; the message says so
        args: list[int] = []
        for check in checks:
            args += [check.limit, check.cost]
        return RatePlan(checks, [f"{self._prefix}rate:{check.name}" for check in checks], args)

    async def admit(self, user_id: str, project_id: str, tokens: int, limits: RateLimits) -> None:
        plan = self.plan(user_id, project_id, tokens, limits)
        if plan is None:
            return
        now: list[str | int] = [repr(self._clock()) if self._clock is not None else ""]
        try:
            result = await self._scripts.run("rate_limit", plan.keys, now + plan.args)
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise QuotaUnavailable("Redis") from exc
        if int(result[0]) == 1:
            return
        raise plan.refusal(int(result[1]), int(result[2]))

    def shares_redis_with(self, redis: Redis) -> bool:
        """Whether this limiter's counters live in ``redis`` (so one script can do both)."""
        return self._redis is redis
