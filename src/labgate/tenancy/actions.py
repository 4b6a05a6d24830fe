"""Telling the rest of labgate what an administrator did.

The service does not know the audit log or the revocation bus; it is handed callbacks:

- ``on_admin_action(action)`` gets one dict per committed change: ``actor`` (who, from which
  lab, with which roles and credential), ``action`` (``lab.create``, ``key.revoke``, …),
  ``target`` (``project:CHM142``), ``details`` (what changed, never a secret) and ``time``
  (RFC 3339, UTC). The integrator appends it to the tamper-evident audit log.
- ``on_key_revoked(key_id)`` for each key revoked *or changed* (its user disabled, its roles or
  clearance edited): the integrator publishes it on the cross-replica revocation bus so every
  replica drops the key from its cache within a second.
- ``on_user_changed(user_id)`` when a user's account or memberships change, for caches of
  OIDC users (``OidcAuthenticator.forget_user``).
- ``on_project_changed(project_id)`` when a project's allocation, limits or models change,
  for whatever caches project policies.

Each callback may be a plain function or a coroutine function. They run after the change is
committed: a change that did not happen is never reported.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from labgate.identity.principal import Principal

ActionHook = Callable[[dict[str, Any]], Awaitable[None] | None]
IdHook = Callable[[str], Awaitable[None] | None]


def rfc3339_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def describe_actor(actor: Principal) -> dict[str, Any]:
    """Who did it, as the audit log records it (a key by its id, never the key)."""
    return {
        "user_id": actor.user_id,
        "lab": actor.lab,
        "roles": sorted(r.value for r in actor.roles),
        "key_id": actor.key_id,
        "auth_method": actor.auth_method,
    }


def admin_action(
    actor: Principal, action: str, target: str, details: dict[str, Any]
) -> dict[str, Any]:
    """The dict ``on_admin_action`` receives."""
    return {
        "actor": describe_actor(actor),
        "action": action,
        "target": target,
        "details": details,
        "time": rfc3339_now(),
    }


async def _call(hook: Callable[[Any], Awaitable[None] | None] | None, arg: Any) -> None:
    if hook is None:
        return
    result = hook(arg)
    if inspect.isawaitable(result):
        await result


class KeyCache(Protocol):
    """What the service needs of the authenticator: forgetting a cached key."""

    def invalidate_key(self, key_id: str) -> None: ...


@dataclass
class Hooks:
    """The callbacks a :class:`~labgate.tenancy.service.TenancyService` reports through."""

    auth: KeyCache | None = None
    """The authenticator of this replica (``services.auth``), or None (the CLI)."""
    on_admin_action: ActionHook | None = None
    on_key_revoked: IdHook | None = None
    on_user_changed: IdHook | None = None
    on_project_changed: IdHook | None = None

    async def action(self, action: dict[str, Any]) -> None:
        await _call(self.on_admin_action, action)

    async def keys_changed(self, key_ids: list[str]) -> None:
        """Drop the keys from this replica's cache now, then tell the other replicas."""
        for key_id in key_ids:
            if self.auth is not None:
                self.auth.invalidate_key(key_id)
        for key_id in key_ids:
            await _call(self.on_key_revoked, key_id)

    async def user_changed(self, user_id: str) -> None:
        await _call(self.on_user_changed, user_id)

    async def project_changed(self, project_id: str) -> None:
        await _call(self.on_project_changed, project_id)
