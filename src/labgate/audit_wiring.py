"""Assembling the audit parts of a gateway from its settings: the log, its checkpoint
publisher, the transcript vault and the two-person access control.

Kept apart from :mod:`labgate.app` so the app module stays about wiring the request path,
and apart from :mod:`labgate.audit` whose modules know nothing of labgate's settings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.audit.access import AccessControl, LabelCheck, SponsorLookup
from labgate.audit.checkpoint import CheckpointPublisher
from labgate.audit.keyring import MASTER_KEYS_ENV, MASTER_KEYS_FILE_ENV, Keyring, add_master_key
from labgate.audit.log import AuditLog
from labgate.audit.note import load_or_create_signer
from labgate.audit.transcripts import TranscriptVault
from labgate.config import Settings


@dataclass
class AuditParts:
    log: AuditLog
    publisher: CheckpointPublisher
    vault: TranscriptVault
    access: AccessControl

    async def start(self) -> None:
        await self.log.start()
        await self.publisher.start()

    async def close(self) -> None:
        await self.publisher.close()
        await self.log.close()


def _keyring(settings: Settings) -> Keyring:
    configured = settings.audit.master_keys_file
    if configured is not None:
        return Keyring.load(configured)
    if os.environ.get(MASTER_KEYS_FILE_ENV) or os.environ.get(MASTER_KEYS_ENV):
        return Keyring.load()
    default = settings.data_dir / "audit-master.keys"
    if not default.exists():
        add_master_key(default, "k1")
    return Keyring.load(default)


def signing_key_path(settings: Settings) -> Path:
    return settings.audit.signing_key_file or settings.data_dir / "audit-signing.key"


def _sponsors(engine: AsyncEngine) -> SponsorLookup:
    """Who created or raised an account, read from the tenancy tables of the same database."""
    from labgate.tenancy.approvals import sponsors_of

    async def lookup(user_id: str, since: datetime) -> frozenset[str]:
        async with engine.connect() as conn:
            return await sponsors_of(conn, user_id, since)

    return lookup


def build_audit(
    settings: Settings, engine: AsyncEngine, *, label_check: LabelCheck | None = None
) -> AuditParts:
    """``label_check(principal, label)``: may this reader see an object of that label (no
    read-up, even for auditors under the two-person rule)."""
    cfg = settings.audit
    vault = TranscriptVault(
        engine, _keyring(settings), retention=timedelta(days=cfg.retention_days)
    )
    log = AuditLog(
        engine,
        sealer=vault if cfg.store_transcripts else None,
        sqlite_synchronous=cfg.sqlite_synchronous,
        sqlite_sync_interval_s=cfg.sqlite_sync_interval_ms / 1000,
    )
    signer = load_or_create_signer(signing_key_path(settings), cfg.origin)
    publisher = CheckpointPublisher(log, signer, interval_s=cfg.checkpoint_interval_s)
    access = AccessControl(engine, log, vault, label_check=label_check, sponsors=_sponsors(engine))
    return AuditParts(log, publisher, vault, access)
