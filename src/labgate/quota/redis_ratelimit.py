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

    async def admit(self, user_id: str, project_id: str, tokens: int, limits: RateLimits) -> None:
        checks = applicable_checks(user_id, project_id, tokens, limits)
        if not checks:
            return
        too_big = never_admissible(checks)
        if too_big is not None:
            raise refusal(too_big, WINDOW_S)  # no wait helps; the message says so
        keys = [f"{self._prefix}rate:{check.name}" for check in checks]
        args: list[str | int] = [repr(self._clock()) if self._clock is not None else ""]
        for check in checks:
            args += [check.limit, check.cost]
        try:
            result = await self._scripts.run("rate_limit", keys, args)
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise QuotaUnavailable("Redis") from exc
        if int(result[0]) == 1:
            return
        check = checks[int(result[1]) - 1]
        wait_ms = int(result[2])
        raise refusal(check, WINDOW_S if wait_ms < 0 else wait_ms / 1000)
