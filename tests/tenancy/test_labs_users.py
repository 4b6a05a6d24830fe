"""Labs and users: who may create, change and see them, and what changing a user does to
their keys."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from labgate.identity.principal import Role
from labgate.tenancy import (
    Conflict,
    Forbidden,
    InvalidInput,
    KeyCreate,
    LabCreate,
    LabUpdate,
    NotFound,
    TenancyService,
    UserCreate,
    UserUpdate,
)
from tests.tenancy.conftest import Recorder, World

pytestmark = pytest.mark.store


async def test_only_platform_admins_create_and_change_labs(
    service: TenancyService, world: World, recorder: Recorder
) -> None:
    with pytest.raises(Forbidden, match="only platform administrators may create labs"):
        await service.create_lab(world.p(world.ornl_admin), LabCreate(id="llnl"))
    lab = await service.create_lab(world.root, LabCreate(id="llnl", provisioning="auto"))
    assert (lab.id, lab.name, lab.provisioning) == ("llnl", "llnl", "auto")
    action = recorder.last("lab.create")
    assert action["target"] == "lab:llnl"
    assert action["actor"]["user_id"] == world.root.user_id
    assert action["details"]["provisioning"] == "auto"

    with pytest.raises(Conflict, match="exists already") as exc:
        await service.create_lab(world.root, LabCreate(id="llnl"))
    assert exc.value.code == "lab_exists"

    updated = await service.update_lab(world.root, "llnl", LabUpdate(share=2.5))
    assert updated.share == 2.5 and updated.provisioning == "auto"
    assert recorder.last("lab.update")["details"] == {
        "changed": {"share": 2.5},
        "before": {"share": 1.0},
    }
    with pytest.raises(Forbidden):
        await service.update_lab(world.p(world.ornl_admin), "ornl", LabUpdate(share=9))


async def test_lab_ids_are_validated() -> None:
    with pytest.raises(ValidationError):
        LabCreate(id="has space")
    with pytest.raises(ValidationError):
        LabCreate(id="ok", provisioning="sometimes")  # type: ignore[arg-type]


async def test_labs_are_listed_by_visibility(service: TenancyService, world: World) -> None:
    assert [lab.id for lab in await service.list_labs(world.root)] == ["anl", "ornl"]
    assert [lab.id for lab in await service.list_labs(world.p(world.auditor))] == ["anl", "ornl"]
    assert [lab.id for lab in await service.list_labs(world.p(world.alice))] == ["ornl"]
    with pytest.raises(Forbidden):
        await service.get_lab(world.p(world.alice), "anl")


async def test_lab_admins_create_users_in_their_own_lab_only(
    service: TenancyService, world: World, recorder: Recorder
) -> None:
    olga = world.p(world.ornl_admin)
    dave = await service.create_user(olga, UserCreate(lab_id="ornl", username="dave"))
    assert dave.lab_id == "ornl" and dave.roles == ("user",)
    assert recorder.last("user.create")["target"] == f"user:{dave.id}"

    with pytest.raises(Forbidden, match="administrator of lab 'anl'") as exc:
        await service.create_user(olga, UserCreate(lab_id="anl", username="eve"))
    assert "you administer lab 'ornl' only" in exc.value.message
    with pytest.raises(Forbidden, match="only platform administrators may grant the role"):
        await service.create_user(
            olga, UserCreate(lab_id="ornl", username="spy", roles=[Role.AUDITOR])
        )
    await service.create_user(
        olga, UserCreate(lab_id="ornl", username="deputy", roles=[Role.LAB_ADMIN])
    )
    for nobody in (world.alice, world.lena, world.auditor):
        with pytest.raises(Forbidden):
            await service.create_user(world.p(nobody), UserCreate(lab_id="ornl", username="x"))


async def test_duplicate_usernames_conflict_within_a_lab_only(
    service: TenancyService, world: World
) -> None:
    with pytest.raises(Conflict, match="lab 'ornl' already has a user named 'alice'") as exc:
        await service.create_user(world.root, UserCreate(lab_id="ornl", username="alice"))
    assert exc.value.code == "duplicate_username"
    other = await service.create_user(world.root, UserCreate(lab_id="anl", username="alice"))
    assert other.lab_id == "anl"
    # now 'alice' is ambiguous without a lab; 'lab/username' and ids resolve it
    with pytest.raises(Conflict, match="several labs"):
        await service.get_user(world.root, "alice")
    assert (await service.get_user(world.root, "anl/alice")).id == other.id
    assert (await service.get_user(world.root, world.alice.id)).lab_id == "ornl"
    with pytest.raises(NotFound):
        await service.get_user(world.root, "nobody")
    with pytest.raises(NotFound):
        await service.create_user(world.root, UserCreate(lab_id="nolab", username="z"))


async def test_disabling_a_user_drops_every_key_from_the_caches(
    service: TenancyService, world: World, recorder: Recorder
) -> None:
    alice = world.p(world.alice)
    first = await service.create_key(alice, KeyCreate(project_id="CHM1"))
    second = await service.create_key(alice, KeyCreate(project_id="CHM1"))
    disabled = await service.update_user(
        world.p(world.ornl_admin), world.alice.id, UserUpdate(disabled=True)
    )
    assert disabled.disabled
    expected = {first.info.id, second.info.id}
    assert set(recorder.invalidated) == expected
    assert set(recorder.revoked) == expected
    assert recorder.users_changed == [world.alice.id]
    action = recorder.last("user.update")
    # disabling revokes every key, and the audit entry names them
    assert action["details"] == {
        "changed": {"disabled": True, "revoked_keys": sorted(expected)},
        "before": {"disabled": False},
    }
    assert action["actor"]["roles"] == ["lab_admin", "user"]
    assert set(disabled.revoked_keys) == expected
    assert disabled.as_dict()["revoked_keys"] == sorted(expected)
    enabled = await service.update_user(
        world.p(world.ornl_admin), world.alice.id, UserUpdate(disabled=False)
    )
    assert not enabled.disabled and "revoked_keys" not in enabled.as_dict()
    keys = await service.list_keys(world.p(world.ornl_admin), user_ref=world.alice.id)
    assert {k.id for k in keys} == expected and all(k.revoked_at is not None for k in keys)


async def test_an_email_change_leaves_the_key_caches_alone(
    service: TenancyService, world: World, recorder: Recorder
) -> None:
    await service.create_key(world.p(world.alice), KeyCreate(project_id="CHM1"))
    updated = await service.update_user(world.root, world.alice.id, UserUpdate(email="a@ornl.gov"))
    assert updated.email == "a@ornl.gov"
    assert recorder.invalidated == [] and recorder.revoked == []


async def test_clearance_is_granted_by_two_platform_admins_and_cleared_by_the_lab_admin(
    service: TenancyService, world: World
) -> None:
    """A lab admin used to set any clearance at once (issue 28); now a clearance is a grant a
    platform admin asks for and a second one approves, while taking one away stays at once."""
    olga = world.p(world.ornl_admin)
    with pytest.raises(Forbidden, match="only platform administrators may ask for a clearance"):
        await service.update_user(olga, "ornl/bob", UserUpdate(clearance="SECRET//NUC"))
    asked = await service.update_user(world.root, "ornl/bob", UserUpdate(clearance="SECRET//NUC"))
    assert asked.clearance is None and asked.pending_grant is not None
    await service.approve(world.second, asked.pending_grant.id)
    assert (await service.get_user(olga, "ornl/bob")).clearance == "SECRET//NUC"
    cleared = await service.update_user(
        olga, "ornl/bob", UserUpdate.model_validate({"clearance": None})
    )
    assert cleared.clearance is None


async def test_protected_accounts_and_self_disable(service: TenancyService, world: World) -> None:
    arno = world.p(world.anl_admin)
    with pytest.raises(Forbidden, match="holds auditor"):
        await service.update_user(arno, world.auditor.id, UserUpdate(disabled=True))
    with pytest.raises(Forbidden, match="administrator of lab 'ornl'"):
        await service.update_user(arno, world.alice.id, UserUpdate(disabled=True))
    with pytest.raises(Forbidden, match="your own account"):
        await service.update_user(arno, world.anl_admin.id, UserUpdate(disabled=True))
    with pytest.raises(Forbidden, match="grant the role"):
        await service.update_user(
            arno, world.carol.id, UserUpdate(roles=[Role.USER, Role.PLATFORM_ADMIN])
        )
    asked = await service.update_user(
        world.root, world.carol.id, UserUpdate(roles=[Role.USER, Role.AUDITOR])
    )
    assert asked.roles == ("user",) and asked.pending_grant is not None  # a second admin approves
    await service.approve(world.second, asked.pending_grant.id)
    assert (await service.get_user(world.root, world.carol.id)).roles == ("auditor", "user")


async def test_users_are_listed_by_visibility(service: TenancyService, world: World) -> None:
    def names(users: list) -> set[str]:  # type: ignore[type-arg]
        return {f"{u.lab_id}/{u.username}" for u in users}

    everyone = names(await service.list_users(world.root))
    assert everyone == names(await service.list_users(world.p(world.auditor)))
    assert {"ornl/alice", "anl/carol"} <= everyone
    ornl = names(await service.list_users(world.p(world.ornl_admin)))
    assert ornl == {u for u in everyone if u.startswith("ornl/")}
    assert names(await service.list_users(world.p(world.ornl_admin), "anl")) == set()
    assert names(await service.list_users(world.p(world.lena))) == {"ornl/lena", "ornl/alice"}
    assert names(await service.list_users(world.p(world.bob))) == {"ornl/bob"}
    await service.get_user(world.p(world.lena), world.alice.id)
    with pytest.raises(Forbidden):
        await service.get_user(world.p(world.lena), world.bob.id)
    with pytest.raises(Forbidden):
        await service.get_user(world.p(world.alice), world.bob.id)


async def test_a_clearance_is_written_in_the_marking_syntax_even_without_a_label_scheme(
    service: TenancyService, world: World
) -> None:
    """Without ``[labels]`` the scheme is unknown, but a clearance is still a marking
    (``LEVEL`` or ``LEVEL//COMP,…``), stored in canonical form."""
    with pytest.raises(InvalidInput) as refused:
        await service.update_user(world.root, "ornl/bob", UserUpdate(clearance="SECRET//<b>"))
    assert refused.value.code == "invalid_clearance"
    asked = await service.update_user(world.root, "ornl/bob", UserUpdate(clearance="secret//nuc"))
    assert asked.pending_grant is not None
    assert asked.pending_grant.details["clearance"] == "SECRET//NUC"
