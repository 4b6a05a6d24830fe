"""No read-up through the pending-action queue, and no answer about a request one may not see.

Found as an insider: the registry hides a model version accredited above the reader's
clearance (404), but its first sign-off waits as a pending action ``model.approve`` whose
details name the model, the version and the signer's reason, and ``GET /v1/admin/approvals``
listed every pending action to every platform admin and auditor, whatever their clearance.
And ``POST /v1/admin/approvals/{id}/reject`` (or ``/approve``) told a caller who may not see
a request (404 on GET) that it exists and what kind it is (403 naming it). Now one rule
(``ApprovalOps._sees_action``) decides who sees a request, for listing, reading and deciding,
with the registry's own no-read-up rule (``model_version_visible``) for sign-offs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import update

from labgate.store.tenancy import User
from tests.approval.test_gate import DIGEST, GOOD, _sign, build_world

pytestmark = pytest.mark.store

LABELS = {
    "levels": ["UNCLASSIFIED", "SECRET"],
    "compartments": {"NUC": "Nuclear weapons effects program"},
    "default_request_label": "UNCLASSIFIED",
    "range": {"min": "UNCLASSIFIED", "max": "SECRET//NUC"},
    "models": {"m1": "SECRET//NUC"},
}


async def test_a_sign_off_above_the_reader_is_not_in_the_queue(
    make_settings: Callable[..., Any],
) -> None:
    def labelled(models: list[dict[str, Any]], **extra: Any) -> Any:
        return make_settings(models, labels=LABELS, **extra)

    async with build_world(labelled, {"m1": DIGEST}) as world:
        async with world.services.sessions.begin() as s:
            for who in ("subm", "ap1", "ap3"):
                await s.execute(
                    update(User).where(User.id == world.users[who]).values(clearance="SECRET//NUC")
                )
        world.services.auth.invalidate_all()
        body = {"name": "m1", "version": "r1", "source": "/models/m1", "engine": "vllm"}
        r = await world.post("subm", "/v1/admin/models", {**body, "weights_digest": DIGEST})
        assert r.status_code == 201, r.text
        vid = r.json()["id"]
        evaluation = {"suites": {"science": 1}, "seed": 1, "metrics": GOOD, "finished": True}
        r = await world.post("subm", f"/v1/admin/models/{vid}/evaluations", evaluation)
        assert r.status_code == 200, r.text
        r = await world.post("ap1", f"/v1/admin/models/{vid}/approve", _sign("the NUC reason"))
        assert r.status_code == 202, r.text
        pending = r.json()["pending_action_id"]

        # padm: a platform admin with no clearance (UNCLASSIFIED); the registry hides m1
        assert (await world.get("padm", f"/v1/admin/models/{vid}")).status_code == 404
        for path in ("/v1/admin/approvals", "/v1/admin/approvals?status=all"):
            listed = await world.get("padm", path)
            assert listed.status_code == 200
            assert "m1" not in listed.text and "NUC reason" not in listed.text, listed.text
        assert (await world.get("padm", f"/v1/admin/approvals/{pending}")).status_code == 404
        r = await world.post("padm", f"/v1/admin/approvals/{pending}/reject", {})
        assert r.status_code == 404 and "model" not in r.text, r.text
        # the cleared approver sees it, and the second sign-off still approves
        seen = await world.get("ap3", "/v1/admin/approvals")
        assert pending in seen.text
        r = await world.post("ap3", f"/v1/admin/models/{vid}/approve", _sign("checked"))
        assert r.status_code == 200, r.text


async def test_deciding_a_request_one_may_not_see_is_a_404(
    make_settings: Callable[..., Any],
) -> None:
    async with build_world(make_settings, {"m1": DIGEST}) as world:
        r = await world.post("padm", "/v1/admin/users", {"lab_id": "lab-g", "username": "new"})
        assert r.status_code == 201, r.text
        r = await world.post("ap1", "/v1/admin/approvals", {})  # (no such route: a 405)
        async with world.client("padm") as padm:
            asked = await padm.patch(
                f"/v1/admin/users/{world.users['ap3']}",
                json={"roles": ["user", "approver", "auditor"]},
            )
        assert asked.status_code == 202, asked.text
        grant = asked.json()["pending_grant"]["id"]
        assert (await world.get("user", f"/v1/admin/approvals/{grant}")).status_code == 404
        for decision in ("approve", "reject"):
            r = await world.post("user", f"/v1/admin/approvals/{grant}/{decision}", {})
            assert r.status_code == 404, r.text
            assert "grant" not in r.json()["error"]["message"]
        # still pending: its requester withdraws it
        r = await world.post("padm", f"/v1/admin/approvals/{grant}/reject", {})
        assert r.status_code == 200 and r.json()["status"] == "rejected"
