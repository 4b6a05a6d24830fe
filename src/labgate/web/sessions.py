"""Web sign-in sessions and sign-ins in progress, kept in the database that every replica
shares: a session made on one replica works on the others and survives a restart; signing out,
expiry and a disabled account end it everywhere at once.

What the database holds, and what it does not:

* ``web_sessions``: the SHA-256 of the session id (the cookie's value, 256 random bits), never
  the id itself; the user; the ID token sealed with AES-256-GCM under a key derived (HKDF-SHA256)
  from the session id, so a copy of the table gives neither a cookie to replay nor a bearer
  token; expiry (the ID token's), created and last-seen times (last-seen written at most once a
  minute per session). The CSRF token is not stored: it is an HMAC of the session id, computed
  again on each request.
* ``web_signins``: a sign-in between its redirect to the identity provider and the callback
  (ten minutes at most, used once): the SHA-256 of ``state`` and the PKCE verifier, nonce,
  issuer index and token endpoint sealed under a key derived from the sign-in cookie that
  binds it to its browser. A callback from another browser cannot open it (login CSRF).

There is no per-replica cache: each request with the cookie reads its one row by primary key,
joined to the user, so a session signed out, expired or of a disabled user is refused on every
replica from the next request, with no revocation message to wait for. A disabled user's
sessions are deleted when next seen.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Index, LargeBinary, String, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from labgate.audit.models import UTCDateTime
from labgate.store.base import Base

log = logging.getLogger("labgate.web")

PENDING_TTL_S = 600.0
TOUCH_EVERY_S = 60.0
MAX_SECRET_CHARS = 256  # a cookie value longer than this is no id of ours
_TOKEN = b"labgate/web/session/token/v1"
_CSRF = b"labgate/web/session/csrf/v1"
_PENDING = b"labgate/web/signin/v1"
_NONCE = 12


class WebSessionRow(Base):
    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), nullable=False)
    token_sealed: Mapped[bytes] = mapped_column(LargeBinary(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    __table_args__ = (
        Index("ix_web_sessions_user_id", "user_id"),
        Index("ix_web_sessions_expires_at", "expires_at"),
    )


class WebSigninRow(Base):
    __tablename__ = "web_signins"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary(), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


def digest(secret: str) -> str:
    """The name a secret (session id, state) is stored under."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _key(secret: str, purpose: bytes) -> AESGCM:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret.encode()
    )
    return AESGCM(raw)


def _seal(secret: str, purpose: bytes, plain: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(_NONCE)
    return nonce + _key(secret, purpose).encrypt(nonce, plain, aad)


def _open(secret: str, purpose: bytes, blob: bytes, aad: bytes) -> bytes | None:
    try:
        return _key(secret, purpose).decrypt(blob[:_NONCE], blob[_NONCE:], aad)
    except (InvalidTag, ValueError):
        return None


def csrf_token(sid: str) -> str:
    """The session's CSRF token: only a holder of the session id (the server, on a request
    that carries the cookie) computes it; the page reads it from ``/web/session``."""
    mac = hmac.new(sid.encode(), _CSRF, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@dataclass
class WebSession:
    user_id: str
    expires_at: float
    token: str = field(repr=False)
    csrf: str = field(repr=False)


class SessionStore:
    """The sessions and sign-ins in progress, in the database of ``sessions``."""

    def __init__(
        self,
        sessions: Callable[[], Any],
        *,
        clock: Callable[[], float] = time.time,
        touch_every_s: float = TOUCH_EVERY_S,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.touch_every_s = touch_every_s

    # -- sessions ---------------------------------------------------------------------------

    async def create(self, user_id: str, token: str, expires_at: float) -> str:
        """A new session for ``user_id``; its id (for the cookie, never stored)."""
        sid = secrets.token_urlsafe(32)
        id_hash = digest(sid)
        now = self.clock()
        row = WebSessionRow(
            id_hash=id_hash,
            user_id=user_id,
            token_sealed=_seal(sid, _TOKEN, token.encode(), (id_hash + user_id).encode()),
            expires_at=_at(expires_at),
            created_at=_at(now),
            last_seen_at=_at(now),
        )
        async with self.sessions() as db:
            await db.execute(delete(WebSessionRow).where(WebSessionRow.expires_at <= _at(now)))
            db.add(row)
            await db.commit()
        return sid

    async def get(self, sid: str | None) -> WebSession | None:
        """The live session of this id, or None (unknown, signed out, expired, its user
        disabled or gone)."""
        if not sid or len(sid) > MAX_SECRET_CHARS:
            return None
        from labgate.store.tenancy import User

        id_hash = digest(sid)
        async with self.sessions() as db:
            found = (
                await db.execute(
                    select(WebSessionRow, User.disabled)
                    .outerjoin(User, User.id == WebSessionRow.user_id)
                    .where(WebSessionRow.id_hash == id_hash)
                )
            ).one_or_none()
        if found is None:
            return None
        row, disabled = found
        now = self.clock()
        if disabled is None or disabled:  # the account is gone or disabled: all of them
            await self._quietly(delete(WebSessionRow).where(WebSessionRow.user_id == row.user_id))
            return None
        if row.expires_at.timestamp() <= now:
            await self._quietly(delete(WebSessionRow).where(WebSessionRow.id_hash == id_hash))
            return None
        token = _open(sid, _TOKEN, row.token_sealed, (id_hash + row.user_id).encode())
        if token is None:  # a row not sealed for this id: not a session
            return None
        if now - row.last_seen_at.timestamp() >= self.touch_every_s:
            await self._quietly(
                update(WebSessionRow)
                .where(WebSessionRow.id_hash == id_hash)
                .values(last_seen_at=_at(now))
            )
        return WebSession(
            user_id=row.user_id,
            expires_at=row.expires_at.timestamp(),
            token=token.decode(),
            csrf=csrf_token(sid),
        )

    async def _quietly(self, statement: Any) -> None:
        """A write the request does not depend on (last seen, clearing a dead session): a
        locked database (SQLite under another writer) skips it, the next request does it."""
        try:
            async with self.sessions() as db:
                await db.execute(statement)
                await db.commit()
        except Exception as exc:  # noqa: BLE001 - best effort, said in the log
            log.info("web session bookkeeping skipped (%s)", exc.__class__.__name__)

    async def end(self, sid: str | None) -> None:
        """Sign out: the session is deleted, on every replica."""
        if not sid or len(sid) > MAX_SECRET_CHARS:
            return
        async with self.sessions() as db:
            await db.execute(delete(WebSessionRow).where(WebSessionRow.id_hash == digest(sid)))
            await db.commit()

    async def end_user(self, user_id: str) -> int:
        """End every session of ``user_id``; how many there were."""
        async with self.sessions() as db:
            result = await db.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user_id))
            await db.commit()
        return int(getattr(result, "rowcount", 0) or 0)

    # -- sign-ins in progress ---------------------------------------------------------------

    async def put_pending(self, state: str, binder: str, payload: dict[str, Any]) -> None:
        """Keep a sign-in for ten minutes, openable only with ``binder`` (its browser's
        sign-in cookie)."""
        state_hash = digest(state)
        now = self.clock()
        row = WebSigninRow(
            state_hash=state_hash,
            sealed=_seal(binder, _PENDING, orjson.dumps(payload), state_hash.encode()),
            created_at=_at(now),
        )
        async with self.sessions() as db:
            await db.execute(
                delete(WebSigninRow).where(WebSigninRow.created_at < _at(now - PENDING_TTL_S))
            )
            db.add(row)
            await db.commit()

    async def take_pending(self, state: str, binder: str) -> dict[str, Any] | None:
        """The sign-in of ``state``, once (it is deleted, whoever asks); None when unknown,
        older than ten minutes, taken already, or ``binder`` is not its browser's."""
        if not state or len(state) > MAX_SECRET_CHARS:
            return None
        state_hash = digest(state)
        async with self.sessions() as db:
            row = await db.get(WebSigninRow, state_hash)
            if row is None:
                return None
            sealed, created = row.sealed, row.created_at
            gone = await db.execute(
                delete(WebSigninRow).where(WebSigninRow.state_hash == state_hash)
            )
            await db.commit()
        if int(getattr(gone, "rowcount", 0) or 0) != 1:  # another request took it first
            return None
        if created.timestamp() + PENDING_TTL_S < self.clock() or not binder:
            return None
        plain = _open(binder, _PENDING, sealed, state_hash.encode())
        return None if plain is None else dict(orjson.loads(plain))
