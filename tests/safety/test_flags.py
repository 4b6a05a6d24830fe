"""Flagged decisions persisted for reviewers, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from labgate.identity.principal import Principal
from labgate.safety.categories import Action, Category, Stage
from labgate.safety.cli import app
from labgate.safety.decision import Decision
from labgate.safety.flag_decisions import FlagNotFound, decide
from labgate.safety.flags import FlagContext, list_flags, record_decision
from labgate.store.engine import make_engine, make_sessionmaker
from tests.safety.conftest import create_flag_tables

PROMPT = "a prompt that must never be stored in clear"
ALICE = Principal(user_id="alice", lab="lanl", project="p-7")


def blocked(category: Category = Category.CBRN_NUCLEAR, score: float = 0.91) -> Decision:
    return Decision(
        action=Action.BLOCK,
        category=category,
        score=score,
        stage=Stage.CLASSIFIER,
        reasons=["r"],
        scores={category.value: score},
    )


async def _exercise(engine: AsyncEngine) -> None:
    sessions = make_sessionmaker(engine)
    async with sessions() as session, session.begin():
        row = await record_decision(session, blocked(), FlagContext("req-1", ALICE, "r1", PROMPT))
        assert row is not None
        assert (
            await record_decision(
                session, Decision.allow(), FlagContext("req-2", ALICE, "r1", "fine")
            )
            is None
        )
        await record_decision(
            session,
            Decision(action=Action.FLAG, category=Category.JAILBREAK, score=0.6),
            FlagContext("req-3", ALICE, "r1", "x"),
        )
        first_id = row.id

    async with sessions() as session:
        open_flags = await list_flags(session)
        assert [f.request_id for f in open_flags] == ["req-3", "req-1"]
        only_nuclear = await list_flags(session, category="cbrn_nuclear")
        assert [f.request_id for f in only_nuclear] == ["req-1"]
        flag = only_nuclear[0]
        assert (flag.user_id, flag.lab, flag.project) == ("alice", "lanl", "p-7")
        assert flag.action == "block" and flag.stage == "classifier"
        assert flag.decision["scores"] == {"cbrn_nuclear": 0.91}
        assert flag.text_sha256 == hashlib.sha256(PROMPT.encode()).hexdigest()
        assert flag.text_chars == len(PROMPT)

    async with sessions() as session, session.begin():
        await decide(session, first_id, reviewer="bob", outcome="dismissed", note="ok")
    async with sessions() as session:
        assert [f.request_id for f in await list_flags(session)] == ["req-3"]
        [done] = await list_flags(session, status="dismissed")
        assert done.reviewed_by == "bob" and done.reviewed_at is not None
        with pytest.raises(FlagNotFound):
            await decide(session, 10_000, reviewer="bob", outcome="confirmed")

    # The prompt itself is nowhere in the table.
    async with engine.connect() as conn:
        dump = " ".join(str(r) for r in (await conn.execute(text("SELECT * FROM safety_flags"))))
    assert PROMPT not in dump


async def test_flags_persist_on_sqlite(sqlite_engine: AsyncEngine) -> None:
    await _exercise(sqlite_engine)


@pytest.mark.postgres
async def test_flags_persist_on_postgres(pg_engine: AsyncEngine) -> None:
    await _exercise(pg_engine)


async def test_allowance_use_is_recorded_even_when_allowed(sqlite_engine: AsyncEngine) -> None:
    decision = Decision(
        action=Action.ALLOW,
        category=Category.CBRN_NUCLEAR,
        score=0.8,
        allowances_used=[
            {"label": "NUC", "category": "cbrn_nuclear", "from": "block", "to": "allow"}
        ],
    )
    async with make_sessionmaker(sqlite_engine)() as session, session.begin():
        row = await record_decision(session, decision, FlagContext("req-9", ALICE))
    assert row is not None and row.decision["allowances_used"][0]["label"] == "NUC"


def test_flags_cli_lists_for_reviewers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'labgate.db'}"

    async def seed() -> None:
        engine = make_engine(url)
        await create_flag_tables(engine)
        async with make_sessionmaker(engine)() as session, session.begin():
            await record_decision(session, blocked(), FlagContext("req-cli", ALICE, "r1", PROMPT))
        await engine.dispose()

    asyncio.run(seed())
    result = CliRunner().invoke(app, ["flags", "--database-url", url], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "req-cli" in result.output and "cbrn_nuclear" in result.output
    assert PROMPT not in result.output

    bad = CliRunner().invoke(app, ["flags", "--status", "weird", "--database-url", url])
    assert bad.exit_code == 2


def test_flags_cli_explains_a_missing_schema(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(
        app, ["flags", "--database-url", f"sqlite:///{tmp_path / 'empty.db'}"]
    )
    assert result.exit_code == 1
    assert "labgate db upgrade" in " ".join(result.output.split())


def _seed_cli_db(tmp_path, *decisions: tuple[Decision, str, Principal]) -> str:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'labgate.db'}"

    async def seed() -> None:
        engine = make_engine(url)
        await create_flag_tables(engine)
        for decision, request_id, who in decisions:
            async with make_sessionmaker(engine)() as session, session.begin():
                await record_decision(session, decision, FlagContext(request_id, who, "r1", PROMPT))
        await engine.dispose()

    asyncio.run(seed())
    return url


def test_the_cli_decides_once_as_the_api_does(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A second decision is refused (before, it overwrote the first decision; a decided flag
    changes only by a correction, tests/safety/test_flags_cli_audit.py), and so is a reviewer
    deciding a flag on their own request. The reviewers are users of the store (a free-text
    --reviewer is refused since the CLI's decisions are audited)."""
    from tests.safety.test_flags_cli_audit import _seed

    url = f"sqlite:///{tmp_path / 'labgate.db'}"
    flag_id = _seed(url)  # alice's request; lanl-admin and lanl-admin-2 decide lanl's flags
    runner = CliRunner()
    base = ["review", str(flag_id), "--database-url", url]
    own = runner.invoke(app, [*base, "--outcome", "dismissed", "--reviewer", "alice"])
    assert own.exit_code == 1 and "your own requests" in " ".join(own.output.split())
    first = runner.invoke(app, [*base, "--outcome", "confirmed", "--reviewer", "lanl-admin"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, [*base, "--outcome", "dismissed", "--reviewer", "lanl-admin-2"])
    assert again.exit_code == 1, again.output
    assert "already confirmed (by lanl-admin" in " ".join(again.output.split())
    long_note = runner.invoke(
        app, [*base, "--outcome", "dismissed", "--reviewer", "lanl-admin-2", "--note", "x" * 2001]
    )
    assert long_note.exit_code == 2
    listed = runner.invoke(
        app, ["flags", "--status", "confirmed", "--database-url", url], env={"COLUMNS": "200"}
    )
    assert "req-1" in listed.output


async def test_the_queue_orders_by_activity_or_most_seen(sqlite_engine: AsyncEngine) -> None:
    sessions = make_sessionmaker(sqlite_engine)
    grouped = Decision(
        action=Action.FLAG, category=Category.JAILBREAK, score=0.6, instructions_sha256="cd" * 32
    )
    plain = Decision(action=Action.FLAG, category=Category.JAILBREAK, score=0.6)
    for request_id, decision in (("g-1", grouped), ("g-2", grouped), ("p-1", plain)):
        async with sessions() as session, session.begin():
            await record_decision(session, decision, FlagContext(request_id, ALICE, "r1", "t"))
    async with sessions() as session:
        assert [f.request_id for f in await list_flags(session)] == ["p-1", "g-1"]
        assert [f.request_id for f in await list_flags(session, order="seen")] == ["g-1", "p-1"]
        with pytest.raises(ValueError):
            await list_flags(session, order="oldest")  # type: ignore[arg-type]
    async with sessions() as session, session.begin():
        await record_decision(session, grouped, FlagContext("g-3", ALICE, "r1", "t"))
    async with sessions() as session:
        assert [f.request_id for f in await list_flags(session)] == ["g-1", "p-1"]


def test_the_cli_lists_in_either_order(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = _seed_cli_db(tmp_path, (blocked(), "req-b", ALICE))
    runner = CliRunner()
    for order in ("recent", "seen"):
        r = runner.invoke(
            app, ["flags", "--order", order, "--database-url", url], env={"COLUMNS": "200"}
        )
        assert r.exit_code == 0 and "req-b" in r.output, r.output
    assert runner.invoke(app, ["flags", "--order", "oldest", "--database-url", url]).exit_code == 2
