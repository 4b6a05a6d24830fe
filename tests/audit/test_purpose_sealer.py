"""One sealer for batch files and web conversations, and every value sealed before still opens.

Batch files and item results, and web conversations, each had a Sealer class of their own (the
same AES-GCM under a key derived per purpose). Both now use ``PurposeSealer`` next to
``DerivedCiphers``. The values below are sealed the way the old classes sealed them, written
out here independently (HKDF-SHA256 with the purpose as ``info``, ``nonce || ciphertext``, the
associated data the JSON of the binding), so a change to the format breaks these tests.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from labgate.audit.derived import sealer_for
from labgate.audit.keyring import Keyring, MasterKey
from labgate.batch.sealed import sealer_of
from labgate.web.conversations import WebConversation, _bound, _open

OLD = MasterKey("k-old", b"\x11" * 32)
NEW = MasterKey("k-new", b"\x22" * 32)
BATCH = b"labgate/batch/file/v1"
CONVERSATION = b"labgate/web/conversation/v1"


def _services() -> Any:
    keyring = Keyring([OLD, NEW])  # the last is current: values under OLD were sealed before
    return SimpleNamespace(extras={}, transcripts=SimpleNamespace(keyring=keyring))


def _old_seal(master: MasterKey, purpose: bytes, bound: list[Any], data: bytes) -> bytes:
    key = HKDF(hashes.SHA256(), 32, salt=None, info=purpose).derive(master.key)
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, data, orjson.dumps(bound))


def _old_open(master: MasterKey, purpose: bytes, bound: list[Any], sealed: bytes) -> bytes:
    key = HKDF(hashes.SHA256(), 32, salt=None, info=purpose).derive(master.key)
    return AESGCM(key).decrypt(sealed[:12], sealed[12:], orjson.dumps(bound))


def test_batch_results_sealed_by_the_old_sealer_open() -> None:
    services = _services()
    bound = ["item", "batch_1", 3, "user-1", "SECRET"]
    sealed = _old_seal(OLD, BATCH, bound, b'{"custom_id": "a"}')
    sealer = sealer_of(services)
    assert sealer.open("k-old", bound, sealed) == b'{"custom_id": "a"}'
    assert sealer.open("k-old", ["item", "batch_1", 3, "user-2", "SECRET"], sealed) is None
    key_id, fresh = sealer.seal(bound, b"new")
    assert key_id == "k-new" and _old_open(NEW, BATCH, bound, fresh) == b"new"
    assert sealer_of(services) is sealer  # made once per services


def test_conversations_sealed_by_the_old_sealer_open() -> None:
    services = _services()
    now = datetime.now(UTC)
    row = WebConversation(
        id="c1", owner="user-1", label="CUI", created_at=now, updated_at=now, key_id="k-old",
        title_sealed=_old_seal(OLD, CONVERSATION, ["title", "c1", "user-1", "CUI"], b"Title"),
        body_sealed=_old_seal(OLD, CONVERSATION, ["body", "c1", "user-1", "CUI"], b"[]"),
    )  # fmt: skip
    sealer = sealer_for(services, CONVERSATION, "conversations")
    assert _open(sealer, row, "title") == b"Title" and _open(sealer, row, "body") == b"[]"
    row.label = "SECRET"  # relabelled in the database: it does not open
    assert _open(sealer, row, "title") is None
    # a purpose's key opens nothing sealed for the other
    assert (
        sealer_of(services).open("k-old", _bound("body", "c1", "user-1", "CUI"), row.body_sealed)
        is None
    )
    key_id, fresh = sealer.seal(_bound("title", "c2", "u", None), b"T")
    assert _old_open(NEW, CONVERSATION, ["title", "c2", "u", None], fresh) == b"T"
    assert key_id == "k-new"
