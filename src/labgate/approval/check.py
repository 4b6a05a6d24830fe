"""``labgate config check``: every configured model without an approval for the deployment."""

from __future__ import annotations

import asyncio

from labgate.config import Settings


def configured_models(settings: Settings) -> list[str]:
    names = [settings.embedded.model_name] if settings.embedded.enabled else []
    names += [m.name for m in settings.models]
    names += [d.served_name for d in settings.deployments if d.served_name not in names]
    return names


async def _approved(settings: Settings) -> set[str] | None:
    from labgate.approval.service import ModelRegistry
    from labgate.store.engine import make_engine, make_sessionmaker

    engine = make_engine(settings.effective_database_url)
    try:
        registry = ModelRegistry(make_sessionmaker(engine), config=settings.approval)
        return set(await registry.approved())
    except Exception:  # no database yet, or not upgraded: nothing is approved
        return None
    finally:
        await engine.dispose()


def unapproved(settings: Settings) -> list[str]:
    """One line per configured model with no approval (none when the gate is off)."""
    if not settings.approval.enforce:
        return []
    db_url = settings.database_url
    approved: set[str] | None = None
    if db_url or (settings.data_dir / "labgate.db").exists():
        approved = asyncio.run(_approved(settings))
    lines = []
    for name in configured_models(settings):
        if approved is not None and name in approved:
            continue
        extra = ""
        if settings.embedded.enabled and name == settings.embedded.model_name:
            extra = (
                " (the packaged default gets a bootstrap approval, signed by 'bootstrap', "
                "when the gateway first starts; re-approve it with two approvers)"
            )
        lines.append(
            f"model {name!r} has no approval for deployment {settings.approval.deployment!r}: "
            f"it gets no traffic until two approvers sign off an evaluated version{extra}"
        )
    return lines
