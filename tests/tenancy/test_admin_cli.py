"""``labgate admin``: every command through Typer's runner against the pass's database, as an
operator would type it; the audit log and the revocation bus receive what the CLI did."""

from __future__ import annotations

import asyncio
import csv
import io
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import orjson
import pytest
import typer
from click.testing import Result
from sqlalchemy import insert, select
from typer.testing import CliRunner

from labgate.admin_cli import app
from labgate.audit.log import AuditLog
from labgate.audit.models import AUDIT_TABLES
from labgate.identity.principal import Principal, Role
from labgate.quota.models import KEY_EVENTS_TABLE
from labgate.store.base import Base
from labgate.store.engine import make_engine, make_sessionmaker
from labgate.store.tenancy import UsageEvent
from labgate.tenancy import TenancyService
from labgate.tenancy.wiring import operator_hooks

pytestmark = pytest.mark.store


class Cli:
    """Runs ``labgate admin …`` on one database, in a thread (the CLI runs its own loop)."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.database_url = database_url
        self.data_dir = data_dir

    async def __call__(self, *args: str, ok: bool = True) -> Result:
        env: dict[str, str | None] = {
            "LABGATE_DATABASE_URL": self.database_url,
            "LABGATE_DATA_DIR": str(self.data_dir),
            "LABGATE_REDIS_URL": "",
            "LABGATE_CONFIG": "",
        }
        # the test run's own LABGATE_TEST_* variables are no settings of labgate's
        env.update({name: None for name in os.environ if name.startswith("LABGATE_TEST_")})
        result = await asyncio.to_thread(CliRunner().invoke, app, list(args), env=env)
        if ok:
            assert result.exit_code == 0, (result.stdout, result.stderr)
        return result

    async def json(self, *args: str) -> Any:
        return orjson.loads((await self(*args, "--json")).stdout)


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Cli:
    return Cli(database_url, tmp_path / "data")


async def _with_engine(url: str, work: Any) -> Any:
    engine = make_engine(url)
    try:
        return await work(engine)
    finally:
        await engine.dispose()


SECOND = "second-platform-admin"


async def approve_over_the_api(url: str, action_id: str) -> None:
    """A second platform admin (an account with a key, not a CLI login) approves what the
    operator asked for, as ``POST /v1/admin/approvals/{id}/approve`` does."""

    async def work(engine: Any) -> None:
        async with operator_hooks(engine, None, lambda _: None) as hooks:
            service = TenancyService(make_sessionmaker(engine), **hooks)
            second = Principal(SECOND, roles=frozenset({Role.PLATFORM_ADMIN}))
            await service.approve(second, action_id)

    await _with_engine(url, work)


async def test_an_operator_sets_up_a_lab_and_its_project(cli: Cli) -> None:
    out = (await cli("labs", "create", "ornl", "--name", "Oak Ridge")).stdout
    assert "created lab ornl (Oak Ridge)" in out
    await cli("users", "create", "olga", "--lab", "ornl", "--role", "user", "--role", "lab_admin")
    await cli("users", "create", "alice", "--lab", "ornl", "--email", "alice@ornl.gov")
    made = await cli(
        "projects", "create", "CHM1", "--lab", "ornl", "--lead", "ornl/olga", "--model", "fake",
        "--budget-tokens", "5000", "--period", "week", "--user-rpm", "10",
    )  # fmt: skip
    assert "budget 5000 tokens per week" in made.stdout
    await cli("projects", "set-allocation", "CHM1", "--budget-tokens", "9000")
    await cli("projects", "set-limits", "CHM1", "--user-rpm", "0", "--tpm", "100000")
    await cli("projects", "update", "CHM1", "--all-models", "--share", "2")
    [project] = await cli.json("projects", "list", "--lab", "ornl")
    assert project["budget_tokens"] == 9000 and project["budget_period"] == "week"
    assert project["user_rpm_limit"] is None and project["tpm_limit"] == 100000
    assert project["allowed_models"] is None and project["share"] == 2.0

    await cli("members", "add", "CHM1", "alice")
    members = await cli.json("members", "list", "CHM1")
    assert {(m["username"], m["role"]) for m in members} == {("olga", "lead"), ("alice", "member")}
    users = await cli.json("users", "list", "--lab", "ornl")
    olga = next(u for u in users if u["username"] == "olga")
    assert olga["roles"] == ["lab_admin", "project_lead", "user"]

    # a clearance is a grant the operator asks for and a second platform admin approves
    # (issue 28: it used to be set at once); the rest of the change takes effect now
    asked = await cli("users", "update", "ornl/alice", "--clearance", "SECRET", "--disable")
    assert "is pending as request pa_" in asked.stdout
    [alice] = [u for u in await cli.json("users", "list") if u["username"] == "alice"]
    assert alice["disabled"] is True and alice["clearance"] is None
    [grant] = await cli.json("approvals", "list")
    assert grant["kind"] == "grant" and grant["details"]["clearance"] == "SECRET"
    alone = await cli("approvals", "approve", grant["id"], ok=False)
    assert alone.exit_code == 1 and "a different person must approve it" in alone.stderr
    await approve_over_the_api(cli.database_url, grant["id"])
    [alice] = [u for u in await cli.json("users", "list") if u["username"] == "alice"]
    assert alice["clearance"] == "SECRET"
    await cli("users", "update", "ornl/alice", "--no-clearance", "--enable")
    table = (await cli("users", "list")).stdout
    assert "alice" in table and "olga" in table

    labs = await cli.json("labs", "list")
    assert {lab["id"] for lab in labs} >= {"ornl"}


async def test_keys_are_printed_once_listed_without_secrets_and_revoked(cli: Cli) -> None:
    await cli("labs", "create", "anl")
    await cli("users", "create", "carol", "--lab", "anl")
    await cli("projects", "create", "P1", "--lab", "anl")
    refused = await cli("keys", "create", "--user", "carol", "--project", "P1", ok=False)
    assert refused.exit_code == 1 and "not a member of project 'P1'" in refused.stderr
    await cli("members", "add", "P1", "anl/carol")
    made = await cli("keys", "create", "--user", "carol", "--project", "P1", "--name", "hpc")
    key = made.stdout.strip()
    assert key.startswith("lg-") and "\n" not in key  # stdout holds the key alone
    assert "not shown again" in made.stderr
    # carol's key, asked for by the operator, works once a platform admin approves it over the
    # API (issue 28: a key belongs to its holder; it used to be active at once)
    assert "works only once request pa_" in made.stderr
    assert await cli.json("keys", "list", "--project", "P1") == []
    [pending] = await cli.json("approvals", "list")
    await approve_over_the_api(cli.database_url, pending["id"])
    [listed] = await cli.json("keys", "list", "--project", "P1")
    assert listed["name"] == "hpc" and listed["status"] == "active"
    assert key not in orjson.dumps(listed).decode()
    assert key.split("-")[1] == listed["prefix"]

    assert (await cli("keys", "revoke", listed["id"])).stdout.strip() == f"revoked {listed['id']}"
    again = await cli("keys", "revoke", listed["id"], ok=False)
    assert again.exit_code == 1 and "already revoked" in again.stderr
    assert await cli.json("keys", "list", "--active") == []
    gone = await cli("members", "remove", "P1", "carol")
    assert "revoked 0 key(s)" in gone.stdout


async def test_usage_reports_in_three_formats(cli: Cli, database_url: str) -> None:
    await cli("labs", "create", "ornl")
    t = datetime(2026, 10, 10, tzinfo=UTC)
    rows = [
        {"request_id": f"r{i}", "at": t, "user_id": "u1", "lab_id": "ornl",
         "project_id": project, "model": "o1", "prompt_tokens": 10 * i, "completion_tokens": i,
         "reasoning_tokens": 0, "weighted_tokens": 1.5 * i, "status": status, "outcome": "ok",
         "duration_ms": 1.0}
        for i, (project, status) in enumerate(
            [("CHM1", 200), ("CHM1", 500), ("FUS2", 200)], start=1
        )
    ]  # fmt: skip

    async def fill(engine: Any) -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(UsageEvent), rows)

    await _with_engine(database_url, fill)
    span = ("--since", "2026-10-01", "--until", "2026-11-01")
    report = orjson.loads(
        (await cli("usage", "--group-by", "project", *span, "--format", "json")).stdout
    )
    got = {r["project"]: (r["requests"], r["prompt_tokens"], r["errors"]) for r in report["rows"]}
    assert got == {"CHM1": (2, 30, 1), "FUS2": (1, 30, 0)}
    assert report["totals"]["weighted_tokens"] == pytest.approx(1.5 * (1 + 2 + 3))

    as_csv = (await cli("usage", "--group-by", "model", *span, "--format", "csv")).stdout
    lines = list(csv.reader(io.StringIO(as_csv)))
    assert lines[0][0] == "model" and lines[1][:3] == ["o1", "", "3"]
    assert lines[-1][:3] == ["(total)", "", "3"]

    table = (await cli("usage", "--group-by", "lab", *span)).stdout
    assert "ornl" in table and "total" in table
    empty = orjson.loads(
        (
            await cli("usage", "--since", "2020-01-01", "--until", "2020-02-01", "--format", "json")
        ).stdout
    )
    assert empty["rows"] == []
    bad = await cli("usage", "--since", "whenever", ok=False)
    assert bad.exit_code == 1 and "cannot read the time" in bad.stderr


async def test_refusals_and_validation(cli: Cli) -> None:
    await cli("labs", "create", "ornl")
    dup = await cli("labs", "create", "ornl", ok=False)
    assert dup.exit_code == 1 and "lab 'ornl' exists already" in dup.stderr
    invalid = await cli("labs", "create", "no/slashes", ok=False)
    assert invalid.exit_code == 2 and "id:" in invalid.stderr
    period = await cli(
        "projects", "create", "P", "--lab", "ornl", "--period", "fortnight", ok=False
    )
    assert period.exit_code == 2 and "unknown budget period" in period.stderr
    nothing = await cli("projects", "set-limits", "P", ok=False)
    assert nothing.exit_code == 2 and "nothing to change" in nothing.stderr
    missing = await cli("members", "list", "NOPE", ok=False)
    assert missing.exit_code == 1 and "no project 'NOPE'" in missing.stderr
    # out-of-range options are checked before any change, in the API's words (these were
    # pydantic tracebacks: the models were built outside the CLI's error handling)
    await cli("projects", "create", "P", "--lab", "ornl")
    huge = str(10**30)
    for args, field in [
        (("projects", "set-allocation", "P", "--budget-tokens", huge), "budget_tokens:"),
        (("projects", "set-limits", "P", "--rpm", huge), "rpm_limit:"),
        (("projects", "update", "P", "--share", huge), "share:"),
        (("labs", "update", "ornl", "--share", huge), "share:"),
    ]:
        refused = await cli(*args, ok=False)
        assert refused.exit_code == 2, (args, refused.output)
        assert field in refused.stderr and "Traceback" not in refused.output


async def test_worker_tokens(cli: Cli) -> None:
    token = (await cli("worker-token", "--model", "fake")).stdout.strip()
    assert token.startswith("lgw-")


async def test_actions_reach_the_audit_log_and_revocations_the_bus(
    cli: Cli, database_url: str
) -> None:
    await cli("labs", "create", "ornl")
    await cli("users", "create", "bob", "--lab", "ornl")
    await cli("projects", "create", "P9", "--lab", "ornl", "--lead", "bob")
    key = (await cli("keys", "create", "--user", "bob", "--project", "P9")).stdout.strip()
    [pending] = await cli.json("approvals", "list")
    await approve_over_the_api(database_url, pending["id"])
    [listed] = await cli.json("keys", "list")
    await cli("keys", "revoke", listed["id"])

    async def read(engine: Any) -> tuple[list[dict[str, Any]], list[str]]:
        records = []
        async with AuditLog(engine) as log:
            for index in range(await log.size()):
                records.append(orjson.loads((await log.get_record(index)).data))
        async with engine.connect() as conn:
            events = (await conn.execute(select(KEY_EVENTS_TABLE.c.key_id))).scalars().all()
        return records, list(events)

    records, events = await _with_engine(database_url, read)
    assert [r["action"] for r in records] == [
        "lab.create", "user.create", "project.create", "pending.request",
        "pending.approve", "key.create", "key.revoke",
    ]  # fmt: skip
    assert all(r["kind"] == "admin" for r in records)
    assert [r["user"] for r in records if not r["user"].startswith("cli:")] == [SECOND, SECOND]
    assert records[-1]["target"] == f"key:{listed['id']}"
    assert records[2]["project"] == "P9"
    assert key not in orjson.dumps(records).decode()
    assert events == [listed["id"]]  # what every running gateway's revocation poller reads


async def test_without_the_audit_tables_the_cli_warns_and_still_works(
    cli: Cli, database_url: str
) -> None:
    await cli("labs", "create", "ornl")

    async def drop_audit(engine: Any) -> None:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: Base.metadata.drop_all(sync, tables=AUDIT_TABLES))

    await _with_engine(database_url, drop_audit)
    result = await cli("labs", "create", "anl")
    assert "audit log cannot be opened" in result.stderr
    assert {lab["id"] for lab in await cli.json("labs", "list")} == {"ornl", "anl"}


def test_every_command_and_option_has_help() -> None:
    root = typer.main.get_command(app)
    missing = []

    def walk(command: click.Command, path: str) -> None:
        if not (command.help or "").strip():
            missing.append(path)
        for param in command.params:
            if isinstance(param, click.Option) and not (param.help or "").strip():
                missing.append(f"{path} {param.opts[0]}")
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}")

    walk(root, "admin")
    assert missing == []
    names = set(root.commands)  # type: ignore[attr-defined]
    assert names == {
        "labs", "users", "projects", "members", "keys", "approvals", "worker-token", "usage",
    }  # fmt: skip


async def test_an_unreachable_database_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    cli = Cli("postgresql://nobody@127.0.0.1:9/none", tmp_path)
    result = await cli("labs", "list", ok=False)
    assert result.exit_code == 1
    assert "the database could not be used" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


async def test_the_cli_keeps_the_api_rules_for_other_labs_and_requests(cli: Cli) -> None:
    """The CLI goes through the same service rules: a member from another lab is a request
    (issue 28), and the operator may withdraw a request they filed."""
    await cli("labs", "create", "ornl")
    await cli("labs", "create", "anl")
    await cli("users", "create", "carol", "--lab", "anl")
    await cli("projects", "create", "P1", "--lab", "ornl")
    asked = await cli("members", "add", "P1", "anl/carol")
    assert "belongs to another lab: request pa_" in asked.stdout
    assert await cli.json("members", "list", "P1") == []
    [pending] = await cli.json("approvals", "list")
    assert pending["kind"] == "member.add" and pending["status"] == "pending"
    assert (await cli("approvals", "reject", pending["id"])).stdout.strip() == (
        f"rejected {pending['id']}"
    )
    assert await cli.json("approvals", "list") == []
    [decided] = await cli.json("approvals", "list", "--status", "rejected")
    assert decided["decided_by"].startswith("cli:")
    bad = await cli("approvals", "list", "--status", "maybe", ok=False)
    assert bad.exit_code == 2
