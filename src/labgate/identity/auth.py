"""Authentication on the request path: ``Authorization: Bearer <API key | OIDC token>``.

An API key is looked up once and then served from an in-process cache keyed by its hash, so
the request path costs one SHA-256 and a dict lookup, not a database round trip. The cache
entry lives ``cache_ttl_s`` at most; a revocation removes it at once on this replica, and the
revocation bus removes it on every other replica (see ``labgate.quota``). Unknown keys are
cached negatively for a short time so a client hammering with a bad key cannot hammer the
database. Last-used times are collected in memory and written in one batch periodically.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from labgate.api.errors import APIError, unauthorized
from labgate.identity.keys import KEY_PREFIX, KeyRecord, KeyRepository, hash_key
from labgate.identity.oidc import looks_like_jwt
from labgate.identity.principal import Principal, Role
from labgate.identity.resolve import key_principal, key_refusal

if TYPE_CHECKING:
    from labgate.access.policy import AccessPolicy
    from labgate.identity.federated import OidcAuthenticator


class Authenticator:
    def __init__(
        self,
        keys: KeyRepository,
        *,
        cache_ttl_s: float = 30.0,
        negative_ttl_s: float = 2.0,
        max_entries: int = 100_000,
        oidc: OidcAuthenticator | None = None,
        clock: Callable[[], float] = time.monotonic,
        labels: AccessPolicy | None = None,
    ) -> None:
        self.keys = keys
        self.labels = labels  # a key's cap is cut to a clearance through it
        self.cache_ttl_s = cache_ttl_s
        self.negative_ttl_s = negative_ttl_s
        self.max_entries = max_entries
        self.oidc = oidc
        self._clock = clock
        # by key hash: until when, the key's record (None: no such key), and its principal
        # (immutable, so built once per lookup in the store rather than once per request)
        self._cache: OrderedDict[str, tuple[float, KeyRecord | None, Principal | None]] = (
            OrderedDict()
        )
        self._by_key_id: dict[str, str] = {}
        self.last_used: dict[str, datetime] = {}

    async def authenticate(
        self, authorization: str | None, headers: Mapping[str, str]
    ) -> Principal:
        if not authorization:
            raise unauthorized(
                "no API key: send 'Authorization: Bearer <key>' (your key was printed when it "
                "was created; an administrator can create one with 'labgate admin keys create')",
                code="missing_api_key",
            )
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise unauthorized("the Authorization header must be 'Bearer <key>'")
        if self.oidc is not None and not token.startswith(KEY_PREFIX) and looks_like_jwt(token):
            return await self.oidc(token, headers)
        return await self._lookup(token)

    async def _lookup(self, token: str) -> Principal:
        digest = hash_key(token)
        now = self._clock()
        hit = self._cache.get(digest)
        if hit is None or hit[0] <= now:
            found = await self.keys.find(digest)
            ttl = self.cache_ttl_s if found is not None else self.negative_ttl_s
            hit = self._remember(digest, now + ttl, found)
        _, record, principal = hit
        if record is None or principal is None:
            raise unauthorized("the API key is not valid; check it, or ask for a new one")
        wall = datetime.now(UTC)
        refused = key_refusal(record, wall)
        if refused is not None:
            raise unauthorized(refused.message, code=refused.code)
        self.last_used[record.key_id] = wall
        return principal

    def _remember(
        self, digest: str, until: float, record: KeyRecord | None
    ) -> tuple[float, KeyRecord | None, Principal | None]:
        entry = (until, record, None if record is None else self._principal(record))
        self._cache[digest] = entry
        self._cache.move_to_end(digest)
        if record is not None:
            self._by_key_id[record.key_id] = digest
        while len(self._cache) > self.max_entries:
            _, (_, dropped, _) = self._cache.popitem(last=False)
            if dropped is not None:
                self._by_key_id.pop(dropped.key_id, None)
        return entry

    def invalidate_key(self, key_id: str) -> None:
        """Forget a key now (it was revoked or changed here or on another replica)."""
        digest = self._by_key_id.pop(key_id, None)
        if digest is not None:
            self._cache.pop(digest, None)

    def invalidate_all(self) -> None:
        self._cache.clear()
        self._by_key_id.clear()

    def take_last_used(self) -> dict[str, datetime]:
        taken, self.last_used = self.last_used, {}
        return taken

    def _principal(self, record: KeyRecord) -> Principal:
        return key_principal(record, self.labels)


def require_admin(principal: Principal) -> None:
    if not principal.has_role(Role.PLATFORM_ADMIN, Role.LAB_ADMIN):
        raise APIError(403, "this needs a platform or lab administrator", code="insufficient_role")
