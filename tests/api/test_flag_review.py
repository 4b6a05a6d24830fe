"""Deciding the review queue over HTTP (``POST /v1/safety/flags/{id}/review``) and its order
(``GET /v1/safety/flags?order=recent|seen``), through the real API with real keys of each role
on a labelled deployment (the ``open`` model is CUI, ``nuc`` SECRET//NUC). The insider attacks:
an ordinary user, a project lead and an auditor deciding; another lab's admin and a reviewer not
cleared for the flag's model (plain and grouped rows) probing ids; a reviewer deciding a flag on
their own requests; the same id twice (in turn and at once); ids and bodies of the wrong shape.
Every decision is in the audit log, without the note's text."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest

from labgate.identity.keys import KeyRepository, new_id, utcnow
from labgate.identity.principal import Principal
from labgate.safety.categories import Action, Category, Stage
from labgate.safety.decision import Decision
from labgate.safety.flags import FlagContext, record_decision
from labgate.safety.models import SafetyFlag
from labgate.store.tenancy import Lab, User
from tests.api.test_labels_path import labelled  # noqa: F401  (the fixture)

pytestmark = pytest.mark.store

NOTE = "the user pasted: how to weaponise a nerve agent (quoted from the prompt)"
PROMPT_SHA = "ab" * 32


async def _user(
    env: dict[str, Any], name: str, clearance: str | None, *roles: str, lab: str = "default"
) -> tuple[str, str]:
    """A user with a key of their own (written straight to the store): (user id, key)."""
    services = env["services"]
    uid = new_id()
    async with services.sessions.begin() as s:
        if lab != "default" and await s.get(Lab, lab) is None:
            s.add(Lab(id=lab, name=lab, created_at=utcnow()))
            await s.flush()
        s.add(
            User(
                id=uid,
                lab_id=lab,
                username=name,
                roles=list(roles),
                clearance=clearance,
                created_at=utcnow(),
            )
        )
    key, _ = await KeyRepository(services.sessions).create(uid, None)
    return uid, key


def _client(env: dict[str, Any], key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=env["url"], headers={"Authorization": f"Bearer {key}"}, timeout=30
    )


def _decision(instructions: bool = False) -> Decision:
    return Decision(
        action=Action.FLAG,
        category=Category.CBRN_CHEMICAL,
        score=0.6,
        stage=Stage.CLASSIFIER,
        reasons=["r"],
        scores={"cbrn_chemical": 0.6},
        instructions_sha256=PROMPT_SHA if instructions else None,
    )


async def _flag(
    env: dict[str, Any],
    user_id: str = "someone",
    *,
    model: str = "open",
    grouped: bool = False,
    lab: str = "default",
    request_id: str | None = None,
) -> int:
    """A row of the queue as the gateway records one (a grouped one counts on its group)."""
    principal = Principal(user_id=user_id, lab=lab, project="default")
    context = FlagContext(request_id or "req-" + new_id(), principal, model, "some text")
    async with env["services"].sessions.begin() as s:
        row = await record_decision(s, _decision(grouped), context)
        assert row is not None
        return int(row.id)


async def _status(env: dict[str, Any], flag_id: int) -> str:
    async with env["services"].sessions() as s:
        row = await s.get(SafetyFlag, flag_id)
        assert row is not None
        return str(row.status)


async def _review(
    env: dict[str, Any], key: str, flag_id: Any, body: Any = None, **kw: Any
) -> httpx.Response:
    async with _client(env, key) as c:
        if not kw:
            kw["json"] = {"status": "dismissed", "note": NOTE} if body is None else body
        return await c.post(f"/v1/safety/flags/{flag_id}/review", **kw)


def _error(r: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}, error
    if code is not None:
        assert error["code"] == code, error
    assert r.headers.get("x-request-id")
    return dict(error)


async def test_a_lab_admin_decides_once_the_decision_is_audited_without_the_note(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    services = labelled["services"]
    admin_id, admin = await _user(labelled, "lab-admin", "CUI", "lab_admin")
    flag_id = await _flag(labelled)
    async with _client(labelled, admin) as c:
        [listed] = (await c.get("/v1/safety/flags")).json()["data"]
    assert listed["id"] == flag_id and listed["can_review"] is True

    before = await services.audit.size()
    r = await _review(labelled, admin, flag_id)
    assert r.status_code == 200, r.text
    row = r.json()
    assert (row["id"], row["status"], row["reviewed_by"]) == (flag_id, "dismissed", admin_id)
    assert row["review_note"] == NOTE and row["can_review"] is False
    assert await _status(labelled, flag_id) == "dismissed"

    # one audit record: who, which flag, the status; the note's length, never its text
    assert await services.audit.size() == before + 1
    stored = await services.audit.get_record(before)
    record = orjson.loads(stored.data)
    assert record["action"] == "safety.review"
    assert record["target"] == f"safety_flag:{flag_id}"
    assert record["user"] == admin_id
    details = record["details"]
    assert (details["flag_id"], details["status"], details["model"]) == (
        flag_id,
        "dismissed",
        "open",
    )
    assert details["note_chars"] == len(NOTE)
    assert "nerve agent" not in orjson.dumps(record).decode()

    # the same id again: 409 naming the status, and the first decision stands
    again = await _review(labelled, admin, flag_id, {"status": "confirmed"})
    error = _error(again, 409, "flag_already_reviewed")
    assert "already dismissed" in error["message"]
    assert await _status(labelled, flag_id) == "dismissed"
    assert await services.audit.size() == before + 1

    async with _client(labelled, admin) as c:
        assert (await c.get("/v1/safety/flags")).json()["data"] == []
        [done] = (await c.get("/v1/safety/flags", params={"status": "dismissed"})).json()["data"]
    assert done["reviewed_by"] == admin_id and done["can_review"] is False


async def test_a_platform_admin_confirms_any_labs_flag(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    flag_id = await _flag(labelled, lab="ornl", model="nuc")
    r = await _review(labelled, labelled["key"], flag_id, {"status": "confirmed"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "confirmed" and r.json()["review_note"] is None


@pytest.mark.parametrize("roles", [(), ("project_lead",), ("auditor",)])
async def test_users_project_leads_and_auditors_do_not_decide(
    labelled: dict[str, Any],  # noqa: F811
    roles: tuple[str, ...],
) -> None:
    """403 whatever the id (an existing row of their lab, a missing one): no existence oracle,
    and the row stays open."""
    _, key = await _user(labelled, "x-" + "-".join(roles), "SECRET//NUC", *roles)
    flag_id = await _flag(labelled)
    for target in (flag_id, 999_999):
        _error(await _review(labelled, key, target), 403, "insufficient_role")
    assert await _status(labelled, flag_id) == "open"
    if roles == ("auditor",):  # auditors read the queue, and are told they may not decide
        async with _client(labelled, key) as c:
            [row] = (await c.get("/v1/safety/flags")).json()["data"]
        assert row["id"] == flag_id and row["can_review"] is False


async def test_another_labs_admin_gets_the_answer_of_a_missing_id(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    _, other = await _user(labelled, "anl-admin", "SECRET//NUC", "lab_admin", lab="anl")
    flag_id = await _flag(labelled)
    grouped_id = await _flag(labelled, grouped=True)
    missing = _error(await _review(labelled, other, 999_999), 404, "flag_not_found")
    for target in (flag_id, grouped_id):
        hidden = _error(await _review(labelled, other, target), 404, "flag_not_found")
        assert hidden == missing | {"message": missing["message"].replace("999999", str(target))}
        assert await _status(labelled, target) == "open"
    # their own lab's row they decide
    own = await _flag(labelled, lab="anl")
    assert (await _review(labelled, other, own)).status_code == 200


@pytest.mark.parametrize("grouped", [False, True], ids=["plain", "grouped"])
@pytest.mark.parametrize("role", ["lab_admin", "platform_admin"])
async def test_a_reviewer_not_cleared_for_the_model_gets_404(
    labelled: dict[str, Any],  # noqa: F811
    grouped: bool,
    role: str,
) -> None:
    """A flag on the SECRET//NUC model is that model's work: a CUI reviewer neither sees nor
    decides it, and learns nothing of it (the answer of a missing id)."""
    _, key = await _user(labelled, "cui-" + role, "CUI", role)
    flag_id = await _flag(labelled, model="nuc", grouped=grouped)
    hidden = _error(await _review(labelled, key, flag_id), 404, "flag_not_found")
    assert "nuc" not in hidden["message"]
    assert await _status(labelled, flag_id) == "open"
    async with _client(labelled, key) as c:
        assert (await c.get("/v1/safety/flags")).json()["data"] == []
    # cleared for it, the same role decides it
    _, cleared = await _user(labelled, "nuc-" + role, "SECRET//NUC", role)
    assert (await _review(labelled, cleared, flag_id)).status_code == 200


@pytest.mark.parametrize("grouped", [False, True], ids=["plain", "grouped"])
async def test_a_reviewer_never_decides_a_flag_on_their_own_requests(
    labelled: dict[str, Any],  # noqa: F811
    grouped: bool,
) -> None:
    """A lab admin whose own request was flagged (or who sent a grouped text someone else
    sent first) cannot dismiss it: 403 ``own_flag``; another reviewer can."""
    uid, key = await _user(labelled, "insider-admin", "SECRET//NUC", "lab_admin")
    if grouped:
        flag_id = await _flag(labelled, "someone-else", grouped=True)
        assert await _flag(labelled, uid, grouped=True) == flag_id  # counted on the group
    else:
        flag_id = await _flag(labelled, uid)
    async with _client(labelled, key) as c:
        [row] = (await c.get("/v1/safety/flags")).json()["data"]
    assert row["id"] == flag_id and row["can_review"] is False
    _error(await _review(labelled, key, flag_id), 403, "own_flag")
    assert await _status(labelled, flag_id) == "open"
    r = await _review(labelled, labelled["key"], flag_id, {"status": "confirmed"})
    assert r.status_code == 200, r.text


async def test_two_reviewers_at_once_make_one_decision(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    services = labelled["services"]
    _, a = await _user(labelled, "rev-a", "SECRET//NUC", "lab_admin")
    _, b = await _user(labelled, "rev-b", "SECRET//NUC", "platform_admin")
    flag_id = await _flag(labelled)
    before = await services.audit.size()
    answers = await asyncio.gather(
        _review(labelled, a, flag_id, {"status": "dismissed"}),
        _review(labelled, b, flag_id, {"status": "confirmed"}),
    )
    assert sorted(r.status_code for r in answers) == [200, 409], [r.text for r in answers]
    [won] = [r.json() for r in answers if r.status_code == 200]
    assert await _status(labelled, flag_id) == won["status"]
    assert await services.audit.size() == before + 1


BAD_BODIES: dict[str, dict[str, Any]] = {
    "empty object": {"json": {}},
    "status open": {"json": {"status": "open"}},
    "status reopened by case": {"json": {"status": "Confirmed"}},
    "status a number": {"json": {"status": 1}},
    "note a number": {"json": {"status": "dismissed", "note": 5}},
    "note too long": {"json": {"status": "dismissed", "note": "x" * 2001}},
    "an extra field": {"json": {"status": "dismissed", "reviewer": "someone-else"}},
    "a list": {"json": [{"status": "dismissed"}]},
    "not JSON": {"content": b"{status: dismissed", "headers": {"Content-Type": "application/json"}},
    "no body": {"content": b""},
}


@pytest.mark.parametrize("shape", list(BAD_BODIES))
async def test_bodies_of_the_wrong_shape_are_400(
    labelled: dict[str, Any],  # noqa: F811
    shape: str,
) -> None:
    flag_id = await _flag(labelled)
    _error(await _review(labelled, labelled["key"], flag_id, **BAD_BODIES[shape]), 400)
    assert await _status(labelled, flag_id) == "open"


@pytest.mark.parametrize("bad_id", ["abc", "0", "-1", "1.5", "99999999999999999999", "%00"])
async def test_ids_of_the_wrong_shape_are_400_and_a_missing_one_404(
    labelled: dict[str, Any],  # noqa: F811
    bad_id: str,
) -> None:
    _error(await _review(labelled, labelled["key"], bad_id), 400)
    _error(await _review(labelled, labelled["key"], 2**31 - 1), 404, "flag_not_found")


async def test_the_queue_orders_by_last_activity_or_by_most_seen(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """A grouped flag seen five times, made first, sits below later one-offs by creation; by
    last activity it rises with its latest repeat, and by ``seen`` it leads."""
    group = await _flag(labelled, "u1", grouped=True)
    for _ in range(3):
        await _flag(labelled, "u2", grouped=True)
    one_off = await _flag(labelled, "u3")
    newest = await _flag(labelled, "u4")

    async def order(**params: str) -> list[int]:
        async with _client(labelled, labelled["key"]) as c:
            r = await c.get("/v1/safety/flags", params=params)
        assert r.status_code == 200, r.text
        return [row["id"] for row in r.json()["data"]]

    assert await order() == await order(order="recent") == [newest, one_off, group]
    assert await order(order="seen") == [group, newest, one_off]
    await _flag(labelled, "u5", grouped=True)  # the group's latest request
    assert await order(order="recent") == [group, newest, one_off]
    _error(await _get_bad_order(labelled), 400)


async def _get_bad_order(env: dict[str, Any]) -> httpx.Response:
    async with _client(env, env["key"]) as c:
        return await c.get("/v1/safety/flags", params={"order": "oldest"})
