"""Retention purges and key rotation, each leaving its own audit record.

The gateway runs :func:`purge_transcripts` periodically (and operators can run it with
``labgate audit purge``); :func:`rewrap_transcripts` follows adding a master key. The records
they append say what was done, by whom, and how many transcripts it touched, never which texts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from labgate.audit.log import AuditLog
from labgate.audit.records import AuditRecord, RecordKind
from labgate.audit.transcripts import TranscriptVault


async def purge_transcripts(
    vault: TranscriptVault, audit_log: AuditLog, actor: str, *, now: datetime | None = None
) -> int:
    """Delete transcripts past retention; the records and their digests stay. Returns the count."""
    count, cutoff = await vault.purge_expired(now)
    if cutoff is not None:
        await audit_log.append(
            AuditRecord(
                kind=RecordKind.TRANSCRIPT_PURGE,
                user=actor,
                action="purge_transcripts",
                outcome="ok",
                details={"deleted": count, "created_before": cutoff.isoformat()},
            )
        )
    return count


async def rewrap_transcripts(
    vault: TranscriptVault,
    audit_log: AuditLog,
    actor: str,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Re-wrap every data key under the current master key. Returns how many were re-wrapped."""
    count = await vault.rewrap(progress=progress)
    await audit_log.append(
        AuditRecord(
            kind=RecordKind.TRANSCRIPT_REWRAP,
            user=actor,
            action="rewrap_transcripts",
            outcome="ok",
            details={"rewrapped": count, "master_key": vault.keyring.current.id},
        )
    )
    return count
