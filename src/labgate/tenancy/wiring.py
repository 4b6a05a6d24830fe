"""Connecting the tenancy service to the audit log and the key-revocation bus.

:func:`admin_audit_record` turns the dict ``on_admin_action`` receives into an audit record;
the gateway appends it to its running log. :func:`operator_hooks` gives the ``labgate admin``
CLI the same two connections for the length of one command: its actions go to the audit log in
the same database, and its revocations reach every running gateway (through Redis when the
settings name one, else through the database). Where either is not available (a database not
yet upgraded, Redis down) the command still does its work and ``warn`` says what was missed.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.audit.log import AuditLog
from labgate.audit.records import AuditRecord, RecordKind
from labgate.quota.revocation import PROJECT_PREFIX


def admin_audit_record(action: dict[str, Any]) -> AuditRecord:
    """The audit record of one administrative action (``on_admin_action``'s argument)."""
    actor = action["actor"]
    details = dict(action.get("details") or {})
    details["actor_roles"] = actor.get("roles", [])
    target = str(action["target"])
    project = details.get("project_id")
    if project is None and target.startswith("project:"):
        project = target.split(":", 1)[1]
    # a record about a model names it, so a reader who may not see the model (its
    # accreditation above their clearance) cannot open the record either (docs/labels.md)
    model = details.get("model")
    if model is None and str(action["action"]).startswith("model."):
        model = details.get("name")
    return AuditRecord(
        kind=RecordKind.ADMIN,
        time=action["time"],
        user=actor.get("user_id"),
        lab=actor.get("lab"),
        project=project if isinstance(project, str) else None,
        key_id=actor.get("key_id"),
        auth_method=actor.get("auth_method"),
        action=action["action"],
        target=target,
        details=details,
        model=model if isinstance(model, str) else None,
    )


@contextlib.asynccontextmanager
async def operator_hooks(
    engine: AsyncEngine,
    redis_url: str | None,
    warn: Callable[[str], None],
    *,
    redis_prefix: str = "labgate:",
) -> AsyncIterator[dict[str, Any]]:
    """``on_admin_action`` and ``on_key_revoked`` for one CLI command, as keyword arguments
    for :class:`~labgate.tenancy.service.TenancyService`."""
    from labgate.quota.factory import build_quota

    audit = AuditLog(engine)
    try:
        await audit.start()
    except Exception as exc:  # the audit tables may not exist on a database not upgraded
        warn(
            f"the audit log cannot be opened ({exc.__class__.__name__}); this command's "
            "changes are not recorded in it. Run 'labgate db upgrade'."
        )
        audit_open = False
    else:
        audit_open = True
    # the gateways' own prefix, or they would not hear this command's events on Redis
    parts = build_quota(engine, redis_url, prefix=redis_prefix)

    async def on_admin_action(action: dict[str, Any]) -> None:
        if audit_open:
            await audit.append(admin_audit_record(action))

    async def on_key_revoked(key_id: str) -> None:
        try:
            await parts.revocations.publish(key_id)
        except Exception as exc:
            warn(
                f"could not tell the running gateways ({exc.__class__.__name__}); they drop "
                "the key from their caches within 30 s"
            )

    async def on_project_changed(project_id: str) -> None:
        try:
            await parts.revocations.publish(PROJECT_PREFIX + project_id)
        except Exception as exc:
            warn(
                f"could not tell the running gateways ({exc.__class__.__name__}); they apply "
                "the project's change within 10 s"
            )

    try:
        yield {
            "on_admin_action": on_admin_action,
            "on_key_revoked": on_key_revoked,
            "on_project_changed": on_project_changed,
        }
    finally:
        if audit_open:
            await audit.close()
        if parts.redis is not None:
            await parts.redis.aclose()
