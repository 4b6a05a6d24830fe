"""Flags on a client's instructions alone are one row per distinct text, counted (issue 21):
on SQLite and the real PostgreSQL, with replicas recording the same new group at once."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from labgate.identity.principal import Principal
from labgate.safety.categories import Action, Category, Stage
from labgate.safety.cli import app
from labgate.safety.decision import Decision
from labgate.safety.flag_decisions import decide
from labgate.safety.flags import (
    FlagContext,
    group_users,
    list_flags,
    record_decision,
    users_seen,
)
from labgate.safety.models import SafetyFlag
from labgate.store.engine import make_engine, make_sessionmaker
from tests.safety.conftest import create_flag_tables

ALICE = Principal(user_id="alice", lab="lanl", project="p-7")
BOB = Principal(user_id="bob", lab="lanl", project="p-7")
OTHER_LAB = Principal(user_id="carol", lab="ornl", project="p-9")
PROMPT = "You are a coding agent. Install Codex skills for the lab's sequencing pipelines."


def on_instructions(prompt: str = PROMPT, action: Action = Action.FLAG) -> Decision:
    return Decision(
        action=action,
        category=Category.CBRN_BIOLOGICAL,
        score=0.971,
        stage=Stage.CLASSIFIER,
        reasons=["tool definitions and instructions: the classifier alone flags them"],
        scores={"cbrn_biological": 0.971},
        instructions_sha256=hashlib.sha256(prompt.encode()).hexdigest(),
    )


async def _record(
    engine: AsyncEngine, decision: Decision, request_id: str, who: Principal = ALICE
) -> SafetyFlag | None:
    async with make_sessionmaker(engine)() as session, session.begin():
        return await record_decision(session, decision, FlagContext(request_id, who, "m", "t"))


async def _exercise(engine: AsyncEngine) -> None:
    sessions = make_sessionmaker(engine)
    for i in range(5):
        await _record(engine, on_instructions(), f"req-{i}", ALICE if i % 2 else BOB)
    changed = PROMPT[:-1] + "!"  # one byte
    await _record(engine, on_instructions(changed), "req-changed")
    await _record(engine, on_instructions(), "req-other-lab", OTHER_LAB)
    # never grouped: a block of the same text, a flag not on instructions alone
    await _record(engine, on_instructions(action=Action.BLOCK), "req-block")
    await _record(engine, on_instructions(action=Action.BLOCK), "req-block-2")
    plain = on_instructions()
    plain.instructions_sha256 = None
    await _record(engine, plain, "req-user-1")
    await _record(engine, plain, "req-user-2")

    async with sessions() as session:
        rows = await list_flags(session)
        by_request = {r.request_id: r for r in rows}
        assert len(rows) == 7, [r.request_id for r in rows]
        group = by_request["req-0"]
        assert (group.seen_count, group.last_request_id, group.status) == (5, "req-4", "open")
        assert group.instructions_sha256 == hashlib.sha256(PROMPT.encode()).hexdigest()
        assert group.last_seen_at is not None and group.last_seen_at >= group.created_at
        assert (await users_seen(session, [group.id])) == {group.id: 2}
        assert {
            (u.user_id, u.seen_count, u.last_request_id)
            for u in await group_users(session, group.id)
        } == {("alice", 2, "req-3"), ("bob", 3, "req-4")}
        for alone in (
            "req-changed",
            "req-other-lab",
            "req-block",
            "req-block-2",
            "req-user-1",
            "req-user-2",
        ):
            assert by_request[alone].seen_count == 1
        assert by_request["req-block"].group_key is None
        assert by_request["req-user-1"].group_key is None
        group_id = group.id

    # dismissed: the same text's repeats count there and stay out of the open queue
    async with sessions() as session, session.begin():
        await decide(session, group_id, reviewer="rev", outcome="dismissed", note="prompt")
    row = await _record(engine, on_instructions(), "req-5", ALICE)
    assert row is not None and row.id == group_id and row.status == "dismissed"
    async with sessions() as session:
        assert group_id not in {r.id for r in await list_flags(session)}
        [dismissed] = await list_flags(session, status="dismissed")
        assert (dismissed.seen_count, dismissed.last_request_id) == (6, "req-5")
    # but one byte more is a new open group
    row = await _record(engine, on_instructions(PROMPT + " "), "req-6", ALICE)
    assert row is not None and row.status == "open" and row.seen_count == 1

    # confirmed stays confirmed, counted
    async with sessions() as session, session.begin():
        await decide(session, row.id, reviewer="rev", outcome="confirmed")
    again = await _record(engine, on_instructions(PROMPT + " "), "req-7", BOB)
    assert again is not None and again.id == row.id
    assert (again.status, again.seen_count) == ("confirmed", 2)


async def test_groups_on_sqlite(sqlite_engine: AsyncEngine) -> None:
    await _exercise(sqlite_engine)


@pytest.mark.postgres
async def test_groups_on_postgres(pg_engine: AsyncEngine) -> None:
    await _exercise(pg_engine)


async def _race(engine: AsyncEngine) -> None:
    """Replicas (here: sessions of their own, at once) recording the same new group."""
    who = [ALICE, BOB]
    await asyncio.gather(
        *(_record(engine, on_instructions(), f"race-{i}", who[i % 2]) for i in range(10))
    )
    async with make_sessionmaker(engine)() as session:
        rows = await list_flags(session, status=None)
        assert len(rows) == 1
        assert rows[0].seen_count == 10
        assert sum(u.seen_count for u in await group_users(session, rows[0].id)) == 10


async def test_a_race_makes_one_row_on_sqlite(sqlite_engine: AsyncEngine) -> None:
    await _race(sqlite_engine)


@pytest.mark.postgres
async def test_a_race_makes_one_row_on_postgres(pg_engine: AsyncEngine) -> None:
    await _race(pg_engine)


def test_the_cli_shows_the_count(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'labgate.db'}"

    async def seed() -> None:
        engine = make_engine(url)
        await create_flag_tables(engine)
        for i in range(3):
            await _record(engine, on_instructions(), f"req-{i}", ALICE if i else BOB)
        await engine.dispose()

    asyncio.run(seed())
    result = CliRunner().invoke(app, ["flags", "--database-url", url], env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    assert "3x 2u" in result.output and "req-2" in result.output
    assert PROMPT not in result.output
