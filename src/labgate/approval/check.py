"""``labgate config check``: every configured model the gate will refuse: no approval for the
deployment, or (a ``[[models]]`` table's workers) no approved version with the weights digest
the table states."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from labgate.config import Settings

if TYPE_CHECKING:
    from labgate.approval.service import ApprovedVersion


def configured_models(settings: Settings) -> list[str]:
    names = [settings.embedded.model_name] if settings.embedded.enabled else []
    names += [m.name for m in settings.models]
    names += [d.served_name for d in settings.deployments if d.served_name not in names]
    return names


async def _approved(settings: Settings) -> dict[str, list[ApprovedVersion]] | None:
    from labgate.approval.service import ModelRegistry
    from labgate.store.engine import make_engine, make_sessionmaker

    engine = make_engine(settings.effective_database_url)
    try:
        registry = ModelRegistry(make_sessionmaker(engine), config=settings.approval)
        return await registry.approved()
    except Exception:  # no database yet, or not upgraded: nothing is approved
        return None
    finally:
        await engine.dispose()


def unapproved(settings: Settings) -> list[str]:
    """One line per configured model the gate will refuse (none when the gate is off)."""
    if not settings.approval.enforce:
        return []
    db_url = settings.database_url
    approved: dict[str, list[ApprovedVersion]] | None = None
    if db_url or (settings.data_dir / "labgate.db").exists():
        approved = asyncio.run(_approved(settings))
    deployment = settings.approval.deployment
    stated = {m.name: m.weights_digest for m in settings.models}
    lines = []
    for name in configured_models(settings):
        versions = (approved or {}).get(name)
        if versions:
            if name not in stated:
                continue  # Slurm jobs and the embedded worker report what they loaded
            digests = sorted({v.weights_digest for v in versions})
            digest = stated[name]
            if digest in digests:
                continue
            said = (
                "states no weights_digest"
                if digest is None
                else f"states weights_digest {digest}, which no approved version of it has"
            )
            lines.append(
                f"model {name!r} is approved for deployment {deployment!r}, but its [[models]] "
                f"table {said}: its configured workers get no traffic (503 "
                f"weights_digest_mismatch); state the approved one ({', '.join(digests)}) once "
                "the workers serve those weights"
            )
            continue
        extra = ""
        if settings.embedded.enabled and name == settings.embedded.model_name:
            extra = (
                " (the packaged default gets a bootstrap approval, signed by 'bootstrap', "
                "when the gateway first starts; re-approve it with two approvers)"
            )
        lines.append(
            f"model {name!r} has no approval for deployment {deployment!r}: "
            f"it gets no traffic until two approvers sign off an evaluated version{extra}"
        )
    return lines
