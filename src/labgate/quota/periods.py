"""Budget periods: the calendar slice an allocation belongs to, and when it resets.

A period has a short, sortable key (``2026-11`` for a month) that names the counter in Redis
and the row in ``quota_usage``, and an end time so a refusal can say when the budget resets.
Periods are in UTC, so every replica and every lab agrees on where one ends.

Kinds: ``month`` (the default, like an HPC allocation statement), ``quarter``, ``year``,
``week`` (ISO weeks, Monday to Monday), ``day``, and fixed windows of ``<N>h`` or ``<N>d``
aligned to the Unix epoch (``6h`` resets at 00, 06, 12 and 18 UTC). A window is fixed, not
rolling: a reservation counter needs a definite slice to count in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_WINDOW = re.compile(r"^(?P<n>[1-9][0-9]{0,4})(?P<unit>[hd])$")
NAMED_KINDS = ("month", "quarter", "year", "week", "day")


@dataclass(frozen=True, slots=True)
class BudgetPeriod:
    """One slice of time a budget is counted in: ``[starts_at, ends_at)`` in UTC."""

    key: str
    starts_at: datetime
    ends_at: datetime

    def seconds_left(self, now: datetime) -> float:
        """Seconds from ``now`` until the budget resets (never negative)."""
        return max(0.0, (self.ends_at - now).total_seconds())

    @property
    def ends_at_epoch(self) -> float:
        return self.ends_at.timestamp()


def check_period_kind(kind: str) -> str:
    """Return ``kind`` if it names a period labgate knows, else raise a ValueError that says
    which kinds exist."""
    if kind in NAMED_KINDS or _WINDOW.match(kind):
        return kind
    raise ValueError(
        f"unknown budget period {kind!r}; use one of {', '.join(NAMED_KINDS)}, "
        "or a fixed window such as '6h' or '30d'"
    )


def budget_period(kind: str, now: datetime | None = None) -> BudgetPeriod:
    """The period of ``kind`` that contains ``now`` (default: the current time)."""
    now = _as_utc(now or datetime.now(UTC))
    if kind == "month":
        start = datetime(now.year, now.month, 1, tzinfo=UTC)
        end = _add_months(start, 1)
        return BudgetPeriod(f"{now.year:04d}-{now.month:02d}", start, end)
    if kind == "quarter":
        quarter = (now.month - 1) // 3
        start = datetime(now.year, quarter * 3 + 1, 1, tzinfo=UTC)
        return BudgetPeriod(f"{now.year:04d}-Q{quarter + 1}", start, _add_months(start, 3))
    if kind == "year":
        start = datetime(now.year, 1, 1, tzinfo=UTC)
        return BudgetPeriod(f"{now.year:04d}", start, datetime(now.year + 1, 1, 1, tzinfo=UTC))
    if kind == "week":
        day = datetime(now.year, now.month, now.day, tzinfo=UTC)
        start = day - timedelta(days=day.weekday())
        iso_year, iso_week, _ = start.isocalendar()
        return BudgetPeriod(f"{iso_year:04d}-W{iso_week:02d}", start, start + timedelta(days=7))
    if kind == "day":
        start = datetime(now.year, now.month, now.day, tzinfo=UTC)
        return BudgetPeriod(start.strftime("%Y-%m-%d"), start, start + timedelta(days=1))
    match = _WINDOW.match(kind)
    if match is None:
        check_period_kind(kind)  # raises with the list of kinds
        raise AssertionError("unreachable")
    length = int(match["n"]) * (3600 if match["unit"] == "h" else 86400)
    index = int(now.timestamp()) // length
    start = datetime.fromtimestamp(index * length, UTC)
    return BudgetPeriod(f"{kind}-{index}", start, start + timedelta(seconds=length))


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("budget periods need an aware datetime (UTC); got a naive one")
    return moment.astimezone(UTC)


def _add_months(start: datetime, months: int) -> datetime:
    total = start.month - 1 + months
    return datetime(start.year + total // 12, total % 12 + 1, 1, tzinfo=UTC)
