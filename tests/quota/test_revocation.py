"""Key revocations reach other processes: over Redis pub/sub, and over the database."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.quota import ALL_KEYS, DatabaseRevocationBus, RedisRevocationBus, RevocationBus

from .conftest import PG_SCHEMA, POSTGRES_URL, REDIS_URL

LISTENER = Path(__file__).with_name("revocation_listener.py")
WAIT_S = 20  # a generous ceiling for slow CI machines, not a timing assertion


async def read_line(proc: asyncio.subprocess.Process) -> str:
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), WAIT_S)
    if not line:
        _, err = await proc.communicate()
        pytest.fail(f"listener exited: {err.decode()[-2000:]}")
    return line.decode().strip()


async def start_listener(*args: str) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(LISTENER),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    # First "*" (drop everything: nothing was heard before subscribing), then "listening".
    assert await read_line(proc) == ALL_KEYS
    assert await read_line(proc) == "listening"
    return proc


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.terminate()
        await proc.wait()


async def assert_heard(proc: asyncio.subprocess.Process, bus: RevocationBus) -> None:
    key_ids = [f"key-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    for key_id in key_ids:
        await bus.publish(key_id)
    assert [await read_line(proc) for _ in key_ids] == key_ids


@pytest.mark.redis
async def test_redis_publish_is_heard_by_another_process(redis: Redis) -> None:
    channel = f"labgate-test:revoked:{uuid.uuid4().hex}"
    proc = await start_listener("--redis", REDIS_URL, "--channel", channel)
    try:
        await assert_heard(proc, RedisRevocationBus(redis, channel=channel))
    finally:
        await stop(proc)


async def test_sqlite_publish_is_heard_by_another_process(sqlite_engine: AsyncEngine) -> None:
    url = str(sqlite_engine.url)
    proc = await start_listener("--database", url)
    try:
        await assert_heard(proc, DatabaseRevocationBus(sqlite_engine))
    finally:
        await stop(proc)


@pytest.mark.postgres
async def test_postgres_publish_is_heard_by_another_process(pg_engine: AsyncEngine) -> None:
    proc = await start_listener("--database", POSTGRES_URL, "--schema", PG_SCHEMA)
    try:
        await assert_heard(proc, DatabaseRevocationBus(pg_engine))
    finally:
        await stop(proc)


class Collector:
    """Runs a bus in a task and keeps what it delivers."""

    def __init__(self, bus: RevocationBus) -> None:
        self.bus = bus
        self.heard: list[str] = []
        self.changed = asyncio.Event()
        self.task = asyncio.create_task(bus.run(self._on_revoked))

    def _on_revoked(self, key_id: str) -> None:
        self.heard.append(key_id)
        self.changed.set()

    async def until(self, predicate: object) -> None:
        async def wait() -> None:
            while not predicate():  # type: ignore[operator]
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(wait(), WAIT_S)

    async def stop(self) -> None:
        self.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self.task


@pytest.fixture
async def named_redis() -> AsyncIterator[tuple[Redis, str]]:
    name = f"labgate-test-{uuid.uuid4().hex[:12]}"
    client = Redis.from_url(REDIS_URL, client_name=name)
    yield client, name
    await client.aclose()


@pytest.mark.redis
async def test_redis_subscriber_reconnects_and_drops_everything(
    redis: Redis, named_redis: tuple[Redis, str]
) -> None:
    subscriber_client, name = named_redis
    channel = f"labgate-test:revoked:{uuid.uuid4().hex}"
    collector = Collector(RedisRevocationBus(subscriber_client, channel=channel))
    publisher = RedisRevocationBus(redis, channel=channel)
    try:
        await asyncio.wait_for(collector.bus.listening.wait(), WAIT_S)
        await publisher.publish("before")
        await collector.until(lambda: "before" in collector.heard)

        # Cut only this test's connections (found by their client name), as a network blip.
        for client in await redis.client_list():
            if client.get("name") == name:
                await redis.client_kill_filter(_id=client["id"])
        await collector.until(lambda: collector.heard.count(ALL_KEYS) >= 2)
        await asyncio.wait_for(collector.bus.listening.wait(), WAIT_S)

        await publisher.publish("after")
        await collector.until(lambda: "after" in collector.heard)
        assert collector.heard[:2] == [ALL_KEYS, "before"]
        assert collector.heard[-1] == "after"
        assert set(collector.heard[2:-1]) == {ALL_KEYS}  # dropped all, once or more
    finally:
        await collector.stop()


@pytest.fixture(params=["sqlite_engine", pytest.param("pg_engine", marks=pytest.mark.postgres)])
def bus_engine(request: pytest.FixtureRequest) -> AsyncEngine:
    engine: AsyncEngine = request.getfixturevalue(request.param)
    return engine


async def test_database_bus_delivers_concurrent_publishes_exactly_once(
    bus_engine: AsyncEngine,
) -> None:
    engine = bus_engine
    collector = Collector(DatabaseRevocationBus(engine, poll_interval_s=0.05))
    try:
        await asyncio.wait_for(collector.bus.listening.wait(), WAIT_S)
        publishers = [DatabaseRevocationBus(engine) for _ in range(4)]
        key_ids = [f"key-{i:02d}-{uuid.uuid4().hex[:6]}" for i in range(20)]
        await asyncio.gather(
            *(publishers[i % 4].publish(key_id) for i, key_id in enumerate(key_ids))
        )
        await collector.until(lambda: len(collector.heard) >= 1 + len(key_ids))
        assert collector.heard[0] == ALL_KEYS
        assert sorted(collector.heard[1:]) == sorted(key_ids)
    finally:
        await collector.stop()


async def test_sqlite_poller_reads_the_file_itself_and_still_hears_every_event(
    sqlite_engine: AsyncEngine,
) -> None:
    """Issue 25: on a SQLite file the poller's reads take no pooled SQLAlchemy connection (a
    checkout and aiosqlite's thread hops every poll); events are still heard in order, a gap
    (pruned events) still drops everything."""
    checkouts = 0

    def counted(*_: object) -> None:
        nonlocal checkouts
        checkouts += 1

    collector = Collector(DatabaseRevocationBus(sqlite_engine, poll_interval_s=0.02))
    try:
        await asyncio.wait_for(collector.bus.listening.wait(), WAIT_S)
        event.listen(sqlite_engine.sync_engine.pool, "checkout", counted)
        try:
            await asyncio.sleep(0.3)  # some fifteen polls
            polled = checkouts
        finally:
            event.remove(sqlite_engine.sync_engine.pool, "checkout", counted)
        assert polled == 0
        publisher = DatabaseRevocationBus(sqlite_engine)
        for key_id in ("k1", "k2", "k3"):
            await publisher.publish(key_id)
        await collector.until(lambda: len(collector.heard) >= 4)
        assert collector.heard == [ALL_KEYS, "k1", "k2", "k3"]
        # events pruned before this replica read them: a gap, so everything is dropped
        async with sqlite_engine.begin() as conn:
            await conn.exec_driver_sql("UPDATE quota_key_version SET version = version + 5")
        await publisher.publish("k9")
        await collector.until(lambda: "k9" in collector.heard)
        assert collector.heard[4:] == [ALL_KEYS, "k9"]
    finally:
        await collector.stop()
