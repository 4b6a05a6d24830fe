"""Every table of labgate, imported in one place so migrations and tests see the whole schema."""

from __future__ import annotations

from labgate.access import models as access_models  # noqa: F401
from labgate.approval import models as approval_models  # noqa: F401
from labgate.audit import models as audit_models  # noqa: F401
from labgate.batch import models as batch_models  # noqa: F401
from labgate.hpc import models as hpc_models  # noqa: F401
from labgate.quota import models as quota_models  # noqa: F401
from labgate.responses import models as responses_models  # noqa: F401
from labgate.router import registration  # noqa: F401  (worker_tokens)
from labgate.safety import models as safety_models  # noqa: F401
from labgate.store import tenancy  # noqa: F401
from labgate.store.base import Base
from labgate.tenancy import models as tenancy_models  # noqa: F401
from labgate.web import conversations as web_conversations  # noqa: F401
from labgate.web import sessions as web_sessions  # noqa: F401

metadata = Base.metadata
