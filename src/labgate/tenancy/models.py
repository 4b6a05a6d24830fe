"""Schema additions of the tenancy area (Alembic migrations are generated from these).

``usage_events`` already has an index per report filter (lab, project, user, model, each with
``at``). A platform-wide report (platform admins, auditors) filters by time alone; without an
index led by ``at`` it would read the whole table, which is what brought a popular gateway's
spend reports down under load. This adds it.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Index, Table

from labgate.store.tenancy import UsageEvent

USAGE_EVENTS = cast(Table, UsageEvent.__table__)

USAGE_AT_INDEX = Index("ix_usage_at", USAGE_EVENTS.c.at)
"""Serves usage reports over a time range with no other filter."""
