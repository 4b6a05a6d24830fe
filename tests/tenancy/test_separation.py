"""Issue 28, tried as an insider would: through the real admin and audit routes of a labelled
gateway. Credentials belong to their holder; nobody raises themselves; clearances and the
auditor and platform-admin roles take two platform admins; one platform admin alone cannot
read a transcript by any path. (docs/security.md, "Credentials" and "Separation of duties".)

The world is seeded straight into the database (labs, people, their own keys): what is tested
is what those people can then do through the API.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select, update

from labgate.app import Services, create_app
from labgate.identity.keys import KeyRepository, new_id
from labgate.store.tenancy import ApiKey, Lab, Project, ProjectMember, User
from tests.support.servers import RunningWorker, serve_app

pytestmark = pytest.mark.store

LABELS = {
    "levels": ["UNCLASSIFIED", "CUI", "SECRET"],
    "compartments": {"NUC": "Nuclear weapons effects program", "SIGMA": "Sigma program"},
    "default_request_label": "UNCLASSIFIED",
    "range": {"min": "UNCLASSIFIED", "max": "SECRET//NUC,SIGMA"},
    "models": {"fake": "SECRET//NUC,SIGMA"},
}


@dataclass
class Env:
    url: str
    services: Services
    keys: dict[str, str]  # person -> their own key
    ids: dict[str, str]  # person -> user id

    def client(self, who: str) -> httpx.AsyncClient:
        key = self.keys.get(who, who)
        return httpx.AsyncClient(
            base_url=self.url, headers={"Authorization": f"Bearer {key}"}, timeout=30
        )

    async def admin_actions(self) -> list[dict[str, Any]]:
        log = self.services.audit
        assert log is not None
        records = [orjson.loads((await log.get_record(i)).data) for i in range(await log.size())]
        return [r for r in records if r.get("kind") == "admin"]


# person: (lab, roles, clearance, project they belong to, role in it)
PEOPLE: dict[str, tuple[str, list[str], str | None, str, str]] = {
    "leo": ("ornl", ["user", "project_lead"], "UNCLASSIFIED", "CHM1", "lead"),
    "olga": ("ornl", ["user", "lab_admin"], "CUI", "CHM1", "member"),
    "pat": ("ornl", ["user", "platform_admin"], "SECRET//NUC,SIGMA", "OPS", "lead"),
    "sam": ("default", ["user", "platform_admin"], "SECRET//NUC,SIGMA", "default", "member"),
    "aud": ("anl", ["user", "auditor"], "SECRET//NUC,SIGMA", "ANL1", "member"),
    "carl": ("anl", ["user"], "SECRET//SIGMA", "ANL1", "lead"),
    "arno": ("anl", ["user", "lab_admin"], "CUI", "ANL1", "member"),
}


@pytest.fixture
async def env(make_settings: Callable[..., Any], fake_worker: RunningWorker) -> AsyncIterator[Env]:
    settings = make_settings([{"name": "fake", "workers": [fake_worker.base_url]}], labels=LABELS)
    app = create_app(settings)
    async with serve_app(app) as url:
        services: Services = app.state.services
        assert services.bootstrap is not None and services.bootstrap.admin_key
        now = datetime.now(UTC)
        ids = {who: new_id() for who in PEOPLE}
        async with services.sessions.begin() as s:
            for lab in ("ornl", "anl"):
                s.add(Lab(id=lab, name=lab.upper(), created_at=now))
            await s.flush()
            for who, (lab, roles, clearance, _, _) in PEOPLE.items():
                s.add(
                    User(
                        id=ids[who], lab_id=lab, username=who, roles=roles,
                        clearance=clearance, created_at=now,
                    )
                )  # fmt: skip
            await s.flush()
            for project, lab in (("CHM1", "ornl"), ("OPS", "ornl"), ("ANL1", "anl")):
                s.add(Project(id=project, lab_id=lab, name=project, created_at=now))
            await s.flush()
            for who, (_, _, _, project, role) in PEOPLE.items():
                s.add(ProjectMember(project_id=project, user_id=ids[who], role=role))
            admin = (await s.execute(select(User).where(User.username == "admin"))).scalar_one()
            ids["admin"] = admin.id
        repo = KeyRepository(services.sessions)
        keys = {"admin": services.bootstrap.admin_key}
        for who, (_, _, _, project, _) in PEOPLE.items():
            keys[who], _ = await repo.create(ids[who], project, name="own")
        yield Env(url, services, keys, ids)


async def _keys_of(env: Env, who: str) -> list[ApiKey]:
    async with env.services.sessions() as s:
        rows = await s.execute(select(ApiKey).where(ApiKey.user_id == env.ids[who]))
        return list(rows.scalars())


async def _user(env: Env, who: str) -> User:
    async with env.services.sessions() as s:
        return (await s.execute(select(User).where(User.id == env.ids[who]))).scalar_one()


# ------------------------------------------------------------------------ credentials


async def test_a_project_lead_cannot_become_anyone(env: Env) -> None:
    """The four calls of the finding: add a platform admin (or another lab's cleared user, or
    an auditor) to the project, then mint a key for them. Every path is refused."""
    async with env.client("leo") as leo:
        # a platform admin of the same lab may be a member: membership is no credential
        added = await leo.post("/v1/admin/projects/CHM1/members", json={"user_id": "ornl/pat"})
        assert added.status_code == 201, added.text
        minted = await leo.post(
            "/v1/admin/keys", json={"user_id": env.ids["pat"], "project_id": "CHM1"}
        )
        assert minted.status_code == 403, minted.text
        assert minted.json()["error"]["code"] == "key_for_other"
        assert "belongs to its holder" in minted.json()["error"]["message"]
        # another lab's users (an auditor, a SECRET//SIGMA user) do not join at a lead's word
        for other in ("anl/aud", "anl/carl"):
            joined = await leo.post("/v1/admin/projects/CHM1/members", json={"user_id": other})
            assert joined.status_code == 403, joined.text
            assert joined.json()["error"]["code"] == "cross_lab_member"
        # nor may the lead approve anything
        listed = (await leo.get("/v1/admin/approvals")).json()["data"]
        assert listed == []
    # pat's keys are pat's own, and only those
    assert [k.name for k in await _keys_of(env, "pat")] == ["own"]
    # the lead's key is still what it was
    async with env.client("leo") as leo:
        me = (await leo.get("/v1/admin/whoami")).json()
        assert me["roles"] == ["project_lead", "user"]


async def test_a_lab_admin_cannot_mint_keys_or_bring_in_another_lab_alone(env: Env) -> None:
    async with env.client("olga") as olga:
        for who, project in (("pat", "OPS"), ("leo", "CHM1")):
            r = await olga.post(
                "/v1/admin/keys", json={"user_id": env.ids[who], "project_id": project}
            )
            assert r.status_code == 403 and r.json()["error"]["code"] == "key_for_other"
        asked = await olga.post("/v1/admin/projects/CHM1/members", json={"user_id": "anl/carl"})
        assert asked.status_code == 202, asked.text
        pending = asked.json()
        assert pending["kind"] == "member.add" and pending["status"] == "pending"
        assert "administrator of the user's lab" in pending["next_step"]
        self_ok = await olga.post(f"/v1/admin/approvals/{pending['id']}/approve")
        assert self_ok.status_code == 403 and self_ok.json()["error"]["code"] == "same_person"
        members = (await olga.get("/v1/admin/projects/CHM1/members")).json()["data"]
        assert "carl" not in {m["username"] for m in members}
    async with env.client("carl") as carl:  # the user himself does not approve it either
        r = await carl.post(f"/v1/admin/approvals/{pending['id']}/approve")
        assert r.status_code == 403
    async with env.client("arno") as arno:  # carl's lab admin agrees
        r = await arno.post(f"/v1/admin/approvals/{pending['id']}/approve")
        assert r.status_code == 200, r.text
    async with env.client("olga") as olga:
        members = (await olga.get("/v1/admin/projects/CHM1/members")).json()["data"]
        assert "carl" in {m["username"] for m in members}
        # carl is a member now, and still nobody but carl mints carl's keys
        r = await olga.post(
            "/v1/admin/keys", json={"user_id": env.ids["carl"], "project_id": "CHM1"}
        )
        assert r.status_code == 403
    async with env.client("carl") as carl:
        own = await carl.post("/v1/admin/keys", json={"project_id": "CHM1", "name": "mine"})
        assert own.status_code == 201 and own.json()["status"] == "active"


async def test_a_key_for_someone_else_waits_for_a_second_platform_admin(env: Env) -> None:
    async with env.client("pat") as pat:
        asked = await pat.post(
            "/v1/admin/keys", json={"user_id": env.ids["leo"], "project_id": "CHM1"}
        )
        assert asked.status_code == 202, asked.text
        body = asked.json()
        assert body["status"] == "pending_approval" and body["key"].startswith("lg-")
        action = body["pending_action"]["id"]
        assert "key_hash" not in orjson.dumps(body).decode()
        self_ok = await pat.post(f"/v1/admin/approvals/{action}/approve")
        assert self_ok.status_code == 403 and self_ok.json()["error"]["code"] == "same_person"
    async with env.client(body["key"]) as minted:  # authenticates nothing yet
        assert (await minted.get("/v1/admin/whoami")).status_code == 401
    async with env.client("leo") as leo:  # the holder does not approve his own key
        r = await leo.post(f"/v1/admin/approvals/{action}/approve")
        assert r.status_code == 403
    async with env.client("sam") as sam:
        r = await sam.post(f"/v1/admin/approvals/{action}/approve")
        assert r.status_code == 200 and r.json()["status"] == "approved"
        again = await sam.post(f"/v1/admin/approvals/{action}/approve")
        assert again.status_code == 409
    env.services.auth.invalidate_all()  # the 401 above is cached negatively for 2 s
    async with env.client(body["key"]) as minted:
        me = await minted.get("/v1/admin/whoami")
        assert me.status_code == 200 and me.json()["user_id"] == env.ids["leo"]
    actions = [(a["action"], a["user"]) for a in await env.admin_actions()]
    assert ("pending.request", env.ids["pat"]) in actions
    assert ("pending.approve", env.ids["sam"]) in actions
    assert ("key.create", env.ids["sam"]) in actions
    created = next(a for a in await env.admin_actions() if a["action"] == "key.create")
    assert created["details"]["requested_by"] == env.ids["pat"]
    assert created["details"]["approved_by"] == env.ids["sam"]


async def test_a_key_never_carries_more_than_whoever_asked_for_it(env: Env) -> None:
    # sam (a platform admin, SECRET//NUC,SIGMA) may not ask for the auditor's key
    async with env.client("sam") as sam:
        await sam.post("/v1/admin/projects/default/members", json={"user_id": "default/sam"})
        r = await sam.post("/v1/admin/keys", json={"user_id": env.ids["aud"], "project_id": "ANL1"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "key_exceeds_creator"
    # the bootstrap admin (no clearance: UNCLASSIFIED) may not ask for carl's SECRET key
    async with env.client("admin") as admin:
        r = await admin.post(
            "/v1/admin/keys", json={"user_id": env.ids["carl"], "project_id": "ANL1"}
        )
        assert r.status_code == 403 and r.json()["error"]["code"] == "key_exceeds_creator"
        # leo's key, asked for by the admin and approved by pat
        asked = (
            await admin.post(
                "/v1/admin/keys", json={"user_id": env.ids["leo"], "project_id": "CHM1"}
            )
        ).json()
    async with env.client("pat") as pat:
        ok = await pat.post(f"/v1/admin/approvals/{asked['pending_action']['id']}/approve")
        assert ok.status_code == 200
        # when leo is raised above what the admin held, the key the admin minted dies
        raised = await pat.patch(f"/v1/admin/users/{env.ids['leo']}", json={"clearance": "CUI"})
        assert raised.status_code == 202
        grant = raised.json()["pending_grant"]["id"]
    async with env.client("sam") as sam:
        assert (await sam.post(f"/v1/admin/approvals/{grant}/approve")).status_code == 200
    async with env.client(asked["key"]) as minted:
        r = await minted.get("/v1/admin/whoami")
        assert r.status_code == 401 and r.json()["error"]["code"] == "revoked_api_key"
    async with env.client("leo") as leo:  # leo's own key carries his new clearance
        assert (await leo.get("/v1/admin/whoami")).status_code == 200
    assert (await _user(env, "leo")).clearance == "CUI"


# ------------------------------------------------------------------------ separation of duties


async def test_nobody_raises_themselves(env: Env) -> None:
    async with env.client("olga") as olga:
        r = await olga.patch(f"/v1/admin/users/{env.ids['olga']}", json={"clearance": "SECRET"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "self_grant"
        # nor anyone else's clearance: clearances take two platform admins
        r = await olga.patch(f"/v1/admin/users/{env.ids['leo']}", json={"clearance": "SECRET"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "platform_admin_only"
    async with env.client("pat") as pat:
        for body in (
            {"roles": ["user", "platform_admin", "auditor"]},
            {"roles": ["user", "platform_admin", "lab_admin"]},
        ):
            r = await pat.patch(f"/v1/admin/users/{env.ids['pat']}", json=body)
            assert r.status_code == 403 and r.json()["error"]["code"] == "self_grant", r.text
    assert (await _user(env, "olga")).clearance == "CUI"
    assert (await _user(env, "pat")).roles == ["user", "platform_admin"]


async def test_a_clearance_is_a_label_of_the_scheme_and_a_grant_of_two_admins(env: Env) -> None:
    async with env.client("pat") as pat:
        bad = await pat.patch(f"/v1/admin/users/{env.ids['leo']}", json={"clearance": "TOP SECRET"})
        assert bad.status_code == 400, bad.text
        error = bad.json()["error"]
        assert error["code"] == "invalid_clearance"
        assert "UNCLASSIFIED, CUI, SECRET" in error["message"] and "NUC" in error["message"]
        bad = await pat.post(
            "/v1/admin/users",
            json={"lab_id": "ornl", "username": "x", "clearance": "SECRET//OMEGA"},
        )
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_clearance"
        asked = await pat.patch(
            f"/v1/admin/users/{env.ids['leo']}", json={"clearance": "secret // nuc"}
        )
        assert asked.status_code == 202, asked.text
        pending = asked.json()["pending_grant"]
        assert asked.json()["clearance"] == "UNCLASSIFIED"  # unchanged until approved
        assert pending["details"] == {"add_roles": [], "clearance": "SECRET//NUC"}
        assert "second platform administrator" in pending["next_step"]
    async with env.client("olga") as olga:  # a lab admin does not approve grants
        r = await olga.post(f"/v1/admin/approvals/{pending['id']}/approve")
        # nor sees them: the 404 of GET /v1/admin/approvals/{id}, not a 403 naming its kind
        assert r.status_code == 404
    async with env.client("sam") as sam:
        r = await sam.post(f"/v1/admin/approvals/{pending['id']}/approve")
        assert r.status_code == 200, r.text
    assert (await _user(env, "leo")).clearance == "SECRET//NUC"
    grants = [a for a in await env.admin_actions() if a["action"] == "user.grant"]
    assert grants[-1]["details"]["after"]["clearance"] == "SECRET//NUC"
    assert grants[-1]["details"]["requested_by"] == env.ids["pat"]
    assert grants[-1]["details"]["approved_by"] == env.ids["sam"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("put", "/v1/admin/projects/CHM1/allocation", {"budget_tokens": False}),
        ("post", "/v1/admin/projects", {"id": "P9", "lab_id": "ornl", "budget_tokens": True}),
        ("patch", "/v1/admin/projects/CHM1/limits", {"rpm_limit": True}),
    ],
)
async def test_a_boolean_is_no_number(env: Env, method: str, path: str, body: Any) -> None:
    async with env.client("admin") as admin:
        r = await admin.request(method, path, json=body)
    assert r.status_code == 400, r.text
    assert "valid integer" in r.json()["error"]["message"]
    async with env.services.sessions() as s:
        chm1 = await s.get(Project, "CHM1")
        assert chm1 is not None and chm1.budget_tokens is None and chm1.rpm_limit is None


async def _transcript(env: Env) -> int:
    """A SECRET//NUC request of pat's, recorded with its transcript; its record's index."""
    async with env.client("pat") as pat:
        r = await pat.post(
            "/v1/chat/completions",
            headers={"X-Labgate-Label": "SECRET//NUC"},
            json={"model": "fake", "messages": [{"role": "user", "content": "the secret"}]},
        )
        assert r.status_code == 200, r.text
    log = env.services.audit
    assert log is not None
    for i in reversed(range(await log.size())):
        if orjson.loads((await log.get_record(i)).data).get("kind") == "request":
            return i
    raise AssertionError("no request record")


async def test_one_platform_admin_alone_cannot_read_a_transcript(env: Env) -> None:
    index = await _transcript(env)
    reason = {"reason": "investigating incident INC-1 please", "project": "OPS"}
    async with env.client("admin") as root:
        # by their own key: not an auditor
        r = await root.post("/v1/audit/access-requests", json=reason)
        assert r.status_code == 403
        # by raising themselves
        r = await root.patch(
            f"/v1/admin/users/{env.ids['admin']}",
            json={"roles": ["user", "platform_admin", "auditor"]},
        )
        assert r.status_code == 403 and r.json()["error"]["code"] == "self_grant"
        # by making two auditors: accounts are made, the auditor role and clearance wait
        made = {}
        for name in ("a1", "a2"):
            r = await root.post(
                "/v1/admin/users",
                json={"lab_id": "default", "username": name, "roles": ["user", "auditor"],
                      "clearance": "SECRET//NUC"},
            )  # fmt: skip
            assert r.status_code == 202, r.text
            made[name] = r.json()
            assert made[name]["roles"] == ["user"] and made[name]["clearance"] is None
            r = await root.post(
                "/v1/admin/projects/default/members", json={"user_id": made[name]["id"]}
            )
            assert r.status_code == 201
        # and keys for them: they work only once a second platform admin approves
        keys = {}
        for name in ("a1", "a2"):
            r = await root.post(
                "/v1/admin/keys", json={"user_id": made[name]["id"], "project_id": "default"}
            )
            assert r.status_code == 202, r.text
            keys[name] = r.json()
        # by making a second platform admin to approve with
        r = await root.post(
            "/v1/admin/users",
            json={"lab_id": "default", "username": "deputy", "roles": ["user", "platform_admin"]},
        )
        assert r.status_code == 202
        # and approving any of it alone
        pending = (await root.get("/v1/admin/approvals")).json()["data"]
        assert len(pending) == 5
        for p in pending:
            r = await root.post(f"/v1/admin/approvals/{p['id']}/approve")
            assert r.status_code == 403 and r.json()["error"]["code"] == "same_person"
    for name in ("a1", "a2"):
        async with env.client(keys[name]["key"]) as c:
            r = await c.post("/v1/audit/access-requests", json=reason)
            assert r.status_code == 401
    # even when an unwary second admin approves everything the first one asked for, the
    # auditors' minted keys die with the raise, and the two auditors (whatever credential
    # they get) both owe their accounts to the same person
    async with env.client("sam") as sam:
        for p in pending:
            if p["kind"] == "grant" and p["target_user_id"] != made["a1"]["id"]:
                continue
            r = await sam.post(f"/v1/admin/approvals/{p['id']}/approve")
            assert r.status_code == 200, r.text
        for p in pending:  # the rest after the keys: the grants revoke them
            if p["kind"] == "grant" and p["target_user_id"] != made["a1"]["id"]:
                r = await sam.post(f"/v1/admin/approvals/{p['id']}/approve")
                assert r.status_code == 200, r.text
    env.services.auth.invalidate_all()
    for name in ("a1", "a2"):
        async with env.client(keys[name]["key"]) as c:
            r = await c.post("/v1/audit/access-requests", json=reason)
            assert r.status_code == 401, r.text
    # give both auditors credentials of their own (as their IdP would): still no transcript
    repo = KeyRepository(env.services.sessions)
    own = {name: (await repo.create(made[name]["id"], "default"))[0] for name in ("a1", "a2")}
    async with env.client(own["a1"]) as a1:
        filed = await a1.post("/v1/audit/access-requests", json=reason)
        assert filed.status_code == 201, filed.text
        request_id = filed.json()["id"]
    async with env.client(own["a2"]) as a2:
        r = await a2.post(f"/v1/audit/access-requests/{request_id}/approve")
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "same_sponsor"
        assert env.ids["admin"] in r.json()["error"]["message"]
    async with env.client(own["a1"]) as a1:
        r = await a1.get(f"/v1/audit/access-requests/{request_id}/transcripts/{index}")
        assert r.status_code == 403
    # an auditor nobody in common made approves: the rule still works for two real people
    async with env.client("aud") as aud:
        r = await aud.post(f"/v1/audit/access-requests/{request_id}/approve")
        assert r.status_code == 200, r.text
    async with env.client(own["a1"]) as a1:
        r = await a1.get(f"/v1/audit/access-requests/{request_id}/transcripts/{index}")
        assert r.status_code == 200, r.text
        assert "the secret" in orjson.dumps(r.json()).decode()


async def test_the_first_platform_admin_comes_from_bootstrap_and_a_lone_one_is_told_what_next(
    env: Env,
) -> None:
    async with env.services.sessions.begin() as s:  # a deployment with one platform admin
        await s.execute(
            update(User).where(User.username.in_(["pat", "sam"])).values(roles=["user"])
        )
    env.services.auth.invalidate_all()
    async with env.client("admin") as root:
        me = (await root.get("/v1/admin/whoami")).json()
        assert "platform_admin" in me["roles"]
        r = await root.patch(
            f"/v1/admin/users/{env.ids['sam']}", json={"roles": ["user", "platform_admin"]}
        )
        assert r.status_code == 202
        step = r.json()["pending_grant"]["next_step"]
        assert "labgate admin approvals approve" in step and "one platform administrator" in step
        listed = (await root.get("/v1/admin/approvals")).json()["data"]
        assert [p["status"] for p in listed] == ["pending"]


async def test_lowering_a_clearance_is_no_grant(env: Env) -> None:
    """Taking power away takes effect at once, one's own included; raising never does."""
    async with env.client("olga") as olga:
        r = await olga.patch(
            f"/v1/admin/users/{env.ids['olga']}", json={"clearance": "UNCLASSIFIED"}
        )
        assert r.status_code == 200 and r.json()["clearance"] == "UNCLASSIFIED", r.text
        r = await olga.patch(f"/v1/admin/users/{env.ids['olga']}", json={"clearance": "CUI"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "self_grant"
    async with env.client("pat") as pat:  # sideways (another compartment) is a raise
        r = await pat.patch(f"/v1/admin/users/{env.ids['carl']}", json={"clearance": "SECRET//NUC"})
        assert r.status_code == 202
        r = await pat.patch(f"/v1/admin/users/{env.ids['carl']}", json={"clearance": "CUI"})
        assert r.status_code == 200 and r.json()["clearance"] == "CUI"


async def test_whoever_minted_an_auditors_key_is_no_second_person_to_them(env: Env) -> None:
    """A platform admin who is also an auditor has a key of another auditor minted (with a
    second admin's approval): while that key works, the two cannot pair up for a transcript,
    since the first holds the second's credential."""
    async with env.services.sessions.begin() as s:
        await s.execute(
            update(User)
            .where(User.id == env.ids["pat"])
            .values(roles=["user", "platform_admin", "auditor"])
        )
    env.services.auth.invalidate_all()
    async with env.client("pat") as pat:
        asked = await pat.post(
            "/v1/admin/keys", json={"user_id": env.ids["aud"], "project_id": "ANL1"}
        )
        assert asked.status_code == 202, asked.text
        minted = asked.json()
    async with env.client("sam") as sam:
        ok = await sam.post(f"/v1/admin/approvals/{minted['pending_action']['id']}/approve")
        assert ok.status_code == 200
    reason = {"reason": "investigating incident INC-2 please", "project": "OPS"}
    async with env.client("pat") as pat:
        filed = (await pat.post("/v1/audit/access-requests", json=reason)).json()
    for key in (minted["key"], env.keys["aud"]):
        async with env.client(key) as aud:
            r = await aud.post(f"/v1/audit/access-requests/{filed['id']}/approve")
            assert r.status_code == 403 and r.json()["error"]["code"] == "same_sponsor", r.text
    # a key made with the minted key ties them as much (pat could have made it)
    async with env.client(minted["key"]) as with_minted:
        child = await with_minted.post("/v1/admin/keys", json={"project_id": "ANL1"})
        assert child.status_code == 201, child.text
    async with env.client("aud") as aud:
        assert (await aud.delete(f"/v1/admin/keys/{minted['id']}")).status_code == 200
        r = await aud.post(f"/v1/audit/access-requests/{filed['id']}/approve")
        assert r.status_code == 403 and r.json()["error"]["code"] == "same_sponsor", r.text
        # once every key pat could hold is gone, they are two people
        assert (await aud.delete(f"/v1/admin/keys/{child.json()['id']}")).status_code == 200
        r = await aud.post(f"/v1/audit/access-requests/{filed['id']}/approve")
        assert r.status_code == 200, r.text


async def test_naming_a_lead_is_no_way_around_membership_within_the_lab(env: Env) -> None:
    """Naming a project's lead makes them a member: another lab's user may not be named
    unless they are a member already (their lab's admin agreed)."""
    async with env.client("olga") as olga:
        r = await olga.post(
            "/v1/admin/projects",
            json={"id": "NEW", "lab_id": "ornl", "lead_user_id": env.ids["carl"]},
        )
        assert r.status_code == 403 and r.json()["error"]["code"] == "cross_lab_member", r.text
        r = await olga.patch("/v1/admin/projects/CHM1", json={"lead_user_id": env.ids["carl"]})
        assert r.status_code == 403 and r.json()["error"]["code"] == "cross_lab_member", r.text
        members = (await olga.get("/v1/admin/projects/CHM1/members")).json()["data"]
        assert "carl" not in {m["username"] for m in members}
        asked = (
            await olga.post("/v1/admin/projects/CHM1/members", json={"user_id": "anl/carl"})
        ).json()
    async with env.client("arno") as arno:
        assert (await arno.post(f"/v1/admin/approvals/{asked['id']}/approve")).status_code == 200
    async with env.client("olga") as olga:  # a member now: may be named lead
        r = await olga.patch("/v1/admin/projects/CHM1", json={"lead_user_id": env.ids["carl"]})
        assert r.status_code == 200, r.text


async def test_a_deputy_one_made_is_no_second_person_for_ones_requests(env: Env) -> None:
    """The bootstrap admin makes a deputy platform admin (a colleague approves the grant); the
    deputy may not then approve the admin's requests: they owe their power to the admin."""
    async with env.client("admin") as root:
        made = await root.post(
            "/v1/admin/users",
            json={"lab_id": "default", "username": "deputy", "roles": ["user", "platform_admin"]},
        )
        assert made.status_code == 202
        deputy = made.json()
    async with env.client("sam") as sam:
        r = await sam.post(f"/v1/admin/approvals/{deputy['pending_grant']['id']}/approve")
        assert r.status_code == 200
    deputy_key, _ = await KeyRepository(env.services.sessions).create(deputy["id"], None)
    async with env.client("admin") as root:
        asked = await root.patch(f"/v1/admin/users/{env.ids['leo']}", json={"clearance": "CUI"})
        grant = asked.json()["pending_grant"]["id"]
    async with env.client(deputy_key) as dep:
        r = await dep.post(f"/v1/admin/approvals/{grant}/approve")
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "approver_made_by_requester"
    async with env.client("pat") as pat:  # someone the admin did not make may
        assert (await pat.post(f"/v1/admin/approvals/{grant}/approve")).status_code == 200


async def test_a_lone_admin_gets_an_independent_second_one_as_documented(env: Env) -> None:
    """docs/administration.md, "The first platform administrators": the operator at the server
    asks for the colleague's account, role and key; the bootstrap admin approves over the API;
    the colleague then approves the admin's requests."""
    from labgate.tenancy import MemberAdd, TenancyService, UserCreate, operator_principal
    from labgate.tenancy.inputs import KeyCreate

    async with env.services.sessions.begin() as s:
        await s.execute(
            update(User).where(User.username.in_(["pat", "sam"])).values(roles=["user"])
        )
    env.services.auth.invalidate_all()
    service: TenancyService = env.services.extras["tenancy"]
    operator = operator_principal("ops")
    spec = UserCreate(
        lab_id="default",
        username="colleague",
        roles=["user", "platform_admin"],  # type: ignore[list-item]
    )
    made = await service.create_user(operator, spec)
    assert made.pending_grant is not None
    await service.add_member(operator, "default", MemberAdd(user_id=made.id))
    key = await service.create_key(operator, KeyCreate(user_id=made.id, project_id="default"))
    assert key.pending is not None
    async with env.client("admin") as root:
        for action in (made.pending_grant.id, key.pending.id):
            r = await root.post(f"/v1/admin/approvals/{action}/approve")
            assert r.status_code == 200, r.text
        asked = await root.patch(f"/v1/admin/users/{env.ids['leo']}", json={"clearance": "CUI"})
        grant = asked.json()["pending_grant"]["id"]
    async with env.client(key.key) as colleague:
        me = (await colleague.get("/v1/admin/whoami")).json()
        assert "platform_admin" in me["roles"]
        r = await colleague.post(f"/v1/admin/approvals/{grant}/approve")
        assert r.status_code == 200, r.text
    assert (await _user(env, "leo")).clearance == "CUI"
