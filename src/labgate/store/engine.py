"""Engine and session factory for SQLite (default) and PostgreSQL (production).

URLs are normalised to their async drivers so callers may write the plain forms:
``sqlite:///path`` becomes ``sqlite+aiosqlite:///path`` and ``postgresql://…`` becomes
``postgresql+asyncpg://…``.
"""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def normalise_url(url: str) -> str:
    """Return ``url`` with the async driver labgate uses for its dialect."""
    if url.startswith("sqlite:///") or url == "sqlite://":
        return "sqlite+aiosqlite" + url[len("sqlite") :]
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("postgresql+psycopg://"):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    return url


def sqlite_url_for(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{(data_dir / 'labgate.db').resolve()}"


def sqlite_datetime_text(moment: datetime) -> str:
    """A timestamp as SQLAlchemy stores a ``DateTime`` in SQLite (naive UTC text), for writes
    that go to the driver directly and must still read back through SQLAlchemy."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def is_sqlite(url: str) -> bool:
    return normalise_url(url).startswith("sqlite")


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """Create the async engine; SQLite gets WAL and a busy timeout (readers never block writers)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        _private_sqlite_file(url)
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _private_sqlite_file(url: str) -> None:
    """Create the database file 0600 before SQLite does (it would give 0644 under the usual
    umask), and take group and other access from an existing one and its WAL and shared
    memory files. SQLite creates the WAL and ``-shm`` files with the database file's mode."""
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    db = Path(path)
    if not db.parent.is_dir():
        return  # SQLite will say so
    fd = os.open(db, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    for file in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            if file.stat().st_mode & 0o077:
                file.chmod(0o600)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
