"""Signed checkpoints (c2sp.org/tlog-checkpoint) and the task that publishes them.

A checkpoint's text is three lines, ``<origin>``, ``<tree size>``, ``<base64 root hash>``, each
ending in a newline, signed as a C2SP signed note by the log's Ed25519 key (key name = origin).

The publisher signs at most once per ``interval_s`` (2 s by default, never more than 60 s), and
only when the tree grew. Before signing it proves, from storage, that the new tree is consistent
with the last checkpoint it signed, and refuses to sign otherwise: the log never signs two
checkpoints that contradict each other. Several replicas may publish; a size signed twice gets
byte-identical notes (Ed25519 signatures are deterministic). It signs only what is on disk: with
SQLite ``synchronous=NORMAL`` it first waits for the WAL fsync that covers the tree
(:meth:`AuditLog.flush_to_disk`), so no power cut can take away records a note vouches for.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import re
from dataclasses import dataclass

from labgate.audit.log import AuditLog
from labgate.audit.merkle import HASH_SIZE, ProofError, verify_consistency
from labgate.audit.note import NoteError, NoteSigner, NoteVerifier, open_note
from labgate.audit.storage import StoredCheckpoint

log = logging.getLogger("labgate.audit.checkpoint")

_DECIMAL = re.compile(r"^(0|[1-9][0-9]*)$")


class InconsistentLogError(RuntimeError):
    """The stored log contradicts a checkpoint already signed; nothing new will be signed."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        root = base64.b64encode(self.root).decode()
        lines = [self.origin, str(self.size), root, *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint's (already verified) text."""
        if not text.endswith("\n"):
            raise NoteError("a checkpoint ends with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3 or not lines[0]:
            raise NoteError("a checkpoint has an origin line, a size line and a root hash line")
        origin, size_text, root_text, *extensions = lines
        if not _DECIMAL.match(size_text):
            raise NoteError("a checkpoint's size line is a decimal number without leading zeros")
        try:
            root = base64.b64decode(root_text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise NoteError("a checkpoint's root hash line is not base64") from exc
        if len(root) != HASH_SIZE:
            raise NoteError("a checkpoint's root hash is not 32 bytes")
        if any(not line for line in extensions):
            raise NoteError("a checkpoint has no empty lines")
        return cls(origin, int(size_text), root, tuple(extensions))


def sign_checkpoint(signer: NoteSigner, checkpoint: Checkpoint) -> str:
    return signer.sign(checkpoint.text())


def open_checkpoint(note: str, verifier: NoteVerifier, origin: str | None = None) -> Checkpoint:
    """Verify ``note``'s signature and parse it; check its origin when one is expected."""
    checkpoint = Checkpoint.parse(open_note(note, verifier))
    expected = origin or verifier.name
    if checkpoint.origin != expected:
        raise NoteError(f"the checkpoint is for log {checkpoint.origin!r}, not {expected!r}")
    return checkpoint


class CheckpointPublisher:
    """Signs a checkpoint of the log every ``interval_s`` seconds while the log grows."""

    def __init__(
        self,
        audit_log: AuditLog,
        signer: NoteSigner,
        *,
        interval_s: float = 2.0,
    ) -> None:
        if not 0 < interval_s <= 60:
            raise ValueError("interval_s must be in (0, 60]: checkpoints are due every minute")
        self.log = audit_log
        self.signer = signer
        self.origin = signer.name
        self.interval_s = interval_s
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    async def publish(self) -> StoredCheckpoint | None:
        """Sign the current tree if it grew since the last checkpoint; return the latest one."""
        async with self._lock:
            store = self.log.store
            size, head_root = await store.read_head()
            latest = await store.latest_checkpoint()
            if size == 0:
                return latest
            if latest is not None:
                old = open_checkpoint(latest.note, self.signer.verifier, self.origin)
                if size == old.size:
                    if head_root != old.root:
                        raise InconsistentLogError(
                            f"the tree of {size} records no longer has the signed root"
                        )
                    return latest
                if size < old.size:
                    raise InconsistentLogError(
                        f"the log holds {size} records but a checkpoint for {old.size} was signed"
                    )
                proof = await self.log.consistency_proof(old.size, size)
                try:
                    verify_consistency(old.size, size, old.root, proof.second_root, proof.hashes)
                except ProofError as exc:
                    raise InconsistentLogError(
                        f"the tree of {size} records does not extend the signed tree of "
                        f"{old.size}: {exc}; run `labgate audit verify`"
                    ) from exc
                root = proof.second_root
            else:
                root = await self.log.root_at(size)
            if root != head_root:
                raise InconsistentLogError("the stored tree head disagrees with the stored nodes")
            # a signed tree must survive a power cut: with SQLite NORMAL its records may still
            # be only in the OS cache, and a log that lost them would later contradict the note
            await self.log.flush_to_disk()
            note = sign_checkpoint(self.signer, Checkpoint(self.origin, size, root))
            if not await store.insert_checkpoint(size, root, note):
                theirs = await store.latest_checkpoint()
                if theirs is None or theirs.size < size:
                    raise InconsistentLogError("a checkpoint vanished while being published")
                return theirs
            await self.log.flush_to_disk()  # and so must the note itself, once published
            published = await store.latest_checkpoint()
            log.debug("signed audit checkpoint at size %d", size)  # one a second under load
            return published

    async def start(self) -> None:
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.create_task(self._run(), name="audit-checkpoints")

    async def close(self) -> None:
        """Stop the periodic task after one last checkpoint of what was committed."""
        if self._task is None:
            return
        self._stop.set()
        await self._task
        self._task = None
        await self._publish_logged()

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=self.interval_s)
            except TimeoutError:
                await self._publish_logged()

    async def _publish_logged(self) -> None:
        try:
            await self.publish()
        except InconsistentLogError:
            log.critical("audit checkpoint NOT signed: the log is inconsistent", exc_info=True)
        except Exception:
            log.exception("audit checkpoint could not be published; will retry")
