"""A key minted for someone else never carries more than its cap, online or in a batch.

The insider's path: a platform administrator with no clearance (the bootstrap ``admin``) asks
for leo's key while leo is UNCLASSIFIED; before a second administrator approves that key,
leo is raised to CUI (two platform administrators, as it should be). The raise revoked every
capped key leo held then, but the key still pending was not one of them: approved afterwards,
it carried leo's live CUI clearance, above its cap, on the request path and in batches (whose
runner rebuilt its owner from the user row alone). ``labgate.identity.resolve`` now builds a
key's principal from its two rows, cap included, for both paths.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import orjson
import pytest

from labgate.access.config import LabelsConfig
from labgate.access.policy import AccessPolicy
from labgate.identity.keys import KeyRecord
from labgate.identity.principal import Principal, Role
from labgate.identity.resolve import deferred, key_principal, meet
from tests.tenancy.test_separation import LABELS, Env, env  # noqa: F401 (the labelled world)

pytestmark = pytest.mark.store


@pytest.fixture
def make_settings(make_settings: Callable[..., Any]) -> Callable[..., Any]:
    """The conftest's, with ``fake`` accredited at CUI (leo's clearance) and the same worker
    served as ``low`` at UNCLASSIFIED."""

    def make(models: list[dict[str, Any]], **extra: Any) -> Any:
        models = [*models, {"name": "low", "workers": models[0]["workers"]}]
        extra["labels"] = {**extra["labels"], "models": {"fake": "CUI", "low": "UNCLASSIFIED"}}
        return make_settings(models, **extra)

    return make


async def _capped_key_raised_past_its_cap(env: Env) -> str:  # noqa: F811
    async with env.client("admin") as admin:  # UNCLASSIFIED: the cap
        asked = await admin.post(
            "/v1/admin/keys", json={"user_id": env.ids["leo"], "project_id": "CHM1"}
        )
        assert asked.status_code == 202, asked.text
    async with env.client("pat") as pat:
        raised = await pat.patch(f"/v1/admin/users/{env.ids['leo']}", json={"clearance": "CUI"})
        assert raised.status_code == 202, raised.text
    async with env.client("sam") as sam:
        grant = raised.json()["pending_grant"]["id"]
        assert (await sam.post(f"/v1/admin/approvals/{grant}/approve")).status_code == 200
    async with env.client("pat") as pat:
        action = asked.json()["pending_action"]["id"]
        ok = await pat.post(f"/v1/admin/approvals/{action}/approve")
        assert ok.status_code == 200, ok.text
    env.services.auth.invalidate_all()
    return str(asked.json()["key"])


def _chat(model: str = "fake") -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": "go on"}]}


async def test_a_capped_key_reaches_nothing_above_its_cap_online(env: Env) -> None:  # noqa: F811
    key = await _capped_key_raised_past_its_cap(env)
    async with env.client(key) as minted:
        # the CUI model is above the key's cap: not found, as for any UNCLASSIFIED caller
        r = await minted.post("/v1/chat/completions", json=_chat())
        assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found", r.text
        models = (await minted.get("/v1/models")).json()["data"]
        assert [m["id"] for m in models] == ["low"]
        r = await minted.post(
            "/v1/chat/completions", json=_chat("low"), headers={"X-Labgate-Label": "CUI"}
        )
        assert r.status_code == 403, r.text
        assert (await minted.post("/v1/chat/completions", json=_chat("low"))).status_code == 200
    async with env.client("leo") as leo:  # his own key carries his CUI
        assert (await leo.post("/v1/chat/completions", json=_chat())).status_code == 200


async def test_a_capped_keys_batch_items_above_its_cap_are_refused(env: Env) -> None:  # noqa: F811
    key = await _capped_key_raised_past_its_cap(env)
    lines = [
        {"custom_id": model, "method": "POST", "url": "/v1/chat/completions", "body": _chat(model)}
        for model in ("low", "fake")
    ]
    data = b"\n".join(orjson.dumps(x) for x in lines) + b"\n"
    async with env.client(key) as minted:
        online = await minted.post("/v1/chat/completions", json=_chat())
        up = await minted.post(
            "/v1/files",
            files={"file": ("in.jsonl", data, "application/jsonl")},
            data={"purpose": "batch"},
        )
        assert up.status_code == 200, up.text
        made = await minted.post(
            "/v1/batches",
            json={
                "input_file_id": up.json()["id"],
                "endpoint": "/v1/chat/completions",
                "completion_window": "24h",
            },
        )
        assert made.status_code == 200, made.text
        batch = made.json()
        for _ in range(400):
            batch = (await minted.get(f"/v1/batches/{batch['id']}")).json()
            if batch["status"] in ("completed", "failed", "expired", "cancelled"):
                break
            await asyncio.sleep(0.05)
        assert batch["status"] == "completed", batch
        results: dict[str, dict[str, Any]] = {}
        for fid in (batch["output_file_id"], batch["error_file_id"]):
            if fid is None:
                continue
            content = await minted.get(f"/v1/files/{fid}/content")
            for raw in content.content.splitlines():
                row = orjson.loads(raw)
                results[row["custom_id"]] = row["response"]
    assert results["low"]["status_code"] == 200
    # the item above the cap is refused like the same request online, by the same rule
    assert results["fake"]["status_code"] == online.status_code == 404, results["fake"]
    assert results["fake"]["body"]["error"]["code"] == online.json()["error"]["code"]


# ------------------------------------------------------------------ the rule itself

SCHEME = AccessPolicy(LabelsConfig.model_validate(LABELS))


def _record(roles: tuple[str, ...], clearance: str | None, cap: Any) -> KeyRecord:
    return KeyRecord(
        "k", "u", "leo", "ornl", "CHM1", roles, clearance, None, False, False, cap=cap
    )  # fmt: skip


def test_a_cap_cuts_roles_levels_and_compartments() -> None:
    own = key_principal(_record(("user", "auditor"), "SECRET//NUC", None), SCHEME)
    assert own.clearance == "SECRET//NUC" and Role.AUDITOR in own.roles
    cap = {"roles": ["user", "platform_admin"], "clearance": "SECRET//SIGMA"}
    capped = key_principal(_record(("user", "auditor", "lab_admin"), "SECRET//NUC", cap), SCHEME)
    assert capped.roles == {Role.USER, Role.LAB_ADMIN}  # auditor is not the requester's
    assert capped.clearance == "SECRET"  # no compartment the requester lacked
    low = key_principal(_record(("user",), "SECRET//NUC", {"roles": [], "clearance": None}), SCHEME)
    assert low.clearance == "UNCLASSIFIED"
    # within the cap: the user's own marking, as written
    assert meet(SCHEME, "CUI", "SECRET//NUC") == "CUI"
    assert meet(None, "SECRET", "CUI") == "SECRET"  # labels off: nothing to cut


def test_deferred_work_never_runs_above_what_submitted_it() -> None:
    submitted = Principal("u", roles=frozenset({Role.USER}), clearance="CUI")
    raised = Principal("u", roles=frozenset({Role.USER, Role.AUDITOR}), clearance="SECRET//NUC")
    ran = deferred(raised, submitted, SCHEME)
    assert ran.roles == {Role.USER} and ran.clearance == "CUI"
    lowered = Principal("u", roles=frozenset({Role.USER}), clearance="UNCLASSIFIED")
    assert deferred(lowered, submitted, SCHEME).clearance == "UNCLASSIFIED"


async def test_a_session_batch_runs_within_what_its_token_and_the_account_hold(
    env: Env,  # noqa: F811
) -> None:
    """A batch submitted with a lab token (no key) whose IdP said CUI runs at CUI, even though
    labgate's own grant on the account is SECRET//SIGMA (it ran at the account's grant); and a
    clearance lowered since submission still applies."""
    from labgate.batch.batches import _principal_json
    from labgate.batch.models import BatchJob

    runner = env.services.extras["batch_runner"]
    submitted = Principal(
        env.ids["carl"], lab="anl", project="ANL1", roles=frozenset({Role.USER}),
        clearance="CUI", auth_method="oidc",
    )  # fmt: skip
    batch = BatchJob(id="batch_session", principal_json=_principal_json(submitted))
    ran = await runner._current(batch)
    assert isinstance(ran, Principal) and ran.clearance == "CUI" and ran.key_id is None
    higher = BatchJob(
        id="batch_session_2",
        principal_json=_principal_json(replace(submitted, clearance="SECRET//SIGMA")),
    )
    assert (await runner._current(higher)).clearance == "SECRET//SIGMA"
    async with env.client("arno") as arno:  # carl's lab admin lowers his clearance
        r = await arno.patch(f"/v1/admin/users/{env.ids['carl']}", json={"clearance": "CUI"})
        assert r.status_code == 200, r.text
    runner._owners.clear()  # (re-read every 5 s)
    assert (await runner._current(higher)).clearance == "CUI"
