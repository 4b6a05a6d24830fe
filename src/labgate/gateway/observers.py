"""Observers of finished requests: Prometheus metrics, and usage rows written in batches.

Usage rows are queued in memory and written by one background task in a single transaction
every ``flush_interval_s`` (or sooner when many are waiting), so the request path never waits
on the database for accounting. On SQLite the transaction runs on the audit log's write lane
(:mod:`labgate.store.lane`), so it never holds the write lock while an audit
commit, which a request is waiting for, sleeps on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from labgate.access.answers import INSERT_PG as ANSWERS_PG
from labgate.access.answers import INSERT_SQLITE as ANSWERS_SQLITE
from labgate.access.answers import AnswerLabels, driver_rows
from labgate.gateway.record import RequestRecord
from labgate.metrics import Metrics
from labgate.store.engine import sqlite_datetime_text
from labgate.store.lane import SqliteLane, in_transaction

log = logging.getLogger("labgate.usage")


class MetricsObserver:
    """Per-request metrics; labelled children are looked up once and kept (labels() locks)."""

    def __init__(self, metrics: Metrics) -> None:
        self.m = metrics
        self._children: dict[tuple[str, ...], Any] = {}
        # a request's children (its count and latency, its model's token counters, its
        # model's TTFT), found by one lookup of (route, model, status)
        self._by_request: dict[tuple[str, str, int], list[Any]] = {}

    def _child(self, metric: Any, *labels: str) -> Any:
        key = (metric._name, *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def _request_children(self, route: str, model: str, status: int) -> list[Any]:
        """The request's count and latency children, then its model's prompt, completion and
        reasoning token counters and TTFT, each made the first time it is used (a series
        appears once it has a value, as before)."""
        key = (route, model, status)
        children = self._by_request.get(key)
        if children is None:
            children = self._by_request[key] = [
                self._child(self.m.requests, route, model, str(status)),
                self._child(self.m.latency, route, model),
                None,
                None,
                None,
                None,
            ]
        return children

    def _made(self, children: list[Any], i: int, metric: Any, *labels: str) -> Any:
        child = children[i]
        if child is None:
            child = children[i] = self._child(metric, *labels)
        return child

    async def finish(self, rec: RequestRecord) -> None:
        model = rec.model
        c = self._request_children(rec.kind, model, rec.status)
        c[0].inc()
        c[1].observe(rec.duration_s)
        if rec.stream and rec.ttft_s is not None:
            self._made(c, 5, self.m.ttft, model).observe(rec.ttft_s)
        if rec.prompt_tokens:
            (c[2] or self._made(c, 2, self.m.tokens, model, "prompt")).inc(rec.prompt_tokens)
        if rec.completion_tokens:
            (c[3] or self._made(c, 3, self.m.tokens, model, "completion")).inc(
                rec.completion_tokens
            )
        if rec.reasoning_tokens:
            (c[4] or self._made(c, 4, self.m.tokens, model, "reasoning")).inc(rec.reasoning_tokens)


_USAGE_COLUMNS = (
    "request_id",
    "at",
    "user_id",
    "lab_id",
    "project_id",
    "model",
    "prompt_tokens",
    "completion_tokens",
    "reasoning_tokens",
    "weighted_tokens",
    "status",
    "outcome",
    "duration_ms",
    "label",
)
# Rows go to the driver's executemany as plain tuples: an ORM bulk insert of a flush (a few
# hundred rows at a time under load) held the event loop about twice as long.
_INSERT_SQLITE = (
    f"INSERT INTO usage_events ({', '.join(_USAGE_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _USAGE_COLUMNS)})"
)
_INSERT_PG = (
    f"INSERT INTO usage_events ({', '.join(_USAGE_COLUMNS)}) "
    f"VALUES ({', '.join(f'${i}' for i in range(1, len(_USAGE_COLUMNS) + 1))})"
)


def _usage_row(row: tuple[object, ...], sqlite: bool) -> tuple[object, ...]:
    """A pending row (``at`` as the request's start, seconds since the epoch) as the driver
    takes it: ``at`` a UTC datetime, or on SQLite SQLAlchemy's own text form of one, so reads
    parse it."""
    at = float(row[1])  # type: ignore[arg-type]
    return (row[0], _sqlite_at(at) if sqlite else datetime.fromtimestamp(at, UTC), *row[2:])


# the text of the last second a usage row started in: rows of one flush share it
_second: list[object] = [None, ""]


def _sqlite_at(started_at: float) -> str:
    """``sqlite_datetime_text(datetime.fromtimestamp(started_at, UTC))``, the same text, with
    the date and time of the second written once a second rather than once a row."""
    moment = datetime.fromtimestamp(started_at, UTC)
    micro = moment.microsecond
    second = int(started_at)
    if micro == 0 or second < 0:  # a whole second, or one rounded up into the next
        return sqlite_datetime_text(moment)
    if _second[0] != second:
        _second[0], _second[1] = second, sqlite_datetime_text(moment.replace(microsecond=0))[:19]
    return f"{_second[1]}.{micro:06d}"


class UsageRecorder:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        flush_interval_s: float = 0.5,
        max_batch: int = 2000,
    ) -> None:
        self.sessions = sessions
        self.flush_interval_s = flush_interval_s
        self.max_batch = max_batch
        self._pending: list[tuple[object, ...]] = []
        self._wake = asyncio.Event()
        self.lane: SqliteLane | None = None
        """SQLite: the write lane the rows go through (the gateway sets the audit log's)."""
        self.answers: AnswerLabels | None = None
        """The labels of labelled answers (noted as each answer ends, before it is sent),
        written with the rows (labels on: the gateway's)."""

    async def finish(self, rec: RequestRecord) -> None:
        p = rec.principal
        if p.auth_method == "none":
            return  # refused before anyone was identified: audited, but charged to nobody
        # a tuple in _USAGE_COLUMNS' order, ``at`` still the start's float: the datetime and
        # its text are made as the batch is written (_usage_row)
        self._pending.append(
            (
                rec.request_id,
                rec.started_at,
                p.user_id,
                p.lab,
                p.project,
                rec.model,
                rec.prompt_tokens,
                rec.completion_tokens,
                rec.reasoning_tokens,
                rec.weighted_tokens,
                rec.status,
                rec.outcome,
                rec.duration_s * 1000.0,
                rec.label,
            )
        )
        if len(self._pending) >= self.max_batch:
            self._wake.set()

    async def flush(self) -> int:
        batch, self._pending = self._pending, []
        answers = self.answers.take_pending() if self.answers is not None else []
        if not batch and not answers:
            return 0
        try:
            if self.lane is not None:
                rows = [_usage_row(r, True) for r in batch]
                labelled = driver_rows(answers, True)

                def write(conn: Any) -> None:
                    if rows:
                        conn.executemany(_INSERT_SQLITE, rows)
                    if labelled:
                        conn.executemany(ANSWERS_SQLITE, labelled)

                await self.lane.call(in_transaction(write))
            else:
                async with self.sessions.begin() as s:
                    conn = await s.connection()
                    sqlite = conn.dialect.name == "sqlite"
                    if batch:
                        await conn.exec_driver_sql(
                            _INSERT_SQLITE if sqlite else _INSERT_PG,
                            [_usage_row(r, sqlite) for r in batch],
                        )
                    if answers:
                        await conn.exec_driver_sql(
                            ANSWERS_SQLITE if sqlite else ANSWERS_PG, driver_rows(answers, sqlite)
                        )
        except Exception:
            log.exception(
                "could not write %d usage rows; keeping them for the next flush", len(batch)
            )
            self._pending[:0] = batch
            if self.answers is not None:
                self.answers.give_back(answers)
            raise
        return len(batch)

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.flush_interval_s)
            self._wake.clear()
            with contextlib.suppress(Exception):
                await self.flush()
