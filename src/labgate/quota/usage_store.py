"""Durable usage rows in ``quota_usage``: the dialect-aware statements both backends share.

SQLite and PostgreSQL both speak ``INSERT … ON CONFLICT … DO UPDATE … RETURNING``, but
SQLAlchemy builds it from each dialect's own ``insert``; and "the larger of two values" is
``GREATEST`` on PostgreSQL and the two-argument ``max`` on SQLite.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from labgate.quota.errors import QuotaUnavailable
from labgate.quota.models import USAGE_TABLE
from labgate.quota.periods import BudgetPeriod

USAGE = USAGE_TABLE


@dataclass(frozen=True, slots=True)
class UsageRow:
    """Settled usage of one project in one period, as Redis flushes it to the database."""

    project_id: str
    period: str
    period_ends_at: float
    used: int


def is_postgres(engine: AsyncEngine | AsyncConnection | Engine | Connection) -> bool:
    return engine.dialect.name == "postgresql"


def dialect_insert(engine: AsyncEngine | AsyncConnection | Engine | Connection, table: Any) -> Any:
    """``INSERT`` with ``on_conflict_do_*`` for the engine's dialect."""
    if is_postgres(engine):
        return postgresql.insert(table)
    if engine.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise QuotaUnavailable(f"an unsupported database ({engine.dialect.name})")


def greatest(engine: AsyncEngine | AsyncConnection, a: Any, b: Any) -> ColumnElement[Any]:
    return func.greatest(a, b) if is_postgres(engine) else func.max(a, b)


def to_datetime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def from_datetime(moment: datetime) -> float:
    """Epoch seconds of a stored time; SQLite returns naive datetimes, which are UTC here."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


@contextmanager
def database_errors() -> Iterator[None]:
    """Turn a database that is down or locked into :class:`QuotaUnavailable`."""
    try:
        yield
    except (OperationalError, InterfaceError, OSError) as exc:
        raise QuotaUnavailable("the database") from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise QuotaUnavailable("the database") from exc
        raise


@asynccontextmanager
async def quota_transaction(
    engine: AsyncEngine, *, durable: bool = True
) -> AsyncIterator[AsyncConnection]:
    """A transaction for quota writes; database outages become :class:`QuotaUnavailable`.

    ``durable=False`` on PostgreSQL sets ``synchronous_commit`` off for this transaction
    only: the commit returns before its WAL reaches the disk. It stays atomic and isolated,
    and other replicas see it at once; only a crash of the PostgreSQL server itself can lose
    the last fraction of a second of such commits (never corrupt them). On a disk whose
    flush takes milliseconds that is most of a quota operation's cost.
    """
    with database_errors():
        async with engine.begin() as conn:
            if not durable and is_postgres(conn):
                await conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            yield conn


async def read_used(engine: AsyncEngine, project_id: str, period: str) -> int:
    """Settled usage the database holds for one project and period (0 without a row)."""
    with database_errors():
        async with engine.connect() as conn:
            used = await conn.scalar(
                select(USAGE.c.used).where(
                    USAGE.c.project_id == project_id, USAGE.c.period == period
                )
            )
    return int(used or 0)


async def read_open_periods(engine: AsyncEngine, now: float) -> list[UsageRow]:
    """Usage rows of every period that has not ended yet (to seed Redis at start-up)."""
    with database_errors():
        async with engine.connect() as conn:
            result = await conn.execute(
                select(
                    USAGE.c.project_id, USAGE.c.period, USAGE.c.period_ends_at, USAGE.c.used
                ).where(USAGE.c.period_ends_at > to_datetime(now))
            )
            return [
                UsageRow(r.project_id, r.period, from_datetime(r.period_ends_at), int(r.used))
                for r in result
            ]


async def write_used(engine: AsyncEngine, rows: Iterable[UsageRow], now: float) -> int:
    """Upsert settled usage, never lowering a stored value.

    Taking the larger value makes flushes from several replicas commute: an older snapshot
    written after a newer one cannot move the counter backwards.
    """
    batch = sorted(rows, key=lambda r: (r.project_id, r.period))  # one lock order for all
    if not batch:
        return 0
    with database_errors():
        async with engine.begin() as conn:
            for row in batch:
                stmt = dialect_insert(conn, USAGE).values(
                    project_id=row.project_id,
                    period=row.period,
                    used=row.used,
                    reserved=0,
                    period_ends_at=to_datetime(row.period_ends_at),
                    updated_at=to_datetime(now),
                )
                stmt = stmt.on_conflict_do_update(
                    index_elements=[USAGE.c.project_id, USAGE.c.period],
                    set_={
                        "used": greatest(conn, USAGE.c.used, stmt.excluded.used),
                        "updated_at": stmt.excluded.updated_at,
                    },
                )
                await conn.execute(stmt)
    return len(batch)


def period_row_values(project_id: str, period: BudgetPeriod, now: float) -> dict[str, Any]:
    """Column values of a fresh usage row."""
    return {
        "project_id": project_id,
        "period": period.key,
        "period_ends_at": period.ends_at,
        "updated_at": to_datetime(now),
    }
