"""Per-project rules the request path applies, cached so a request costs no database trip.

A project's allowed models, budget and rate limits are read once and kept for ``ttl_s``
seconds; an administrator's change on this replica drops the entry at once, and other
replicas see it within ``ttl_s``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from labgate.quota import BudgetPolicy, RateLimits, tokens_to_units
from labgate.store.tenancy import Project


@dataclass(frozen=True, slots=True)
class ProjectPolicy:
    project_id: str
    lab_id: str
    allowed_models: frozenset[str] | None
    budget: BudgetPolicy
    rate_limits: RateLimits
    # a budget or a per-minute limit to hold a request to: without either, admission has
    # nothing to check or reserve and settling nothing to charge, so neither is made
    limited: bool = True

    def allows(self, model: str) -> bool:
        return self.allowed_models is None or model in self.allowed_models


UNLIMITED = RateLimits(None, None, None, None)


class ProjectPolicies:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        ttl_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessions = sessions
        self.ttl_s = ttl_s
        self._clock = clock
        self._cache: dict[str, tuple[float, ProjectPolicy | None]] = {}

    def forget(self, project_id: str | None = None) -> None:
        if project_id is None:
            self._cache.clear()
        else:
            self._cache.pop(project_id, None)

    async def get(self, project_id: str) -> ProjectPolicy | None:
        now = self._clock()
        hit = self._cache.get(project_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        async with self.sessions() as s:
            row = await s.get(Project, project_id)
        policy = None if row is None else _policy(row)
        self._cache[project_id] = (now + self.ttl_s, policy)
        return policy


def _policy(row: Project) -> ProjectPolicy:
    budget = BudgetPolicy(
        limit=None if row.budget_tokens is None else tokens_to_units(row.budget_tokens),
        period=row.budget_period or "month",
    )
    limits = RateLimits(
        user_rpm=row.user_rpm_limit,
        user_tpm=row.user_tpm_limit,
        project_rpm=row.rpm_limit,
        project_tpm=row.tpm_limit,
    )
    return ProjectPolicy(
        project_id=row.id,
        lab_id=row.lab_id,
        allowed_models=None if row.allowed_models is None else frozenset(row.allowed_models),
        budget=budget,
        rate_limits=limits,
        limited=budget.limit is not None or limits != UNLIMITED,
    )
