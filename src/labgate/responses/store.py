"""Responses the gateway keeps, so clients chain turns (``previous_response_id``) on any replica.

A stored response's input and output items are one AES-256-GCM ciphertext. Its key is derived
(HKDF-SHA256) from the transcript vault's master key named by the row's ``key_id``, with its own
purpose string, so no key is shared with the transcripts; the associated data binds the
ciphertext to the response's id, owner and label (a row moved, re-owned or relabelled no longer
opens). Rows expire after ``[responses] retention_days`` and are swept as new ones are written.

Reasoning handed to a client as ``encrypted_content`` is sealed the same way under a second
derived key and bound to its owner: the client can pass it back, never read it.
"""

from __future__ import annotations

import base64
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from sqlalchemy import Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.audit.derived import DerivedCiphers
from labgate.audit.keyring import Keyring, KeyringError
from labgate.responses.models import StoredResponseRow

_rows: Table = StoredResponseRow.__table__  # type: ignore[assignment]
_ITEMS_PURPOSE = b"labgate/responses/items/v1"
_REASONING_PURPOSE = b"labgate/responses/reasoning/v1"
_NONCE = 12
_SWEEP_EVERY_S = 300.0


def new_response_id() -> str:
    return "resp_" + os.urandom(16).hex()


@dataclass(frozen=True, slots=True)
class StoredResponse:
    id: str
    owner: str
    project: str | None
    label: str | None
    model: str
    created_at: datetime
    previous_response_id: str | None
    input_items: list[dict[str, Any]]
    response: dict[str, Any]  # the Response object as it was answered
    context: list[dict[str, Any]]  # the chain's items before this turn's input

    def chain_items(self) -> list[dict[str, Any]]:
        """Everything a turn chained on this one continues from: its context, its input,
        its output."""
        return [*self.context, *self.input_items, *self.output_items]

    @property
    def output_items(self) -> list[dict[str, Any]]:
        return list(self.response.get("output") or [])


def _aad(*parts: str | None) -> bytes:
    return orjson.dumps(list(parts))


class ReasoningSealer:
    """``encrypted_content``: reasoning sealed for its owner, opened only by this gateway."""

    def __init__(self, keyring: Keyring) -> None:
        self._derived = DerivedCiphers(keyring, _REASONING_PURPOSE)

    def seal(self, owner: str, text: str) -> str:
        key_id = self._derived.keyring.current.id
        nonce = os.urandom(_NONCE)
        sealed = self._derived.cipher(key_id).encrypt(nonce, text.encode(), _aad("r", owner))
        blob = key_id.encode() + b"\x00" + nonce + sealed
        return base64.urlsafe_b64encode(blob).decode()

    def open(self, owner: str, token: str) -> str | None:
        """The reasoning, or None if ``token`` is not one this gateway sealed for ``owner``."""
        try:
            blob = base64.urlsafe_b64decode(token.encode())
            key_id, _, rest = blob.partition(b"\x00")
            nonce, sealed = rest[:_NONCE], rest[_NONCE:]
            aead = self._derived.cipher(key_id.decode())
            return aead.decrypt(nonce, sealed, _aad("r", owner)).decode()
        except (ValueError, InvalidTag, KeyringError, UnicodeDecodeError):
            return None


class ResponseStore:
    def __init__(
        self, engine: AsyncEngine, keyring: Keyring, retention: timedelta = timedelta(days=30)
    ) -> None:
        if retention <= timedelta(0):
            raise ValueError("the responses' retention must be positive")
        self.engine = engine
        self.retention = retention
        self._items = DerivedCiphers(keyring, _ITEMS_PURPOSE)
        self.reasoning = ReasoningSealer(keyring)
        self._last_sweep = 0.0

    async def save(
        self,
        *,
        response_id: str,
        owner: str,
        project: str | None,
        label: str | None,
        model: str,
        previous_response_id: str | None,
        input_items: list[dict[str, Any]],
        response: dict[str, Any],
        context: list[dict[str, Any]] | None = None,
    ) -> None:
        now = datetime.now(UTC)
        key_id = self._items.keyring.current.id
        nonce = os.urandom(_NONCE)
        plaintext = orjson.dumps(
            {"context": context or [], "input": input_items, "response": response}
        )
        ciphertext = self._items.cipher(key_id).encrypt(
            nonce, plaintext, _aad(response_id, owner, label)
        )
        async with self.engine.begin() as conn:
            await conn.execute(
                insert(_rows).values(
                    id=response_id,
                    owner=owner,
                    project=project,
                    label=label,
                    model=model,
                    created_at=now,
                    expires_at=now + self.retention,
                    previous_response_id=previous_response_id,
                    key_id=key_id,
                    nonce=nonce,
                    ciphertext=ciphertext,
                )
            )
        if time.monotonic() - self._last_sweep > _SWEEP_EVERY_S:
            self._last_sweep = time.monotonic()
            await self.sweep(now)

    async def load(self, response_id: str, owner: str) -> StoredResponse | None:
        """The response, if it exists, has not expired and belongs to ``owner``."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(_rows).where(_rows.c.id == response_id))).one_or_none()
        if row is None or row.owner != owner or row.expires_at <= datetime.now(UTC):
            return None
        try:
            plaintext = self._items.cipher(row.key_id).decrypt(
                bytes(row.nonce), bytes(row.ciphertext), _aad(row.id, row.owner, row.label)
            )
        except InvalidTag:
            raise KeyringError(
                f"stored response {response_id} does not decrypt: its row was altered"
            ) from None
        data = orjson.loads(plaintext)
        return StoredResponse(
            row.id,
            row.owner,
            row.project,
            row.label,
            row.model,
            row.created_at,
            row.previous_response_id,
            data["input"],
            data["response"],
            data.get("context") or [],
        )

    async def delete(self, response_id: str, owner: str) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                delete(_rows).where(_rows.c.id == response_id, _rows.c.owner == owner)
            )
        return bool(result.rowcount)

    async def sweep(self, now: datetime | None = None) -> int:
        """Delete the responses past their retention; how many went."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                delete(_rows).where(_rows.c.expires_at <= (now or datetime.now(UTC)))
            )
        return int(result.rowcount or 0)
