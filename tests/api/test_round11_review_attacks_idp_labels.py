"""Round eleven insider attacks on deciding the review queue, continued
(tests/api/test_round11_review_attacks.py has the rest): a flag on a model retired from
[[models]] but still accredited, and reviewers who sign in through a lab's identity provider
(OIDC tokens, roles from its group mapping) instead of API keys. Attacks the product withstands
are plain tests; a hole is a strict xfail saying what it is."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import update

from labgate.app import create_app
from labgate.identity.principal import Principal, Role
from labgate.safety.models import SafetyFlag
from labgate.store.tenancy import User
from tests.api.test_flag_review import NOTE, _error, _flag, _review, _status, _user
from tests.api.test_labels_path import LABELS
from tests.api.test_round11_review_attacks import _rows
from tests.identity.issuer import LoopbackIssuer
from tests.identity.test_oidc_binding import MODELS as OIDC_MODELS
from tests.identity.test_oidc_binding import Gateway, _issuer_config, _labels
from tests.support.servers import serve_app

pytestmark = pytest.mark.store


# ---------------------------------------------------- a model retired from service (labels)


@pytest.fixture
async def retired(make_settings: Callable[..., Any]) -> AsyncIterator[dict[str, Any]]:
    """A labelled gateway whose SECRET//NUC model ``nuc-v1`` was taken out of [[models]] while
    its accreditation (and its flags) stay: the config check only warns about that."""
    models: dict[str, Any] = {**LABELS["models"], "nuc-v1": "SECRET//NUC"}  # type: ignore[dict-item]
    labels = {**LABELS, "models": models}
    settings = make_settings(
        [{"name": "open", "workers": []}, {"name": "nuc", "workers": []}], labels=labels
    )
    app = create_app(settings)
    async with serve_app(app) as url:
        services = app.state.services
        async with services.sessions.begin() as s:
            await s.execute(update(User).values(clearance="SECRET//NUC"))
        services.auth.invalidate_all()
        yield {"url": url, "key": services.bootstrap.admin_key, "services": services}


async def test_a_retired_secret_models_flags_stay_hidden_from_a_cui_reviewer(
    retired: dict[str, Any],
) -> None:
    services = retired["services"]
    _, key = await _user(retired, "cui-admin", "CUI", "lab_admin")
    cui = Principal(
        user_id="cui", lab="default", clearance="CUI", roles=frozenset({Role.LAB_ADMIN})
    )
    assert not services.access.sees_model(cui, "nuc-v1")  # the policy's own verdict
    flag_id = await _flag(retired, model="nuc-v1")
    assert await _rows(retired, key) == []
    _error(await _review(retired, key, flag_id), 404, "flag_not_found")
    assert await _status(retired, flag_id) == "open"


# ------------------------------------------------------------------------------ OIDC callers


@pytest.fixture
async def oidc_gateway(
    make_settings: Callable[..., Any],
) -> AsyncIterator[tuple[Gateway, LoopbackIssuer]]:
    async with LoopbackIssuer() as idp:
        settings = make_settings(
            [{"name": model, "workers": []} for model in OIDC_MODELS.values()],
            labels=_labels(idp),
            oidc={"issuers": [_issuer_config(idp)]},
        )
        app = create_app(settings)
        async with serve_app(app) as url, httpx.AsyncClient(base_url=url) as client:
            yield Gateway(app, url, client), idp


async def _oidc_review(gw: Gateway, token: str, flag_id: int) -> httpx.Response:
    return await gw.client.post(
        f"/v1/safety/flags/{flag_id}/review",
        json={"status": "dismissed", "note": NOTE},
        headers={"Authorization": f"Bearer {token}"},
    )


async def test_oidc_lab_admins_follow_the_same_rules_as_keys(
    oidc_gateway: tuple[Gateway, LoopbackIssuer],
) -> None:
    """An IdP-made lab admin (role_map) decides their lab's row with an audited record naming
    the OIDC sign-in; not their own flag (the same user id their account has), not a row on a
    model above the token's clearance (404), nothing of another lab (404), and nothing once
    they left the IdP group (403)."""
    gw, idp = oidc_gateway
    claims: dict[str, Any] = {"sub": "dana-sub", "preferred_username": "dana"}
    admin = idp.mint(groups=["lab-admins"], clearance="Q", **claims)  # Q: SECRET
    await gw.sign_up(admin, "dana-sub", "p-dana")
    r = await gw.whoami(admin)
    assert r.status_code == 200 and "lab_admin" in r.json()["roles"], r.text
    uid = r.json()["user_id"]
    env = {"services": gw.services, "url": gw.url}
    theirs = await _flag(env, "someone", lab="lab-a", model="m-s")
    own = await _flag(env, uid, lab="lab-a", model="m-s")
    own_group = await _flag(env, "someone", lab="lab-a", model="m-s", grouped=True)
    assert await _flag(env, uid, lab="lab-a", model="m-s", grouped=True) == own_group
    above = await _flag(env, "someone", lab="lab-a", model="m-ts")
    elsewhere = await _flag(env, "someone", lab="default", model="m-u")

    index = await gw.services.audit.size()
    assert (await _oidc_review(gw, admin, theirs)).status_code == 200
    record = orjson.loads((await gw.services.audit.get_record(index)).data)
    assert (record["action"], record["user"], record["auth_method"]) == (
        "safety.review",
        uid,
        "oidc",
    )
    for target in (own, own_group):
        _error(await _oidc_review(gw, admin, target), 403, "own_flag")
    for target in (above, elsewhere):
        _error(await _oidc_review(gw, admin, target), 404, "flag_not_found")
    left = idp.mint(groups=["physics"], clearance="Q", **claims)
    _error(await _oidc_review(gw, left, above), 403, "insufficient_role")
    async with gw.services.sessions() as s:
        statuses = {
            fid: (await s.get(SafetyFlag, fid)).status  # type: ignore[union-attr]
            for fid in (own, own_group, above, elsewhere)
        }
    assert set(statuses.values()) == {"open"}
