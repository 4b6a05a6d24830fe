"""C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys.

A signed note is UTF-8 text ending in a newline, a blank line, then signature lines
``— <key name> <base64(key hash || signature)>``. The key hash is the first four bytes of
``SHA-256(name || "\\n" || 0x01 || public key)`` and the signature covers the text including its
final newline. Keys travel as strings in the Go ``golang.org/x/mod/sumdb/note`` encoding:

* verifier key: ``<name>+<hex key hash>+<base64(0x01 || public key)>`` (safe to publish);
* signer key: ``PRIVATE+KEY+<name>+<hex key hash>+<base64(0x01 || seed)>`` (kept in a 0600 file).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALG_ED25519 = 0x01
SIGNATURE_PREFIX = "— "
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A note or key that is malformed, or a note our key did not sign."""


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def key_hash(name: str, public_key: bytes) -> bytes:
    """The 4-byte id of an Ed25519 key: ``SHA-256(name || 0x0A || 0x01 || key)[:4]``."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"{what} is not valid base64") from exc


@dataclass(frozen=True, slots=True)
class NoteVerifier:
    """Checks signatures of one named Ed25519 key."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def from_string(cls, vkey: str) -> NoteVerifier:
        """Parse ``<name>+<hex hash>+<base64(0x01 || key)>``, checking the hash matches."""
        parts = vkey.strip().split("+", 2)  # the base64 part may itself hold '+'
        if len(parts) != 3 or not _valid_name(parts[0]):
            raise NoteError("a verifier key looks like <name>+<8 hex digits>+<base64 key>")
        name, hex_hash, b64 = parts
        raw = _b64decode(b64, "the verifier key")
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("the verifier key is not an Ed25519 key (type 0x01, 32 bytes)")
        public_key = raw[1:]
        key_id = key_hash(name, public_key)
        if hex_hash.lower() != key_id.hex():
            raise NoteError("the verifier key's hash does not match its name and key")
        return cls(name, key_id, public_key)

    def to_string(self) -> str:
        encoded = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True, slots=True)
class NoteSigner:
    """Signs notes with one named Ed25519 key."""

    name: str
    key_id: bytes
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        if not _valid_name(name):
            raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")
        private_key = Ed25519PrivateKey.generate()
        return cls(name, key_hash(name, _public_bytes(private_key)), private_key)

    @classmethod
    def from_string(cls, skey: str) -> NoteSigner:
        """Parse ``PRIVATE+KEY+<name>+<hex hash>+<base64(0x01 || seed)>``."""
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"] or not _valid_name(parts[2]):
            raise NoteError("a signer key looks like PRIVATE+KEY+<name>+<8 hex>+<base64 seed>")
        name, hex_hash, b64 = parts[2:]
        raw = _b64decode(b64, "the signer key")
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("the signer key is not an Ed25519 key (type 0x01, 32-byte seed)")
        private_key = Ed25519PrivateKey.from_private_bytes(raw[1:])
        key_id = key_hash(name, _public_bytes(private_key))
        if hex_hash.lower() != key_id.hex():
            raise NoteError("the signer key's hash does not match its name and key")
        return cls(name, key_id, private_key)

    def to_string(self) -> str:
        seed = self.private_key.private_bytes_raw()
        encoded = base64.b64encode(bytes([ALG_ED25519]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{encoded}"

    @property
    def verifier(self) -> NoteVerifier:
        return NoteVerifier(self.name, self.key_id, _public_bytes(self.private_key))

    def sign(self, text: str) -> str:
        """``text`` (which must end in a newline) followed by a blank line and our signature."""
        _check_text(text)
        signature = self.private_key.sign(text.encode())
        encoded = base64.b64encode(self.key_id + signature).decode()
        return f"{text}\n{SIGNATURE_PREFIX}{self.name} {encoded}\n"


def _public_bytes(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("a note's text must end with a newline")
    if "\n\n" in text:
        raise NoteError("a note's text must not contain a blank line")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("a note's text must not contain control characters")


def open_note(note: str, verifier: NoteVerifier) -> str:
    """Return the text of ``note`` if ``verifier``'s key signed it; raise :class:`NoteError`.

    Signature lines from other keys are ignored (a note may carry witnesses' cosignatures); a
    line that claims to be from our key but does not verify rejects the whole note.
    """
    if len(note) > 1 << 20:
        raise NoteError("the note is larger than 1 MiB")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("the note has no blank line before its signatures")
    text, signatures = note[: split + 1], note[split + 2 :]
    _check_text(text)
    if not signatures.endswith("\n"):
        raise NoteError("the note's signature block must end with a newline")
    lines = signatures[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"the note has more than {MAX_SIGNATURES} signatures")
    for line in lines:
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("a signature line must start with '— '")
        name, _, b64 = line[len(SIGNATURE_PREFIX) :].partition(" ")
        if not _valid_name(name) or not b64 or " " in b64:
            raise NoteError("a signature line looks like '— <name> <base64>'")
        raw = _b64decode(b64, "a signature")
        if len(raw) < 5:
            raise NoteError("a signature is too short to hold a key hash")
        if name != verifier.name or raw[:4] != verifier.key_id:
            continue
        if not verifier.verify(text.encode(), raw[4:]):
            raise NoteError(f"the signature by {name} does not verify: the note was altered")
        return text
    raise NoteError(f"the note carries no signature by {verifier.name} ({verifier.key_id.hex()})")


def load_or_create_signer(path: Path, name: str) -> NoteSigner:
    """Read the signer key in ``path``, or create it (mode 0600) if the file does not exist.

    Refuses a key file others may read, and a key whose name is not ``name``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise NoteError(
                f"the checkpoint signing key {path} is readable by others (mode {mode:o}); "
                f"run `chmod 600 {path}`"
            ) from None
        signer = NoteSigner.from_string(path.read_text())
        if signer.name != name:
            raise NoteError(
                f"the key in {path} is named {signer.name!r}, but the log's origin is {name!r}"
            ) from None
        return signer
    signer = NoteSigner.generate(name)
    with os.fdopen(fd, "w") as handle:
        handle.write(signer.to_string() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return signer
