"""Token budgets, rate limits and key-revocation fan-out that hold across gateway replicas.

No HTTP here: the request path reserves a request's worst case with
:meth:`QuotaService.reserve`, settles or releases it afterwards, admits it through
:meth:`RateLimiter.admit`, and maps :class:`BudgetExhausted` / :class:`RateLimited` to 429.
See ``docs/quotas.md``.
"""

from labgate.quota.admission import Admission, BudgetPolicy, QuotaGate
from labgate.quota.amounts import (
    UNITS_PER_TOKEN,
    TokenUsage,
    Weights,
    tokens_to_units,
    units_to_tokens,
    usage_amount,
    worst_case_amount,
)
from labgate.quota.db_budget import DatabaseQuotaService
from labgate.quota.errors import BudgetExhausted, QuotaError, QuotaUnavailable, RateLimited
from labgate.quota.factory import QuotaParts, build_quota
from labgate.quota.models import QUOTA_TABLES, QuotaUsage
from labgate.quota.periods import BudgetPeriod, budget_period, check_period_kind
from labgate.quota.ratelimit import InMemoryRateLimiter, RateLimiter, RateLimits
from labgate.quota.redis_budget import RedisQuotaService
from labgate.quota.redis_ratelimit import RedisRateLimiter
from labgate.quota.revocation import (
    ALL_KEYS,
    DatabaseRevocationBus,
    RedisRevocationBus,
    RevocationBus,
    revocation_handler,
)
from labgate.quota.service import BudgetUsage, QuotaService, Reservation

__all__ = [
    "ALL_KEYS",
    "QUOTA_TABLES",
    "UNITS_PER_TOKEN",
    "Admission",
    "BudgetExhausted",
    "BudgetPeriod",
    "BudgetPolicy",
    "BudgetUsage",
    "DatabaseQuotaService",
    "DatabaseRevocationBus",
    "InMemoryRateLimiter",
    "QuotaError",
    "QuotaGate",
    "QuotaParts",
    "QuotaService",
    "QuotaUnavailable",
    "QuotaUsage",
    "RateLimited",
    "RateLimiter",
    "RateLimits",
    "RedisQuotaService",
    "RedisRateLimiter",
    "RedisRevocationBus",
    "Reservation",
    "RevocationBus",
    "TokenUsage",
    "Weights",
    "budget_period",
    "build_quota",
    "check_period_kind",
    "revocation_handler",
    "tokens_to_units",
    "units_to_tokens",
    "usage_amount",
    "worst_case_amount",
]
