"""Signed tokens and the keys that sign them: JWS parsing, the algorithm gate, signatures, JWKS.

This is the cryptographic layer under :mod:`labgate.identity.oidc`, which adds what the claims
mean. It parses a compact JWS without trusting it (:func:`parse_token`), refuses algorithms that
can never be accepted before any key is looked at (:func:`gate_algorithm`), and checks a
signature with a key from an issuer's :class:`KeyStore`.

An identity provider publishes its keys as a JWKS document and rotates them now and then: a new
key appears (tokens start naming its ``kid``), and later the old one disappears. A
:class:`KeyStore` follows that without operator help and without letting a client drive traffic
to the provider:

* the keys are cached for ``ttl_s``; the first token after that refetches them (one fetch, however
  many requests are waiting for it: concurrent refreshes are coalesced into one);
* a token naming a ``kid`` that is not in the cache triggers one refetch, but never more than one
  per ``min_refresh_interval_s``, so a flood of tokens with random ``kid`` values costs the
  provider at most one request per interval;
* when the provider is down, keys already held keep working for up to ``max_stale_s`` past their
  TTL (tokens that were valid stay valid through a short outage), and refetch attempts are
  spaced by the same minimum interval and made in the background.

Only asymmetric signature keys are ever loaded: ``oct`` (shared-secret) keys, encryption keys and
anything carrying private parameters are skipped, so a JWKS can never turn into an HMAC secret.
Nothing here logs or raises key material; errors carry URLs and HTTP statuses only.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import aiohttp
import jwt
import orjson
from cryptography.hazmat.primitives.asymmetric import rsa

log = logging.getLogger("labgate.identity.jwks")

#: A JWKS or discovery document larger than this is refused (a real one is a few KiB).
MAX_DOCUMENT_BYTES = 512 * 1024
#: RSA keys shorter than this are refused (NIST SP 800-131A).
MIN_RSA_BITS = 2048

#: The key type and (for EC) the curve each accepted algorithm needs.
KEY_TYPE_FOR_ALGORITHM: dict[str, tuple[str, str | None]] = {
    "RS256": ("RSA", None),
    "RS384": ("RSA", None),
    "RS512": ("RSA", None),
    "PS256": ("RSA", None),
    "PS384": ("RSA", None),
    "PS512": ("RSA", None),
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "ES512": ("EC", "P-521"),
    "EdDSA": ("OKP", None),
}
_VERIFIERS = {
    name: algorithm
    for name, algorithm in jwt.algorithms.get_default_algorithms().items()
    if name in KEY_TYPE_FOR_ALGORITHM
}
_PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


TokenCheck = Literal[
    "malformed",
    "unknown_issuer",
    "algorithm",
    "unknown_key",
    "signature",
    "expired",
    "not_yet_valid",
    "audience",
    "issuer",
    "missing_claim",
    "jwks_unavailable",
]
#: Tokens longer than this are refused before any decoding (real ones are 1–4 KiB).
MAX_TOKEN_CHARS = 16 * 1024
_JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class TokenError(Exception):
    """A token that is not accepted; ``check`` names the check that failed.

    ``message`` is safe to show the client: it says what failed and what to do, and never
    contains the token or key material. ``jwks_unavailable`` is labgate's (or the IdP's)
    problem, not the client's: see :attr:`retryable`.
    """

    def __init__(self, check: TokenCheck, message: str) -> None:
        super().__init__(message)
        self.check: TokenCheck = check
        self.message = message

    @property
    def retryable(self) -> bool:
        return self.check == "jwks_unavailable"

    def __repr__(self) -> str:
        return f"TokenError({self.check!r}, {self.message!r})"


def looks_like_jwt(token: str) -> bool:
    """Whether a bearer token has a JWT's shape (three base64url segments), not an API key's.

    Cheap enough to run on every request; the signature segment may be empty so that unsigned
    tokens still reach the verifier and get its specific answer.
    """
    return len(token) <= MAX_TOKEN_CHARS and _JWT_SHAPE.fullmatch(token) is not None


@dataclass(frozen=True, slots=True)
class ParsedToken:
    """A compact JWS taken apart, nothing verified yet."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


def parse_token(token: str) -> ParsedToken:
    """Split and decode a token; ``TokenError("malformed")`` says which part is broken."""
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenError("malformed", f"the token is longer than {MAX_TOKEN_CHARS} characters")
    parts = token.split(".")
    if len(parts) == 5:
        raise TokenError(
            "malformed",
            "the token is encrypted (JWE); labgate needs a signed token from your lab's login",
        )
    if len(parts) != 3:
        raise TokenError(
            "malformed", "the bearer token is not a JWT (three dot-separated parts) nor an API key"
        )
    header = _json_object(parts[0], "header")
    claims = _json_object(parts[1], "payload")
    signature = _b64decode(parts[2], "signature")
    return ParsedToken(header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def _b64decode(segment: str, what: str) -> bytes:
    if _B64URL.fullmatch(segment) is None or len(segment) % 4 == 1:
        raise TokenError("malformed", f"the token's {what} is not valid base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _json_object(segment: str, what: str) -> dict[str, Any]:
    try:
        value = orjson.loads(_b64decode(segment, what))
    except orjson.JSONDecodeError:
        raise TokenError("malformed", f"the token's {what} is not valid JSON") from None
    if not isinstance(value, dict):
        raise TokenError("malformed", f"the token's {what} is not a JSON object")
    return value


def gate_algorithm(header: dict[str, Any]) -> str:
    """The header's ``alg``, refused before any key is looked at if it can never be accepted.

    ``none`` and ``HS*`` are refused whatever the configuration: unsigned tokens prove nothing,
    and an HMAC "signed" with an issuer's public key (the key-confusion attack) would verify.
    """
    alg = header.get("alg")
    if not isinstance(alg, str) or not alg:
        raise TokenError("malformed", "the token header has no 'alg'")
    if alg.lower() == "none":
        raise TokenError("algorithm", "unsigned tokens (alg 'none') are never accepted")
    if alg.upper().startswith("HS"):
        raise TokenError(
            "algorithm",
            f"shared-secret tokens ({alg[:20]}) are not accepted; labgate checks lab tokens "
            "against the public keys of the lab's identity provider",
        )
    if "crit" in header:
        raise TokenError(
            "malformed",
            "the token header marks extensions as critical ('crit'); none are supported",
        )
    return alg if alg in KEY_TYPE_FOR_ALGORITHM else alg[:20]


def signature_ok(alg: str, token: ParsedToken, key: SigningKey) -> bool:
    """Whether ``key`` fits ``alg`` and the token's signature verifies with it."""
    if not key.fits(alg):
        return False
    try:
        return bool(_VERIFIERS[alg].verify(token.signing_input, key.key, token.signature))
    except (ValueError, TypeError):  # e.g. a signature of the wrong length for the curve
        return False


class JWKSUnavailable(Exception):
    """The issuer's keys could not be had: network error, HTTP status, or an unusable document.

    The message is for operators' logs (it names the URL and what went wrong); clients get a
    generic message from the verifier.
    """


@dataclass(frozen=True, slots=True)
class SigningKey:
    """One public key from a JWKS, ready for PyJWT's algorithm objects."""

    kid: str | None
    kty: str
    curve: str | None
    alg: str | None
    key: Any

    def fits(self, alg: str) -> bool:
        """Whether a token signed with ``alg`` may be checked with this key at all."""
        if self.alg is not None and self.alg != alg:
            return False
        return KEY_TYPE_FOR_ALGORITHM.get(alg) == (self.kty, self.curve)


def check_fetch_url(url: str, allow_http: bool) -> str:
    """Refuse URLs keys must not come from: plain HTTP except on loopback or when allowed.

    Keys fetched over plain HTTP could be swapped by anyone on the path, and then any token
    would verify. Returns the URL unchanged; raises ``ValueError`` with the reason.
    """
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname:
        if allow_http or _is_loopback(parts.hostname):
            return url
        raise ValueError(
            f"{url} uses plain http; keys must be fetched over https (set allow_http = true "
            "only on a trusted network)"
        )
    raise ValueError(f"{url!r} is not an http(s) URL")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_jwks(document: Any, where: str) -> list[SigningKey]:
    """The usable signature keys in a JWKS document; unusable entries are skipped and logged.

    Raises :class:`JWKSUnavailable` when nothing usable is left.
    """
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JWKSUnavailable(f"{where} is not a JWKS document (no 'keys' list)")
    keys: list[SigningKey] = []
    for index, jwk_data in enumerate(document["keys"]):
        key = _load_key(jwk_data, where, index)
        if key is not None:
            keys.append(key)
    if not keys:
        # Kept as a failure, so a provider's bad deploy does not wipe the keys already held.
        raise JWKSUnavailable(f"{where} has no usable signature keys")
    return keys


def _load_key(jwk_data: Any, where: str, index: int) -> SigningKey | None:
    if not isinstance(jwk_data, dict):
        return None
    kid = jwk_data.get("kid")
    label = f"{where} key #{index} (kid {kid!r})"
    kty = jwk_data.get("kty")
    if jwk_data.get("use", "sig") != "sig" or kty not in ("RSA", "EC", "OKP"):
        return None
    if _PRIVATE_JWK_MEMBERS & jwk_data.keys():
        log.error("%s carries private key parameters; refusing it (tell the IdP's admins)", label)
        return None
    alg = jwk_data.get("alg")
    if alg is not None and alg not in KEY_TYPE_FOR_ALGORITHM:
        return None
    try:
        key = jwt.PyJWK(jwk_data).key
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError, KeyError) as exc:
        log.warning("%s cannot be loaded: %s", label, type(exc).__name__)
        return None
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        log.warning(
            "%s is a %d-bit RSA key; refusing keys under %d bits", label, key.key_size, MIN_RSA_BITS
        )
        return None
    curve = jwk_data.get("crv") if kty == "EC" else None
    return SigningKey(kid if isinstance(kid, str) else None, kty, curve, alg, key)


@dataclass(frozen=True, slots=True)
class KeyStatus:
    """How an issuer's keys stand, for health checks and metrics (nothing secret)."""

    keys: int
    fresh: bool
    failing: bool
    fetched_at: float | None
    fetches: int


class KeyStore:
    """The cached keys of one issuer, and the policy for when to fetch them again.

    ``jwks_uri`` may be ``None``: the store then reads it from the issuer's discovery document
    (``<issuer>/.well-known/openid-configuration``), checks that the document names the same
    issuer, and remembers the answer until a fetch from it fails.
    """

    def __init__(
        self,
        *,
        issuer: str,
        jwks_uri: str | None,
        session: Callable[[], aiohttp.ClientSession],
        clock: Callable[[], float],
        ttl_s: float,
        min_refresh_interval_s: float,
        max_stale_s: float,
        timeout_s: float,
        allow_http: bool = False,
    ) -> None:
        self.issuer = issuer
        self._configured_uri = jwks_uri
        self._discovered_uri: str | None = None
        self._session = session
        self._clock = clock
        self._ttl_s = ttl_s
        self._min_interval_s = min_refresh_interval_s
        self._max_stale_s = max_stale_s
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._allow_http = allow_http
        self._by_kid: dict[str, SigningKey] = {}
        self._unnamed: list[SigningKey] = []
        self._fetched_at: float | None = None
        self._last_attempt_at: float | None = None
        self._last_attempt_failed = False
        self._inflight: asyncio.Task[None] | None = None
        self.fetches = 0

    # ----- cheap, synchronous questions (the token cache's hot path) -----

    def is_fresh(self) -> bool:
        return self._fetched_at is not None and self._clock() - self._fetched_at < self._ttl_s

    def still_trusts(self, kid: str | None, key: SigningKey) -> bool:
        """Whether a key a token was verified with is still published and the cache is fresh."""
        if not self.is_fresh():
            return False
        if kid is None:
            return key in self._unnamed
        return self._by_kid.get(kid) is key

    def status(self) -> KeyStatus:
        count = len(self._by_kid) + len(self._unnamed)
        return KeyStatus(
            count, self.is_fresh(), self._last_attempt_failed, self._fetched_at, self.fetches
        )

    # ----- the full path -----

    async def key_for(self, kid: str | None, alg: str) -> SigningKey | None:
        """The key a token names, refetching as the policy allows; ``None`` if not published.

        Raises :class:`JWKSUnavailable` when the keys cannot be had and none are held.
        """
        await self._ensure_current()
        key = self._lookup(kid, alg)
        if key is None and kid is not None and self._may_fetch_now():
            await self._refresh()
            key = self._lookup(kid, alg)
        return key

    async def prefetch(self) -> None:
        """Fetch the keys now (start-up warm-up); raises :class:`JWKSUnavailable` on failure."""
        await self._refresh()

    def _lookup(self, kid: str | None, alg: str) -> SigningKey | None:
        if kid is not None:
            return self._by_kid.get(kid)
        candidates = [k for k in (*self._by_kid.values(), *self._unnamed) if k.fits(alg)]
        return candidates[0] if len(candidates) == 1 else None

    def _may_fetch_now(self) -> bool:
        last = self._last_attempt_at
        return last is None or self._clock() - last >= self._min_interval_s

    def _stale_keys_usable(self) -> bool:
        if self._fetched_at is None:
            return False
        return self._clock() - self._fetched_at < self._ttl_s + self._max_stale_s

    async def _ensure_current(self) -> None:
        if self.is_fresh():
            return
        if self._last_attempt_failed and self._stale_keys_usable():
            # The provider is known to be down: answer from the keys held and retry in the
            # background, so requests do not each wait out a fetch timeout.
            if self._may_fetch_now():
                self._start_refresh()
            return
        if not self._may_fetch_now():
            if self._stale_keys_usable():
                return
            raise JWKSUnavailable(f"keys of {self.issuer} could not be fetched recently")
        try:
            await self._refresh()
        except JWKSUnavailable:
            if not self._stale_keys_usable():
                raise
            log.warning(
                "using cached keys of %s past their TTL while its JWKS is unreachable", self.issuer
            )

    def _start_refresh(self) -> asyncio.Task[None]:
        if self._inflight is None:
            self._inflight = asyncio.get_running_loop().create_task(self._fetch_and_install())
            self._inflight.add_done_callback(self._refresh_done)
        return self._inflight

    def _refresh_done(self, task: asyncio.Task[None]) -> None:
        self._inflight = None
        if not task.cancelled():
            task.exception()  # retrieved here so a refresh nobody awaited logs no warning

    async def _refresh(self) -> None:
        """One fetch, shared by every caller that asks while it runs."""
        await asyncio.shield(self._start_refresh())

    async def _fetch_and_install(self) -> None:
        self._last_attempt_at = self._clock()
        self.fetches += 1
        try:
            uri = await self._jwks_uri()
            keys = parse_jwks(await self._get_json(uri), uri)
        except JWKSUnavailable as exc:
            self._last_attempt_failed = True
            self._discovered_uri = None
            log.warning("cannot fetch the keys of %s: %s", self.issuer, exc)
            raise
        self._by_kid = {k.kid: k for k in keys if k.kid is not None}
        self._unnamed = [k for k in keys if k.kid is None]
        self._fetched_at = self._clock()
        self._last_attempt_failed = False
        log.info("fetched %d signing keys of %s", len(keys), self.issuer)

    async def _jwks_uri(self) -> str:
        if self._configured_uri is not None:
            return self._configured_uri
        if self._discovered_uri is None:
            url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            document = await self._get_json(url)
            if not isinstance(document, dict) or not isinstance(document.get("jwks_uri"), str):
                raise JWKSUnavailable(f"{url} has no jwks_uri")
            if document.get("issuer") != self.issuer:
                raise JWKSUnavailable(
                    f"{url} names issuer {str(document.get('issuer'))[:200]!r}, not "
                    f"{self.issuer!r}; fix the configured issuer"
                )
            try:
                self._discovered_uri = check_fetch_url(document["jwks_uri"], self._allow_http)
            except ValueError as exc:
                raise JWKSUnavailable(f"{url}: {exc}") from exc
        return self._discovered_uri

    async def _get_json(self, url: str) -> Any:
        session = self._session()
        try:
            async with session.get(
                url, timeout=self._timeout, headers={"Accept": "application/json"}
            ) as response:
                if response.status != 200:
                    raise JWKSUnavailable(f"{url} answered HTTP {response.status}")
                body = bytearray()
                async for chunk in response.content.iter_chunked(64 * 1024):
                    body += chunk
                    if len(body) > MAX_DOCUMENT_BYTES:
                        raise JWKSUnavailable(f"{url} sent more than {MAX_DOCUMENT_BYTES} bytes")
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise JWKSUnavailable(f"{url}: {type(exc).__name__} {_short(exc)}") from exc
        try:
            return orjson.loads(bytes(body))
        except orjson.JSONDecodeError as exc:
            raise JWKSUnavailable(f"{url} did not send JSON") from exc


def _short(exc: BaseException) -> str:
    return re.sub(r"\s+", " ", str(exc))[:200]
