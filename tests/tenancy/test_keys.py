"""API keys: who may create, list and revoke them, what a listing shows, and what a
revocation tells the rest of labgate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from labgate.identity.keys import hash_key
from labgate.store.tenancy import ApiKey
from labgate.tenancy import (
    Conflict,
    Forbidden,
    InvalidInput,
    KeyCreate,
    NotFound,
    TenancyService,
    UserUpdate,
)
from tests.tenancy.conftest import Recorder, World

pytestmark = pytest.mark.store


async def test_users_create_their_own_keys_in_their_projects(
    service: TenancyService,
    world: World,
    recorder: Recorder,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    alice = world.p(world.alice, project="CHM1")
    created = await service.create_key(alice, KeyCreate(name="laptop"))  # the caller's project
    assert created.key.startswith(f"lg-{created.info.prefix}-")
    assert (created.info.user_id, created.info.project_id) == (world.alice.id, "CHM1")
    async with sessions() as s:
        row = await s.get(ApiKey, created.info.id)
    assert row is not None and row.key_hash == hash_key(created.key)

    action = recorder.last("key.create")
    assert action["actor"] == {
        "user_id": world.alice.id,
        "lab": "ornl",
        "roles": ["user"],
        "key_id": None,
        "auth_method": "api_key",
    }
    assert action["target"] == f"key:{created.info.id}"
    assert action["details"] == {
        "user_id": world.alice.id,
        "project_id": "CHM1",
        "name": "laptop",
        "prefix": created.info.prefix,
        "expires_at": None,
    }
    assert datetime.fromisoformat(action["time"].replace("Z", "+00:00")).tzinfo is not None
    assert created.key not in repr(recorder.actions)


async def test_key_creation_rules(service: TenancyService, world: World) -> None:
    alice, bob, lena = world.p(world.alice), world.p(world.bob), world.p(world.lena)
    with pytest.raises(InvalidInput, match="not a member of project 'CHM1'"):
        await service.create_key(bob, KeyCreate(project_id="CHM1"))
    with pytest.raises(Forbidden, match="a key belongs to its holder"):
        await service.create_key(alice, KeyCreate(user_id=world.lena.id, project_id="CHM1"))
    with pytest.raises(InvalidInput, match="name the project"):
        await service.create_key(alice, KeyCreate())
    with pytest.raises(NotFound):
        await service.create_key(alice, KeyCreate(project_id="NOPE"))
    past = datetime.now(UTC) - timedelta(minutes=1)
    with pytest.raises(InvalidInput, match="in the past"):
        await service.create_key(alice, KeyCreate(project_id="CHM1", expires_at=past))
    # a key belongs to its holder: neither the lead nor the lab admin mints one for alice
    # (they used to; issue 28: a lead minted a key of a platform admin he had made a member)
    for manager in (lena, world.p(world.ornl_admin), world.p(world.anl_admin)):
        with pytest.raises(Forbidden) as refused:
            await service.create_key(manager, KeyCreate(user_id="ornl/alice", project_id="CHM1"))
        assert refused.value.code == "key_for_other"
    await service.update_user(world.root, world.alice.id, UserUpdate(disabled=True))
    with pytest.raises(InvalidInput, match="disabled"):
        await service.create_key(alice, KeyCreate(project_id="CHM1"))


async def test_naive_expiry_is_utc_and_expired_keys_list_as_expired(
    service: TenancyService, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    soon = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)
    made = await service.create_key(
        world.p(world.alice), KeyCreate(project_id="CHM1", expires_at=soon)
    )
    assert made.info.expires_at == soon.replace(tzinfo=UTC)
    async with sessions.begin() as s:
        row = await s.get(ApiKey, made.info.id)
        assert row is not None
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    [view] = await service.list_keys(world.p(world.alice))
    assert view.status == "expired"
    assert await service.list_keys(world.p(world.alice), active_only=True) == []


async def test_listings_show_no_secret_and_follow_visibility(
    service: TenancyService, world: World
) -> None:
    mine = await service.create_key(world.p(world.alice), KeyCreate(project_id="CHM1"))
    carols = await service.create_key(world.p(world.carol), KeyCreate(project_id="ANL1"))

    def ids(keys: list) -> set[str]:  # type: ignore[type-arg]
        return {k.id for k in keys}

    both = {mine.info.id, carols.info.id}
    assert ids(await service.list_keys(world.root)) == both
    assert ids(await service.list_keys(world.p(world.auditor))) == both
    assert ids(await service.list_keys(world.p(world.ornl_admin))) == {mine.info.id}
    assert ids(await service.list_keys(world.p(world.lena))) == {mine.info.id}
    assert ids(await service.list_keys(world.p(world.alice))) == {mine.info.id}
    assert ids(await service.list_keys(world.p(world.bob))) == set()
    assert ids(await service.list_keys(world.root, user_ref="anl/carol")) == {carols.info.id}
    listed = (await service.list_keys(world.root, project_id="CHM1"))[0].as_dict()
    assert set(listed) == {
        "id", "prefix", "name", "user_id", "project_id", "created_at", "expires_at",
        "revoked_at", "last_used_at", "status",
    }  # fmt: skip
    assert mine.key not in repr(listed)


async def test_revocation_rules_and_what_it_reports(
    service: TenancyService, world: World, recorder: Recorder
) -> None:
    key = await service.create_key(world.p(world.alice), KeyCreate(project_id="CHM1"))
    key_id = key.info.id
    for refused in (world.bob, world.anl_admin, world.carol):
        with pytest.raises(Forbidden):
            await service.revoke_key(world.p(refused), key_id)
    assert recorder.revoked == []
    revoked = await service.revoke_key(world.p(world.lena), key_id)
    assert revoked.status == "revoked" and revoked.revoked_at is not None
    assert recorder.invalidated == [key_id] and recorder.revoked == [key_id]
    action = recorder.last("key.revoke")
    assert action["actor"]["user_id"] == world.lena.id
    assert action["details"] == {
        "user_id": world.alice.id,
        "project_id": "CHM1",
        "prefix": key.info.prefix,
    }
    with pytest.raises(Conflict, match="already revoked"):
        await service.revoke_key(world.p(world.alice), key_id)
    with pytest.raises(NotFound):
        await service.revoke_key(world.root, "no-such-key")


async def test_owners_and_their_lab_admins_revoke_keys(
    service: TenancyService, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    own = await service.create_key(world.p(world.alice), KeyCreate(project_id="CHM1"))
    await service.revoke_key(world.p(world.alice), own.info.id)
    carols = await service.create_key(world.p(world.carol), KeyCreate(project_id="ANL1"))
    await service.revoke_key(world.p(world.anl_admin), carols.info.id)
    async with sessions() as s:
        revoked = (await s.execute(select(ApiKey.id).where(ApiKey.revoked_at.isnot(None)))).all()
    assert {r[0] for r in revoked} == {own.info.id, carols.info.id}
