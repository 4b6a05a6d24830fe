"""A real OIDC issuer on loopback, for tests: discovery and JWKS over HTTP, real RSA and EC keys.

It is a small aiohttp app on 127.0.0.1 (random port) that serves
``<issuer>/.well-known/openid-configuration`` and ``<issuer>/jwks``, counts how often each is
fetched, and mints tokens with its keys: good ones, and deliberately bad ones (expired, wrong
audience, unsigned, HMAC-signed with the public key, forged with a key of the same ``kid``,
malformed). Keys rotate like a real IdP's: :meth:`LoopbackIssuer.add_key` publishes a new one,
:meth:`LoopbackIssuer.retire_key` stops publishing an old one (it can still sign, as a leaked or
stale key would).

Two ways to run it:

* on the test's event loop: ``async with LoopbackIssuer() as issuer: ...`` (pytest fixtures);
* on its own thread and loop: ``with LoopbackIssuer().running_in_thread() as issuer: ...``, for
  tests that block (subprocess-based end-to-end tests whose gateways fetch its JWKS), since a
  server on a blocked loop cannot answer.

``issuer.toml_block(lab=...)`` gives the ``[[oidc.issuers]]`` table that points a gateway at it.

RSA key generation is slow (about 0.1 s), so private keys come from a per-process pool indexed by
the order an issuer adds them: two issuers' first RS256 keys are the same key (under different
``kid`` values). Pass ``fresh_keys=True`` for keys no other issuer holds; forging always uses a
key no issuer holds.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
_CURVES: dict[str, tuple[type[ec.EllipticCurve], str]] = {
    "ES256": (ec.SECP256R1, "P-256"),
    "ES384": (ec.SECP384R1, "P-384"),
    "ES512": (ec.SECP521R1, "P-521"),
}


def _new_private_key(alg: str) -> PrivateKey:
    if alg.startswith(("RS", "PS")):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if alg in _CURVES:
        return ec.generate_private_key(_CURVES[alg][0]())
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"the loopback issuer cannot make keys for {alg}")


@cache
def _pooled_private_key(alg: str, slot: int | str) -> PrivateKey:
    return _new_private_key(alg)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class IssuerKey:
    """A signing key of the issuer: its ``kid``, algorithm and private half."""

    kid: str
    alg: str
    private_key: PrivateKey

    def public_jwk(self) -> dict[str, Any]:
        public = self.private_key.public_key()
        algorithm = jwt.algorithms.get_default_algorithms()[self.alg]
        jwk: dict[str, Any] = json.loads(algorithm.to_jwk(public))
        jwk.update(kid=self.kid, alg=self.alg, use="sig")
        return jwk

    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


class LoopbackIssuer:
    """An OIDC issuer served over HTTP on 127.0.0.1; see the module docstring."""

    def __init__(
        self,
        *,
        algorithms: tuple[str, ...] = ("RS256", "ES256"),
        audience: str = "labgate",
        path: str = "",
        clock: Callable[[], float] = time.time,
        fresh_keys: bool = False,
    ) -> None:
        self.audience = audience
        self.clock = clock
        self._path = "/" + path.strip("/") if path.strip("/") else ""
        self._fresh_keys = fresh_keys
        self._slots: dict[str, int] = {}
        self.keys: dict[str, IssuerKey] = {}
        self.retired: dict[str, IssuerKey] = {}
        self.jwks_fetches = 0
        self.discovery_fetches = 0
        self.available = True
        self._jwks_gate: asyncio.Event | None = None
        # the authorization code flow (with PKCE): who "signs in" at /authorize, and the codes
        # handed out, each used once at /token
        self.login_claims: dict[str, Any] = {"sub": "alice-sub", "name": "Alice Liddell"}
        self.codes: dict[str, dict[str, Any]] = {}
        self.token_requests: list[dict[str, str]] = []
        self.port: int | None = None
        self._runner: web.AppRunner | None = None
        for alg in algorithms:
            self.add_key(alg)

    # ----- serving -----

    @property
    def issuer(self) -> str:
        if self.port is None:
            raise RuntimeError("start the issuer first: its URL includes the port it got")
        return f"http://127.0.0.1:{self.port}{self._path}"

    @property
    def jwks_uri(self) -> str:
        return self.issuer + "/jwks"

    @property
    def discovery_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    async def start(self) -> LoopbackIssuer:
        self._jwks_gate = asyncio.Event()
        self._jwks_gate.set()
        app = web.Application()
        app.router.add_get(self._path + "/.well-known/openid-configuration", self._discovery)
        app.router.add_get(self._path + "/jwks", self._jwks)
        app.router.add_get(self._path + "/authorize", self._authorize)
        app.router.add_post(self._path + "/token", self._token)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self

    async def stop(self) -> None:
        self.release_jwks()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LoopbackIssuer:
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    @contextmanager
    def running_in_thread(self) -> Iterator[LoopbackIssuer]:
        """Serve from a thread with its own event loop until the block ends."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="loopback-issuer", daemon=True)
        thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self.start(), loop).result(timeout=10)
            yield self
        finally:
            asyncio.run_coroutine_threadsafe(self.stop(), loop).result(timeout=10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            loop.close()

    async def _discovery(self, _: web.Request) -> web.Response:
        self.discovery_fetches += 1
        if not self.available:
            return web.json_response({"error": "down for the test"}, status=503)
        return web.json_response(
            {
                "issuer": self.issuer,
                "jwks_uri": self.jwks_uri,
                "authorization_endpoint": self.issuer + "/authorize",
                "token_endpoint": self.issuer + "/token",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": self._algorithms(),
            }
        )

    async def _authorize(self, request: web.Request) -> web.Response:
        """The user "signs in" as ``login_claims`` at once; back to the client with a code."""
        q = request.query
        if q.get("response_type") != "code" or q.get("client_id") != self.audience:
            return web.json_response({"error": "unauthorized_client"}, status=400)
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return web.json_response({"error": "invalid_request", "why": "PKCE S256"}, status=400)
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "redirect_uri": q.get("redirect_uri", ""),
            "challenge": q["code_challenge"],
            "nonce": q.get("nonce"),
        }
        sep = "&" if "?" in q.get("redirect_uri", "") else "?"
        target = f"{q.get('redirect_uri')}{sep}code={code}&state={q.get('state', '')}"
        raise web.HTTPFound(target)

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.token_requests.append({k: str(v) for k, v in form.items()})
        grant = self.codes.pop(str(form.get("code", "")), None)  # a code works once
        if form.get("grant_type") != "authorization_code" or grant is None:
            return web.json_response({"error": "invalid_grant"}, status=400)
        if (
            form.get("client_id") != self.audience
            or form.get("redirect_uri") != grant["redirect_uri"]
        ):
            return web.json_response({"error": "invalid_grant"}, status=400)
        verifier = str(form.get("code_verifier", "")).encode()
        if b64url(hashlib.sha256(verifier).digest()) != grant["challenge"]:
            return web.json_response({"error": "invalid_grant", "why": "PKCE"}, status=400)
        token = self.mint(lifetime_s=3600, nonce=grant["nonce"], **self.login_claims)
        return web.json_response(
            {"id_token": token, "access_token": token, "token_type": "Bearer", "expires_in": 3600}
        )

    def _algorithms(self) -> list[str]:
        return sorted({k.alg for k in self.keys.values()})

    def hold_jwks(self) -> None:
        """Make JWKS requests hang (counted on arrival) until :meth:`release_jwks`.

        For tests on the issuer's own loop only (not with :meth:`running_in_thread`).
        """
        if self._jwks_gate is None:
            raise RuntimeError("start the issuer first")
        self._jwks_gate.clear()

    def release_jwks(self) -> None:
        if self._jwks_gate is not None:
            self._jwks_gate.set()

    async def _jwks(self, _: web.Request) -> web.Response:
        self.jwks_fetches += 1
        if self._jwks_gate is not None:
            await self._jwks_gate.wait()
        if not self.available:
            return web.json_response({"error": "down for the test"}, status=503)
        return web.json_response({"keys": [k.public_jwk() for k in list(self.keys.values())]})

    # ----- keys -----

    def add_key(self, alg: str = "RS256", kid: str | None = None) -> IssuerKey:
        """Generate (or take from the pool) a key for ``alg`` and publish it."""
        slot = self._slots.get(alg, 0)
        self._slots[alg] = slot + 1
        private = _new_private_key(alg) if self._fresh_keys else _pooled_private_key(alg, slot)
        key = IssuerKey(kid or f"{alg.lower()}-{secrets.token_hex(4)}", alg, private)
        self.keys = {**self.keys, key.kid: key}
        return key

    def retire_key(self, kid: str) -> IssuerKey:
        """Stop publishing a key; it can still sign (see :meth:`mint`'s ``kid``)."""
        key = self.keys[kid]
        self.keys = {k: v for k, v in self.keys.items() if k != kid}
        self.retired[kid] = key
        return key

    def rotate(self, alg: str = "RS256") -> IssuerKey:
        """Publish a new key for ``alg`` and retire the ones it replaces."""
        old = [k.kid for k in self.keys.values() if k.alg == alg]
        new = self.add_key(alg)
        for kid in old:
            self.retire_key(kid)
        return new

    def key(self, alg: str = "RS256") -> IssuerKey:
        """The newest published key for ``alg``."""
        for key in reversed(list(self.keys.values())):
            if key.alg == alg:
                return key
        raise KeyError(f"no published {alg} key")

    def _any_key(self, kid: str) -> IssuerKey:
        return self.keys.get(kid) or self.retired[kid]

    # ----- tokens -----

    def claims(
        self, *, lifetime_s: float = 300.0, now: float | None = None, **overrides: Any
    ) -> dict[str, Any]:
        """Standard claims for a fresh token; an override of ``None`` drops that claim."""
        issued = self.clock() if now is None else now
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": "user-" + secrets.token_hex(4),
            "iat": int(issued),
            "nbf": int(issued),
            "exp": int(issued + lifetime_s),
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def mint(
        self,
        alg: str = "RS256",
        *,
        kid: str | None = None,
        headers: Mapping[str, Any] | None = None,
        lifetime_s: float = 300.0,
        now: float | None = None,
        **claims: Any,
    ) -> str:
        """A token signed with a key of this issuer (``kid``: any, retired ones too)."""
        key = self._any_key(kid) if kid else self.key(alg)
        return self.sign(
            key.private_key,
            key.alg,
            key.kid,
            headers=headers,
            payload=self.claims(lifetime_s=lifetime_s, now=now, **claims),
        )

    def forge(self, alg: str = "RS256", *, kid: str | None = None, **claims: Any) -> str:
        """A token naming a published ``kid`` but signed by a key the issuer never had."""
        target = self._any_key(kid) if kid else self.key(alg)
        forger = _pooled_private_key(target.alg, "forger")
        return self.sign(forger, target.alg, target.kid, payload=self.claims(**claims))

    def mint_unsigned(self, **claims: Any) -> str:
        """An ``alg: none`` token with an empty signature."""
        header = {"alg": "none", "typ": "JWT"}
        return raw_token(header, self.claims(**claims), b"")

    def mint_hmac_with_public_key(self, alg: str = "RS256", **claims: Any) -> str:
        """HS256 signed with the public key's PEM as the secret: the key-confusion attack."""
        key = self.key(alg)
        header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
        signing_input = _segments(header, self.claims(**claims))
        mac = hmac.new(key.public_pem(), signing_input.encode("ascii"), hashlib.sha256)
        return signing_input + "." + b64url(mac.digest())

    @staticmethod
    def sign(
        private_key: PrivateKey,
        alg: str,
        kid: str | None,
        *,
        payload: Mapping[str, Any],
        headers: Mapping[str, Any] | None = None,
    ) -> str:
        all_headers = {"kid": kid, **(headers or {})} if kid else dict(headers or {})
        return jwt.encode(dict(payload), private_key, algorithm=alg, headers=all_headers)

    # ----- configuration for a gateway -----

    def config(self, lab: str, **extra: Any) -> dict[str, Any]:
        """The ``[[oidc.issuers]]`` entry (as a dict) for a verifier pointed at this issuer."""
        return {"issuer": self.issuer, "audience": self.audience, "lab": lab, **extra}

    def toml_block(self, lab: str, **extra: Any) -> str:
        """The same entry as TOML text, for a gateway started as a subprocess."""
        lines = ["[[oidc.issuers]]"]
        for name, value in self.config(lab, **extra).items():
            lines.append(f"{name} = {_toml_value(value)}")
        return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, Mapping):
        pairs = (f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + ", ".join(pairs) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value)


def _segments(header: Mapping[str, Any], payload: Mapping[str, Any]) -> str:
    return b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())


def raw_token(
    header: Mapping[str, Any] | bytes, payload: Mapping[str, Any] | bytes, signature: bytes = b""
) -> str:
    """A token put together by hand (for malformed cases): bytes are used as they are."""
    parts = [
        part if isinstance(part, bytes) else json.dumps(part).encode() for part in (header, payload)
    ]
    return ".".join([b64url(parts[0]), b64url(parts[1]), b64url(signature)])
