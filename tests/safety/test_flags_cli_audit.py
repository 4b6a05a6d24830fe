"""``labgate safety review`` on a real store (SQLite, and PostgreSQL in the second pass): its
decisions and corrections go to the same audit log as the API's, its reviewer is an existing user
allowed to decide the row (or the operator, said so with --as-operator and recorded as
``cli:<login>``), and a decision without an identifiable reviewer is refused. Also: the history
table's migration keeps the decisions made before it, and goes down again."""

from __future__ import annotations

import asyncio
import os
import pwd
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from labgate.audit.log import AuditLog
from labgate.identity.principal import Principal
from labgate.safety.categories import Action, Category, Stage
from labgate.safety.cli import app
from labgate.safety.decision import Decision
from labgate.safety.flags import FlagContext, record_decision
from labgate.safety.models import SafetyFlag
from labgate.store.engine import make_engine, make_sessionmaker
from labgate.store.migrate import upgrade
from labgate.store.tenancy import Lab, User
from tests.safety.flags_before_history import flags_at_0019

pytestmark = pytest.mark.store

NOTE = "quoted: how to weaponise a nerve agent"
LOGIN = pwd.getpwuid(os.geteuid()).pw_name


def _block() -> Decision:
    return Decision(
        action=Action.BLOCK, category=Category.CBRN_CHEMICAL, score=0.9, stage=Stage.CLASSIFIER
    )


def _seed(url: str) -> int:
    """Labs lanl and anl; users lanl-admin, lanl-admin-2 (lab admins of lanl), anl-admin, a
    platform admin, an auditor, a disabled lab admin; one block on alice's request in lanl."""

    async def run() -> int:
        engine = make_engine(url)
        try:
            await upgrade(engine)
            now = datetime.now(UTC)
            async with make_sessionmaker(engine)() as s, s.begin():
                for lab in ("lanl", "anl"):
                    s.add(Lab(id=lab, name=lab, created_at=now))
                await s.flush()
                for uid, lab, roles, disabled in (
                    ("lanl-admin", "lanl", ["lab_admin"], False),
                    ("lanl-admin-2", "lanl", ["lab_admin"], False),
                    ("anl-admin", "anl", ["lab_admin"], False),
                    ("platform", "anl", ["platform_admin"], False),
                    ("auditor", "lanl", ["auditor"], False),
                    ("gone-admin", "lanl", ["lab_admin"], True),
                    ("alice", "lanl", ["lab_admin"], False),
                ):
                    s.add(
                        User(
                            id=uid,
                            lab_id=lab,
                            username=uid,
                            roles=roles,
                            disabled=disabled,
                            created_at=now,
                        )
                    )
                who = Principal(user_id="alice", lab="lanl", project="p")
                row = await record_decision(s, _block(), FlagContext("req-1", who, "m", "t"))
                assert row is not None
                return int(row.id)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _records(url: str) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        engine = make_engine(url)
        try:
            async with AuditLog(engine) as log:
                size = await log.size()
                return [orjson.loads((await log.get_record(i)).data) for i in range(size)]
        finally:
            await engine.dispose()

    return [r for r in asyncio.run(run()) if r.get("action", "").startswith("safety.")]


def _flag(url: str, flag_id: int) -> tuple[str, str | None, str | None]:
    async def run() -> tuple[str, str | None, str | None]:
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine)() as s:
                row = await s.get(SafetyFlag, flag_id)
                assert row is not None
                return row.status, row.reviewed_by, row.review_note
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _review(url: str, flag_id: int, *args: str) -> Any:
    return CliRunner().invoke(
        app, ["review", str(flag_id), "--database-url", url, *args], env={"COLUMNS": "200"}
    )


def _out(result: Any) -> str:
    return " ".join(result.output.split())


def test_a_cli_decision_by_a_named_user_is_audited_as_the_apis(database_url: str) -> None:
    flag_id = _seed(database_url)
    r = _review(
        database_url, flag_id, "--outcome", "dismissed", "--reviewer", "lanl-admin", "--note", NOTE
    )
    assert r.exit_code == 0, r.output
    assert _flag(database_url, flag_id) == ("dismissed", "lanl-admin", NOTE)
    [record] = _records(database_url)
    assert (record["action"], record["target"], record["user"]) == (
        "safety.review",
        f"safety_flag:{flag_id}",
        "lanl-admin",
    )
    details = record["details"]
    assert (details["status"], details["via"], details["operator"]) == (
        "dismissed",
        "cli",
        f"cli:{LOGIN}",
    )
    assert details["note_chars"] == len(NOTE) and details["supersedes"] is None
    assert "nerve agent" not in orjson.dumps(record).decode()


@pytest.mark.parametrize(
    "reviewer",
    ["nobody-by-that-name", "auditor", "anl-admin", "gone-admin", "", "lanl-admin\x00"],
    ids=["unknown", "auditor", "other-lab", "disabled", "empty", "nul"],
)
def test_a_reviewer_who_is_no_user_allowed_to_decide_is_refused(
    database_url: str, reviewer: str
) -> None:
    flag_id = _seed(database_url)
    r = _review(database_url, flag_id, "--outcome", "dismissed", "--reviewer", reviewer)
    assert r.exit_code in (1, 2), r.output
    assert "Traceback" not in r.output
    assert _flag(database_url, flag_id) == ("open", None, None)
    assert _records(database_url) == []


def test_a_decision_without_a_reviewer_is_refused(database_url: str) -> None:
    flag_id = _seed(database_url)
    none = _review(database_url, flag_id, "--outcome", "dismissed")
    assert none.exit_code == 2 and "--reviewer" in _out(none), none.output
    both = _review(
        database_url, flag_id, "--outcome", "dismissed", "--reviewer", "lanl-admin", "--as-operator"
    )
    assert both.exit_code == 2, both.output
    assert _flag(database_url, flag_id) == ("open", None, None)
    assert _records(database_url) == []


def test_the_operator_decides_as_themself_recorded_as_such(database_url: str) -> None:
    flag_id = _seed(database_url)
    r = _review(database_url, flag_id, "--outcome", "confirmed", "--as-operator")
    assert r.exit_code == 0, r.output
    assert _flag(database_url, flag_id)[:2] == ("confirmed", f"cli:{LOGIN}")
    [record] = _records(database_url)
    assert (record["user"], record["auth_method"]) == (f"cli:{LOGIN}", "cli")
    assert record["details"]["via"] == "cli"


def test_the_subject_does_not_decide_from_the_cli_either(database_url: str) -> None:
    flag_id = _seed(database_url)
    r = _review(database_url, flag_id, "--outcome", "dismissed", "--reviewer", "alice")
    assert r.exit_code == 1 and "your own requests" in _out(r)
    assert _flag(database_url, flag_id) == ("open", None, None)


def test_cli_corrections_need_a_reason_and_a_second_person(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second person: another user id, and at the shell another login (the operator who
    decided does not correct as another user id)."""
    from labgate.safety import cli

    flag_id = _seed(database_url)
    first = _review(
        database_url, flag_id, "--outcome", "dismissed", "--reviewer", "lanl-admin", "--note", NOTE
    )
    assert first.exit_code == 0, first.output
    [decided] = _records(database_url)
    decision = str(decided["details"]["decision_id"])
    again = _review(database_url, flag_id, "--outcome", "confirmed", "--reviewer", "lanl-admin-2")
    assert again.exit_code == 1 and "already dismissed" in _out(again)
    no_reason = _review(
        database_url,
        flag_id,
        "--outcome",
        "confirmed",
        "--reviewer",
        "lanl-admin-2",
        "--supersedes",
        decision,
    )
    assert no_reason.exit_code == 2 and "reason" in _out(no_reason), no_reason.output
    own = _review(
        database_url,
        flag_id,
        "--outcome",
        "confirmed",
        "--reviewer",
        "lanl-admin",
        "--supersedes",
        decision,
        "--note",
        "changed my mind",
    )
    assert own.exit_code == 1 and "another reviewer" in _out(own), own.output
    assert _flag(database_url, flag_id)[0] == "dismissed"
    # the same login as another user id: the same person, refused
    same_login = _review(
        database_url,
        flag_id,
        "--outcome",
        "confirmed",
        "--reviewer",
        "platform",
        "--supersedes",
        decision,
        "--note",
        "a real threat",
    )
    assert same_login.exit_code == 1 and "another reviewer" in _out(same_login)
    assert _flag(database_url, flag_id)[0] == "dismissed"
    monkeypatch.setattr(cli, "_login", lambda: "second-operator")
    fixed = _review(
        database_url,
        flag_id,
        "--outcome",
        "confirmed",
        "--reviewer",
        "platform",
        "--supersedes",
        decision,
        "--note",
        "a real threat",
    )
    assert fixed.exit_code == 0, fixed.output
    assert _flag(database_url, flag_id) == ("confirmed", "platform", "a real threat")
    first_record, correction = _records(database_url)
    assert correction["details"]["supersedes"] == int(decision)
    assert correction["details"]["superseded_status"] == "dismissed"
    assert (first_record["details"]["operator"], correction["details"]["operator"]) == (
        f"cli:{LOGIN}",
        "cli:second-operator",
    )
    monkeypatch.setattr(cli, "_login", lambda: "third-operator")
    stale = _review(
        database_url,
        flag_id,
        "--outcome",
        "dismissed",
        "--reviewer",
        "lanl-admin-2",
        "--supersedes",
        decision,
        "--note",
        "stale",
    )
    assert stale.exit_code == 1 and "superseded" in _out(stale), stale.output


async def test_the_history_migration_keeps_earlier_decisions_and_goes_down(
    database_url: str,
) -> None:
    from tests.test_migrations import downgrade

    engine = make_engine(database_url)
    when = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    try:
        await flags_at_0019(
            engine,
            when,
            [
                (1, "open", None, None, None),
                (2, "dismissed", "bob", when, "old note"),
                (3, "confirmed", None, None, None),
            ],
        )
        await upgrade(engine)
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT flag_id, status, reviewed_by, note, supersedes "
                        "FROM safety_flag_decisions ORDER BY flag_id"
                    )
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            (2, "dismissed", "bob", "old note", None),
            (3, "confirmed", "unknown", None, None),
        ]
        async with make_sessionmaker(engine)() as s:
            from labgate.safety.models import SafetyFlagDecision

            first = (
                await s.execute(select(SafetyFlagDecision).where(SafetyFlagDecision.flag_id == 2))
            ).scalar_one()
            assert first.decided_at == when
        await downgrade(engine, "0019")
        async with engine.connect() as conn:
            kept = (
                await conn.execute(
                    text("SELECT id, status, reviewed_by FROM safety_flags ORDER BY id")
                )
            ).all()
        assert [tuple(r) for r in kept] == [
            (1, "open", None),
            (2, "dismissed", "bob"),
            (3, "confirmed", None),
        ]
    finally:
        await engine.dispose()
