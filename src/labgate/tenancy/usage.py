"""Usage reports: requests and tokens per lab, project, user or model over a time range.

One GROUP BY over ``usage_events``, filtered by time and by what the caller may see. Every
filter the reports use has an index whose leading column is the filter and whose second is
``at``: ``(lab_id, at)``, ``(project_id, at)``, ``(user_id, at)``, ``(model, at)``, and for an
unfiltered range ``(at)`` (:mod:`labgate.tenancy.models`), so a report reads the rows of its
range and never scans the table. ``tests/tenancy/test_usage_plans.py`` checks the plans on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from sqlalchemy import ColumnElement, Label, Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from labgate.store.tenancy import Lab, Project, UsageEvent, User

GroupBy = Literal["lab", "project", "user", "model"]
GROUP_BY_CHOICES: tuple[str, ...] = get_args(GroupBy)

_GROUP_COLUMNS = {
    "lab": UsageEvent.lab_id,
    "project": UsageEvent.project_id,
    "user": UsageEvent.user_id,
    "model": UsageEvent.model,
}


@dataclass(frozen=True, slots=True)
class UsageQuery:
    """What to report: grouped by ``group_by`` over ``[since, until)``, optionally narrowed
    to one lab, project, user or model."""

    group_by: GroupBy
    since: datetime
    until: datetime
    lab: str | None = None
    project: str | None = None
    user: str | None = None
    model: str | None = None


@dataclass(frozen=True, slots=True)
class UsageTotals:
    """Sums over a set of requests; ``errors`` counts those answered with status ≥ 400."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    weighted_tokens: float = 0.0
    errors: int = 0

    def plus(self, other: UsageTotals) -> UsageTotals:
        return UsageTotals(
            self.requests + other.requests,
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.reasoning_tokens + other.reasoning_tokens,
            self.weighted_tokens + other.weighted_tokens,
            self.errors + other.errors,
        )


@dataclass(frozen=True, slots=True)
class UsageRow:
    """One group: its key (the lab, project or user id, or the model) and a readable name."""

    key: str | None
    name: str | None
    totals: UsageTotals


@dataclass(frozen=True, slots=True)
class UsageReport:
    group_by: GroupBy
    since: datetime
    until: datetime
    rows: tuple[UsageRow, ...]
    totals: UsageTotals = field(default_factory=UsageTotals)


def report_statement(
    query: UsageQuery, visible: ColumnElement[bool] | None = None, *, by_label: bool = False
) -> Select:
    """The GROUP BY for ``query``; ``visible`` limits it to the rows the caller may see;
    ``by_label`` splits each group by the rows' label and model (for the reader's clearance)."""
    e = UsageEvent
    column = _GROUP_COLUMNS[query.group_by]
    keys: list[Label[Any]] = [column.label("key")]
    if by_label:
        keys += [e.label.label("label"), e.model.label("model_name")]
    stmt = (
        select(
            *keys,
            func.count().label("requests"),
            func.coalesce(func.sum(e.prompt_tokens), 0).label("prompt_tokens"),
            func.coalesce(func.sum(e.completion_tokens), 0).label("completion_tokens"),
            func.coalesce(func.sum(e.reasoning_tokens), 0).label("reasoning_tokens"),
            func.coalesce(func.sum(e.weighted_tokens), 0.0).label("weighted_tokens"),
            func.coalesce(func.sum(case((e.status >= 400, 1), else_=0)), 0).label("errors"),
        )
        .where(e.at >= _utc(query.since), e.at < _utc(query.until))
        .group_by(*([column, e.label, e.model] if by_label else [column]))
    )
    for value, col in (
        (query.lab, e.lab_id),
        (query.project, e.project_id),
        (query.user, e.user_id),
        (query.model, e.model),
    ):
        if value is not None:
            stmt = stmt.where(col == value)
    if visible is not None:
        stmt = stmt.where(visible)
    return stmt


async def run_report(
    session: AsyncSession,
    query: UsageQuery,
    visible: ColumnElement[bool] | None = None,
    may_read: Callable[[str | None, str], bool] | None = None,
) -> UsageReport:
    """Run the report; groups come largest (by weighted tokens) first.

    ``may_read(label, model)``: whether the reader may see a request at ``label`` on ``model``
    (no read-up: their clearance dominates the label and the model's accreditation). Each group
    is then summed in SQL per label and model, and only what the reader may see is added up, so
    a report, its totals and its CSV say nothing of work or models above their clearance."""
    result = await session.execute(report_statement(query, visible, by_label=may_read is not None))
    sums: dict[str | None, UsageTotals] = {}
    for row in result:
        if may_read is not None and not may_read(row.label, row.model_name):
            continue
        totals = UsageTotals(
            int(row.requests),
            int(row.prompt_tokens),
            int(row.completion_tokens),
            int(row.reasoning_tokens),
            float(row.weighted_tokens),
            int(row.errors),
        )
        seen = sums.get(row.key)
        sums[row.key] = totals if seen is None else seen.plus(totals)
    groups = list(sums.items())
    names = await _names(session, query.group_by, [k for k, _ in groups if k is not None])
    groups.sort(key=lambda g: (-g[1].weighted_tokens, -g[1].requests, g[0] or ""))
    total = UsageTotals()
    rows = []
    for key, totals in groups:
        total = total.plus(totals)
        rows.append(UsageRow(key, names.get(key) if key is not None else None, totals))
    return UsageReport(query.group_by, query.since, query.until, tuple(rows), total)


async def _names(session: AsyncSession, group_by: str, keys: list[str]) -> dict[str, str]:
    """Readable names for the groups: lab and project names, usernames."""
    if not keys:
        return {}
    if group_by == "lab":
        stmt = select(Lab.id, Lab.name).where(Lab.id.in_(keys))
    elif group_by == "project":
        stmt = select(Project.id, Project.name).where(Project.id.in_(keys))
    elif group_by == "user":
        stmt = select(User.id, User.lab_id + "/" + User.username).where(User.id.in_(keys))
    else:
        return {}
    return {k: n for k, n in (await session.execute(stmt)).all()}


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
