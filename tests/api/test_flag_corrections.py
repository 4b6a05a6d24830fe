"""Correcting a decision of the review queue (``POST /v1/safety/flags/{id}/review`` with
``supersedes``), through the real API with real keys of each role on a labelled deployment (SQLite,
and PostgreSQL in the second pass). A decision stays on record for good: a correction is a new
decision that names the one it supersedes, made with a reason by a second person allowed to
decide the row, and audited. The insider attacks: an ordinary user, a project lead and an auditor
correcting; the decider correcting their own decision; a correction without a reason; another
lab's admin and a reviewer not cleared for the model correcting; two corrections at once; stale
and foreign decision ids; NUL and oversized reasons; ids that do not exist or are hidden."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import orjson
import pytest

from labgate.identity.keys import new_id
from tests.api.test_flag_review import NOTE, _client, _error, _flag, _review, _status, _user
from tests.api.test_labels_path import labelled  # noqa: F401  (the fixture)

pytestmark = pytest.mark.store

REASON = "misclick: the request asks for a synthesis route, it is a real threat"


async def _get(env: dict[str, Any], key: str, flag_id: Any) -> httpx.Response:
    """``GET /v1/safety/flags?id=``: one row, whatever its status (none if hidden or missing)."""
    async with _client(env, key) as c:
        return await c.get("/v1/safety/flags", params={"id": flag_id})


async def _one(env: dict[str, Any], key: str, flag_id: int) -> dict[str, Any] | None:
    r = await _get(env, key, flag_id)
    assert r.status_code == 200, r.text
    rows = r.json()["data"]
    assert len(rows) <= 1 and all(row["id"] == flag_id for row in rows)
    return rows[0] if rows else None


async def _decide(env: dict[str, Any], key: str, flag_id: int, **body: Any) -> dict[str, Any]:
    r = await _review(env, key, flag_id, {"status": "dismissed", "note": NOTE} | body)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def _first(env: dict[str, Any], **flag: Any) -> tuple[int, int, str, str]:
    """A flag decided (dismissed, with NOTE) by a lab admin of its lab: (flag id, the decision's
    id, the decider's user id, the decider's key)."""
    lab = flag.get("lab", "default")
    uid, key = await _user(env, "first-" + new_id()[:8], "SECRET//NUC", "lab_admin", lab=lab)
    flag_id = await _flag(env, **flag)
    row = await _decide(env, key, flag_id)
    assert row["decision_id"] is not None
    return flag_id, int(row["decision_id"]), uid, key


def _correction(decision_id: Any, status: str = "confirmed", note: Any = REASON) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "supersedes": decision_id}
    if note is not ...:
        body["note"] = note
    return body


async def test_a_second_reviewer_corrects_a_decision_and_both_stay_on_record(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    services = labelled["services"]
    flag_id, first, decider, _ = await _first(labelled)
    fixer_id, fixer = await _user(labelled, "fixer", "SECRET//NUC", "lab_admin")

    before = await services.audit.size()
    r = await _review(labelled, fixer, flag_id, _correction(first))
    assert r.status_code == 200, r.text
    row = r.json()
    # the row shows the latest decision
    assert (row["status"], row["reviewed_by"], row["review_note"]) == (
        "confirmed",
        fixer_id,
        REASON,
    )
    assert row["decision_id"] != first and row["can_review"] is False
    # both decisions, oldest first, the first untouched and superseded by the second
    old, new = row["decisions"]
    assert (old["id"], old["status"], old["reviewed_by"], old["note"]) == (
        first,
        "dismissed",
        decider,
        NOTE,
    )
    assert (old["supersedes"], old["superseded_by"]) == (None, new["id"])
    assert (new["id"], new["status"], new["reviewed_by"], new["note"]) == (
        row["decision_id"],
        "confirmed",
        fixer_id,
        REASON,
    )
    assert (new["supersedes"], new["superseded_by"]) == (first, None)
    assert await _status(labelled, flag_id) == "confirmed"

    # one audit record, naming the decision it supersedes; the reason's length, never its text
    assert await services.audit.size() == before + 1
    record = orjson.loads((await services.audit.get_record(before)).data)
    assert (record["action"], record["target"], record["user"]) == (
        "safety.review",
        f"safety_flag:{flag_id}",
        fixer_id,
    )
    details = record["details"]
    assert (details["status"], details["supersedes"], details["decision_id"]) == (
        "confirmed",
        first,
        new["id"],
    )
    assert details["superseded_status"] == "dismissed"
    assert details["note_chars"] == len(REASON)
    assert "synthesis route" not in orjson.dumps(record).decode()

    # GET of the flag and the list show the same history to a reviewer and an auditor
    _, auditor = await _user(labelled, "auditor", "SECRET//NUC", "auditor")
    for key in (fixer, auditor, labelled["key"]):
        got = await _one(labelled, key, flag_id)
        assert got is not None
        assert [d["id"] for d in got["decisions"]] == [first, new["id"]]
        async with _client(labelled, key) as c:
            [listed] = (await c.get("/v1/safety/flags", params={"status": "all"})).json()["data"]
        assert listed["decisions"] == got["decisions"]


@pytest.mark.parametrize("roles", [(), ("project_lead",), ("auditor",), ("approver",)])
async def test_users_project_leads_auditors_and_approvers_do_not_correct(
    labelled: dict[str, Any],  # noqa: F811
    roles: tuple[str, ...],
) -> None:
    flag_id, first, _, _ = await _first(labelled)
    _, key = await _user(labelled, "x-" + "-".join(roles), "SECRET//NUC", *roles)
    for target in (flag_id, 999_999):
        _error(await _review(labelled, key, target, _correction(first)), 403, "insufficient_role")
    assert await _status(labelled, flag_id) == "dismissed"


async def test_the_decider_does_not_correct_their_own_decision(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """Two people: the decider is refused whatever they change, and nothing is recorded; a
    second reviewer's correction stands, and neither of the two corrects it (nobody decides a
    flag twice, so the first decider does not undo the correction of their own decision
    alone); a third reviewer does."""
    services = labelled["services"]
    flag_id, first, _, key = await _first(labelled)
    before = await services.audit.size()
    for status in ("confirmed", "dismissed"):
        _error(
            await _review(labelled, key, flag_id, _correction(first, status)), 403, "own_decision"
        )
    assert await _status(labelled, flag_id) == "dismissed"
    assert await services.audit.size() == before
    async with _client(labelled, key) as c:
        [row] = (await c.get("/v1/safety/flags", params={"status": "all"})).json()["data"]
    assert row["can_correct"] is False and len(row["decisions"]) == 1
    async with _client(labelled, labelled["key"]) as c:
        [row] = (await c.get("/v1/safety/flags", params={"status": "all"})).json()["data"]
    assert row["can_correct"] is True

    second = await _decide(
        labelled, labelled["key"], flag_id, status="confirmed", note=REASON, supersedes=first
    )
    # the platform admin made the second and the first decider the first: neither corrects it
    for who in (labelled["key"], key):
        _error(
            await _review(labelled, who, flag_id, _correction(second["decision_id"], "dismissed")),
            403,
            "own_decision",
        )
    assert await _status(labelled, flag_id) == "confirmed"
    _, third = await _user(labelled, "third", "SECRET//NUC", "lab_admin")
    back = await _decide(
        labelled,
        third,
        flag_id,
        note="no: a published textbook question",
        supersedes=second["decision_id"],
    )
    assert [d["status"] for d in back["decisions"]] == ["dismissed", "confirmed", "dismissed"]


@pytest.mark.parametrize("grouped", [False, True], ids=["plain", "grouped"])
async def test_the_subject_of_a_flag_does_not_correct_it(
    labelled: dict[str, Any],  # noqa: F811
    grouped: bool,
) -> None:
    uid, key = await _user(labelled, "subject", "SECRET//NUC", "lab_admin")
    if grouped:
        flag_id = await _flag(labelled, "someone", grouped=True)
        assert await _flag(labelled, uid, grouped=True) == flag_id
    else:
        flag_id = await _flag(labelled, uid)
    first = await _decide(labelled, labelled["key"], flag_id, status="confirmed")
    _error(
        await _review(labelled, key, flag_id, _correction(first["decision_id"], "dismissed")),
        403,
        "own_flag",
    )
    assert await _status(labelled, flag_id) == "confirmed"


@pytest.mark.parametrize(
    "note", [..., None, "", "   \n\t "], ids=["absent", "null", "empty", "blank"]
)
async def test_a_correction_without_a_reason_is_400(
    labelled: dict[str, Any],  # noqa: F811
    note: Any,
) -> None:
    flag_id, first, _, _ = await _first(labelled)
    error = _error(
        await _review(labelled, labelled["key"], flag_id, _correction(first, note=note)),
        400,
        "note_required",
    )
    assert error["param"] == "note"
    assert await _status(labelled, flag_id) == "dismissed"


async def test_another_labs_admin_and_an_uncleared_reviewer_get_the_answer_of_a_missing_id(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    _, other = await _user(labelled, "anl-admin", "SECRET//NUC", "lab_admin", lab="anl")
    _, cui = await _user(labelled, "cui-admin", "CUI", "platform_admin")
    flag_id, first, _, _ = await _first(labelled)
    nuc_id = await _flag(labelled, model="nuc")
    nuc_first = (await _decide(labelled, labelled["key"], nuc_id))["decision_id"]
    for key, target, decision in ((other, flag_id, first), (cui, nuc_id, nuc_first)):
        missing = _error(
            await _review(labelled, key, 2**31 - 1, _correction(decision)), 404, "flag_not_found"
        )
        hidden = _error(
            await _review(labelled, key, target, _correction(decision)), 404, "flag_not_found"
        )
        assert hidden == missing | {
            "message": missing["message"].replace(str(2**31 - 1), str(target))
        }
        # read by id: nothing, as for a missing id
        assert await _one(labelled, key, 2**31 - 1) is None
        assert await _one(labelled, key, target) is None
    assert await _status(labelled, flag_id) == await _status(labelled, nuc_id) == "dismissed"


async def test_two_corrections_at_once_make_one_correction_and_one_record(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    services = labelled["services"]
    flag_id, first, _, _ = await _first(labelled)
    keys = [labelled["key"]]
    for i in range(3):
        keys.append((await _user(labelled, f"fixer-{i}", "SECRET//NUC", "lab_admin"))[1])
    before = await services.audit.size()
    answers = await asyncio.gather(
        *(
            _review(labelled, k, flag_id, _correction(first, ("confirmed", "dismissed")[i % 2]))
            for i, k in enumerate(keys)
        )
    )
    assert sorted(r.status_code for r in answers) == [200, 409, 409, 409], [r.text for r in answers]
    for r in answers:
        if r.status_code == 409:
            _error(r, 409, "decision_superseded")
    [won] = [r.json() for r in answers if r.status_code == 200]
    assert await _status(labelled, flag_id) == won["status"]
    got = await _one(labelled, labelled["key"], flag_id)
    assert [d["supersedes"] for d in got["decisions"]] == [None, first]
    assert await services.audit.size() == before + 1


async def test_a_stale_correction_is_409_and_a_plain_second_decision_still_is(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    flag_id, first, _, _ = await _first(labelled)
    _, a = await _user(labelled, "fixer-a", "SECRET//NUC", "lab_admin")
    second = await _decide(labelled, a, flag_id, status="confirmed", note=REASON, supersedes=first)
    # the decision already corrected: the reviewer's page was stale
    stale = _error(
        await _review(labelled, labelled["key"], flag_id, _correction(first, "dismissed")),
        409,
        "decision_superseded",
    )
    assert str(second["decision_id"]) in stale["message"]
    # no supersedes on a decided row: the double click's 409, as before
    plain = _error(
        await _review(labelled, labelled["key"], flag_id, {"status": "dismissed"}),
        409,
        "flag_already_reviewed",
    )
    assert "already confirmed" in plain["message"]
    assert await _status(labelled, flag_id) == "confirmed"


async def test_decision_ids_not_of_this_flag_are_404_alike(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """A decision that does not exist, one of another flag of the lab, one of another lab's
    flag, and any id on a flag still open: the same 404 (no oracle for other labs' decisions)."""
    flag_id, first, _, _ = await _first(labelled)
    other_id, other, _, _ = await _first(labelled)
    anl_id, anl, _, _ = await _first(labelled, lab="anl")
    still_open = await _flag(labelled)
    answers = []
    for target, decision in (
        (flag_id, 2**31 - 1),
        (flag_id, other),
        (flag_id, anl),
        (still_open, first),
    ):
        r = await _review(labelled, labelled["key"], target, _correction(decision))
        answers.append(_error(r, 404, "decision_not_found"))
        assert answers[-1]["param"] == "supersedes"
    assert len({a["message"].split(" on ")[0].rsplit(" ", 1)[0] for a in answers}) == 1
    assert await _status(labelled, flag_id) == await _status(labelled, other_id) == "dismissed"
    assert await _status(labelled, anl_id) == "dismissed"
    assert await _status(labelled, still_open) == "open"


@pytest.mark.parametrize("supersedes", ["abc", 0, -1, 1.5, 2**40, True, [1], {"id": 1}])
async def test_supersedes_of_the_wrong_shape_is_400(
    labelled: dict[str, Any],  # noqa: F811
    supersedes: Any,
) -> None:
    flag_id, _, _, _ = await _first(labelled)
    _error(await _review(labelled, labelled["key"], flag_id, _correction(supersedes)), 400)
    assert await _status(labelled, flag_id) == "dismissed"


async def test_nul_and_oversized_reasons_are_400_never_a_500_nor_logged(
    labelled: dict[str, Any],  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    flag_id, first, _, _ = await _first(labelled)
    for note in ("quoted prompt: SARIN-MARKER\x00", "SARIN-MARKER" + "x" * 2000):
        r = await _review(labelled, labelled["key"], flag_id, _correction(first, note=note))
        assert "note" in _error(r, 400)["message"]
        assert "SARIN-MARKER" not in r.text
    lone = b'{"status": "confirmed", "supersedes": %d, "note": "SARIN-MARKER \\ud800"}' % first
    r = await _review(
        labelled,
        labelled["key"],
        flag_id,
        content=lone,
        headers={"Content-Type": "application/json"},
    )
    _error(r, 400)
    assert "SARIN-MARKER" not in r.text
    assert "SARIN-MARKER" not in caplog.text
    assert await _status(labelled, flag_id) == "dismissed"
    got = await _one(labelled, labelled["key"], flag_id)
    assert len(got["decisions"]) == 1


async def test_ids_that_do_not_exist_or_of_the_wrong_shape(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    _, first, _, _ = await _first(labelled)
    _error(
        await _review(labelled, labelled["key"], 2**31 - 1, _correction(first)),
        404,
        "flag_not_found",
    )
    assert await _one(labelled, labelled["key"], 2**31 - 1) is None
    for bad in ("abc", "0", "-1", "99999999999999999999", "%00"):
        _error(await _get(labelled, labelled["key"], bad), 400)
    # a user without a reviewer's role reads nothing by id either
    _, user = await _user(labelled, "plain-user", "SECRET//NUC")
    _error(await _get(labelled, user, 1), 403, "insufficient_role")


async def test_the_subject_reads_no_reviewer_or_reason_in_the_history(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    uid, key = await _user(labelled, "subject-admin", "SECRET//NUC", "lab_admin")
    flag_id = await _flag(labelled, uid)
    first = await _decide(labelled, labelled["key"], flag_id)
    _, fixer = await _user(labelled, "fixer", "SECRET//NUC", "lab_admin")
    await _decide(
        labelled, fixer, flag_id, status="confirmed", note=REASON, supersedes=first["decision_id"]
    )
    got = await _one(labelled, key, flag_id)
    assert got is not None
    async with _client(labelled, key) as c:
        [listed] = (await c.get("/v1/safety/flags", params={"status": "all"})).json()["data"]
    for row in (got, listed):
        assert row["reviewed_by"] is None and row["review_note"] is None
        assert [d["status"] for d in row["decisions"]] == ["dismissed", "confirmed"]
        assert all(d["reviewed_by"] is None and d["note"] is None for d in row["decisions"])
        assert row["can_correct"] is False
    assert "synthesis" not in str(got) and NOTE not in str(got)


async def test_a_correction_the_audit_log_cannot_take_is_undone(
    labelled: dict[str, Any],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    audit = labelled["services"].audit
    flag_id, first, decider, _ = await _first(labelled)

    async def down(*args: Any, **kwargs: Any) -> int:
        raise OSError("audit store unavailable")

    monkeypatch.setattr(audit, "append", down)
    _error(
        await _review(labelled, labelled["key"], flag_id, _correction(first)),
        503,
        "audit_unavailable",
    )
    got = await _one(labelled, labelled["key"], flag_id)
    assert (got["status"], got["reviewed_by"], got["review_note"]) == ("dismissed", decider, NOTE)
    assert [d["id"] for d in got["decisions"]] == [first]
    monkeypatch.undo()
    before = await audit.size()
    r = await _review(labelled, labelled["key"], flag_id, _correction(first))
    assert r.status_code == 200, r.text
    assert await audit.size() == before + 1


async def test_a_first_decision_the_audit_log_cannot_take_leaves_no_history(
    labelled: dict[str, Any],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    audit = labelled["services"].audit
    flag_id = await _flag(labelled)

    async def down(*args: Any, **kwargs: Any) -> int:
        raise OSError("audit store unavailable")

    monkeypatch.setattr(audit, "append", down)
    _error(await _review(labelled, labelled["key"], flag_id), 503, "audit_unavailable")
    got = await _one(labelled, labelled["key"], flag_id)
    assert (got["status"], got["decisions"], got["decision_id"]) == ("open", [], None)
    monkeypatch.undo()
    row = await _decide(labelled, labelled["key"], flag_id)
    assert [d["supersedes"] for d in row["decisions"]] == [None]
