"""Tenancy administration: labs, users, projects, members, API keys, allocations, limits and
usage reports, with the rules of who may do what. See ``docs/administration.md``."""

from labgate.tenancy import models  # noqa: F401  (adds the ix_usage_at index to usage_events)
from labgate.tenancy.errors import Conflict, Forbidden, InvalidInput, NotFound, TenancyError
from labgate.tenancy.inputs import (
    Allocation,
    KeyCreate,
    LabCreate,
    LabUpdate,
    Limits,
    MemberAdd,
    ProjectCreate,
    ProjectUpdate,
    UserCreate,
    UserUpdate,
)
from labgate.tenancy.service import TenancyService, operator_principal
from labgate.tenancy.timerange import time_range
from labgate.tenancy.usage import UsageQuery, UsageReport, UsageRow, UsageTotals

__all__ = [
    "Allocation",
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "KeyCreate",
    "LabCreate",
    "LabUpdate",
    "Limits",
    "MemberAdd",
    "NotFound",
    "ProjectCreate",
    "ProjectUpdate",
    "TenancyError",
    "TenancyService",
    "UsageQuery",
    "UsageReport",
    "UsageRow",
    "UsageTotals",
    "UserCreate",
    "UserUpdate",
    "operator_principal",
    "time_range",
]
