"""Requests-per-minute and tokens-per-minute limits per user and per project.

Both backends use the generic cell rate algorithm (GCRA) over a one-minute window: each limited
counter is one number, its *theoretical arrival time* (TAT). A limit of ``N`` per minute spends
``60/N`` seconds of TAT per unit; a request costing ``c`` units is admitted when
``max(TAT, now) + c·60/N - now <= 60 s``. So an idle counter admits a burst of up to ``N`` at
once, then ``N`` per minute at a steady rate: the same admissions as a sliding one-minute
window, with no per-request log to keep.

A request is checked against all its limits at once and admitted only if every one admits it;
nothing is recorded when one refuses. Tokens are counted at admission as the request's worst
case (prompt plus ``max_tokens``), as OpenAI counts them.

:class:`InMemoryRateLimiter` is for one process. With several replicas and no Redis, each
replica applies the limits on its own, so a user may get up to (replicas × limit) per minute;
budgets stay global through the database. :class:`~labgate.quota.redis_ratelimit.
RedisRateLimiter` makes the limits global.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Literal

from labgate.quota.errors import RateLimited
from labgate.quota.service import Clock

WINDOW_S = 60.0
TOLERANCE_S = 1e-3
"""Slack for float rounding: N requests of 60/N seconds each must fit a minute exactly."""
Scope = Literal["user", "project"]
Metric = Literal["requests", "tokens"]


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Per-minute limits that apply to one request; ``None`` means unlimited."""

    user_rpm: int | None = None
    user_tpm: int | None = None
    project_rpm: int | None = None
    project_tpm: int | None = None


@dataclass(frozen=True, slots=True)
class LimitCheck:
    """One limited counter a request touches, and what the request costs it."""

    scope: Scope
    subject: str
    metric: Metric
    limit: int
    cost: int

    @property
    def name(self) -> str:
        return f"{self.scope}:{self.metric}:{self.subject}"


def applicable_checks(
    user_id: str, project_id: str, tokens: int, limits: RateLimits
) -> list[LimitCheck]:
    """The counters a request must pass, skipping unlimited ones and zero costs."""
    if tokens < 0:
        raise ValueError(f"a token count cannot be negative, got {tokens}")
    candidates: list[tuple[Scope, str, Metric, int | None, int]] = [
        ("user", user_id, "requests", limits.user_rpm, 1),
        ("user", user_id, "tokens", limits.user_tpm, tokens),
        ("project", project_id, "requests", limits.project_rpm, 1),
        ("project", project_id, "tokens", limits.project_tpm, tokens),
    ]
    return [
        LimitCheck(scope, subject, metric, limit, cost)
        for scope, subject, metric, limit, cost in candidates
        if limit is not None and cost > 0
    ]


def refusal(check: LimitCheck, retry_after_s: float) -> RateLimited:
    return RateLimited(
        check.scope,
        check.subject,
        check.metric,
        check.limit,
        retry_after_s,
        requested=check.cost,
    )


def never_admissible(checks: list[LimitCheck]) -> LimitCheck | None:
    """The first check whose cost alone exceeds its limit (no wait would help)."""
    return next((c for c in checks if c.cost > c.limit), None)


@dataclass(frozen=True, slots=True)
class RatePlan:
    """A request's rate-limit checks as a Redis script takes them: one key and a (limit, cost)
    pair per check. The Redis budget runs it in the same script as the reservation."""

    checks: list[LimitCheck]
    keys: list[str]
    args: list[int]

    def refusal(self, index: int, wait_ms: int) -> RateLimited:
        """The error for check ``index`` (1-based), as the script reported it."""
        return refusal(self.checks[index - 1], WINDOW_S if wait_ms < 0 else wait_ms / 1000)


class RateLimiter(ABC):
    """Admits a request against its per-minute limits, or raises
    :class:`~labgate.quota.errors.RateLimited` naming the limit hit and when to retry."""

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Prepare connections and scripts."""

    async def close(self) -> None:  # noqa: B027
        """Drop connections."""

    @abstractmethod
    async def admit(self, user_id: str, project_id: str, tokens: int, limits: RateLimits) -> None:
        """Record the request against every applicable limit, or raise ``RateLimited`` and
        record nothing."""


class InMemoryRateLimiter(RateLimiter):
    """GCRA in a dict, for a single process (limits are per replica when there are several)."""

    def __init__(self, *, clock: Clock | None = None, max_counters: int = 100_000) -> None:
        self._clock = clock or time.time
        self._tats: dict[str, float] = {}
        self._max_counters = max_counters
        self._last_pruned = float("-inf")

    async def admit(self, user_id: str, project_id: str, tokens: int, limits: RateLimits) -> None:
        checks = applicable_checks(user_id, project_id, tokens, limits)
        too_big = never_admissible(checks)
        if too_big is not None:
            raise refusal(too_big, WINDOW_S)  # no wait helps; the message says so
        now = self._clock()
        new_tats: list[float] = []
        worst: tuple[float, LimitCheck] | None = None
        for check in checks:
            tat = max(self._tats.get(check.name, now), now)
            new_tat = tat + check.cost * WINDOW_S / check.limit
            wait = new_tat - now - WINDOW_S
            if wait > TOLERANCE_S and (worst is None or wait > worst[0]):
                worst = (wait, check)
            new_tats.append(new_tat)
        if worst is not None:
            raise refusal(worst[1], worst[0])
        for check, new_tat in zip(checks, new_tats, strict=True):
            self._tats[check.name] = new_tat
        if len(self._tats) > self._max_counters and now - self._last_pruned > 1.0:
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        """Drop counters whose TAT has passed: an idle counter and a missing one are equal.

        At most once a second, so a crowd of live counters cannot make every request pay it.
        """
        self._tats = {name: tat for name, tat in self._tats.items() if tat > now}
        self._last_pruned = now
