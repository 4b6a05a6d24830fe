"""The tenancy layer's own errors: what went wrong, in words an administrator can act on.

Nothing here knows about HTTP or the terminal; the admin API maps each kind to a status
(404, 403, 409, 400) and the CLI prints the message. ``code`` is a stable machine-readable
name for the case (``lab_not_found``, ``duplicate_username``, …).
"""

from __future__ import annotations


class TenancyError(Exception):
    """Base of every refusal the tenancy service raises."""

    status = 400

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class NotFound(TenancyError):
    """The lab, user, project, membership or key does not exist (or is not visible)."""

    status = 404


class Forbidden(TenancyError):
    """The caller's roles do not allow the action; the message names the rule that forbids it."""

    status = 403


class Conflict(TenancyError):
    """The action clashes with what exists: a duplicate name, a key already revoked, …"""

    status = 409


class InvalidInput(TenancyError):
    """A value the service cannot use: an expiry in the past, a non-member as key owner, …"""

    status = 400
