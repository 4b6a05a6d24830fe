"""The labels of labgate's own answers, found again by digest when a client resends them.

A client carries a conversation: each request holds the earlier turns. It can keep their
labels (``messages[i].labgate_label``, the answer's own ``labgate_label`` echoed back), but it
can also drop them. What labgate can check without the client's help is its own answers: each
answer above the deployment's range minimum is kept as ``(user, SHA-256, label)`` in
``label_answers``, once for its whole text and once for each long paragraph, whitespace
normalised; a later request of the same user any of whose turns (assistant or not: an answer
pasted into the user's own turn counts) repeats such a text inherits its label, stated or not
(``docs/labels.md``).

Writes ride on the usage rows' batches (:class:`labgate.gateway.observers.UsageRecorder`); until
a batch is written (half a second) this replica answers from memory. Lookups are one indexed
query per request that carries assistant turns, and none at all with labels off.

Bound to the user, not to everyone: a match tells the caller only the label of an answer they
were given themselves (no oracle for guessing another user's classified answers), and one
user's classified "Yes." never raises another user's conversation.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
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

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        above: Callable[[str], bool],
        *,
        recent: int = 20_000,
    ) -> None:
        self.sessions = sessions
        self.above = above
        """Whether an answer at a label is kept (above the range's minimum: a lower one could
        raise nothing)."""
        self._recent: OrderedDict[tuple[str, str], set[str]] = OrderedDict()
        self._recent_max = recent
        self._pending: list[tuple[str, str, str, datetime]] = []

    def begin(self, record: Any) -> Awaitable[object]:
        """As a record keeper (``RecordKeeper``): note a labelled answer as its request ends,
        before the answer is sent, so the client's next turn finds it. Nothing to wait for."""
        label = record.label
        if (
            label is not None
            and record.outcome != "content_filter"  # the guardrail's canned refusal
            and record.response_text
            and record.principal.auth_method != "none"
            and self.above(label)
        ):
            for digest in text_digests(record.response_text):
                self.note(record.principal.user_id, digest, label, record.started_at)
        return _done()

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


MIN_PARAGRAPH_CHARS = 40
"""A paragraph (text between blank lines) this long or longer is bound on its own, so one
pasted out of a longer answer is found too; shorter ones say too little to bind."""
MAX_PARAGRAPHS = 32
MIN_OTHER_TURN_CHARS = 24
"""A whole non-assistant turn (a user's, a document) is matched against answers only from this
length: a user's "Yes." is not taken for an answer "Yes." they once got at SECRET."""
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def normalise(text: str) -> str:
    """The text as compared: runs of whitespace (spaces, newlines, a trailing space) as one
    space, none at the ends."""
    return " ".join(text.split())


def answer_digest(text: str) -> str:
    """SHA-256 (hex) of the normalised text."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def text_digests(text: str, *, whole_min: int = 1) -> list[str]:
    """What an answer is kept by, and a turn looked up by: the digest of the whole text (when
    it has ``whole_min`` characters) and of each paragraph of ``MIN_PARAGRAPH_CHARS`` or more."""
    out = []
    whole = normalise(text)
    if len(whole) >= max(1, whole_min):
        out.append(hashlib.sha256(whole.encode("utf-8")).hexdigest())
    paragraphs = [normalise(p) for p in _PARAGRAPH_BREAK.split(text)]
    long_ones = [p for p in paragraphs if len(p) >= MIN_PARAGRAPH_CHARS and p != whole]
    for paragraph in long_ones[:MAX_PARAGRAPHS]:
        out.append(hashlib.sha256(paragraph.encode("utf-8")).hexdigest())
    return list(dict.fromkeys(out))


async def _done() -> None:
    return None
