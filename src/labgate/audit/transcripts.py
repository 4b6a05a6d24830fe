"""Prompts, reasoning and responses, encrypted at rest and deleted after the retention period.

Each transcript gets a fresh 256-bit data key. The texts are sealed with AES-256-GCM under that
key, with associated data binding the ciphertext to its record index, project and label (so a
row moved to another record or relabelled no longer opens); the data key is wrapped by the
keyring's current master key (:mod:`labgate.audit.keyring`). Transcripts are written in the same
transaction as their audit record (:meth:`AuditLog.append` with ``transcript=``).

Reading goes through :class:`labgate.audit.access.AccessControl` only, which enforces the
two-person rule; :meth:`TranscriptVault.open` itself checks nothing and must not be exposed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.audit.keyring import NONCE_SIZE, Keyring, KeyringError
from labgate.audit.models import TRANSCRIPTS
from labgate.audit.records import canonical_json

_rows = TRANSCRIPTS
_CONTENT_CONTEXT = b"labgate/audit/transcript/v1\n"
_DATA_KEY_SIZE = 32  # AES-256


@dataclass(frozen=True, slots=True)
class Transcript:
    """The texts of one request, and where they belong. Its ``repr`` never shows the texts."""

    prompt: str = field(repr=False)
    reasoning: str | None = field(default=None, repr=False)
    response: str | None = field(default=None, repr=False)
    project: str | None = None
    lab: str | None = None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class TranscriptMeta:
    index: int
    created_at: datetime
    project: str | None
    lab: str | None
    label: str | None
    key_id: str


@dataclass(frozen=True, slots=True)
class OpenedTranscript:
    meta: TranscriptMeta
    prompt: str = field(repr=False)
    reasoning: str | None = field(repr=False)
    response: str | None = field(repr=False)


class TranscriptError(LookupError):
    """No transcript for a record (never stored, or purged by retention)."""


def _content_aad(index: int, project: str | None, label: str | None) -> bytes:
    return _CONTENT_CONTEXT + canonical_json({"index": index, "label": label, "project": project})


class TranscriptVault:
    """Seals transcripts for the log's writer, opens them for access control, purges, rewraps."""

    def __init__(
        self, engine: AsyncEngine, keyring: Keyring | None, *, retention: timedelta | None = None
    ) -> None:
        """``keyring`` may be None for a vault that only purges (it cannot seal or open)."""
        if retention is not None and retention <= timedelta(0):
            raise ValueError("the transcript retention period must be positive")
        self.engine = engine
        self._keyring = keyring
        self.retention = retention

    @property
    def keyring(self) -> Keyring:
        if self._keyring is None:
            raise KeyringError("no transcript master keys are configured")
        return self._keyring

    def seal_row(self, index: int, transcript: Transcript, created_at: datetime) -> dict[str, Any]:
        """The encrypted row for ``transcript`` of record ``index`` (called by the log writer)."""
        # one draw from the OS for the data key and both nonces (one system call, not three)
        fresh = os.urandom(_DATA_KEY_SIZE + 2 * NONCE_SIZE)
        data_key = fresh[:_DATA_KEY_SIZE]
        nonce = fresh[_DATA_KEY_SIZE : _DATA_KEY_SIZE + NONCE_SIZE]
        plaintext = orjson.dumps(
            {
                "prompt": transcript.prompt,
                "reasoning": transcript.reasoning,
                "response": transcript.response,
            }
        )
        ciphertext = AESGCM(data_key).encrypt(
            nonce, plaintext, _content_aad(index, transcript.project, transcript.label)
        )
        key_id, wrapped = self.keyring.wrap(data_key, index, fresh[-NONCE_SIZE:])
        return {
            "record_idx": index,
            "created_at": created_at,
            "project": transcript.project,
            "lab": transcript.lab,
            "label": transcript.label,
            "key_id": key_id,
            "wrapped_key": wrapped,
            "nonce": nonce,
            "ciphertext": ciphertext,
        }

    async def meta(self, index: int) -> TranscriptMeta | None:
        """Where a transcript belongs, without decrypting it (for scope checks)."""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(
                        _rows.c.record_idx,
                        _rows.c.created_at,
                        _rows.c.project,
                        _rows.c.lab,
                        _rows.c.label,
                        _rows.c.key_id,
                    ).where(_rows.c.record_idx == index)
                )
            ).one_or_none()
        return None if row is None else TranscriptMeta(*row)

    async def open(self, index: int) -> OpenedTranscript:
        """Decrypt the transcript of record ``index``. No access check: see AccessControl."""
        async with self.engine.connect() as conn:
            query = select(_rows).where(_rows.c.record_idx == index)
            row = (await conn.execute(query)).one_or_none()
        if row is None:
            raise TranscriptError(
                f"record {index} has no transcript: none was stored, or retention purged it"
            )
        data_key = self.keyring.unwrap(row.key_id, bytes(row.wrapped_key), index)
        try:
            plaintext = AESGCM(data_key).decrypt(
                bytes(row.nonce), bytes(row.ciphertext), _content_aad(index, row.project, row.label)
            )
        except InvalidTag:
            raise KeyringError(
                f"the transcript of record {index} does not decrypt: its row was altered"
            ) from None
        texts = orjson.loads(plaintext)
        meta = TranscriptMeta(index, row.created_at, row.project, row.lab, row.label, row.key_id)
        return OpenedTranscript(meta, texts["prompt"], texts["reasoning"], texts["response"])

    async def purge_expired(self, now: datetime | None = None) -> tuple[int, datetime | None]:
        """Delete transcripts older than the retention period; return (count, cutoff)."""
        if self.retention is None:
            return 0, None
        cutoff = (now or datetime.now(UTC)) - self.retention
        async with self.engine.begin() as conn:
            # The table has no index on its time stamps (each would be a page more in every
            # request's durable commit), but it is written in index order: the first row young
            # enough to keep is found by reading from the oldest, and everything before it goes
            # by primary key. A row stamped out of order (another process's clock, microseconds
            # apart) stays until a later purge passes it.
            first_kept = await conn.scalar(
                select(_rows.c.record_idx)
                .where(_rows.c.created_at >= cutoff)
                .order_by(_rows.c.record_idx)
                .limit(1)
            )
            old = (
                _rows.c.created_at < cutoff
                if first_kept is None
                else _rows.c.record_idx < first_kept
            )
            result = await conn.execute(delete(_rows).where(old))
        return int(result.rowcount or 0), cutoff

    async def rewrap(
        self, *, batch: int = 500, progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Re-wrap every data key not under the current master key; return how many changed."""
        current = self.keyring.current.id
        async with self.engine.connect() as conn:
            todo = [
                int(i)
                for (i,) in await conn.execute(
                    select(_rows.c.record_idx).where(_rows.c.key_id != current)
                )
            ]
        done = 0
        for start in range(0, len(todo), batch):
            chunk = todo[start : start + batch]
            async with self.engine.begin() as conn:
                rows = await conn.execute(
                    select(_rows.c.record_idx, _rows.c.key_id, _rows.c.wrapped_key).where(
                        _rows.c.record_idx.in_(chunk), _rows.c.key_id != current
                    )
                )
                for index, key_id, wrapped in rows.all():
                    data_key = self.keyring.unwrap(key_id, bytes(wrapped), int(index))
                    new_id, new_wrapped = self.keyring.wrap(data_key, int(index))
                    await conn.execute(
                        update(_rows)
                        .where(_rows.c.record_idx == index, _rows.c.key_id == key_id)
                        .values(key_id=new_id, wrapped_key=new_wrapped)
                    )
                    done += 1
            if progress is not None:
                progress(min(start + batch, len(todo)), len(todo))
        return done

    async def count_by_key(self) -> dict[str, int]:
        """How many transcripts each master key protects (to know when an old key can go)."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(_rows.c.key_id, func.count()).group_by(_rows.c.key_id))
            return {k: int(n) for k, n in rows}
