"""A lab's identity provider cannot be used to take over an account or a clearance.

Attacks an insider with an account at a lab's IdP would try, through the real gateway and two
real issuers of the same lab (``LoopbackIssuer``), each seen succeeding before the fix:

* claim a clearance the issuer's mapping does not know (``TOP SECRET``) at first sign-in, and
  be served at it then and later, when the token says nothing;
* present a new subject with another user's name (``sub=mallory``,
  ``preferred_username=alice``), from the same issuer or from the lab's second issuer;
* keep an administrator role after leaving the IdP group that granted it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from labgate.app import create_app
from labgate.identity.keys import utcnow
from labgate.store.tenancy import Lab, Project, ProjectMember, User
from tests.identity.issuer import LoopbackIssuer
from tests.support.servers import RunningWorker, serve_app

pytestmark = pytest.mark.store

LEVELS = {"Q": "SECRET", "L": "CUI"}
# one model accredited at each level: a caller cleared for a level may use its model there; a
# model above the caller's clearance answers as a missing one (404, docs/labels.md), so the
# status of a chat at a level says whether the caller holds that clearance
MODELS = {"UNCLASSIFIED": "m-u", "CUI": "m-cui", "SECRET": "m-s", "TOP SECRET": "m-ts"}
HELD, NOT_HELD = 200, 404


def _labels(*issuers: LoopbackIssuer) -> dict[str, Any]:
    return {
        "levels": ["UNCLASSIFIED", "CUI", "SECRET", "TOP SECRET"],
        "default_request_label": "UNCLASSIFIED",
        "models": {model: level for level, model in MODELS.items()},
        "issuers": {i.issuer: {"levels": LEVELS} for i in issuers},
    }


def _issuer_config(idp: LoopbackIssuer) -> dict[str, Any]:
    return idp.config(
        "lab-a",
        provisioning="auto",
        allow_http=True,
        user_claim="preferred_username",
        clearance_claim="clearance",
        roles_claim="groups",
        role_map={"lab-admins": "lab_admin"},
    )


class Gateway:
    def __init__(self, app: Any, url: str, client: httpx.AsyncClient) -> None:
        self.app = app
        self.services = app.state.services
        self.url = url
        self.client = client

    async def chat(self, token: str, label: str | None = None) -> httpx.Response:
        """A chat at ``label`` on the model accredited at that level (the open one by default)."""
        headers = {"Authorization": f"Bearer {token}"}
        if label:
            headers["X-Labgate-Label"] = label
        model = MODELS[label or "UNCLASSIFIED"]
        return await self.client.post(
            "/v1/chat/completions",
            json={"model": model, "messages": [{"role": "user", "content": "hello"}]},
            headers=headers,
        )

    async def whoami(self, token: str) -> httpx.Response:
        return await self.client.get(
            "/v1/admin/whoami", headers={"Authorization": f"Bearer {token}"}
        )

    async def account(self, subject: str) -> User:
        async with self.services.sessions() as s:
            return (await s.execute(select(User).where(User.oidc_subject == subject))).scalar_one()

    async def sign_up(self, token: str, subject: str, project: str) -> User:
        """First sign-in (auto-provisioned), then made a member of its own project."""
        r = await self.chat(token)
        assert r.status_code == 400 and r.json()["error"]["code"] == "project_required", r.text
        user = await self.account(subject)
        async with self.services.sessions.begin() as s:
            s.add(Project(id=project, lab_id="lab-a", name=project, created_at=utcnow()))
            await s.flush()
            s.add(ProjectMember(project_id=project, user_id=user.id))
        self.services.auth.oidc.forget_user(user.id)
        return user


@pytest.fixture
async def idps() -> AsyncIterator[tuple[LoopbackIssuer, LoopbackIssuer]]:
    async with LoopbackIssuer() as first, LoopbackIssuer(path="second") as second:
        yield first, second


@pytest.fixture
async def gateway(
    make_settings: Callable[..., Any],
    fake_worker: RunningWorker,
    idps: tuple[LoopbackIssuer, LoopbackIssuer],
) -> AsyncIterator[Gateway]:
    settings = make_settings(
        [{"name": model, "workers": [fake_worker.base_url]} for model in MODELS.values()],
        labels=_labels(*idps),
        oidc={"issuers": [_issuer_config(i) for i in idps]},
    )
    app = create_app(settings)
    async with serve_app(app) as url, httpx.AsyncClient(base_url=url) as client:
        yield Gateway(app, url, client)


# ----------------------------------------------------------------------------- clearance


async def test_an_unmapped_clearance_claim_gives_no_clearance_now_or_later(
    gateway: Gateway, idps: tuple[LoopbackIssuer, LoopbackIssuer]
) -> None:
    idp = idps[0]
    claims = {"sub": "nina-sub", "preferred_username": "nina"}
    user = await gateway.sign_up(idp.mint(clearance="TOP SECRET", **claims), "nina-sub", "p-nina")
    assert user.clearance is None, "the raw claim must never be stored on the account"

    for token in (idp.mint(clearance="TOP SECRET", **claims), idp.mint(**claims)):
        for label in ("TOP SECRET", "SECRET", "CUI"):
            r = await gateway.chat(token, label)
            assert r.status_code == NOT_HELD, (label, r.text)
        assert (await gateway.chat(token, "UNCLASSIFIED")).status_code == HELD


async def test_clearance_follows_the_mapping_of_each_token(
    gateway: Gateway, idps: tuple[LoopbackIssuer, LoopbackIssuer]
) -> None:
    idp = idps[0]
    claims = {"sub": "omar-sub", "preferred_username": "omar"}
    await gateway.sign_up(idp.mint(clearance="Q", **claims), "omar-sub", "p-omar")
    cleared = idp.mint(clearance="Q", **claims)
    assert (await gateway.chat(cleared, "SECRET")).status_code == HELD
    assert (await gateway.chat(cleared, "TOP SECRET")).status_code == NOT_HELD
    # the IdP lowers him: the next token is served at the lower mapping, not the earlier one
    lowered = idp.mint(clearance="L", **claims)
    assert (await gateway.chat(lowered, "SECRET")).status_code == NOT_HELD
    assert (await gateway.chat(lowered, "CUI")).status_code == HELD
    assert (await gateway.chat(idp.mint(**claims), "CUI")).status_code == NOT_HELD


# ----------------------------------------------------------------------------- subject binding


async def test_a_new_subject_with_a_known_name_is_refused_from_either_issuer(
    gateway: Gateway, idps: tuple[LoopbackIssuer, LoopbackIssuer]
) -> None:
    first, second = idps
    alice = {"sub": "alice-sub", "preferred_username": "alice"}
    account = await gateway.sign_up(first.mint(clearance="Q", **alice), "alice-sub", "p-alice")
    assert (await gateway.chat(first.mint(clearance="Q", **alice), "SECRET")).status_code == 200

    impostors = {
        "same issuer, new subject": first.mint(sub="mallory", preferred_username="alice"),
        "second issuer, new subject": second.mint(
            sub="mallory", preferred_username="alice", clearance="Q"
        ),
        "second issuer, alice's subject string": second.mint(
            sub="alice-sub", preferred_username="alice", clearance="Q"
        ),
    }
    for case, token in impostors.items():
        for r in (await gateway.chat(token), await gateway.whoami(token)):
            assert r.status_code == 403, (case, r.text)
            assert r.json()["error"]["code"] == "subject_mismatch", (case, r.text)
            assert account.id not in r.text

    async with gateway.services.sessions() as s:
        rows = (await s.execute(select(User.username, User.oidc_subject))).all()
    # no second account was made, and alice's stays bound to her subject
    assert [r for r in rows if r[0] == "alice" or r[1] is not None] == [("alice", "alice-sub")]
    r = await gateway.whoami(first.mint(**alice))
    assert r.status_code == 200 and r.json()["user_id"] == account.id


async def test_an_account_a_lab_admin_created_is_bound_once_at_first_sign_in(
    gateway: Gateway, idps: tuple[LoopbackIssuer, LoopbackIssuer]
) -> None:
    first, second = idps
    async with gateway.services.sessions.begin() as s:
        if await s.get(Lab, "lab-a") is None:
            s.add(Lab(id="lab-a", name="Lab A", created_at=utcnow()))
            await s.flush()
        s.add(User(id="u-bea", lab_id="lab-a", username="bea", roles=[], created_at=utcnow()))
        s.add(Project(id="p-bea", lab_id="lab-a", name="p-bea", created_at=utcnow()))
        await s.flush()
        s.add(ProjectMember(project_id="p-bea", user_id="u-bea"))
    r = await gateway.whoami(second.mint(sub="bea-sub", preferred_username="bea"))
    assert r.status_code == 200 and r.json()["user_id"] == "u-bea"
    bound = await gateway.account("bea-sub")
    assert (bound.id, bound.oidc_issuer) == ("u-bea", second.issuer)
    # bound now: the other issuer (or another subject) cannot have it too
    for token in (
        first.mint(sub="bea-sub", preferred_username="bea"),
        second.mint(sub="bea-2", preferred_username="bea"),
    ):
        r = await gateway.whoami(token)
        assert r.status_code == 403 and r.json()["error"]["code"] == "subject_mismatch"


# ----------------------------------------------------------------------------- roles


async def test_idp_roles_leave_with_the_group_and_labgate_grants_stay(
    gateway: Gateway, idps: tuple[LoopbackIssuer, LoopbackIssuer]
) -> None:
    idp = idps[0]
    carl = {"sub": "carl-sub", "preferred_username": "carl"}
    user = await gateway.sign_up(idp.mint(groups=["lab-admins"], **carl), "carl-sub", "p-carl")

    r = await gateway.whoami(idp.mint(groups=["lab-admins"], **carl))
    assert r.status_code == 200 and "lab_admin" in r.json()["roles"]
    admin = idp.mint(groups=["lab-admins"], **carl)
    r = await gateway.client.get("/v1/admin/workers", headers={"Authorization": f"Bearer {admin}"})
    assert r.status_code == 200

    left = idp.mint(groups=["physics"], **carl)  # he left the admins' group
    r = await gateway.whoami(left)
    assert r.status_code == 200 and r.json()["roles"] == ["user"]
    r = await gateway.client.get("/v1/admin/workers", headers={"Authorization": f"Bearer {left}"})
    assert r.status_code == 403
    assert (await gateway.account("carl-sub")).roles == [], "IdP roles are not kept on the account"

    # a role granted inside labgate is labgate's to take away, not the IdP's
    async with gateway.services.sessions.begin() as s:
        (await s.get(User, user.id)).roles = ["project_lead"]
    gateway.services.auth.oidc.forget_user(user.id)
    r = await gateway.whoami(idp.mint(groups=[], **carl))
    assert sorted(r.json()["roles"]) == ["project_lead", "user"]
