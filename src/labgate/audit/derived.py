"""Keys derived from the transcript vault's master keys, one per purpose.

Stored responses, batch files and web conversations are sealed at rest with AES-256-GCM under
a key derived (HKDF-SHA256, ``info`` = the purpose) from the master key named by the row's
``key_id``: the transcripts' master keys protect them, and a key for one purpose opens nothing
sealed for another. Each derived cipher is computed once per master key.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from labgate.api.errors import APIError
from labgate.audit.keyring import Keyring, KeyringError


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
