"""Reading the time range of a usage report: ISO 8601 moments, ``now``, or ages like ``7d``.

A range is half-open, ``[since, until)``, in UTC; a time written without a zone is UTC. With
neither end given a report covers the last 30 days.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from labgate.tenancy.errors import InvalidInput

DEFAULT_SPAN = timedelta(days=30)
_AGE = re.compile(r"^(?P<n>[0-9]{1,6})(?P<unit>[mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_moment(text: str, now: datetime) -> datetime:
    """``2025-01-31``, ``2025-01-31T12:00:00Z``, ``now``, or an age (``90m``, ``12h``, ``7d``,
    ``2w``: that long before ``now``)."""
    text = text.strip()
    if text == "now":
        return now
    age = _AGE.match(text)
    if age is not None:
        return now - timedelta(**{_UNITS[age["unit"]]: int(age["n"])})
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"cannot read the time {text!r}: write ISO 8601 (2025-01-31 or "
            "2025-01-31T12:00:00Z), 'now', or an age such as '7d' or '12h'",
            "invalid_time",
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def time_range(
    since: str | datetime | None, until: str | datetime | None, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """``[since, until)`` in UTC; default ``until`` is now and ``since`` 30 days before it."""
    now = now or datetime.now(UTC)
    end = _moment(until, now) if until is not None else now
    start = _moment(since, now) if since is not None else end - DEFAULT_SPAN
    if start >= end:
        raise InvalidInput(
            f"the range is empty: since ({start.isoformat()}) must be before until "
            f"({end.isoformat()})",
            "empty_time_range",
        )
    return start, end


def _moment(value: str | datetime, now: datetime) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return parse_moment(value, now)
