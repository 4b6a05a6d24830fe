"""Master keys that wrap the per-transcript data keys, and their rotation.

A keyring is an ordered list of named 256-bit AES keys. The last one is *current*: new data keys
are wrapped with it. Older keys stay in the ring until ``labgate audit rewrap`` has re-wrapped
every data key they protect; then they can be removed. Keys come from a file (one
``<id> <base64 key>`` per line, ``#`` comments, mode 0600) or from an environment variable
(``<id>:<base64 key>`` entries separated by commas). Key bytes never appear in ``repr`` or logs.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MASTER_KEYS_ENV = "LABGATE_AUDIT_MASTER_KEYS"
MASTER_KEYS_FILE_ENV = "LABGATE_AUDIT_MASTER_KEYS_FILE"
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_WRAP_CONTEXT = b"labgate/audit/data-key/v1\n"
NONCE_SIZE = 12


class KeyringError(ValueError):
    """A keyring that cannot be used, or a data key it cannot unwrap; the message says why."""


@dataclass(frozen=True, slots=True)
class MasterKey:
    id: str
    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not _KEY_ID.match(self.id):
            raise KeyringError(f"master key id {self.id!r} must be 1-64 of A-Z a-z 0-9 . _ -")
        if len(self.key) != 32:
            raise KeyringError(
                f"master key {self.id} must be 32 bytes (AES-256), not {len(self.key)}"
            )


class Keyring:
    """Named master keys; the last one wraps new data keys."""

    def __init__(self, keys: Sequence[MasterKey]) -> None:
        if not keys:
            raise KeyringError(
                "no master key: create one with `labgate audit new-master-key --file FILE`"
            )
        ids = [k.id for k in keys]
        if len(set(ids)) != len(ids):
            raise KeyringError("the keyring names the same master key id twice")
        self._keys = {k.id: k for k in keys}
        self.current = keys[-1]
        # the current key's cipher, built once: every transcript's data key is wrapped with it
        self._current_aead = AESGCM(self.current.key)

    def __repr__(self) -> str:
        return f"Keyring(ids={list(self._keys)}, current={self.current.id!r})"

    @property
    def ids(self) -> list[str]:
        return list(self._keys)

    def get(self, key_id: str) -> MasterKey:
        try:
            return self._keys[key_id]
        except KeyError:
            raise KeyringError(
                f"master key {key_id!r} is not in the keyring; add it back (or restore it) "
                "before reading or re-wrapping what it protects"
            ) from None

    def wrap(self, data_key: bytes, index: int, nonce: bytes | None = None) -> tuple[str, bytes]:
        """Encrypt ``data_key`` under the current master key, bound to record ``index``.

        ``nonce``: 12 fresh random bytes the caller already drew (default: drawn here)."""
        if nonce is None:
            nonce = os.urandom(NONCE_SIZE)
        elif len(nonce) != NONCE_SIZE:
            raise ValueError(f"a wrapping nonce is {NONCE_SIZE} bytes")
        aad = _wrap_aad(index, self.current.id)
        sealed = self._current_aead.encrypt(nonce, data_key, aad)
        return self.current.id, nonce + sealed

    def unwrap(self, key_id: str, wrapped: bytes, index: int) -> bytes:
        master = self.get(key_id)
        try:
            return AESGCM(master.key).decrypt(
                wrapped[:NONCE_SIZE], wrapped[NONCE_SIZE:], _wrap_aad(index, key_id)
            )
        except InvalidTag:
            raise KeyringError(
                f"the data key of record {index} does not open with master key {key_id!r}: "
                "the key or the stored row was changed"
            ) from None

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """Keys as ``<id> <base64>`` or ``<id>:<base64>``, one per line or comma-separated."""
        keys: list[MasterKey] = []
        for raw in re.split(r"[\n,]", text):
            entry = raw.split("#", 1)[0].strip()
            if not entry:
                continue
            key_id, _, encoded = entry.replace(":", " ", 1).partition(" ")
            try:
                key = base64.b64decode(encoded.strip(), validate=True)
            except (binascii.Error, ValueError):
                raise KeyringError(f"master key {key_id!r} is not valid base64") from None
            keys.append(MasterKey(key_id, key))
        return cls(keys)

    @classmethod
    def from_file(cls, path: Path) -> Keyring:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise KeyringError(
                f"the master key file {path} is readable by others (mode {mode:o}); "
                f"run `chmod 600 {path}`"
            )
        return cls.parse(path.read_text())

    @classmethod
    def load(cls, path: Path | None = None, environ: Mapping[str, str] | None = None) -> Keyring:
        """From ``path``, else $LABGATE_AUDIT_MASTER_KEYS_FILE, else $LABGATE_AUDIT_MASTER_KEYS."""
        env = os.environ if environ is None else environ
        if path is None and env.get(MASTER_KEYS_FILE_ENV):
            path = Path(env[MASTER_KEYS_FILE_ENV])
        if path is not None:
            return cls.from_file(path)
        if env.get(MASTER_KEYS_ENV):
            return cls.parse(env[MASTER_KEYS_ENV])
        raise KeyringError(
            f"no master keys: set {MASTER_KEYS_FILE_ENV} to a key file (create one with "
            f"`labgate audit new-master-key --file FILE`) or {MASTER_KEYS_ENV}"
        )


def _wrap_aad(index: int, key_id: str) -> bytes:
    return _WRAP_CONTEXT + index.to_bytes(8, "big") + key_id.encode()


def add_master_key(path: Path, key_id: str) -> MasterKey:
    """Append a fresh random master key to ``path`` (created with mode 0600); it becomes current."""
    key = MasterKey(key_id, AESGCM.generate_key(bit_length=256))
    if path.exists():
        existing = Keyring.from_file(path)
        if key_id in existing.ids:
            raise KeyringError(f"{path} already has a master key named {key_id!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a") as handle:
        handle.write(f"{key.id} {base64.b64encode(key.key).decode()}\n")
        handle.flush()
        os.fsync(handle.fileno())
    return key
