"""Flag rows written as the store held them before decisions had a history table (migration
0019), for the tests of migration 0020's backfill and downgrade."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import column, insert, table
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.store.migrate import upgrade

_COLUMNS = (
    "id",
    "created_at",
    "direction",
    "action",
    "score",
    "stage",
    "decision",
    "status",
    "reviewed_by",
    "reviewed_at",
    "review_note",
    "seen_count",
)


async def flags_at_0019(
    engine: AsyncEngine,
    when: datetime,
    rows: list[tuple[int, str, str | None, datetime | None, str | None]],
) -> None:
    """Migrate ``engine`` to 0019 and write one flag per ``(id, status, reviewed_by,
    reviewed_at, review_note)``, created at ``when``."""
    flags = table("safety_flags", *(column(c) for c in _COLUMNS))
    base = {
        "created_at": when,
        "direction": "input",
        "action": "flag",
        "score": 0.6,
        "stage": "classifier",
        "decision": "{}",
        "seen_count": 1,
    }
    await upgrade(engine, "0019")
    async with engine.begin() as conn:
        await conn.execute(
            insert(flags),
            [
                base
                | {
                    "id": flag_id,
                    "status": status,
                    "reviewed_by": by,
                    "reviewed_at": at,
                    "review_note": note,
                }
                for flag_id, status, by, at, note in rows
            ],
        )
