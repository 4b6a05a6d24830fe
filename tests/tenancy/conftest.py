"""Fixtures for the tenancy tests: a fresh database of the pass's kind (SQLite, or PostgreSQL
in the second pass) with the tenancy tables, a service whose hooks are recorded, and a small
world of two labs with their admins, a lead, users and projects."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from labgate.identity.principal import Principal, Role
from labgate.store.base import Base
from labgate.store.engine import make_engine, make_sessionmaker
from labgate.store.tenancy import ApiKey, Lab, Project, ProjectMember, UsageEvent, User
from labgate.tenancy import (
    LabCreate,
    MemberAdd,
    ProjectCreate,
    TenancyService,
    UserCreate,
    operator_principal,
)
from labgate.tenancy.models import PendingAction, UserGrant
from labgate.tenancy.views import UserView
from labgate.web.sessions import WebSessionRow
from tests.api.conftest import gateway  # noqa: F401  (the plain gateway, for the API tests)

TENANCY_TABLES: list[Table] = [
    m.__table__  # type: ignore[misc]
    for m in (Lab, User, Project, ProjectMember, ApiKey, UsageEvent, PendingAction, UserGrant)
] + [WebSessionRow.__table__]  # disabling a user ends their web sessions in the same change


@dataclass
class Recorder:
    """Stands in for the audit log, the revocation bus and the authenticator's cache, so the
    tests can see exactly what the service reported."""

    actions: list[dict[str, Any]] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    invalidated: list[str] = field(default_factory=list)
    users_changed: list[str] = field(default_factory=list)
    projects_changed: list[str] = field(default_factory=list)

    async def on_admin_action(self, action: dict[str, Any]) -> None:
        self.actions.append(action)

    async def on_key_revoked(self, key_id: str) -> None:
        self.revoked.append(key_id)

    def on_user_changed(self, user_id: str) -> None:
        self.users_changed.append(user_id)

    def on_project_changed(self, project_id: str) -> None:
        self.projects_changed.append(project_id)

    def invalidate_key(self, key_id: str) -> None:
        self.invalidated.append(key_id)

    def last(self, action: str) -> dict[str, Any]:
        found = [a for a in self.actions if a["action"] == action]
        assert found, f"no {action!r} among {[a['action'] for a in self.actions]}"
        return found[-1]


def as_principal(user: UserView, project: str | None = None) -> Principal:
    """The principal an API key of ``user`` authenticates as (roles from the user's row)."""
    return Principal(
        user_id=user.id,
        lab=user.lab_id,
        project=project,
        roles=frozenset(Role(r) for r in user.roles),
        key_id=None,
        auth_method="api_key",
    )


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: Base.metadata.create_all(sync, tables=TENANCY_TABLES))
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def service(sessions: async_sessionmaker[AsyncSession], recorder: Recorder) -> TenancyService:
    return TenancyService(
        sessions,
        auth=recorder,
        on_admin_action=recorder.on_admin_action,
        on_key_revoked=recorder.on_key_revoked,
        on_user_changed=recorder.on_user_changed,
        on_project_changed=recorder.on_project_changed,
    )


@dataclass
class World:
    """Two labs (ornl, anl); ornl has an admin, a lead (of CHM1), and users alice (member of
    CHM1) and bob (no project); anl has an admin, carol (member of ANL1) and an auditor."""

    root: Principal
    second: Principal
    ornl_admin: UserView
    anl_admin: UserView
    lena: UserView
    alice: UserView
    bob: UserView
    carol: UserView
    auditor: UserView

    def p(self, user: UserView, project: str | None = None) -> Principal:
        return as_principal(user, project)


SECOND_ADMIN = Principal(
    user_id="second-admin", roles=frozenset({Role.PLATFORM_ADMIN}), auth_method="api_key"
)
"""A second platform administrator (over the API), who approves what the operator asks."""


async def build_world(service: TenancyService) -> World:
    root = operator_principal("tester")
    for lab in ("ornl", "anl"):
        await service.create_lab(root, LabCreate(id=lab, name=lab.upper()))

    async def user(lab: str, name: str, *roles: Role) -> UserView:
        spec = UserCreate(lab_id=lab, username=name, roles=list(roles) or [Role.USER])
        made = await service.create_user(root, spec)
        if made.pending_grant is not None:  # auditor: a second platform admin approves
            await service.approve(SECOND_ADMIN, made.pending_grant.id)
            return await service.get_user(root, made.id)
        return made

    w = World(
        root=root,
        second=SECOND_ADMIN,
        ornl_admin=await user("ornl", "olga", Role.USER, Role.LAB_ADMIN),
        anl_admin=await user("anl", "arno", Role.USER, Role.LAB_ADMIN),
        lena=await user("ornl", "lena"),
        alice=await user("ornl", "alice"),
        bob=await user("ornl", "bob"),
        carol=await user("anl", "carol"),
        auditor=await user("anl", "audrey", Role.AUDITOR),
    )
    await service.create_project(
        root, ProjectCreate(id="CHM1", lab_id="ornl", lead_user_id=w.lena.id, budget_tokens=1000)
    )
    await service.add_member(root, "CHM1", MemberAdd(user_id=w.alice.id))
    await service.create_project(root, ProjectCreate(id="ANL1", lab_id="anl"))
    await service.add_member(root, "ANL1", MemberAdd(user_id=w.carol.id))
    w.lena = await service.get_user(root, w.lena.id)  # now holds project_lead
    return w


@pytest.fixture
async def world(service: TenancyService, recorder: Recorder) -> World:
    built = await build_world(service)
    recorder.actions.clear()
    recorder.revoked.clear()
    recorder.invalidated.clear()
    recorder.users_changed.clear()
    recorder.projects_changed.clear()
    return built
