"""Fixtures for the safety tests: the real embedding model and shipped head, loaded once."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from labgate.safety.corpus_files import read_own
from labgate.safety.head import data_path
from labgate.safety.models import SafetyFlag, SafetyFlagDecision, SafetyFlagUser
from labgate.safety.policy import SafetyPolicy
from labgate.safety.screen import SafetyScreen
from labgate.store.base import Base
from labgate.store.engine import make_engine
from tests.safety.judge_worker import FakeWorker
from tests.support.servers import serve_aiohttp


@pytest.fixture(scope="session")
def real_screen() -> Iterator[SafetyScreen]:
    """The packaged MiniLM model and the shipped head, as the gateway loads them."""
    screen = SafetyScreen.load(SafetyPolicy())
    yield screen
    screen.embedder.close()


@pytest.fixture
async def screen(real_screen: SafetyScreen) -> AsyncIterator[SafetyScreen]:
    yield real_screen


@pytest.fixture(scope="session")
def held_out() -> dict[str, list[str]]:
    """labgate's own requests from the recorded *test* split, by label: never trained on."""
    groups = json.loads(data_path("splits.json").read_text())["groups"]
    out: dict[str, list[str]] = {}
    for name in ("benign_science.txt", "benign_general.txt", "harmful_requests.txt"):
        for item in read_own(name):
            if groups.get(item.group) == "test" and item.kind == "request":
                out.setdefault(item.label, []).append(item.text)
    return out


# -- the reviewers' list on a real store (test_flags.py, test_flag_groups.py) -----------------

PG_DSN = "postgresql://postgres@127.0.0.1:5432/test"


async def create_flag_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(
            Base.metadata.create_all,
            tables=[SafetyFlag.__table__, SafetyFlagUser.__table__, SafetyFlagDecision.__table__],
        )


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'labgate.db'}")
    await create_flag_tables(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def pg_engine() -> AsyncIterator[AsyncEngine]:
    """The real PostgreSQL, in a schema of this test's own so parallel runs never clash."""
    schema = "safety_" + uuid.uuid4().hex[:10]
    admin = await asyncpg.connect(PG_DSN)
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    engine = create_async_engine(
        "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
        connect_args={"server_settings": {"search_path": schema}},
        pool_size=12,  # test_flag_groups races ten recordings of one group
    )
    try:
        await create_flag_tables(engine)
        yield engine
    finally:
        await engine.dispose()
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()


@pytest.fixture
async def worker() -> AsyncIterator[tuple[FakeWorker, str]]:
    """A fake judge worker on loopback (tests.safety.judge_worker) and its base URL."""
    fake = FakeWorker()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", fake.handle)
    async with serve_aiohttp(app) as url:
        yield fake, url + "/v1"
