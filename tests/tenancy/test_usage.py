"""Usage reports: the numbers equal the rows inserted, each caller sees only their part, and
the JSON and CSV shapes."""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from labgate.store.tenancy import UsageEvent
from labgate.tenancy import InvalidInput, TenancyService, UsageQuery, time_range
from labgate.tenancy.report_format import TOTAL_FIELDS, report_csv, report_json
from labgate.tenancy.usage import GroupBy
from tests.tenancy.conftest import World

pytestmark = pytest.mark.store

SINCE = datetime(2026, 10, 1, tzinfo=UTC)
UNTIL = datetime(2026, 11, 1, tzinfo=UTC)
FIELD_OF = {"lab": "lab_id", "project": "project_id", "user": "user_id", "model": "model"}


def make_rows(world: World, n: int = 300, seed: int = 7) -> list[dict[str, Any]]:
    """Random usage from the world's users, a tenth of it outside [SINCE, UNTIL)."""
    rnd = random.Random(seed)
    who = [
        (world.alice.id, "ornl", "CHM1"),
        (world.lena.id, "ornl", "CHM1"),
        (world.carol.id, "anl", "ANL1"),
        (world.carol.id, "anl", "CHM1"),  # a member from another lab, charged to ornl's project
        (world.bob.id, "ornl", None),
    ]
    rows = []
    for i in range(n):
        user, lab, project = rnd.choice(who)
        offset = rnd.uniform(-3, 33) * 86400  # some before SINCE, some after UNTIL
        prompt, completion = rnd.randint(1, 500), rnd.randint(0, 800)
        reasoning = rnd.randint(0, completion)
        rows.append(
            {
                "request_id": f"req_{i}",
                "at": SINCE + timedelta(seconds=offset),
                "user_id": user,
                "lab_id": lab,
                "project_id": project,
                "model": rnd.choice(["o1", "o1-mini", "fake"]),
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "reasoning_tokens": reasoning,
                "weighted_tokens": prompt * 0.5 + completion * 1.5,
                "status": rnd.choice([200] * 9 + [429, 502]),
                "outcome": "ok",
                "duration_ms": 10.0,
            }
        )
    return rows


def expected(rows: list[dict[str, Any]], group_by: str, keep: Any = None) -> dict[Any, dict]:
    """The report computed in Python from the rows themselves."""
    sums: dict[Any, dict[str, float]] = defaultdict(lambda: dict.fromkeys(TOTAL_FIELDS, 0))
    for r in rows:
        if not (SINCE <= r["at"] < UNTIL) or (keep is not None and not keep(r)):
            continue
        g = sums[r[FIELD_OF[group_by]]]
        g["requests"] += 1
        for f in ("prompt_tokens", "completion_tokens", "reasoning_tokens", "weighted_tokens"):
            g[f] += r[f]
        g["errors"] += r["status"] >= 400
    return dict(sums)


def by_key(report_rows: list[dict[str, Any]], group_by: str) -> dict[Any, dict]:
    return {r[group_by]: {f: r[f] for f in TOTAL_FIELDS} for r in report_rows}


def assert_matches(got: dict[Any, dict], want: dict[Any, dict]) -> None:
    assert got.keys() == want.keys()
    for key, sums in want.items():
        for f in TOTAL_FIELDS:
            assert got[key][f] == pytest.approx(sums[f]), (key, f)


@pytest.fixture
async def rows(world: World, sessions: async_sessionmaker[AsyncSession]) -> list[dict]:
    made = make_rows(world)
    async with sessions.begin() as s:
        await s.execute(insert(UsageEvent), made)
    return made


@pytest.mark.parametrize("group_by", ["lab", "project", "user", "model"])
async def test_report_numbers_equal_the_rows_inserted(
    service: TenancyService, world: World, rows: list[dict], group_by: GroupBy
) -> None:
    report = await service.usage_report(world.root, UsageQuery(group_by, SINCE, UNTIL))
    data = report_json(report)
    want = expected(rows, group_by)
    assert_matches(by_key(data["rows"], group_by), want)
    in_range = [r for r in rows if SINCE <= r["at"] < UNTIL]
    assert data["totals"]["requests"] == len(in_range)
    assert data["totals"]["prompt_tokens"] == sum(r["prompt_tokens"] for r in in_range)
    assert data["totals"]["errors"] == sum(r["status"] >= 400 for r in in_range)
    weights = [r["weighted_tokens"] for r in data["rows"]]
    assert weights == sorted(weights, reverse=True)


async def test_report_filters_narrow(service: TenancyService, world: World, rows: list) -> None:
    query = UsageQuery("model", SINCE, UNTIL, project="CHM1", user="ornl/alice")
    report = report_json(await service.usage_report(world.root, query))
    want = expected(
        rows, "model", lambda r: r["project_id"] == "CHM1" and r["user_id"] == world.alice.id
    )
    assert_matches(by_key(report["rows"], "model"), want)


async def test_names_accompany_keys(service: TenancyService, world: World, rows: list) -> None:
    report = report_json(await service.usage_report(world.root, UsageQuery("user", SINCE, UNTIL)))
    names = {r["user"]: r["name"] for r in report["rows"]}
    assert names[world.alice.id] == "ornl/alice" and names[world.carol.id] == "anl/carol"
    labs = report_json(await service.usage_report(world.root, UsageQuery("lab", SINCE, UNTIL)))
    assert {r["lab"]: r["name"] for r in labs["rows"]} == {"ornl": "ORNL", "anl": "ANL"}


async def test_each_role_sees_its_part(service: TenancyService, world: World, rows: list) -> None:
    async def seen(principal: Any, group_by: GroupBy = "user") -> dict:
        report = await service.usage_report(principal, UsageQuery(group_by, SINCE, UNTIL))
        return by_key(report_json(report)["rows"], group_by)

    assert_matches(await seen(world.p(world.auditor)), expected(rows, "user"))
    # ornl's admin: ornl's users, and anyone's usage charged to ornl's projects
    assert_matches(
        await seen(world.p(world.ornl_admin)),
        expected(rows, "user", lambda r: r["lab_id"] == "ornl" or r["project_id"] == "CHM1"),
    )
    assert_matches(
        await seen(world.p(world.lena)),
        expected(
            rows, "user", lambda r: r["project_id"] == "CHM1" or r["user_id"] == world.lena.id
        ),
    )
    assert_matches(
        await seen(world.p(world.bob), "project"),
        expected(rows, "project", lambda r: r["user_id"] == world.bob.id),
    )
    assert_matches(
        await seen(world.p(world.anl_admin), "project"),
        expected(rows, "project", lambda r: r["lab_id"] == "anl" or r["project_id"] == "ANL1"),
    )


async def test_csv_has_a_header_rows_and_a_total(
    service: TenancyService, world: World, rows: list
) -> None:
    report = await service.usage_report(world.root, UsageQuery("project", SINCE, UNTIL))
    table = list(csv.reader(io.StringIO(report_csv(report))))
    assert table[0] == ["project", "name", *TOTAL_FIELDS]
    assert table[-1][0] == "(total)"
    body = table[1:-1]
    assert {r[0] for r in body} == {"CHM1", "ANL1", "(none)"}  # bob's requests had no project
    want = expected(rows, "project")
    for line in body:
        key = None if line[0] == "(none)" else line[0]
        assert int(line[2]) == want[key]["requests"]
        assert float(line[6]) == pytest.approx(want[key]["weighted_tokens"])
    assert int(table[-1][2]) == sum(int(r[2]) for r in body)


async def test_an_empty_range_reports_zero(service: TenancyService, world: World) -> None:
    report = report_json(await service.usage_report(world.root, UsageQuery("lab", SINCE, UNTIL)))
    assert report["rows"] == [] and report["totals"]["requests"] == 0
    assert report["since"] == SINCE.isoformat() and report["until"] == UNTIL.isoformat()


def test_time_ranges() -> None:
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert time_range(None, None, now) == (now - timedelta(days=30), now)
    assert time_range("7d", "now", now) == (now - timedelta(days=7), now)
    assert time_range("2026-11-01", "2026-11-02T06:00:00+02:00", now) == (
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 11, 2, 4, tzinfo=UTC),
    )
    assert time_range("2026-11-20T10:00:00Z", None, now)[0] == datetime(
        2026, 11, 20, 10, tzinfo=UTC
    )
    with pytest.raises(InvalidInput, match="cannot read the time"):
        time_range("last tuesday", None, now)
    with pytest.raises(InvalidInput, match="range is empty"):
        time_range("now", "1d", now)
