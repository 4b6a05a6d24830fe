"""The usage reports read their time range through an index, on SQLite and on PostgreSQL.

The planners are asked (EXPLAIN) after the table holds a few thousand rows over a couple of
weeks and statistics are fresh: every report a caller can run, from a platform admin's
unfiltered one to a user's own, must name an index and never scan the whole table.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import ColumnElement, insert, or_, text
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.store.tenancy import UsageEvent
from labgate.tenancy import UsageQuery
from labgate.tenancy.usage import report_statement

pytestmark = pytest.mark.store

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SINCE, UNTIL = T0 + timedelta(days=5), T0 + timedelta(days=6)

E = UsageEvent
CASES: dict[str, tuple[UsageQuery, ColumnElement[bool] | None]] = {
    "platform admin, by model": (UsageQuery("model", SINCE, UNTIL), None),
    "platform admin, by project": (UsageQuery("project", SINCE, UNTIL), None),
    "auditor, one lab by user": (UsageQuery("user", SINCE, UNTIL, lab="l1"), None),
    "lab admin's view": (
        UsageQuery("user", SINCE, UNTIL),
        or_(E.user_id == "u1", E.lab_id == "l1", E.project_id.in_(["p1", "p2"])),
    ),
    "lead's view": (UsageQuery("user", SINCE, UNTIL), or_(E.user_id == "u7", E.project_id == "p7")),
    "user's own usage": (UsageQuery("project", SINCE, UNTIL), E.user_id == "u1"),
    "one model": (UsageQuery("project", SINCE, UNTIL, model="m1"), None),
}


async def _fill(engine: AsyncEngine) -> None:
    rows = [
        {
            "request_id": str(i),
            "at": T0 + timedelta(minutes=4 * i),
            "user_id": f"u{i % 200}",
            "lab_id": f"l{i % 3}",
            "project_id": f"p{i % 50}",
            "model": f"m{i % 4}",
            "prompt_tokens": 10,
            "completion_tokens": 20,
            "reasoning_tokens": 5,
            "weighted_tokens": 30.0,
            "status": 200,
            "outcome": "ok",
            "duration_ms": 1.0,
        }
        for i in range(6000)
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(UsageEvent), rows)
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE"))


async def plan_of(engine: AsyncEngine, query: UsageQuery, visible: Any) -> list[str]:
    sql = str(
        report_statement(query, visible).compile(
            engine.sync_engine, compile_kwargs={"literal_binds": True}
        )
    )
    sqlite = engine.dialect.name == "sqlite"
    async with engine.connect() as conn:
        plan = await conn.execute(text(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + sql))
        return [str(row[-1] if sqlite else row[0]) for row in plan]


def reads_through_an_index(lines: list[str], sqlite: bool) -> bool:
    shown = "\n".join(lines)
    if sqlite:
        whole_table = any(line.startswith("SCAN usage_events") for line in lines)
        return not whole_table and "INDEX ix_usage_" in shown
    return "Seq Scan" not in shown and "ix_usage_" in shown


async def test_every_report_reads_through_an_index(engine: AsyncEngine) -> None:
    await _fill(engine)
    sqlite = engine.dialect.name == "sqlite"
    bad = {}
    for case, (query, visible) in CASES.items():
        lines = await plan_of(engine, query, visible)
        if not reads_through_an_index(lines, sqlite):
            bad[case] = lines
    assert not bad, bad
