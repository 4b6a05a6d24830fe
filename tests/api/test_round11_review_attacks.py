"""Round eleven insider attacks on deciding the review queue (``POST /v1/safety/flags/{id}/review``,
``GET /v1/safety/flags?order=...``), through the real API with real keys (OIDC callers and a
retired model's flags: test_round11_review_attacks_idp_labels.py; the console: tests/web).

Who tries: an ordinary user, a project lead, an approver, an auditor (alone and holding a lab
admin role too), another lab's admin, a lab admin whose own request (or grouped text, sent after
someone else's) made the flag, a lab admin whose role was taken away or account disabled, and
reviewers whose clearance is below the flag's model or lacks its compartment. What they try:
deciding what they should not, learning that a row exists (every hidden row must answer exactly
as a missing id), reading notes, racing decisions, injecting through the note and the list's
query, changing a decided row through any other route, and deciding without an audit record.
Attacks the product withstands are plain tests; a hole is a strict xfail saying what it is."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest

from labgate.identity.principal import Principal
from labgate.safety.categories import Action, Category, Stage
from labgate.safety.decision import Decision
from labgate.safety.flags import FlagContext, record_decision
from labgate.safety.models import SafetyFlag
from tests.api.test_flag_review import NOTE, _client, _error, _flag, _review, _status, _user
from tests.api.test_labels_path import labelled  # noqa: F401  (the fixture)

pytestmark = pytest.mark.store


async def _rows(env: dict[str, Any], key: str, **params: Any) -> list[dict[str, Any]]:
    async with _client(env, key) as c:
        r = await c.get("/v1/safety/flags", params=params)
    assert r.status_code == 200, r.text
    return list(r.json()["data"])


async def _decided(env: dict[str, Any], flag_id: int, status: str = "dismissed") -> None:
    r = await _review(env, env["key"], flag_id, {"status": status, "note": NOTE})
    assert r.status_code == 200, r.text


def _as_missing(r: httpx.Response, missing: dict[str, Any], target: int) -> None:
    """``r`` is the 404 of a missing id, word for word but the id."""
    hidden = _error(r, 404, "flag_not_found")
    assert hidden == missing | {"message": missing["message"].replace(str(2**31 - 1), str(target))}


# ------------------------------------------------------------------------------ who decides


@pytest.mark.parametrize(
    "roles",
    [("approver",), ("project_lead", "approver"), ("auditor", "approver"), ("user",)],
    ids=["approver", "lead+approver", "auditor+approver", "user"],
)
async def test_approvers_and_their_combinations_neither_decide_nor_probe(
    labelled: dict[str, Any],  # noqa: F811
    roles: tuple[str, ...],
) -> None:
    """The same 403 for an open row, a decided row and a missing id: no existence oracle."""
    _, key = await _user(labelled, "r-" + "-".join(roles), "SECRET//NUC", *roles)
    open_id, decided_id = await _flag(labelled), await _flag(labelled)
    await _decided(labelled, decided_id)
    answers = [
        _error(await _review(labelled, key, target), 403, "insufficient_role")
        for target in (open_id, decided_id, 999_999)
    ]
    assert answers[0] == answers[1] == answers[2]
    assert await _status(labelled, open_id) == "open"


async def test_no_key_or_a_forged_key_learns_nothing(labelled: dict[str, Any]) -> None:  # noqa: F811
    """401 alike for an open row, a decided row and a missing id, on the list and the decision."""
    open_id, decided_id = await _flag(labelled), await _flag(labelled)
    await _decided(labelled, decided_id)
    for headers in ({}, {"Authorization": "Bearer lg-forged-0000000000000000"}):
        async with httpx.AsyncClient(base_url=labelled["url"], headers=headers) as c:
            assert (await c.get("/v1/safety/flags")).status_code == 401
            bodies = []
            for target in (open_id, decided_id, 999_999):
                r = await c.post(f"/v1/safety/flags/{target}/review", json={"status": "confirmed"})
                bodies.append(_error(r, 401))
            assert bodies[0] == bodies[1] == bodies[2]
    assert await _status(labelled, open_id) == "open"


@pytest.mark.parametrize("change", ["demoted", "disabled", "key revoked"])
async def test_a_lab_admin_demoted_disabled_or_revoked_decides_nothing_at_once(
    labelled: dict[str, Any],  # noqa: F811
    change: str,
) -> None:
    """The key worked a moment ago (its principal is cached); the change takes effect now."""
    uid, key = await _user(labelled, "soon-gone", "SECRET//NUC", "lab_admin")
    first, second = await _flag(labelled), await _flag(labelled)
    assert [r["can_review"] for r in await _rows(labelled, key)] == [True, True]
    assert (await _review(labelled, key, first)).status_code == 200
    async with _client(labelled, labelled["key"]) as c:
        if change == "key revoked":
            [mine] = (await c.get("/v1/admin/keys", params={"user": uid})).json()["data"]
            r = await c.delete(f"/v1/admin/keys/{mine['id']}")
        else:
            body: dict[str, Any] = {"roles": []} if change == "demoted" else {"disabled": True}
            r = await c.patch(f"/v1/admin/users/{uid}", json=body)
    assert r.status_code == 200, r.text
    refused = await _review(labelled, key, second)
    assert refused.status_code in (401, 403), refused.text
    assert await _status(labelled, second) == "open"


async def test_an_auditor_who_is_also_a_lab_admin_decides_only_their_own_lab(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """The auditor role shows every lab's rows; it adds no power to decide them."""
    _, key = await _user(labelled, "aud-admin", "SECRET//NUC", "auditor", "lab_admin", lab="anl")
    other, own = await _flag(labelled), await _flag(labelled, lab="anl")
    listed = {r["id"]: r["can_review"] for r in await _rows(labelled, key)}
    assert listed == {other: False, own: True}
    _error(await _review(labelled, key, other), 403, "not_your_lab")
    assert await _status(labelled, other) == "open"
    assert (await _review(labelled, key, own)).status_code == 200


# ------------------------------------------------------------------------ hidden rows: 404


@pytest.mark.parametrize("role", ["lab_admin", "platform_admin", "auditor"])
@pytest.mark.parametrize("grouped", [False, True], ids=["plain", "grouped"])
async def test_a_reviewer_missing_the_compartment_gets_the_404_of_a_missing_id(
    labelled: dict[str, Any],  # noqa: F811
    grouped: bool,
    role: str,
) -> None:
    """SECRET without NUC is below SECRET//NUC: the row is hidden from the list and from
    deciding, open or decided, exactly as an id that does not exist."""
    _, key = await _user(labelled, "secret-no-nuc-" + role, "SECRET", role)
    open_id = await _flag(labelled, model="nuc", grouped=grouped)
    decided_id = await _flag(labelled, "other", model="nuc")
    await _decided(labelled, decided_id)
    assert await _rows(labelled, key, status="all") == []
    if role == "auditor":  # reads the queue (without those rows) and decides nothing
        return
    missing = _error(await _review(labelled, key, 2**31 - 1), 404, "flag_not_found")
    for target in (open_id, decided_id):
        _as_missing(await _review(labelled, key, target), missing, target)
    assert await _status(labelled, open_id) == "open"
    assert await _rows(labelled, key, status="all", order="seen", category="cbrn_chemical") == []


async def test_another_labs_rows_answer_as_missing_whatever_their_state(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """Another lab's admin gets the same 404 for that lab's open, decided, grouped rows and for
    a row on their own user id there (never ``own_flag`` or a 409, which would say it exists),
    and reads none of those rows' notes."""
    uid, key = await _user(labelled, "anl-admin", "SECRET//NUC", "lab_admin", lab="anl")
    plain = await _flag(labelled)
    decided = await _flag(labelled)
    await _decided(labelled, decided)
    grouped = await _flag(labelled, "someone", grouped=True)
    mine_there = await _flag(labelled, uid)  # their user id on a row of lab 'default'
    missing = _error(await _review(labelled, key, 2**31 - 1), 404, "flag_not_found")
    for target in (plain, decided, grouped, mine_there):
        _as_missing(await _review(labelled, key, target), missing, target)
    for status in ("open", "dismissed", "all"):
        assert await _rows(labelled, key, status=status) == []


# ------------------------------------------------------------------------------ own flags


async def test_a_lab_admin_on_a_confirmed_group_cannot_decide_the_row_made_for_them(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """Two others sent an instruction text, a reviewer confirmed it; the insider admin sends it
    afterwards and gets a row of their own (new user on a confirmed group), which they may not
    decide; the confirmed group they are now counted on stays final."""
    uid, key = await _user(labelled, "late-insider", "SECRET//NUC", "lab_admin")
    group = await _flag(labelled, "first", grouped=True)
    assert await _flag(labelled, "second", grouped=True) == group
    await _decided(labelled, group, "confirmed")
    await _flag(labelled, uid, grouped=True)
    [mine] = await _rows(labelled, key)
    assert mine["user_id"] == uid and mine["can_review"] is False
    _error(await _review(labelled, key, mine["id"]), 403, "own_flag")
    # the confirmed group now counts them too: own_flag comes before the 409
    _error(await _review(labelled, key, group), 403, "own_flag")
    assert await _status(labelled, mine["id"]) == "open"
    assert await _status(labelled, group) == "confirmed"


async def test_a_group_the_admin_joined_third_is_still_their_own(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    uid, key = await _user(labelled, "third", "SECRET//NUC", "lab_admin")
    group = await _flag(labelled, "a", grouped=True)
    for who in ("b", "a", uid):
        assert await _flag(labelled, who, grouped=True) == group
    [row] = await _rows(labelled, key, order="seen")
    assert (row["id"], row["seen_count"], row["users"], row["can_review"]) == (group, 4, 3, False)
    _error(await _review(labelled, key, group, {"status": "dismissed"}), 403, "own_flag")
    assert await _status(labelled, group) == "open"


async def test_the_subject_of_a_flag_does_not_read_the_reviewers_note_on_it(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """Nor on a group they joined; the platform admin who may read the queue still does."""
    uid, key = await _user(labelled, "subject-admin", "SECRET//NUC", "lab_admin")
    flag_id = await _flag(labelled, uid)
    group = await _flag(labelled, "someone", grouped=True)
    assert await _flag(labelled, uid, grouped=True) == group
    for target in (flag_id, group):
        await _decided(labelled, target, "confirmed")  # by the platform admin, with NOTE
    rows = await _rows(labelled, key, status="all")
    assert {r["id"] for r in rows} == {flag_id, group}
    assert all(r["review_note"] is None and r["reviewed_by"] is None for r in rows), rows
    assert all(r["status"] == "confirmed" for r in rows)
    admin_rows = await _rows(labelled, labelled["key"], status="all")
    assert {r["review_note"] for r in admin_rows} == {NOTE}


@pytest.mark.parametrize("outcome", ["dismissed", "confirmed"])
async def test_a_reviewers_own_later_sends_on_a_group_they_dismissed_are_queued(
    labelled: dict[str, Any],  # noqa: F811
    outcome: str,
) -> None:
    uid, key = await _user(labelled, "proxy-insider", "SECRET//NUC", "lab_admin")
    group = await _flag(labelled, "unwitting-colleague", grouped=True)
    r = await _review(labelled, key, group, {"status": outcome, "note": "agent prompt"})
    assert r.status_code == 200, r.text
    await _flag(labelled, uid, grouped=True)  # now the insider sends it, as often as they like
    rows = await _rows(labelled, labelled["key"])
    assert [r["user_id"] for r in rows] == [uid], rows
    _error(await _review(labelled, key, rows[0]["id"]), 403, "own_flag")


# ------------------------------------------------------------------------------- racing


async def test_six_reviewers_at_once_make_one_decision_and_one_record(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    services = labelled["services"]
    keys = [labelled["key"]]
    for i in range(5):
        role = "lab_admin" if i % 2 else "platform_admin"
        keys.append((await _user(labelled, f"racer-{i}", "SECRET//NUC", role))[1])
    flag_id = await _flag(labelled, grouped=True)
    before = await services.audit.size()
    answers = await asyncio.gather(
        *(
            _review(labelled, k, flag_id, {"status": ("confirmed", "dismissed")[i % 2]})
            for i, k in enumerate(keys)
        )
    )
    codes = sorted(r.status_code for r in answers)
    assert codes == [200] + [409] * 5, [r.text for r in answers]
    [won] = [r.json() for r in answers if r.status_code == 200]
    assert await _status(labelled, flag_id) == won["status"]
    assert await services.audit.size() == before + 1
    for r in answers:
        if r.status_code == 409:
            assert f"already {won['status']}" in r.json()["error"]["message"]


# ---------------------------------------------------------------------- injection, shapes

NOTES = {
    "html and script": '<img src=x onerror="alert(1)"><script>fetch("/x")</script>',
    "sql": "x'); UPDATE safety_flags SET status='open'; --",
    "bidi and zero width": "\u202egnp.exe\u200b\u2066ok\u2069",
    "2000 astral characters": "\U0001f9ea" * 2000,
    "newlines and tabs": "line1\r\nline2\tend",
}


@pytest.mark.parametrize("name", list(NOTES))
async def test_hostile_notes_are_stored_as_plain_text(
    labelled: dict[str, Any],  # noqa: F811
    name: str,
) -> None:
    note = NOTES[name]
    flag_id, other = await _flag(labelled), await _flag(labelled)
    r = await _review(labelled, labelled["key"], flag_id, {"status": "dismissed", "note": note})
    assert r.status_code == 200, r.text
    assert r.json()["review_note"] == note.strip()
    [row] = await _rows(labelled, labelled["key"], status="dismissed")
    assert row["review_note"] == note.strip()
    assert await _status(labelled, other) == "open"  # nothing else changed


async def test_a_nul_in_the_note_is_never_a_500_nor_logged(
    labelled: dict[str, Any],  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)  # what a deployment logs (DEBUG traces every query)
    flag_id = await _flag(labelled)
    note = "quoted prompt: SARIN-MARKER\x00"
    r = await _review(labelled, labelled["key"], flag_id, {"status": "dismissed", "note": note})
    assert "note" in _error(r, 400)["message"]  # on SQLite too: one rule for every store
    assert "SARIN-MARKER" not in caplog.text and "SARIN-MARKER" not in r.text
    assert await _status(labelled, flag_id) == "open"


async def test_lone_surrogates_and_huge_notes_are_400(labelled: dict[str, Any]) -> None:  # noqa: F811
    flag_id = await _flag(labelled)
    json_headers = {"Content-Type": "application/json"}
    shapes: list[dict[str, Any]] = [
        {"content": b'{"status": "dismissed", "note": "\\ud800"}', "headers": json_headers},
        {"json": {"status": "dismissed", "note": "x" * 1_000_000}},
        {"json": {"status": "dismissed", "note": " " * 1500 + "x" * 600}},
        {"json": {"status": "dismissed", "note": {"$ne": None}}},
        {"json": {"status": ["dismissed"]}},
        {"content": b'{"status": "dismissed", "status": "open"}', "headers": json_headers},
        {"content": b'{"status": "dismissed"}', "headers": {"Content-Type": "text/plain"}},
    ]
    for kw in shapes:
        _error(await _review(labelled, labelled["key"], flag_id, **kw), 400)
    assert await _status(labelled, flag_id) == "open"


QUERIES = {
    "status sql": {"status": "open' OR '1'='1"},
    "status with NUL": {"status": "open\x00"},
    "action sql": {"action": "flag' --"},
    "order sql": {"order": "recent; DROP TABLE safety_flags"},
    "order by column": {"order": "id"},
    "order upper": {"order": "SEEN"},
    "category too long": {"category": "c" * 65},
    "limit zero": {"limit": "0"},
    "limit huge": {"limit": "1001"},
}


@pytest.mark.parametrize("name", list(QUERIES))
async def test_hostile_list_queries_are_400(
    labelled: dict[str, Any],  # noqa: F811
    name: str,
) -> None:
    async with _client(labelled, labelled["key"]) as c:
        _error(await c.get("/v1/safety/flags", params=QUERIES[name]), 400)


async def test_a_category_is_a_value_not_sql(labelled: dict[str, Any]) -> None:  # noqa: F811
    await _flag(labelled)
    for category in ("x' OR '1'='1", "%", "_", "cbrn_chemical' --", "\u0441brn_chemical"):
        assert await _rows(labelled, labelled["key"], category=category) == []
    assert len(await _rows(labelled, labelled["key"], category="cbrn_chemical")) == 1


async def test_a_nul_in_the_category_is_never_a_500(labelled: dict[str, Any]) -> None:  # noqa: F811
    async with _client(labelled, labelled["key"]) as c:
        r = await c.get("/v1/safety/flags?category=%00")
        _error(r, 400)
        report = await c.post("/v1/safety/reports", json={"request_id": "req\x00", "comment": "x"})
        _error(report, 400)


# ------------------------------------------------------- no other way to change a decision


async def test_no_other_route_reopens_or_changes_a_decided_row(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    flag_id = await _flag(labelled)
    await _decided(labelled, flag_id)
    body = {"status": "open", "reviewed_by": None}
    async with _client(labelled, labelled["key"]) as c:
        c.follow_redirects = True  # a trailing slash is redirected to the route: follow it
        attempts = [
            await c.request(method, f"/v1/safety/flags/{flag_id}", json=body)
            for method in ("PATCH", "PUT", "DELETE", "POST")
        ]
        attempts += [
            await c.post(path, json=body)
            for path in (
                "/v1/safety/flags",
                f"/v1/safety/flags/{flag_id}/reopen",
                f"/v1/safety/flags/{flag_id}/review/",
                f"/v1/admin/safety/flags/{flag_id}",
                "/v1/safety/flags/review",
            )
        ]
        attempts.append(
            await c.post(
                f"/v1/safety/flags/{flag_id}/review",
                json={"status": "confirmed"},
                headers={"X-HTTP-Method-Override": "PATCH"},
            )
        )
        attempts.append(await c.post(f"/v1/safety/flags/{flag_id}/review", json={"status": "open"}))
    for r in attempts:
        assert 400 <= r.status_code < 500, (r.request.method, r.request.url, r.text)
    async with labelled["services"].sessions() as s:
        row = await s.get(SafetyFlag, flag_id)
        assert row is not None and (row.status, row.review_note) == ("dismissed", NOTE)


async def test_a_reporter_cannot_reopen_a_decided_report_or_refusal_by_filing_again(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """The one route an ordinary user writes to the queue with: filing the same report again
    answers the first (decided) report, and makes no new open row."""
    services = labelled["services"]
    uid, key = await _user(labelled, "reporter", "SECRET//NUC")
    block = Decision(
        action=Action.BLOCK, category=Category.CBRN_CHEMICAL, score=0.9, stage=Stage.CLASSIFIER
    )
    who = Principal(user_id=uid, lab="default", project="default")
    async with services.sessions.begin() as s:
        blocked = await record_decision(s, block, FlagContext("req-refused", who, "open", "t"))
        assert blocked is not None
        block_id = int(blocked.id)
    async with _client(labelled, key) as c:
        r = await c.post("/v1/safety/reports", json={"request_id": "req-refused"})
        assert r.status_code == 201, r.text
        report_id = r.json()["id"]
        await _decided(labelled, report_id)
        await _decided(labelled, block_id, "confirmed")
        for comment in (None, "please look again", "reopen"):
            again = await c.post(
                "/v1/safety/reports", json={"request_id": "req-refused", "comment": comment}
            )
            assert again.status_code == 200, again.text
            assert (again.json()["id"], again.json()["status"]) == (report_id, "dismissed")
    assert await _rows(labelled, labelled["key"]) == []
    assert await _status(labelled, block_id) == "confirmed"


# ------------------------------------------------------------------------ the audit record


async def test_the_record_of_a_decision_is_readable_only_by_readers_cleared_for_the_model(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """The decision's record names the model and category: a CUI auditor cannot open it (the
    answer of an index past the end), a SECRET//NUC auditor can, and it holds no note text."""
    services = labelled["services"]
    _, low = await _user(labelled, "cui-auditor", "CUI", "auditor")
    _, high = await _user(labelled, "nuc-auditor", "SECRET//NUC", "auditor")
    flag_id = await _flag(labelled, model="nuc")
    index = await services.audit.size()
    await _decided(labelled, flag_id, "confirmed")
    async with _client(labelled, low) as c:
        _error(await c.get(f"/v1/audit/records/{index}"), 404, "record_not_found")
    async with _client(labelled, high) as c:
        r = await c.get(f"/v1/audit/records/{index}")
    assert r.status_code == 200, r.text
    record = r.json()["record"]
    assert (record["action"], record["model"]) == ("safety.review", "nuc")
    assert record["details"]["note_chars"] == len(NOTE)
    assert "nerve" not in r.text and "review_note" not in r.text


async def test_a_decision_is_never_stored_without_its_audit_record(
    labelled: dict[str, Any],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    audit = labelled["services"].audit

    async def down(*args: Any, **kwargs: Any) -> int:
        raise OSError("audit store unavailable")

    monkeypatch.setattr(audit, "append", down)
    flag_id = await _flag(labelled)
    _error(await _review(labelled, labelled["key"], flag_id), 503, "audit_unavailable")
    assert await _status(labelled, flag_id) == "open"
    monkeypatch.undo()  # the log is back: the same decision is made, with its record
    before = await audit.size()
    assert (await _review(labelled, labelled["key"], flag_id)).status_code == 200
    assert await audit.size() == before + 1
