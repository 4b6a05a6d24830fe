"""The cost of the write-down lookup (docs/labels.md, "A conversation's high-water mark").

``python bench/answer_labels.py [ROWS ...]``: fills ``label_answers`` on a fresh SQLite database
with ROWS answers (500 users), then times ``AnswerLabels.labels_for`` with four digests (one of
them stored) against a bare ``SELECT 1`` on the same pool.
"""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from labgate.access.answers import INSERT_SQLITE, AnswerLabels, driver_rows
from labgate.store.engine import make_engine
from labgate.store.models import metadata


def _median_ms(times: list[float]) -> str:
    times.sort()
    p99 = times[int(len(times) * 0.99)]
    return f"median {statistics.median(times) * 1e3:.3f} ms, p99 {p99 * 1e3:.3f} ms"


async def run(n_rows: int, directory: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{directory / f'bench-{n_rows}.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    answers = AnswerLabels(async_sessionmaker(engine, expire_on_commit=False), lambda _: True)
    now = datetime.now(UTC)
    rows = [
        (f"u{i % 500}", hashlib.sha256(str(i).encode()).hexdigest(), "SECRET//NUC", now)
        for i in range(n_rows)
    ]
    async with engine.begin() as conn:
        raw = await conn.get_raw_connection()
        await raw.driver_connection.executemany(INSERT_SQLITE, driver_rows(rows, True))
    digests = [hashlib.sha256(f"x{i}".encode()).hexdigest() for i in range(4)]
    digests[1] = rows[min(1234, n_rows - 1)][1]
    user = rows[min(1234, n_rows - 1)][0]
    for _ in range(50):
        await answers.labels_for(user, digests)
    lookups, bare = [], []
    for _ in range(500):
        t = time.perf_counter()
        assert await answers.labels_for(user, digests) == {"SECRET//NUC"}
        lookups.append(time.perf_counter() - t)
        t = time.perf_counter()
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        bare.append(time.perf_counter() - t)
    print(f"{n_rows:>8} answers: lookup {_median_ms(lookups)}; SELECT 1 {_median_ms(bare)}")
    await engine.dispose()


async def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            await run(n, Path(tmp))


if __name__ == "__main__":
    asyncio.run(main([int(a) for a in sys.argv[1:]] or [1_000, 200_000]))
