"""The Lua scripts behind the Redis backends, and the loader that runs them by SHA.

Each budget or rate-limit operation is one script: Redis runs a script to completion before any
other command, so check-and-hold is atomic across every replica, and costs one round trip.
Scripts are loaded once at start-up (``SCRIPT LOAD``) and called with ``EVALSHA``; if Redis lost
its script cache (a restart or ``SCRIPT FLUSH``) the call reloads them and retries once.

Time: every script takes ``now`` as an argument; an empty string means "use Redis' own clock"
(``TIME``), which is what production does, so replicas with skewed clocks still agree. Tests
pass their own clock. (Redis 7 replicates scripts by effects, so ``TIME`` before writes is
allowed.)

Budget keys of one project and period share a hash tag, ``{project|period}``: a usage hash
(``used``, ``reserved``, and the names needed to flush it), a sorted set of reservation ids by
expiry, and a hash of reservation amounts.
"""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

# Shared prologue: the time in seconds, from ARGV[n] or Redis' clock.
_NOW = """
local function clock(arg)
  local now = tonumber(arg)
  if now then return now end
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
"""

# Give back the holds of expired reservations (at most 100 a call, to bound the script's time).
_RECLAIM = """
local function reclaim(usage, by_expiry, amounts, now)
  local expired = redis.call('ZRANGEBYSCORE', by_expiry, '-inf', now, 'LIMIT', 0, 100)
  local freed = 0
  for _, rid in ipairs(expired) do
    freed = freed + tonumber(redis.call('HGET', amounts, rid) or '0')
    redis.call('HDEL', amounts, rid)
    redis.call('ZREM', by_expiry, rid)
  end
  if freed > 0 then redis.call('HINCRBY', usage, 'reserved', string.format('%d', -freed)) end
  return #expired
end
"""

# Hold ``amount`` (ARGV[2]) for reservation ARGV[1] if it fits under the limit (ARGV[3]), for
# ttl_s (ARGV[4]); KEYS[1..3] are usage, by_expiry, amounts; ARGV[6] is when the keys expire.
_HOLD = """
local function seeded_now()
  local now = clock(ARGV[5])
  local now_text = string.format('%.6f', now)
  if redis.call('HEXISTS', KEYS[1], 'used') == 0 then return nil, now_text end
  return now, now_text
end

local function hold(now, now_text)
  reclaim(KEYS[1], KEYS[2], KEYS[3], now)
  local used = tonumber(redis.call('HGET', KEYS[1], 'used'))
  local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
  local amount = tonumber(ARGV[2])
  if used + reserved + amount > tonumber(ARGV[3]) then
    return {0, used, reserved, now_text, ''}
  end
  local expires = now + tonumber(ARGV[4])
  redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[2])
  redis.call('ZADD', KEYS[2], string.format('%.17g', expires), ARGV[1])
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
  redis.call('EXPIREAT', KEYS[2], ARGV[6])
  redis.call('EXPIREAT', KEYS[3], ARGV[6])
  return {1, used, reserved + amount, now_text, string.format('%.6f', expires)}
end
"""

# KEYS: usage, by_expiry, amounts. ARGV: id, amount, limit, ttl_s, now, expire_keys_at.
# Returns {status, used, reserved, now, expires_at}: status 1 held, 0 refused, -1 not seeded.
RESERVE = (
    _NOW
    + _RECLAIM
    + _HOLD
    + """
local now, now_text = seeded_now()
if not now then return {-1, 0, 0, now_text, ''} end
return hold(now, now_text)
"""
)

# KEYS: usage, by_expiry, amounts, dirty. ARGV: id, actual.
# Returns {status, used, reserved}: status 1 settled, -1 not seeded.
SETTLE = """
if redis.call('HEXISTS', KEYS[1], 'used') == 0 then return {-1, 0, 0} end
local held = redis.call('HGET', KEYS[3], ARGV[1])
if held then
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'reserved', '-' .. held)
end
local used = redis.call('HINCRBY', KEYS[1], 'used', ARGV[2])
redis.call('SADD', KEYS[4], KEYS[1])
return {1, used, tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')}
"""

# KEYS: usage, by_expiry, amounts. ARGV: id. Returns 1 released, 0 already gone.
RELEASE = """
local held = redis.call('HGET', KEYS[3], ARGV[1])
if not held then return 0 end
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[1], 'reserved', '-' .. held)
return 1
"""

# KEYS: usage. ARGV: used, project, period, period_ends_at, expire_keys_at.
# Creates the usage hash only if it is missing; returns 1 if it seeded.
SEED = """
if redis.call('HEXISTS', KEYS[1], 'used') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'used', ARGV[1], 'reserved', 0,
           'project', ARGV[2], 'period', ARGV[3], 'ends', ARGV[4])
redis.call('EXPIREAT', KEYS[1], ARGV[5])
return 1
"""

# KEYS: usage, by_expiry, amounts. ARGV: now. Returns reservations reclaimed, -1 if no usage.
RECLAIM = (
    _NOW
    + _RECLAIM
    + """
if redis.call('HEXISTS', KEYS[1], 'used') == 0 then return -1 end
return reclaim(KEYS[1], KEYS[2], KEYS[3], clock(ARGV[1]))
"""
)

# Generic cell rate algorithm over a one-minute window, all limits or none: checks the keys
# KEYS[first..] with (limit, cost) pairs from ARGV[arg], ARGV[arg + 1], … and records all of
# them, or none. Returns {1} admitted, or {0, index (1-based among these keys),
# retry_after_ms}: -1 ms when the cost alone is larger than the limit (never admissible).
_GCRA = """
local function gcra(first, arg, now_ms)
  local window = 60000
  local new_tats = {}
  local worst, worst_wait = 0, 0
  for i = 1, #KEYS - first + 1 do
    local key = KEYS[first + i - 1]
    local limit = tonumber(ARGV[arg + 2 * (i - 1)])
    local cost = tonumber(ARGV[arg + 2 * (i - 1) + 1])
    if cost > limit then return {0, i, -1} end
    local tat = tonumber(redis.call('GET', key) or '0')
    if tat < now_ms then tat = now_ms end
    local new_tat = tat + cost * window / limit
    local wait = new_tat - now_ms - window
    if wait > 1 then  -- 1 ms of slack for float rounding
      if wait > worst_wait then worst, worst_wait = i, wait end
    end
    new_tats[i] = new_tat
  end
  if worst > 0 then return {0, worst, math.ceil(worst_wait)} end
  for i = 1, #KEYS - first + 1 do
    redis.call('SET', KEYS[first + i - 1], string.format('%.17g', new_tats[i]), 'PX',
               math.ceil(new_tats[i] - now_ms) + 1000)
  end
  return {1}
end
"""

# The rate limits alone. KEYS: one per limit. ARGV: now_s, then (limit, cost) per key.
RATE_LIMIT = (
    _NOW
    + _GCRA
    + """
return gcra(1, 2, clock(ARGV[1]) * 1000)
"""
)

# The request path's admission with Redis: rate limits, then the budget reservation, in one
# round trip. KEYS: usage, by_expiry, amounts, then one per rate limit. ARGV: as RESERVE
# (id, amount, limit, ttl_s, now, expire_keys_at), then (limit, cost) per rate key.
# Returns RESERVE's answer, or {2, index, retry_after_ms} when a rate limit refused (nothing
# recorded, nothing reserved). Nothing at all is done while the budget is not seeded (-1), so
# the caller may seed and run it again. A request the budget refuses still counts against
# the rate limits, as it does when the two are checked one after the other.
LIMIT_AND_RESERVE = (
    _NOW
    + _RECLAIM
    + _GCRA
    + _HOLD
    + """
local now, now_text = seeded_now()
if not now then return {-1, 0, 0, now_text, ''} end
if #KEYS > 3 then
  local limited = gcra(4, 7, now * 1000)
  if limited[1] == 0 then return {2, limited[2], limited[3]} end
end
return hold(now, now_text)
"""
)

ALL_SCRIPTS = {
    "reserve": RESERVE,
    "settle": SETTLE,
    "release": RELEASE,
    "seed": SEED,
    "reclaim": RECLAIM,
    "rate_limit": RATE_LIMIT,
    "limit_and_reserve": LIMIT_AND_RESERVE,
}


_Queued = tuple[str, list[str], list[Any], "asyncio.Future[Any]"]
"""A call waiting for the next round trip: script name, keys, arguments, where its answer goes."""


class ScriptRunner:
    """Runs named scripts by SHA, loading them at :meth:`load` and again if Redis forgot.

    Concurrent calls share round trips: while one call's ``EVALSHA`` is on the wire, the calls
    that arrive queue, and go out together as one pipeline when it returns (then the next
    queue, and so on). One request alone still sends its script at once; under load, redis-py's
    per-command work (pool checkout, retry wrapper, a socket probe) is paid once per batch
    instead of once per request. Each script in a pipeline still runs atomically and in order,
    and each caller gets its own answer or error, exactly as if it had sent it alone; a caller
    cancelled while queued sends nothing.
    """

    def __init__(self, redis: Redis, names: tuple[str, ...]) -> None:
        self._redis = redis
        self._names = names
        self._shas: dict[str, str] = {}
        self._busy = False  # a round trip of this runner is in flight
        self._queued: list[_Queued] = []
        self._drainer: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def load(self) -> None:
        for name in self._names:
            self._shas[name] = await self._redis.script_load(ALL_SCRIPTS[name])

    async def run(self, name: str, keys: list[str], args: list[Any]) -> Any:
        if name not in self._shas:
            await self.load()
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (a test, a CLI command): start afresh
            self._loop, self._busy, self._queued = loop, False, []
        if self._busy:  # join the next round trip
            future: asyncio.Future[Any] = loop.create_future()
            self._queued.append((name, keys, args, future))
            return await future
        self._busy = True
        try:
            return await self._run_alone(name, keys, args)
        finally:
            self._busy = False
            if self._queued:
                self._busy = True
                self._drainer = asyncio.ensure_future(self._drain())

    async def _run_alone(self, name: str, keys: list[str], args: list[Any]) -> Any:
        try:
            return await self._redis.evalsha(self._shas[name], len(keys), *keys, *args)
        except NoScriptError:
            await self.load()
            return await self._redis.evalsha(self._shas[name], len(keys), *keys, *args)

    async def _drain(self) -> None:
        """Send what queued, one pipeline per round trip, until nothing is left."""
        try:
            while self._queued:
                batch = [call for call in self._queued if not call[3].done()]
                self._queued = []
                if batch:
                    await self._send(batch)
        finally:
            self._busy = False
            self._drainer = None

    async def _send(self, batch: list[_Queued]) -> None:
        try:
            results = await self._pipeline([(name, keys, args) for name, keys, args, _ in batch])
            if any(isinstance(r, NoScriptError) for r in results):  # Redis forgot the scripts
                await self.load()
                again = [i for i, r in enumerate(results) if isinstance(r, NoScriptError)]
                retried = await self._pipeline([batch[i][:3] for i in again])
                for i, result in zip(again, retried, strict=True):
                    results[i] = result
        except BaseException as exc:  # the round trip failed: every caller in it sees why
            for *_, future in batch:
                if future.done():
                    continue
                if isinstance(exc, asyncio.CancelledError):
                    future.cancel()
                else:
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for (*_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)

    async def _pipeline(self, calls: list[tuple[str, list[str], list[Any]]]) -> list[Any]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for name, keys, args in calls:
                pipe.evalsha(self._shas[name], len(keys), *keys, *args)
            return list(await pipe.execute(raise_on_error=False))

    async def run_many(self, name: str, calls: list[tuple[list[str], list[Any]]]) -> list[Any]:
        """Run one script for many (keys, args) in a single round trip (a pipeline)."""
        if name not in self._shas:
            await self.load()
        for attempt in (1, 2):
            async with self._redis.pipeline(transaction=False) as pipe:
                for keys, args in calls:
                    pipe.evalsha(self._shas[name], len(keys), *keys, *args)
                try:
                    return list(await pipe.execute())
                except NoScriptError:
                    if attempt == 2:
                        raise
                    await self.load()
        raise AssertionError("unreachable")
