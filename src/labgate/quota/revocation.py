"""Telling every replica that an API key was revoked or changed, within a second.

Replicas cache authenticated keys; a revocation must reach all of their caches. Two buses do it
behind one interface:

- :class:`RedisRevocationBus` publishes the key id on a Redis pub/sub channel; every replica's
  subscriber hears it at once. Pub/sub keeps nothing for a subscriber that is disconnected, so
  each time the subscriber (re)connects it calls ``on_revoked(ALL_KEYS)``: drop the whole cache.
- :class:`DatabaseRevocationBus` (no Redis) appends the key id to ``quota_key_events`` under a
  version counter and every replica polls for versions above the last it saw (every 0.25 s by
  default). The counter row is locked while it is bumped, so versions commit in order and a
  poller never skips one. Events older than an hour are pruned; a replica that fell further
  behind drops its whole cache. On a SQLite file the poll is one read on a ``sqlite3``
  connection of the poller's own, on the event loop's thread (a WAL read never waits for a
  writer; a locked or busy file fails at once and is read again at the next poll): through
  SQLAlchemy and aiosqlite each poll cost a pool checkout and hops to the driver's thread and
  back, about 2.7% of the loop's samples under load.

``on_revoked`` is called on the event loop and must not block.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.quota.errors import QuotaUnavailable
from labgate.quota.models import KEY_EVENTS_TABLE, KEY_VERSION_TABLE
from labgate.quota.usage_store import database_errors, dialect_insert, to_datetime

log = logging.getLogger("labgate.quota")

ALL_KEYS = "*"
PROJECT_PREFIX = "project:"
"""An event ``project:<id>``: that project's rules changed (models, budget, limits)."""
"""Passed to ``on_revoked`` when events may have been missed: forget every cached key."""

EVENTS = KEY_EVENTS_TABLE
VERSION = KEY_VERSION_TABLE
EVENT_RETENTION_S = 3600.0


def revocation_handler(
    invalidate_key: Callable[[str], None], invalidate_all: Callable[[], None]
) -> Callable[[str], None]:
    """An ``on_revoked`` for :meth:`RevocationBus.run` from a cache's two invalidations,
    e.g. ``revocation_handler(auth.invalidate_key, auth.invalidate_all)``."""

    def on_revoked(key_id: str) -> None:
        if key_id == ALL_KEYS:
            invalidate_all()
        else:
            invalidate_key(key_id)

    return on_revoked


class RevocationBus(ABC):
    """Fan-out of "key revoked or changed" to every replica."""

    def __init__(self) -> None:
        self.listening = asyncio.Event()
        """Set while :meth:`run` is subscribed (Redis) or polling (database)."""

    @abstractmethod
    async def publish(self, key_id: str) -> None:
        """Tell every replica (this one included) to drop ``key_id`` from its caches."""

    @abstractmethod
    async def run(self, on_revoked: Callable[[str], None]) -> None:
        """Deliver events to ``on_revoked`` until cancelled, reconnecting after failures."""


class RedisRevocationBus(RevocationBus):
    """Revocations over Redis pub/sub."""

    def __init__(
        self,
        redis: Redis,
        *,
        channel: str = "labgate:keys:revoked",
        ping_interval_s: float = 5.0,
        max_backoff_s: float = 5.0,
    ) -> None:
        super().__init__()
        self._redis = redis
        self.channel = channel
        self._ping_interval_s = ping_interval_s
        self._max_backoff_s = max_backoff_s

    async def publish(self, key_id: str) -> None:
        try:
            await self._redis.publish(self.channel, key_id)
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise QuotaUnavailable("Redis") from exc

    async def run(self, on_revoked: Callable[[str], None]) -> None:
        backoff = 0.1
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                on_revoked(ALL_KEYS)  # whatever was published before we listened is unknown
                # redis-py reconnects and resubscribes a pub/sub connection by itself, silently;
                # its connect callbacks run in order, so ours fires after the resubscription.
                watch = _ReconnectWatch(on_revoked)
                assert pubsub.connection is not None
                pubsub.connection.register_connect_callback(watch.on_connect)
                self.listening.set()
                backoff = 0.1
                await self._listen(pubsub, on_revoked)
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                self.listening.clear()
                log.warning("key revocation subscriber lost Redis (%s); reconnecting", exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff_s)
            finally:
                self.listening.clear()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def _listen(self, pubsub: PubSub, on_revoked: Callable[[str], None]) -> None:
        """Read messages; ping when idle so a silently dead connection is noticed."""
        idle_since = time.monotonic()
        while True:
            message = await pubsub.get_message(timeout=1.0)
            if message is not None and message.get("type") == "message":
                data = message["data"]
                on_revoked(data.decode() if isinstance(data, bytes) else str(data))
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > self._ping_interval_s:
                await pubsub.ping()
                idle_since = time.monotonic()


class _ReconnectWatch:
    """Drops every cached key when redis-py silently reconnects the subscriber.

    A class because redis-py keeps connect callbacks as weak *methods*.
    """

    def __init__(self, on_revoked: Callable[[str], None]) -> None:
        self._on_revoked = on_revoked

    def on_connect(self, _connection: object) -> None:
        log.info("key revocation subscriber reconnected; dropping every cached key")
        self._on_revoked(ALL_KEYS)


class DatabaseRevocationBus(RevocationBus):
    """Revocations through the database: a version counter and polling."""

    def __init__(self, engine: AsyncEngine, *, poll_interval_s: float = 0.25) -> None:
        super().__init__()
        self._engine = engine
        self.poll_interval_s = poll_interval_s
        self._sqlite_path = _sqlite_file(engine)
        self._sqlite: sqlite3.Connection | None = None

    async def publish(self, key_id: str) -> None:
        now = time.time()
        with database_errors():
            async with self._engine.begin() as conn:
                bump = dialect_insert(conn, VERSION).values(id=1, version=1)
                bump = bump.on_conflict_do_update(
                    index_elements=[VERSION.c.id], set_={"version": VERSION.c.version + 1}
                ).returning(VERSION.c.version)
                version = (await conn.execute(bump)).scalar_one()
                await conn.execute(
                    EVENTS.insert().values(
                        version=version, key_id=key_id, created_at=to_datetime(now)
                    )
                )
                await conn.execute(
                    delete(EVENTS).where(EVENTS.c.created_at < to_datetime(now - EVENT_RETENTION_S))
                )

    async def run(self, on_revoked: Callable[[str], None]) -> None:
        last: int | None = None
        while True:
            try:
                if last is None:
                    last = await self._current_version()
                    on_revoked(ALL_KEYS)
                    self.listening.set()
                last = await self._deliver_since(last, on_revoked)
            except QuotaUnavailable as exc:
                log.warning("key revocation poller cannot read the database: %s", exc)
            await asyncio.sleep(self.poll_interval_s)

    async def _current_version(self) -> int:
        if self._sqlite_path is not None:
            rows = self._read(_CURRENT_SQL, ())
            return int(rows[0][0] or 0) if rows else 0
        with database_errors():
            async with self._engine.connect() as conn:
                version = await conn.scalar(select(VERSION.c.version).where(VERSION.c.id == 1))
        return int(version or 0)

    async def _deliver_since(self, last: int, on_revoked: Callable[[str], None]) -> int:
        """Hand every event after version ``last`` to ``on_revoked``; the new last version."""
        rows: Sequence[Any]
        if self._sqlite_path is not None:
            rows = self._read(_SINCE_SQL, (last,))
        else:
            with database_errors():
                async with self._engine.connect() as conn:
                    rows = (
                        await conn.execute(
                            select(EVENTS.c.version, EVENTS.c.key_id)
                            .where(EVENTS.c.version > last)
                            .order_by(EVENTS.c.version)
                            .limit(1000)
                        )
                    ).all()
        if not rows:
            return last
        if rows[0][0] > last + 1:  # versions are dense: a gap means events were pruned
            on_revoked(ALL_KEYS)
        for _, key_id in rows:
            on_revoked(key_id)
        return int(rows[-1][0])

    def _read(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        """One read on the poller's own SQLite connection (see the module docstring)."""
        assert self._sqlite_path is not None
        try:
            if self._sqlite is None:
                # autocommit: each read is its own, and holds no snapshot between polls
                self._sqlite = sqlite3.connect(self._sqlite_path, timeout=0, isolation_level=None)
            return self._sqlite.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            if self._sqlite is not None:
                self._sqlite.close()
                self._sqlite = None
            raise QuotaUnavailable("the database") from exc


_CURRENT_SQL = f"SELECT {VERSION.c.version.name} FROM {VERSION.name} WHERE {VERSION.c.id.name} = 1"
_SINCE_SQL = (
    f"SELECT {EVENTS.c.version.name}, {EVENTS.c.key_id.name} FROM {EVENTS.name} "
    f"WHERE {EVENTS.c.version.name} > ? ORDER BY {EVENTS.c.version.name} LIMIT 1000"
)


def _sqlite_file(engine: AsyncEngine) -> str | None:
    """The file of a SQLite engine, None for anything else (PostgreSQL, an in-memory one)."""
    if engine.dialect.name != "sqlite":
        return None
    path = engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return path
