"""Federated identity: OIDC bearer tokens (JWT) from each lab's identity provider.

Every lab runs its own identity provider (IdP). A scientist logs in there and presents the token
it issued; labgate checks it against that lab's configuration and learns who is asking, from
which lab, with which clearance and roles. No shared secret with any IdP exists: signatures are
checked with the public keys the IdP publishes (its JWKS, see :mod:`labgate.identity.jwks`).

The checks run in a fixed order, cheapest and least trusting first, and the first that fails
names itself in :attr:`TokenError.check`: ``malformed``, ``algorithm`` (``none`` and ``HS*``
refused before any key is looked at), ``unknown_issuer``/``issuer`` (the unverified ``iss`` only
picks the configuration), ``jwks_unavailable``/``unknown_key``, ``signature``, then the claims:
``missing_claim``, ``audience``, ``expired``, ``not_yet_valid``. ``docs/identity.md`` has the
full table and the configuration reference.

Tokens that pass are cached by a SHA-256 of the token until they expire (bounded LRU), so the
hot path does not redo an RSA or ECDSA verification on every request; a cached token stops
being accepted as soon as the key that signed it is no longer published.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal, Protocol

import aiohttp

from labgate.identity.jwks import (
    JWKSUnavailable,
    KeyStatus,
    KeyStore,
    SigningKey,
    TokenCheck,
    TokenError,
    gate_algorithm,
    looks_like_jwt,
    parse_token,
    signature_ok,
)
from labgate.identity.oidc_config import OIDCConfig, OIDCIssuerConfig
from labgate.identity.principal import Principal, Role

__all__ = [
    "OIDCConfig",
    "OIDCIssuerConfig",
    "OIDCVerifier",
    "ProvisioningError",
    "TokenCheck",
    "TokenError",
    "Account",
    "UserDirectory",
    "VerifiedIdentity",
    "admit",
    "looks_like_jwt",
]

log = logging.getLogger("labgate.identity.oidc")


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class VerifiedIdentity:
    """Who a verified token names, mapped through the issuer's claim configuration."""

    issuer: str
    lab: str
    subject: str | None
    user_id: str
    email: str | None
    name: str | None
    clearance: str | None  # the raw claim: only ever an input to the issuer's mapping
    compartments: frozenset[str]
    roles: frozenset[Role]  # default_roles and the roles role_map gives this token's groups
    expires_at: float
    provisioning: Literal["auto", "deny"]
    claims: Mapping[str, Any] = field(compare=False, repr=False)
    clearance_by_idp: bool = False
    """The issuer has a ``clearance_claim``: the IdP alone decides the user's clearance."""

    def to_principal(
        self, project: str | None, user_id: str | None = None, clearance: str | None = None
    ) -> Principal:
        """The principal for a request charged to ``project`` (membership checked by the caller).

        ``user_id``: labgate's id for the user (from :func:`admit`); default: :attr:`user_id`.
        ``clearance``: the marking the issuer's mapping gives :attr:`clearance` (see
        :class:`~labgate.identity.federated.OidcAuthenticator`); the raw claim never is one.
        """
        return Principal(
            user_id=user_id or self.user_id,
            lab=self.lab,
            project=project,
            roles=self.roles,
            clearance=clearance,
            key_id=None,
            auth_method="oidc",
        )


# ----------------------------------------------------------------------------- the verifier


@dataclass(frozen=True, slots=True)
class _Issuer:
    config: OIDCIssuerConfig
    keys: KeyStore


@dataclass(frozen=True, slots=True)
class _Cached:
    identity: VerifiedIdentity
    keys: KeyStore
    kid: str | None
    key: SigningKey
    leeway_s: float


class OIDCVerifier:
    """Verifies bearer tokens from the configured issuers; one instance per process.

    ``session`` is the aiohttp session used to fetch JWKS and discovery documents; without one
    the verifier opens its own on first use and closes it in :meth:`aclose`. ``clock`` returns
    Unix time in seconds and drives every time check and cache expiry (tests pass a fake one).
    """

    def __init__(
        self,
        issuers: list[OIDCIssuerConfig],
        session: aiohttp.ClientSession | None = None,
        clock: Callable[[], float] = time.time,
        *,
        token_cache_size: int = 10_000,
    ) -> None:
        self._clock = clock
        self._session = session
        self._own_session: aiohttp.ClientSession | None = None
        self._cache: OrderedDict[bytes, _Cached] = OrderedDict()
        self._cache_size = token_cache_size
        self.cache_hits = 0
        self._issuers = {c.issuer: _Issuer(c, self._key_store(c)) for c in issuers}
        self._near_misses = {_loose(c.issuer): c.issuer for c in issuers}

    @classmethod
    def from_config(
        cls, config: OIDCConfig, session: aiohttp.ClientSession | None = None
    ) -> OIDCVerifier:
        return cls(config.issuers, session, token_cache_size=config.token_cache_size)

    def _key_store(self, config: OIDCIssuerConfig) -> KeyStore:
        return KeyStore(
            issuer=config.issuer,
            jwks_uri=config.jwks_uri,
            session=self._http,
            clock=self._clock,
            ttl_s=config.jwks_cache_ttl_s,
            min_refresh_interval_s=config.jwks_min_refresh_interval_s,
            max_stale_s=config.jwks_max_stale_s,
            timeout_s=config.http_timeout_s,
            allow_http=config.allow_http,
        )

    def _http(self) -> aiohttp.ClientSession:
        if self._session is not None:
            return self._session
        if self._own_session is None or self._own_session.closed:
            self._own_session = aiohttp.ClientSession()
        return self._own_session

    @property
    def issuers(self) -> list[OIDCIssuerConfig]:
        return [i.config for i in self._issuers.values()]

    def key_status(self) -> dict[str, KeyStatus]:
        """Issuer -> how its keys stand (fresh, failing, fetch count): for health and metrics."""
        return {name: issuer.keys.status() for name, issuer in self._issuers.items()}

    async def warm(self) -> dict[str, str | None]:
        """Fetch every issuer's keys now; returns issuer -> error text (``None`` when fetched).

        Failures are not fatal: a lab whose IdP is down at start-up is retried on its first
        token. The error text is for operators (it names URLs, never keys).
        """
        results: dict[str, str | None] = {}
        for name, issuer in self._issuers.items():
            try:
                await issuer.keys.prefetch()
                results[name] = None
            except JWKSUnavailable as exc:
                results[name] = str(exc)
        return results

    async def aclose(self) -> None:
        if self._own_session is not None:
            await self._own_session.close()
            self._own_session = None

    async def verify(self, token: str) -> VerifiedIdentity:
        """The identity a token proves, or :class:`TokenError` naming the check that failed."""
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        hit = self._cache.get(digest)
        if hit is not None:
            if self._clock() <= hit.identity.expires_at + hit.leeway_s and hit.keys.still_trusts(
                hit.kid, hit.key
            ):
                self._cache.move_to_end(digest)
                self.cache_hits += 1
                return hit.identity
            del self._cache[digest]
        try:
            entry = await self._verify_uncached(token)
        except TokenError as exc:
            log.debug("token refused: %s", exc.check)
            raise
        if self._cache_size > 0:
            self._cache[digest] = entry
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return entry.identity

    async def _verify_uncached(self, token: str) -> _Cached:
        parsed = parse_token(token)
        alg = gate_algorithm(parsed.header)
        issuer = self._pick_issuer(parsed.claims)
        config = issuer.config
        if alg not in config.algorithms:
            raise TokenError(
                "algorithm",
                f"tokens signed with {alg} are not accepted for lab {config.lab} (allowed: "
                f"{', '.join(config.algorithms)}); use a token from your lab's login",
            )
        kid = parsed.header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise TokenError("malformed", "the token header's 'kid' is not a string")
        try:
            key = await issuer.keys.key_for(kid, alg)
        except JWKSUnavailable as exc:
            raise TokenError(
                "jwks_unavailable",
                f"labgate cannot reach the identity provider of lab {config.lab} to check the "
                "token's signature; try again in a minute, and tell your lab admin if it persists",
            ) from exc
        if key is None:
            raise TokenError(
                "unknown_key",
                f"the token is signed with a key that lab {config.lab}'s identity provider does "
                "not publish (it may have been rotated away); get a new token from your lab's "
                "login",
            )
        if not signature_ok(alg, parsed, key):
            raise TokenError(
                "signature",
                f"the token's signature does not verify against lab {config.lab}'s published "
                "keys: it was altered or not issued by your lab; get a new token from your "
                "lab's login",
            )
        identity = _identity(config, parsed.claims, self._clock())
        return _Cached(identity, issuer.keys, kid, key, config.leeway_s)

    def _pick_issuer(self, claims: dict[str, Any]) -> _Issuer:
        iss = claims.get("iss")
        if iss is None:
            raise TokenError(
                "missing_claim", "the token has no 'iss' claim, so its lab cannot be told"
            )
        if not isinstance(iss, str):
            raise TokenError("malformed", "the token's 'iss' claim is not a string")
        issuer = self._issuers.get(iss)
        if issuer is not None:
            return issuer
        shown = iss[:200]
        near = self._near_misses.get(_loose(iss))
        if near is not None:
            raise TokenError(
                "issuer",
                f"the token's issuer {shown!r} differs from the configured {near!r}; issuers "
                "must match exactly (ask the platform admins to check the lab's issuer setting)",
            )
        raise TokenError(
            "unknown_issuer",
            f"tokens from issuer {shown!r} are not accepted here; use a token from your lab's "
            "login, or a labgate API key",
        )


def _loose(issuer: str) -> str:
    return issuer.rstrip("/").lower()


# ----------------------------------------------------------------------------- claims


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenError("malformed", f"the token's '{name}' claim is not a number of seconds")
    return float(value)


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    """A claim by name, or by dotted path into nested objects (``realm_access.roles``)."""
    if path in claims:
        return claims[path]
    node: Any = claims
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _strings(value: Any) -> frozenset[str]:
    """A list of strings, or one string of space- or comma-separated words."""
    if isinstance(value, str):
        return frozenset(w for w in re.split(r"[\s,]+", value) if w)
    if isinstance(value, list):
        return frozenset(v for v in value if isinstance(v, str) and v)
    return frozenset()


def _check_times(config: OIDCIssuerConfig, claims: dict[str, Any], now: float) -> float:
    leeway = config.leeway_s
    exp = _number(claims, "exp")
    if exp is None:
        raise TokenError(
            "missing_claim", "the token has no 'exp' (expiry) claim; labgate needs expiring tokens"
        )
    if now > exp + leeway:
        raise TokenError(
            "expired",
            f"the token expired at {_utc(exp)}; get a new token from your lab's login "
            f"(lab {config.lab})",
        )
    nbf = _number(claims, "nbf")
    if nbf is not None and now + leeway < nbf:
        raise TokenError(
            "not_yet_valid",
            f"the token is not valid before {_utc(nbf)}; check this machine's clock, or wait",
        )
    iat = _number(claims, "iat")
    if iat is not None and now + leeway < iat:
        raise TokenError(
            "not_yet_valid",
            f"the token claims to be issued in the future ({_utc(iat)}); check the clocks of "
            "your machine and your lab's identity provider",
        )
    return exp


def _check_audience(config: OIDCIssuerConfig, claims: dict[str, Any]) -> None:
    aud = claims.get("aud")
    if aud is None:
        raise TokenError(
            "missing_claim", "the token has no 'aud' (audience) claim; request one for labgate"
        )
    audiences = {aud} if isinstance(aud, str) else _strings(aud)
    if not audiences & config.audiences:
        raise TokenError(
            "audience",
            f"the token was issued for another audience, not labgate (expected "
            f"{' or '.join(sorted(config.audiences))}); request a token for labgate from your "
            "lab's login",
        )


def _identity(config: OIDCIssuerConfig, claims: dict[str, Any], now: float) -> VerifiedIdentity:
    _check_audience(config, claims)
    expires_at = _check_times(config, claims, now)
    user_id = _claim(claims, config.user_claim)
    if not isinstance(user_id, str) or not user_id:
        raise TokenError(
            "missing_claim",
            f"the token has no '{config.user_claim}' claim to name the user; ask your lab admin "
            "to include it in labgate's tokens",
        )
    if config.user_claim == "email" and claims.get("email_verified") is False:
        raise TokenError(
            "missing_claim",
            "the token's email is not verified by your lab's identity provider; verify it there",
        )
    roles = set(config.default_roles)
    if config.roles_claim:
        groups = _strings(_claim(claims, config.roles_claim))
        roles.update(role for group, role in config.role_map.items() if group in groups)
    clearance = _claim(claims, config.clearance_claim) if config.clearance_claim else None
    compartments = (
        _strings(_claim(claims, config.compartments_claim))
        if config.compartments_claim
        else frozenset()
    )
    return VerifiedIdentity(
        issuer=config.issuer,
        lab=config.lab,
        subject=claims.get("sub") if isinstance(claims.get("sub"), str) else None,
        user_id=user_id,
        email=claims.get("email") if isinstance(claims.get("email"), str) else None,
        name=claims.get("name") if isinstance(claims.get("name"), str) else None,
        clearance=clearance if isinstance(clearance, str) and clearance else None,
        compartments=compartments,
        roles=frozenset(roles),
        expires_at=expires_at,
        provisioning=config.provisioning,
        claims=MappingProxyType(claims),
        clearance_by_idp=config.clearance_claim is not None,
    )


# ----------------------------------------------------------------------------- provisioning


@dataclass(frozen=True, slots=True)
class Account:
    """A labgate account as the directory found it, with the sign-in it is bound to.

    ``issuer``/``subject`` are ``None`` for an account nobody has signed in to yet (one a lab
    admin created); otherwise the ``(iss, sub)`` it was bound to at its first sign-in.
    """

    user_id: str
    lab: str
    issuer: str | None = None
    subject: str | None = None

    def bound_to(self, identity: VerifiedIdentity) -> bool:
        return (self.issuer, self.subject) == (identity.issuer, identity.subject)

    @property
    def bound(self) -> bool:
        return self.subject is not None


class UserDirectory(Protocol):
    """The part of the user store provisioning needs (implemented over the tenancy tables)."""

    async def find_user(self, identity: VerifiedIdentity) -> Account | None:
        """The account bound to ``(identity.issuer, identity.subject)``; failing that, the
        account named ``identity.user_id`` in ``identity.lab`` (bound to anyone or no one);
        ``None`` if neither exists."""
        ...

    async def bind_user(self, user_id: str, identity: VerifiedIdentity) -> bool:
        """Bind a not yet bound account to ``(issuer, subject)``; False if it was bound since."""
        ...

    async def provision_user(self, identity: VerifiedIdentity) -> str:
        """Create the user in ``identity.lab``, bound to ``(issuer, subject)``; return its id.

        Idempotent (first requests race); raises :class:`ProvisioningError`
        (``subject_mismatch``) when the name was taken by another subject meanwhile."""
        ...


ProvisioningCode = Literal["not_provisioned", "wrong_lab", "subject_mismatch"]


class ProvisioningError(Exception):
    """A verified token whose user may not use labgate: ``not_provisioned``, ``wrong_lab`` or
    ``subject_mismatch`` (the name belongs to an account bound to another sign-in)."""

    def __init__(self, code: ProvisioningCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def name_taken(identity: VerifiedIdentity) -> ProvisioningError:
    return ProvisioningError(
        "subject_mismatch",
        f"the name {identity.user_id!r} belongs to another sign-in's account in lab "
        f"{identity.lab}; labgate never hands an account to a new identity by its name. Ask "
        "your lab admin (the account may need to be renamed, or your identity provider's "
        "user claim corrected)",
    )


async def admit(identity: VerifiedIdentity, directory: UserDirectory) -> tuple[str, bool]:
    """Apply the lab's provisioning policy: ``(labgate user id, created just now)``.

    An account is bound to the ``(issuer, subject)`` it was first signed in with and is only
    ever reached through it. A name (``user_claim``) finds an account only if nobody has signed
    in to it yet (one a lab admin created): it is then bound, once. A name that belongs to an
    account bound to another subject, of this issuer or another, is refused
    (``subject_mismatch``): it is never rebound, and no second account is made. A user the
    directory places in another lab is refused (``wrong_lab``).
    """
    if not identity.subject:
        raise ProvisioningError(
            "not_provisioned",
            "the token has no 'sub' claim, so labgate cannot tell which account it is for; "
            "ask your lab admin to include it",
        )
    known = await directory.find_user(identity)
    if known is not None:
        if known.lab != identity.lab:
            raise ProvisioningError(
                "wrong_lab",
                f"user {identity.user_id!r} belongs to another lab than {identity.lab} in "
                "labgate; ask the platform admins to sort out the account",
            )
        if known.bound_to(identity):
            return known.user_id, False
        if known.bound or not await directory.bind_user(known.user_id, identity):
            raise name_taken(identity)
        return known.user_id, False
    if identity.provisioning == "deny":
        raise ProvisioningError(
            "not_provisioned",
            f"user {identity.user_id!r} is not registered with labgate, and lab {identity.lab} "
            "does not add users automatically; ask your lab admin to add you",
        )
    return await directory.provision_user(identity), True
