"""A usage report as JSON, CSV, or a rich table (the same numbers in each).

JSON: ``{"group_by", "since", "until", "rows": [{<group_by>, "name", <totals>}], "totals"}``.
CSV: a header ``<group_by>,name,requests,…,errors``, one line per group, and a last line whose
first field is ``(total)`` (ids of labs and projects cannot contain parentheses).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from rich.table import Table

from labgate.tenancy.usage import UsageReport, UsageTotals

TOTAL_LABEL = "(total)"
NONE_LABEL = "(none)"
TOTAL_FIELDS = (
    "requests",
    "prompt_tokens",
    "completion_tokens",
    "reasoning_tokens",
    "weighted_tokens",
    "errors",
)


def _totals(t: UsageTotals) -> dict[str, Any]:
    return {
        "requests": t.requests,
        "prompt_tokens": t.prompt_tokens,
        "completion_tokens": t.completion_tokens,
        "reasoning_tokens": t.reasoning_tokens,
        "weighted_tokens": round(t.weighted_tokens, 6),
        "errors": t.errors,
    }


def report_json(report: UsageReport) -> dict[str, Any]:
    return {
        "group_by": report.group_by,
        "since": report.since.isoformat(),
        "until": report.until.isoformat(),
        "rows": [
            {report.group_by: row.key, "name": row.name, **_totals(row.totals)}
            for row in report.rows
        ],
        "totals": _totals(report.totals),
    }


def report_csv(report: UsageReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([report.group_by, "name", *TOTAL_FIELDS])
    for row in report.rows:
        values = _totals(row.totals)
        writer.writerow(
            [row.key if row.key is not None else NONE_LABEL, row.name or ""]
            + [values[f] for f in TOTAL_FIELDS]
        )
    values = _totals(report.totals)
    writer.writerow([TOTAL_LABEL, ""] + [values[f] for f in TOTAL_FIELDS])
    return out.getvalue()


def report_table(report: UsageReport) -> Table:
    table = Table(
        title=f"Usage by {report.group_by}, {report.since:%Y-%m-%d %H:%M} to "
        f"{report.until:%Y-%m-%d %H:%M} UTC",
        show_footer=True,
    )
    values = _totals(report.totals)
    table.add_column(report.group_by, footer="total")
    table.add_column("name")
    for name in TOTAL_FIELDS:
        table.add_column(name.replace("_", " "), justify="right", footer=_num(values[name]))
    for row in report.rows:
        v = _totals(row.totals)
        table.add_row(
            row.key if row.key is not None else NONE_LABEL,
            row.name or "",
            *(_num(v[name]) for name in TOTAL_FIELDS),
        )
    return table


def _num(value: int | float) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"
