"""API keys: generation, hashing, and the repository that creates, finds and revokes them.

A key looks like ``lg-<8 chars>-<43 chars>``: the first part is the key's public prefix (shown
in listings), the rest the secret. Only ``sha256(key)`` is stored. The plain key exists once:
in the answer to whoever created it.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from labgate.store.tenancy import ApiKey, User

KEY_PREFIX = "lg-"


def generate_key() -> tuple[str, str]:
    """A new ``(key, prefix)``; 256 bits of secret."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    return f"{KEY_PREFIX}{prefix}-{secret}", prefix


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """What authentication needs about a key, loaded in one query."""

    key_id: str
    user_id: str
    username: str
    lab_id: str
    project_id: str | None
    roles: tuple[str, ...]
    clearance: str | None
    expires_at: datetime | None
    revoked: bool
    user_disabled: bool
    cap: Mapping[str, Any] | None = None  # a key minted for someone else: its requester's
    # roles and clearance (labgate.identity.resolve applies it)

    @classmethod
    def of(cls, key: ApiKey, user: User) -> KeyRecord:
        """The record of ``key`` and its user, as every path that acts for a key reads it."""
        return cls(
            key_id=key.id,
            user_id=user.id,
            username=user.username,
            lab_id=user.lab_id,
            project_id=key.project_id,
            roles=tuple(user.roles or ()),
            clearance=user.clearance,
            expires_at=_aware(key.expires_at),
            revoked=key.revoked_at is not None,
            user_disabled=user.disabled,
            cap=key.cap or None,
        )


class KeyRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def create(
        self,
        user_id: str,
        project_id: str | None,
        name: str = "",
        expires_at: datetime | None = None,
    ) -> tuple[str, ApiKey]:
        """A key for ``user_id``, with no rule checked: bootstrap's first key of the first
        platform administrator (written to their own 0600 file). Every other key is minted
        through the tenancy service, which holds the rules (``docs/security.md``,
        "Credentials"): by its holder, or by a platform admin's request a second approves."""
        key, prefix = generate_key()
        row = ApiKey(
            id=new_id(),
            key_hash=hash_key(key),
            prefix=prefix,
            name=name,
            user_id=user_id,
            project_id=project_id,
            created_at=utcnow(),
            expires_at=expires_at,
        )
        async with self.sessions.begin() as s:
            s.add(row)
        return key, row

    async def find(self, key_hash: str) -> KeyRecord | None:
        stmt = (
            select(ApiKey, User)
            .join(User, User.id == ApiKey.user_id)
            .where(ApiKey.key_hash == key_hash)
        )
        async with self.sessions() as s:
            row = (await s.execute(stmt)).first()
        if row is None:
            return None
        key, user = row
        return KeyRecord.of(key, user)

    async def revoke(self, key_id: str) -> bool:
        async with self.sessions.begin() as s:
            result = await s.execute(
                update(ApiKey)
                .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def touch(self, last_used: dict[str, datetime]) -> None:
        """Write last-used times in one batch (called periodically, never per request)."""
        if not last_used:
            return
        async with self.sessions.begin() as s:
            for key_id, at in last_used.items():
                await s.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=at))


def _aware(dt: datetime | None) -> datetime | None:
    if dt is not None and dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt
