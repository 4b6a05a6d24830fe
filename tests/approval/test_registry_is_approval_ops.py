"""The model registry is the pending-action machinery too (it files ``model.approve``): its
``approve`` is ApprovalOps's (decide a pending action by id), and a model version's sign-off is
``sign_off``. The registry used to override ``approve`` with the sign-off's signature (mypy:
incompatible override), so the inherited call raised TypeError on a registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from labgate.approval.config import ApprovalConfig
from labgate.approval.service import ModelRegistry
from labgate.identity.principal import Principal, Role
from labgate.store.engine import make_engine, make_sessionmaker
from labgate.store.migrate import upgrade
from labgate.tenancy.approvals import ApprovalOps
from labgate.tenancy.errors import NotFound

pytestmark = pytest.mark.store


async def test_the_registry_decides_pending_actions_as_approval_ops_does(
    make_settings: Callable[..., Any],
) -> None:
    settings = make_settings([{"name": "m1", "workers": ["http://127.0.0.1:9"]}])
    engine = make_engine(settings.effective_database_url)
    try:
        await upgrade(engine)
        registry = ModelRegistry(make_sessionmaker(engine), config=ApprovalConfig(deployment="d"))
        admin = Principal("padm", roles=frozenset({Role.PLATFORM_ADMIN}))
        assert isinstance(registry, ApprovalOps)
        with pytest.raises(NotFound):  # the generic decision, by action id
            await registry.approve(admin, "pa_does_not_exist")
        approver = Principal("appr", roles=frozenset({Role.APPROVER}))
        with pytest.raises(NotFound):  # the sign-off, by version id
            await registry.sign_off(
                approver, "mv_does_not_exist", deployment="d", label=None, reason="checked"
            )
    finally:
        await engine.dispose()
