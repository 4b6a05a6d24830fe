"""The labels of labgate's own answers, found again by digest when a client resends them.

A client carries a conversation: each request holds the earlier turns. It can keep their
labels (``messages[i].labgate_label``, the answer's own ``labgate_label`` echoed back), but it
can also drop them. What labgate can check without the client's help is its own answers: each
answer above the deployment's range minimum is kept as ``(user, SHA-256 of its text, label)``
in ``label_answers``; a later request of the same user whose assistant turns repeat such an
answer inherits its label, stated or not (``docs/labels.md``).

Writes ride on the usage rows' batches (:class:`labgate.gateway.observers.UsageRecorder`); until
a batch is written (half a second) this replica answers from memory. Lookups are one indexed
query per request that carries assistant turns, and none at all with labels off.

Bound to the user, not to everyone: a match tells the caller only the label of an answer they
were given themselves (no oracle for guessing another user's classified answers), and one
user's classified "Yes." never raises another user's conversation.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from labgate.access.models import LABEL_ANSWERS
from labgate.store.engine import sqlite_datetime_text

_COLUMNS = ("user_id", "answer_sha256", "label", "at")
INSERT_SQLITE = (
    f"INSERT INTO label_answers ({', '.join(_COLUMNS)}) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
INSERT_PG = (
    f"INSERT INTO label_answers ({', '.join(_COLUMNS)}) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT DO NOTHING"
)
MAX_DIGESTS = 256
"""Assistant turns looked up per request (the latest ones: a longer history's older turns
are still covered by the labels of the turns that answered them)."""


class AnswerLabels:
    """Keeps and finds the labels of labelled answers (see the module docstring)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, recent: int = 20_000) -> None:
        self.sessions = sessions
        self._recent: OrderedDict[tuple[str, str], set[str]] = OrderedDict()
        self._recent_max = recent
        self._pending: list[tuple[str, str, str, datetime]] = []

    def note(self, user_id: str, digest: str, label: str, at: float) -> None:
        """Remember an answer's label (written with the next usage batch)."""
        key = (user_id, digest)
        labels = self._recent.get(key)
        if labels is None:
            labels = self._recent[key] = set()
            if len(self._recent) > self._recent_max:
                self._recent.popitem(last=False)
        if label in labels:
            return
        labels.add(label)
        self._pending.append((user_id, digest, label, datetime.fromtimestamp(at, UTC)))

    def take_pending(self) -> list[tuple[str, str, str, datetime]]:
        """The rows to write now; :meth:`give_back` them if the write fails."""
        batch, self._pending = self._pending, []
        return batch

    def give_back(self, batch: list[tuple[str, str, str, datetime]]) -> None:
        self._pending[:0] = batch

    async def labels_for(self, user_id: str, digests: Iterable[str]) -> set[str]:
        """The labels of the user's recorded answers among ``digests``."""
        wanted = list(digests)[-MAX_DIGESTS:]
        if not wanted:
            return set()
        found: set[str] = set()
        for digest in wanted:
            found |= self._recent.get((user_id, digest), set())
        t = LABEL_ANSWERS
        async with self.sessions() as s:
            rows = await s.execute(
                select(t.c.label)
                .where(t.c.user_id == user_id, t.c.answer_sha256.in_(wanted))
                .distinct()
            )
            found.update(rows.scalars())
        return found


def driver_rows(batch: list[tuple[str, str, str, datetime]], sqlite: bool) -> list[tuple[Any, ...]]:
    """Rows for the driver's executemany (SQLite keeps timestamps as SQLAlchemy's text)."""
    if sqlite:
        return [(u, d, lab, sqlite_datetime_text(at)) for u, d, lab, at in batch]
    return list(batch)


def answer_digest(text: str) -> str:
    """The digest an answer is kept and found by: SHA-256 of its text (as the audit log's
    ``response_sha256``), hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
