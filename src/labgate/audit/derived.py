"""Keys derived from the transcript vault's master keys, one per purpose.

Stored responses, batch files and web conversations are sealed at rest with AES-256-GCM under
a key derived (HKDF-SHA256, ``info`` = the purpose) from the master key named by the row's
``key_id``: the transcripts' master keys protect them, and a key for one purpose opens nothing
sealed for another. Each derived cipher is computed once per master key.

:class:`PurposeSealer` is the one sealer of batch files and item results
(``labgate/batch/file/v1``) and of web conversations (``labgate/web/conversation/v1``):
``nonce || AES-GCM(data)``, its associated data the JSON of the list that binds the sealed
value to its row (a row moved, re-owned or relabelled does not open).
"""

from __future__ import annotations

import os
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from labgate.api.errors import APIError
from labgate.audit.keyring import NONCE_SIZE, Keyring, KeyringError


class DerivedCiphers:
    """Per-master-key AES-GCM ciphers for one purpose, derived once."""

    def __init__(self, keyring: Keyring, purpose: bytes) -> None:
        self.keyring = keyring
        self.purpose = purpose
        self._ciphers: dict[str, AESGCM] = {}

    def cipher(self, key_id: str) -> AESGCM:
        aead = self._ciphers.get(key_id)
        if aead is None:
            master = self.keyring.get(key_id)
            key = HKDF(hashes.SHA256(), 32, salt=None, info=self.purpose).derive(master.key)
            aead = self._ciphers[key_id] = AESGCM(key)
        return aead


class PurposeSealer:
    """AES-GCM under the key derived for ``purpose``, each value bound to a list (its row's
    identity) through the associated data."""

    def __init__(self, keyring: Keyring, purpose: bytes) -> None:
        self.keyring = keyring
        self.purpose = purpose
        self._derived = DerivedCiphers(keyring, purpose)

    def cipher(self, key_id: str) -> AESGCM:
        """The derived cipher of master key ``key_id`` (for formats that seal in parts)."""
        return self._derived.cipher(key_id)

    def seal(self, bound: list[Any], data: bytes, key_id: str | None = None) -> tuple[str, bytes]:
        """``(key id, nonce || ciphertext)`` under ``key_id`` (default: the current key)."""
        key_id = key_id or self.keyring.current.id
        nonce = os.urandom(NONCE_SIZE)
        return key_id, nonce + self.cipher(key_id).encrypt(nonce, data, orjson.dumps(bound))

    def open(self, key_id: str, bound: list[Any], sealed: bytes) -> bytes | None:
        """The data, or None when it does not open (another binding, key or purpose)."""
        sealed = bytes(sealed)
        try:
            return self.cipher(key_id).decrypt(
                sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], orjson.dumps(bound)
            )
        except (InvalidTag, KeyringError, ValueError):
            return None


def sealer_for(services: Any, purpose: bytes, what: str) -> PurposeSealer:
    """The services' one sealer for ``purpose`` (made on first use); a 503 naming ``what``
    when no master key is configured."""
    name = "sealer:" + purpose.decode()
    sealer = services.extras.get(name)
    if sealer is None:
        sealer = services.extras[name] = PurposeSealer(vault_keyring(services, what), purpose)
    return sealer  # type: ignore[no-any-return]


def vault_keyring(services: Any, what: str) -> Keyring:
    """The vault's keyring, or a 503 saying that ``what`` needs one configured."""
    vault = services.transcripts
    try:
        keyring = vault.keyring if vault is not None else None
    except KeyringError:
        keyring = None
    if keyring is None:
        raise APIError(
            503,
            f"{what} are kept encrypted with the audit vault's master keys, and none is "
            "configured ([audit] master_keys_file)",
            code="unavailable",
        )
    return keyring
