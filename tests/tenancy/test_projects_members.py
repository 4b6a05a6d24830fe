"""Projects, allocations, limits and members: who may change them and what each change does."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from labgate.tenancy import (
    Allocation,
    Conflict,
    Forbidden,
    KeyCreate,
    Limits,
    MemberAdd,
    NotFound,
    ProjectCreate,
    ProjectUpdate,
    TenancyService,
)
from labgate.tenancy.approvals import PendingView
from labgate.tenancy.views import MemberView
from tests.tenancy.conftest import Recorder, World

pytestmark = pytest.mark.store


async def test_lab_admins_create_projects_in_their_lab_with_a_lead(
    service: TenancyService, world: World, recorder: Recorder
) -> None:
    olga = world.p(world.ornl_admin)
    project = await service.create_project(
        olga,
        ProjectCreate(
            id="FUS7",
            lab_id="ornl",
            lead_user_id="ornl/bob",
            allowed_models=["o1", "fake", "o1"],
            budget_tokens=5_000_000,
            budget_period="quarter",
            user_rpm_limit=30,
        ),
    )
    assert project.lead_user_id == world.bob.id
    assert project.allowed_models == ("fake", "o1")
    assert (project.budget_tokens, project.budget_period) == (5_000_000, "quarter")
    assert project.user_rpm_limit == 30 and project.rpm_limit is None
    members = await service.list_members(olga, "FUS7")
    assert [(m.username, m.role) for m in members] == [("bob", "lead")]
    bob = await service.get_user(olga, world.bob.id)
    assert "project_lead" in bob.roles
    assert recorder.last("project.create")["details"]["budget_tokens"] == 5_000_000

    with pytest.raises(Forbidden, match="administrator of lab 'anl'"):
        await service.create_project(olga, ProjectCreate(id="X1", lab_id="anl"))
    with pytest.raises(Forbidden):
        await service.create_project(world.p(world.lena), ProjectCreate(id="X2", lab_id="ornl"))
    with pytest.raises(Conflict, match="project id 'FUS7' is taken"):
        await service.create_project(world.root, ProjectCreate(id="FUS7", lab_id="anl"))


async def test_budget_periods_and_limits_are_validated() -> None:
    with pytest.raises(ValidationError, match="unknown budget period"):
        ProjectCreate(id="P", lab_id="ornl", budget_period="fortnight")
    with pytest.raises(ValidationError):
        Allocation(budget_tokens=-1)
    with pytest.raises(ValidationError):
        Limits(rpm_limit=0)
    assert Allocation(budget_tokens=10, budget_period="6h").budget_period == "6h"


async def test_allocation_and_limits_belong_to_lab_admins_not_leads(
    service: TenancyService, world: World, recorder: Recorder
) -> None:
    with pytest.raises(Forbidden, match="set the allocation of project 'CHM1'"):
        await service.set_allocation(world.p(world.lena), "CHM1", Allocation(budget_tokens=10**9))
    with pytest.raises(Forbidden):
        await service.set_limits(world.p(world.anl_admin), "CHM1", Limits(rpm_limit=5))

    olga = world.p(world.ornl_admin)
    after = await service.set_allocation(
        olga, "CHM1", Allocation(budget_tokens=2000, budget_period="week")
    )
    assert (after.budget_tokens, after.budget_period) == (2000, "week")
    action = recorder.last("project.set_allocation")
    assert action["details"] == {
        "budget_tokens": 2000,
        "budget_period": "week",
        "before": {"budget_tokens": 1000, "budget_period": "month"},
    }
    unlimited = await service.set_allocation(olga, "CHM1", Allocation(budget_tokens=None))
    assert unlimited.budget_tokens is None and unlimited.budget_period == "week"

    limited = await service.set_limits(olga, "CHM1", Limits(rpm_limit=60, user_tpm_limit=9000))
    assert (limited.rpm_limit, limited.user_tpm_limit, limited.tpm_limit) == (60, 9000, None)
    lifted = await service.set_limits(olga, "CHM1", Limits.model_validate({"rpm_limit": None}))
    assert lifted.rpm_limit is None and lifted.user_tpm_limit == 9000
    assert recorder.projects_changed == ["CHM1"] * 4


async def test_changing_the_lead_moves_the_lead_role(service: TenancyService, world: World) -> None:
    olga = world.p(world.ornl_admin)
    await service.update_project(olga, "CHM1", ProjectUpdate(lead_user_id=world.alice.id))
    members = {m.username: m.role for m in await service.list_members(olga, "CHM1")}
    assert members == {"alice": "lead", "lena": "member"}
    assert "project_lead" in (await service.get_user(olga, world.alice.id)).roles
    assert "project_lead" not in (await service.get_user(olga, world.lena.id)).roles
    renamed = await service.update_project(olga, "CHM1", ProjectUpdate(name="Chemistry"))
    assert renamed.name == "Chemistry" and renamed.lead_user_id == world.alice.id


async def test_leads_manage_members_of_their_own_project_only(
    service: TenancyService, world: World, recorder: Recorder
) -> None:
    lena = world.p(world.lena)
    member = await service.add_member(lena, "CHM1", MemberAdd(user_id="ornl/bob"))
    assert isinstance(member, MemberView)
    assert (member.username, member.role) == ("bob", "member")
    assert recorder.last("member.add")["details"] == {
        "user_id": world.bob.id,
        "role": "member",
        "previous_role": None,
    }
    before = len(recorder.actions)
    again = await service.add_member(lena, "CHM1", MemberAdd(user_id="ornl/bob"))
    assert isinstance(again, MemberView)
    assert again.role == "member" and len(recorder.actions) == before  # no change, no record
    with pytest.raises(Forbidden, match="only the leads of project 'ANL1'"):
        await service.add_member(lena, "ANL1", MemberAdd(user_id=world.bob.id))
    with pytest.raises(Forbidden):
        await service.add_member(world.p(world.alice), "CHM1", MemberAdd(user_id="ornl/bob"))
    with pytest.raises(Forbidden):
        await service.add_member(world.p(world.anl_admin), "CHM1", MemberAdd(user_id="anl/carol"))
    # someone from another lab joins only when both labs' admins agree (issue 28: it used to
    # take the project lab's admin alone): the lead may not ask, the lab admin asks, and the
    # other lab's admin approves
    with pytest.raises(Forbidden, match="both labs' administrators agree"):
        await service.add_member(lena, "CHM1", MemberAdd(user_id="anl/carol"))
    asked = await service.add_member(
        world.p(world.ornl_admin), "CHM1", MemberAdd(user_id="anl/carol")
    )
    assert isinstance(asked, PendingView) and asked.status == "pending"
    assert "carol" not in {m.username for m in await service.list_members(lena, "CHM1")}
    # the lead may not decide it, nor see it (a request she may not see: not found)
    with pytest.raises(NotFound, match="that you may see"):
        await service.approve(lena, asked.id)
    await service.approve(world.p(world.anl_admin), asked.id)
    assert "carol" in {m.username for m in await service.list_members(lena, "CHM1")}
    promoted = await service.add_member(lena, "CHM1", MemberAdd(user_id="ornl/bob", role="lead"))
    assert isinstance(promoted, MemberView)
    assert promoted.role == "lead"
    assert recorder.last("member.update")["details"]["previous_role"] == "member"
    assert "project_lead" in (await service.get_user(world.root, world.bob.id)).roles


async def test_removing_a_member_revokes_their_keys_for_that_project(
    service: TenancyService, world: World, recorder: Recorder
) -> None:
    alice = world.p(world.alice)
    key = await service.create_key(alice, KeyCreate(project_id="CHM1"))
    result = await service.remove_member(world.p(world.lena), "CHM1", world.alice.id)
    assert result.revoked_keys == (key.info.id,) and result.role == "member"
    assert recorder.invalidated == [key.info.id] and recorder.revoked == [key.info.id]
    [listed] = await service.list_keys(world.root, project_id="CHM1")
    assert listed.status == "revoked"
    assert recorder.last("member.remove")["details"]["revoked_keys"] == [key.info.id]
    with pytest.raises(NotFound, match="not a member"):
        await service.remove_member(world.p(world.lena), "CHM1", world.alice.id)


async def test_the_designated_lead_stays_until_replaced(
    service: TenancyService, world: World
) -> None:
    with pytest.raises(Conflict, match="name another lead first"):
        await service.remove_member(world.root, "CHM1", world.lena.id)
    with pytest.raises(Conflict):
        await service.add_member(world.root, "CHM1", MemberAdd(user_id=world.lena.id))


async def test_member_lists_are_for_leads_and_admins(service: TenancyService, world: World) -> None:
    for allowed in (world.lena, world.ornl_admin, world.auditor):
        assert len(await service.list_members(world.p(allowed), "CHM1")) == 2
    for refused in (world.alice, world.anl_admin, world.bob):
        with pytest.raises(Forbidden):
            await service.list_members(world.p(refused), "CHM1")
    with pytest.raises(NotFound):
        await service.list_members(world.root, "NOPE")


async def test_projects_are_listed_by_visibility(service: TenancyService, world: World) -> None:
    def ids(projects: list) -> list[str]:  # type: ignore[type-arg]
        return [p.id for p in projects]

    assert ids(await service.list_projects(world.root)) == ["ANL1", "CHM1"]
    assert ids(await service.list_projects(world.p(world.auditor))) == ["ANL1", "CHM1"]
    assert ids(await service.list_projects(world.p(world.ornl_admin))) == ["CHM1"]
    assert ids(await service.list_projects(world.p(world.alice))) == ["CHM1"]
    assert ids(await service.list_projects(world.p(world.bob))) == []
    assert ids(await service.list_projects(world.root, "anl")) == ["ANL1"]
    with pytest.raises(Forbidden):
        await service.get_project(world.p(world.bob), "CHM1")
    assert (await service.get_project(world.p(world.alice), "CHM1")).budget_tokens == 1000
