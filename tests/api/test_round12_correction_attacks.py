"""Round 12: attacks on correcting review decisions (``POST /v1/safety/flags/{id}/review`` with
``supersedes``, the ``safety_flag_decisions`` history, the CLI's ``labgate safety review``),
through the real API with real keys of each role on a labelled deployment (SQLite, and
PostgreSQL in the second pass), and the CLI on a real store.

The six holes found (strict xfails at 238132a) are closed, each test now requiring the fix; the
others pin what held. The holes were:

* a decider whose dismissal of a group was corrected (even to ``dismissed`` again) is no longer
  its decider, so their own later sends of those instructions are only counted on the group
  they cleared (round 11's hole, 41eec54, opened again by any correction);
* A decides, B corrects, A corrects B's correction back: the decider alone undoes the correction
  of their own decision (the two-person rule holds one step only);
* a correction may supersede a decision whose audit record is still being written; if that
  record then fails, the decision stands without it and its decider is told it was not made;
* from the shell one operator makes a decision and its correction (as two user ids, or as
  themself and a user id): the two-person rule does not hold there;
* a reason made only of invisible characters (U+200B) counts as a reason.

Fixed: the decider of any decision in a group's history is queued on their own sends; nobody
(user id, or login at the shell) makes two decisions in one flag's history; only a decision
whose audit record is written may be superseded (409 ``decision_unrecorded`` before); every CLI
decision records the operator's login; a reason of Cc/Cf/Z* characters only is 400.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import select, text

from labgate.safety.flag_decisions import DecisionNotFound, OwnDecision, decide
from labgate.safety.models import SafetyFlag, SafetyFlagDecision
from labgate.store.engine import make_engine, make_sessionmaker
from labgate.store.migrate import upgrade
from tests.api.test_flag_corrections import REASON, _correction, _decide, _first, _get, _one
from tests.api.test_flag_review import _client, _error, _flag, _review, _status, _user
from tests.api.test_labels_path import labelled  # noqa: F401  (the fixture)
from tests.safety.flags_before_history import flags_at_0019

pytestmark = pytest.mark.store


async def _row(env: dict[str, Any], key: str, flag_id: int) -> dict[str, Any]:
    row = await _one(env, key, flag_id)
    assert row is not None
    return row


async def _records(env: dict[str, Any]) -> list[dict[str, Any]]:
    audit = env["services"].audit
    out = []
    for i in range(await audit.size()):
        record = orjson.loads((await audit.get_record(i)).data)
        if record.get("action") == "safety.review":
            out.append(record)
    return out


# --- holes -------------------------------------------------------------------------------------


async def test_the_deciders_own_sends_are_queued_while_their_decision_is_the_latest(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """The control of the next test: round 11's rule holds without a correction."""
    uid, key = await _user(labelled, "decider", "SECRET//NUC", "lab_admin")
    group = await _flag(labelled, "colleague", grouped=True)
    await _decide(labelled, key, group)
    assert await _flag(labelled, uid, grouped=True) == group
    async with labelled["services"].sessions() as s:
        own = (
            await s.execute(
                select(SafetyFlag).where(SafetyFlag.user_id == uid, SafetyFlag.status == "open")
            )
        ).scalars()
        assert len(list(own)) == 1


async def test_a_decider_whose_dismissal_was_corrected_is_still_queued_on_their_own_sends(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    uid, key = await _user(labelled, "decider", "SECRET//NUC", "lab_admin")
    _, fixer = await _user(labelled, "fixer", "SECRET//NUC", "lab_admin")
    group = await _flag(labelled, "colleague", grouped=True)
    first = await _decide(labelled, key, group)
    await _decide(
        labelled,
        fixer,
        group,
        status="dismissed",
        note="dismissal stands; the first note quoted the prompt, replaced",
        supersedes=first["decision_id"],
    )
    assert await _flag(labelled, uid, grouped=True) == group
    async with labelled["services"].sessions() as s:
        own = (
            await s.execute(
                select(SafetyFlag).where(SafetyFlag.user_id == uid, SafetyFlag.status == "open")
            )
        ).scalars()
        assert len(list(own)) == 1, "the decider's own send of the instructions is not queued"


async def test_the_decider_does_not_revert_the_correction_of_their_own_decision(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    flag_id, first, _, a = await _first(labelled)
    _, b = await _user(labelled, "b", "SECRET//NUC", "lab_admin")
    second = await _decide(labelled, b, flag_id, status="confirmed", note=REASON, supersedes=first)
    r = await _review(
        labelled,
        a,
        flag_id,
        _correction(second["decision_id"], "dismissed", "no, I was right"),
    )
    _error(r, 403, "own_decision")
    assert await _status(labelled, flag_id) == "confirmed"
    # nor is it offered to them, nor to B; a third reviewer corrects it, and then neither A
    # nor B corrects that one (nobody decides one flag twice)
    _, c = await _user(labelled, "c", "SECRET//NUC", "lab_admin")
    for key, offered in ((a, False), (b, False), (c, True)):
        assert (await _row(labelled, key, flag_id))["can_correct"] is offered
    third = await _decide(
        labelled, c, flag_id, status="dismissed", note="no", supersedes=second["decision_id"]
    )
    for key in (a, b, c):
        _error(
            await _review(labelled, key, flag_id, _correction(third["decision_id"])),
            403,
            "own_decision",
        )
    assert await _status(labelled, flag_id) == "dismissed"


async def test_no_decision_stands_without_its_record_when_corrected_in_flight(
    labelled: dict[str, Any],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    audit = labelled["services"].audit
    original = audit.append
    entered, release = asyncio.Event(), asyncio.Event()
    calls = 0

    async def slow_then_down(record: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:  # the first decision's record: held, then the store fails
            entered.set()
            await release.wait()
            raise OSError("audit store unavailable")
        return await original(record, *args, **kwargs)

    monkeypatch.setattr(audit, "append", slow_then_down)
    _, a = await _user(labelled, "a", "SECRET//NUC", "lab_admin")
    _, b = await _user(labelled, "b", "SECRET//NUC", "lab_admin")
    flag_id = await _flag(labelled)
    first = asyncio.create_task(_review(labelled, a, flag_id))
    await asyncio.wait_for(entered.wait(), 20)
    seen = await _row(labelled, b, flag_id)
    # the decision shows, but is not offered for correction before its record is written
    assert seen is not None and seen["decision_id"] is not None and seen["can_correct"] is False
    fixed = await _review(labelled, b, flag_id, _correction(seen["decision_id"]))
    _error(fixed, 409, "decision_unrecorded")
    release.set()
    answer = await first
    _error(answer, 503, "audit_unavailable")
    monkeypatch.undo()
    got = await _row(labelled, labelled["key"], flag_id)
    recorded = {r["details"]["decision_id"] for r in await _records(labelled)}
    assert {d["id"] for d in got["decisions"]} <= recorded, (
        answer.status_code,
        fixed.status_code,
        got["decisions"],
        recorded,
    )
    assert (got["status"], got["decisions"]) == ("open", [])
    # once recorded, the same correction is made
    first_again = await _decide(labelled, a, flag_id)
    assert first_again["decisions"][-1]["id"] in {
        r["details"]["decision_id"] for r in await _records(labelled)
    }
    await _decide(
        labelled,
        b,
        flag_id,
        status="confirmed",
        note=REASON,
        supersedes=first_again["decision_id"],
    )


async def test_an_invisible_reason_is_no_reason(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    flag_id, first, _, _ = await _first(labelled)
    for note in ("\u200b\u2060\ufeff", "\u200e\u3000\u00a0\x7f", "\u202e\u2066\t"):
        r = await _review(labelled, labelled["key"], flag_id, _correction(first, note=note))
        _error(r, 400, "note_required")
    assert await _status(labelled, flag_id) == "dismissed"
    # a first decision's invisible note is no note either (stored as none)
    other = await _flag(labelled)
    row = await _decide(labelled, labelled["key"], other, note="\u200b\ufeff")
    assert row["review_note"] is None and row["decisions"][-1]["note"] is None
    # a visible character among them is a reason
    fixed = await _decide(
        labelled, labelled["key"], flag_id, status="confirmed", note="\u200bx", supersedes=first
    )
    assert fixed["review_note"] == "\u200bx"


async def test_every_time_of_a_row_and_its_history_is_utc_with_its_offset(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """SQLite gives times back without their zone and a row just written holds aware ones: the
    answers showed both in one history (naive and +00:00); now UTC with its offset on both
    stores, in the POST's answer, by id and in the list."""
    flag_id, first, _, _ = await _first(labelled)
    _, fixer = await _user(labelled, "fixer", "SECRET//NUC", "lab_admin")
    answer = await _decide(
        labelled, fixer, flag_id, status="confirmed", note=REASON, supersedes=first
    )
    async with _client(labelled, labelled["key"]) as cl:
        [listed] = (await cl.get("/v1/safety/flags", params={"status": "all"})).json()["data"]
    for row in (answer, await _row(labelled, labelled["key"], flag_id), listed):
        times = [row["created_at"], row["last_seen_at"], row["reviewed_at"]]
        times += [d["reviewed_at"] for d in row["decisions"]]
        assert len(times) == 5
        for moment in times:
            assert moment.endswith("+00:00"), times
            assert datetime.fromisoformat(moment).utcoffset() is not None


# --- attacks that held -------------------------------------------------------------------------


async def test_a_chain_cannot_be_rewound_by_naming_an_old_decision(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """D1 -> D2 -> D3: superseding D1 or D2 again is 409 whoever asks, nothing changes and
    nothing is recorded; D3's author still may not correct D3."""
    flag_id, d1, _, a = await _first(labelled)
    _, b = await _user(labelled, "b", "SECRET//NUC", "lab_admin")
    _, c = await _user(labelled, "c", "SECRET//NUC", "lab_admin")
    d2 = (await _decide(labelled, b, flag_id, status="confirmed", note=REASON, supersedes=d1))[
        "decision_id"
    ]
    d3 = (await _decide(labelled, c, flag_id, status="dismissed", note="no", supersedes=d2))[
        "decision_id"
    ]
    _, d = await _user(labelled, "d", "SECRET//NUC", "lab_admin")
    before = len(await _records(labelled))
    for key, old in ((labelled["key"], d1), (labelled["key"], d2), (d, d1), (d, d2), (a, d2)):
        error = _error(
            await _review(labelled, key, flag_id, _correction(old)), 409, "decision_superseded"
        )
        assert str(d3) in error["message"]
    # the author of an old decision is told it is theirs (nothing more) before it is stale
    _error(await _review(labelled, a, flag_id, _correction(d1)), 403, "own_decision")
    _error(await _review(labelled, c, flag_id, _correction(d3)), 403, "own_decision")
    got = await _row(labelled, labelled["key"], flag_id)
    assert [d["id"] for d in got["decisions"]] == [d1, d2, d3]
    assert got["status"] == "dismissed" and got["decision_id"] == d3
    assert len(await _records(labelled)) == before


async def test_another_labs_decision_named_on_a_visible_row_is_a_missing_decision(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """A default-lab admin names the decision of an anl flag (and a decision id just past the
    last) on their own lab's row: one answer, naming nothing of the other lab's flag."""
    flag_id, first, _, _ = await _first(labelled)
    anl_flag, anl_decision, anl_uid, _ = await _first(labelled, lab="anl")
    _, fixer = await _user(labelled, "fixer", "SECRET//NUC", "lab_admin")
    foreign = _error(
        await _review(labelled, fixer, flag_id, _correction(anl_decision)),
        404,
        "decision_not_found",
    )
    missing = _error(
        await _review(labelled, fixer, flag_id, _correction(anl_decision + 1000)),
        404,
        "decision_not_found",
    )
    assert foreign["message"].replace(str(anl_decision), "N") == missing["message"].replace(
        str(anl_decision + 1000), "N"
    )
    assert anl_uid not in foreign["message"] and "anl" not in foreign["message"]
    assert await _status(labelled, flag_id) == "dismissed"
    # the other lab's row itself: the answer of a missing id, its decision named or not
    gone = _error(
        await _review(labelled, fixer, anl_flag, _correction(anl_decision)), 404, "flag_not_found"
    )
    assert anl_uid not in gone["message"]


async def test_hidden_rows_answer_every_body_as_a_missing_id_does(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """Another lab's row and a row above the caller's clearance, with each kind of correction
    body (its own decision, another's, a stale one, a plain decision): byte for byte the
    answers of an id that does not exist (but for the id)."""
    _, cui = await _user(labelled, "cui-admin", "CUI", "lab_admin")
    _, anl = await _user(labelled, "anl-admin", "SECRET//NUC", "lab_admin", lab="anl")
    nuc = await _flag(labelled, model="nuc")
    nuc_first = (await _decide(labelled, labelled["key"], nuc))["decision_id"]
    plain, plain_first, _, _ = await _first(labelled)
    missing_id = 2**31 - 2
    for key, target, decision in ((cui, nuc, nuc_first), (anl, plain, plain_first)):
        for body in (
            _correction(decision),
            _correction(decision + 1),
            _correction(2**31 - 1),
            {"status": "confirmed"},
            {"status": "confirmed", "note": "x", "supersedes": None},
        ):
            hidden = await _review(labelled, key, target, body)
            missing = await _review(labelled, key, missing_id, body)
            assert hidden.status_code == missing.status_code == 404, (hidden.text, missing.text)
            assert hidden.json() == orjson.loads(missing.text.replace(str(missing_id), str(target)))
        # no reason: the same 400 for a hidden row as for a missing one (checked before the row)
        hidden = await _review(labelled, key, target, _correction(decision, note=""))
        missing = await _review(labelled, key, missing_id, _correction(decision, note=""))
        assert hidden.status_code == missing.status_code == 400
        assert hidden.json() == missing.json()
        assert (await _get(labelled, key, target)).json()["data"] == []
        for status in ("all", "confirmed", "dismissed", "open"):
            async with _client(labelled, key) as cl:
                rows = (
                    await cl.get("/v1/safety/flags", params={"status": status, "id": target})
                ).json()["data"]
            assert rows == []
    assert await _status(labelled, nuc) == await _status(labelled, plain) == "dismissed"


async def test_an_uncleared_auditor_reads_no_history_by_id(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    _, auditor = await _user(labelled, "cui-auditor", "CUI", "auditor")
    nuc = await _flag(labelled, model="nuc")
    await _decide(labelled, labelled["key"], nuc)
    assert await _one(labelled, auditor, nuc) is None
    _error(await _review(labelled, auditor, nuc, _correction(1)), 403, "insufficient_role")


async def test_a_late_group_member_reads_no_names_or_reasons_anywhere(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """A lab admin who sends a group's instructions after it was decided and corrected: the
    row is theirs now; by id, in every status filter, and in each refusal, no reviewer, no
    note, no reason."""
    r1, k1 = await _user(labelled, "r1", "SECRET//NUC", "lab_admin")
    r2, k2 = await _user(labelled, "r2", "SECRET//NUC", "lab_admin")
    group = await _flag(labelled, "colleague", grouped=True)
    first = await _decide(labelled, k1, group)
    await _decide(
        labelled, k2, group, status="dismissed", note=REASON, supersedes=first["decision_id"]
    )
    late, key = await _user(labelled, "late", "SECRET//NUC", "lab_admin")
    assert await _flag(labelled, late, grouped=True) == group
    seen = [await _row(labelled, key, group)]
    for status in ("all", "dismissed"):
        async with _client(labelled, key) as cl:
            seen += (await cl.get("/v1/safety/flags", params={"status": status})).json()["data"]
    assert len(seen) == 3
    for row in seen:
        assert row is not None and row["id"] == group
        assert row["reviewed_by"] is None and row["review_note"] is None
        assert row["can_correct"] is False and row["can_review"] is False
        assert all(d["reviewed_by"] is None and d["note"] is None for d in row["decisions"])
        blob = orjson.dumps(row).decode()
        assert r1 not in blob and r2 not in blob and "nerve agent" not in blob
        assert "synthesis" not in blob
    latest = seen[0]["decision_id"]
    for body in (_correction(latest), _correction(first["decision_id"]), {"status": "confirmed"}):
        r = await _review(labelled, key, group, body)
        _error(r, 403, "own_flag")
        assert r1 not in r.text and r2 not in r.text


@pytest.mark.parametrize(
    "body",
    [
        {"status": "open", "note": REASON},
        {"status": "CONFIRMED", "note": REASON},
        {"status": "confirmed", "note": REASON, "reviewed_by": "someone-else"},
        {"status": "confirmed", "note": REASON, "decision_id": 1},
        {"status": "confirmed", "note": REASON, "supersedes": "1"},
        {"status": "confirmed", "note": REASON, "supersedes": 1.0},
        {"status": "confirmed", "note": REASON, "supersedes": False},
        {"status": "confirmed", "note": REASON, "supersedes": None, "extra": None},
        {"status": "confirmed", "note": ["a reason"]},
        {"status": "confirmed", "note": 5},
        [{"status": "confirmed"}],
        "confirmed",
        None,
    ],
    ids=[
        "reopen",
        "case",
        "impersonate",
        "decision-id",
        "sup-str",
        "sup-float",
        "sup-false",
        "extra",
        "note-list",
        "note-int",
        "list",
        "string",
        "null",
    ],
)
async def test_bodies_of_the_wrong_shape_change_nothing(
    labelled: dict[str, Any],  # noqa: F811
    body: Any,
) -> None:
    flag_id, first, _, _ = await _first(labelled)
    if isinstance(body, dict) and body.get("supersedes") in ("1", 1.0):
        body = body | {"supersedes": type(body["supersedes"])(first)}  # the real id, as str/float
    before = len(await _records(labelled))
    r = await _review(
        labelled,
        labelled["key"],
        flag_id,
        content=orjson.dumps(body),
        headers={"Content-Type": "application/json"},
    )
    _error(r, 400)
    assert await _status(labelled, flag_id) == "dismissed"
    assert len(await _records(labelled)) == before
    got = await _row(labelled, labelled["key"], flag_id)
    assert [d["id"] for d in got["decisions"]] == [first]


@pytest.mark.parametrize(
    "flag_id", ["0", "-1", "2147483648", "1e3", "0x1", "1.5", "%2e%2e", "\u0661", "1.0", " 1"]
)
async def test_flag_ids_of_the_wrong_shape_are_400_or_404_never_500(
    labelled: dict[str, Any],  # noqa: F811
    flag_id: str,
) -> None:
    """Never a 500; pydantic's lax int reads '1.0' and ' 1' as 1 (the same row, no other)."""
    flag, first, _, _ = await _first(labelled)
    r = await _review(labelled, labelled["key"], flag_id, _correction(first))
    if flag_id in ("1.0", " 1"):
        assert r.status_code == 200 and r.json()["id"] == flag == 1, r.text
        return
    assert r.status_code in (400, 404), r.text
    _error(r, r.status_code)


async def test_unicode_reasons_round_trip_and_only_their_length_is_audited(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    flag_id, first, _, _ = await _first(labelled)
    _, fixer = await _user(labelled, "fixer", "SECRET//NUC", "lab_admin")
    reason = ("\U0001f9ea" * 1990) + "\u202eSARIN"  # 1,996 astral and bidi characters
    row = await _decide(labelled, fixer, flag_id, status="confirmed", note=reason, supersedes=first)
    assert row["review_note"] == reason and row["decisions"][-1]["note"] == reason
    # 2,001 characters (astral ones count one each): refused, nothing recorded
    over = "\U0001f9ea" * 2001
    _error(
        await _review(
            labelled, labelled["key"], flag_id, _correction(row["decision_id"], note=over)
        ),
        400,
    )
    record = (await _records(labelled))[-1]
    assert record["details"]["note_chars"] == len(reason)
    blob = orjson.dumps(record).decode()
    assert "SARIN" not in blob and "\U0001f9ea" not in blob


async def test_status_filters_follow_the_latest_decision(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    flag_id, first, _, _ = await _first(labelled)
    _, fixer = await _user(labelled, "fixer", "SECRET//NUC", "lab_admin")
    await _decide(labelled, fixer, flag_id, status="confirmed", note=REASON, supersedes=first)
    key = labelled["key"]
    async with _client(labelled, key) as cl:
        ids = {
            status: [
                r["id"]
                for r in (await cl.get("/v1/safety/flags", params={"status": status})).json()[
                    "data"
                ]
            ]
            for status in ("open", "confirmed", "dismissed", "all")
        }
        by_id = {
            status: (
                await cl.get("/v1/safety/flags", params={"status": status, "id": flag_id})
            ).json()["data"]
            for status in ("open", "dismissed", "confirmed")
        }
    assert ids == {"open": [], "confirmed": [flag_id], "dismissed": [], "all": [flag_id]}
    assert by_id["open"] == by_id["dismissed"] == [] and len(by_id["confirmed"]) == 1


async def test_many_corrections_of_one_decision_at_once_make_one(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """Eight reviewers (SQLite; PostgreSQL in the second pass) correct the same decision at
    once: one correction, one record, the row showing the winner, the rest 409, no 500."""
    flag_id, first, _, _ = await _first(labelled)
    keys = [(await _user(labelled, f"r{i}", "SECRET//NUC", "lab_admin"))[1] for i in range(8)]
    before = len(await _records(labelled))
    answers = await asyncio.gather(
        *(
            _review(
                labelled, k, flag_id, _correction(first, ("confirmed", "dismissed")[i % 2], f"r{i}")
            )
            for i, k in enumerate(keys)
        )
    )
    codes = sorted(r.status_code for r in answers)
    assert codes == [200] + [409] * 7, [r.text for r in answers]
    [won] = [r.json() for r in answers if r.status_code == 200]
    got = await _row(labelled, labelled["key"], flag_id)
    assert (got["status"], got["review_note"], got["decision_id"]) == (
        won["status"],
        won["review_note"],
        won["decision_id"],
    )
    assert [d["supersedes"] for d in got["decisions"]] == [None, first]
    records = await _records(labelled)
    assert (
        len(records) == before + 1 and records[-1]["details"]["decision_id"] == won["decision_id"]
    )
    # and the winner's decision is corrected once more by the next reviewer in turn
    loser = next(k for k, r in zip(keys, answers, strict=True) if r.status_code == 409)
    again = await _decide(
        labelled, loser, flag_id, status="dismissed", note="next", supersedes=won["decision_id"]
    )
    assert len(again["decisions"]) == 3


# --- the migration on a store with decisions ----------------------------------------------------


async def test_migrated_decisions_are_corrected_and_survive_down_and_up_again(
    database_url: str,
) -> None:
    """Decided rows before 0020 become decisions; a migrated decision is corrected under the
    same rules (its reviewer may not, another may); going down keeps each row's latest, and up
    again gives each decided row one decision, with fresh ids after it."""
    from tests.test_migrations import downgrade

    engine = make_engine(database_url)
    when = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    try:
        await flags_at_0019(
            engine,
            when,
            [
                (1, "dismissed", "bob", when, "old \u00e9 note"),
                (2, "confirmed", "carol", when, None),
                (3, "open", None, when, None),
            ],
        )
        await upgrade(engine)
        sessions = make_sessionmaker(engine)
        async with sessions() as s:
            migrated = {
                d.flag_id: d for d in (await s.execute(select(SafetyFlagDecision))).scalars().all()
            }
        assert set(migrated) == {1, 2} and migrated[1].via == "migration"
        async with sessions.begin() as s:
            with pytest.raises(OwnDecision):
                await decide(
                    s,
                    1,
                    reviewer="bob",
                    outcome="confirmed",
                    note="mine",
                    supersedes=migrated[1].id,
                )
        async with sessions.begin() as s:
            with pytest.raises(DecisionNotFound):
                await decide(
                    s, 1, reviewer="dave", outcome="confirmed", note="x", supersedes=migrated[2].id
                )
        async with sessions.begin() as s:
            fixed = await decide(
                s, 1, reviewer="dave", outcome="confirmed", note="why", supersedes=migrated[1].id
            )
        assert fixed.decision.id > max(d.id for d in migrated.values())

        await downgrade(engine, "0019")
        async with engine.connect() as conn:
            kept = (
                await conn.execute(
                    text(
                        "SELECT id, status, reviewed_by, review_note FROM safety_flags ORDER BY id"
                    )
                )
            ).all()
        assert [tuple(r) for r in kept] == [
            (1, "confirmed", "dave", "why"),
            (2, "confirmed", "carol", None),
            (3, "open", None, None),
        ]
        await upgrade(engine)
        async with sessions() as s:
            again = (
                (await s.execute(select(SafetyFlagDecision).order_by(SafetyFlagDecision.flag_id)))
                .scalars()
                .all()
            )
        assert [(d.flag_id, d.status, d.reviewed_by, d.supersedes) for d in again] == [
            (1, "confirmed", "dave", None),
            (2, "confirmed", "carol", None),
        ]
        async with sessions.begin() as s:
            later = await decide(s, 3, reviewer="erin", outcome="dismissed")
        assert later.decision.id > max(d.id for d in again)
    finally:
        await engine.dispose()


# --- the CLI ------------------------------------------------------------------------------------


def _cli_seed(url: str) -> int:
    from tests.safety.test_flags_cli_audit import _seed

    return _seed(url)


def _cli(url: str, flag_id: int, *args: str) -> Any:
    from tests.safety.test_flags_cli_audit import _review as cli_review

    return cli_review(url, flag_id, *args)


def _cli_decision(url: str) -> str:
    from tests.safety.test_flags_cli_audit import _records as cli_records

    return str(cli_records(url)[-1]["details"]["decision_id"])


def test_the_operator_does_not_correct_their_own_operator_decision(database_url: str) -> None:
    flag_id = _cli_seed(database_url)
    first = _cli(database_url, flag_id, "--outcome", "dismissed", "--as-operator")
    assert first.exit_code == 0, first.output
    decision = _cli_decision(database_url)
    again = _cli(
        database_url,
        flag_id,
        "--outcome",
        "confirmed",
        "--as-operator",
        "--supersedes",
        decision,
        "--note",
        "changed my mind",
    )
    assert again.exit_code == 1 and "another reviewer" in " ".join(again.output.split())
    from tests.safety.test_flags_cli_audit import _flag as cli_flag

    assert cli_flag(database_url, flag_id)[0] == "dismissed"


@pytest.mark.parametrize(
    "first_as",
    [("--reviewer", "lanl-admin"), ("--as-operator",)],
    ids=["as-a-user", "as-operator"],
)
def test_one_operator_does_not_decide_and_correct_from_the_shell(
    database_url: str, first_as: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    from labgate.safety import cli

    flag_id = _cli_seed(database_url)
    first = _cli(database_url, flag_id, "--outcome", "dismissed", *first_as)
    assert first.exit_code == 0, first.output
    decision = _cli_decision(database_url)
    for reviewer in ("lanl-admin-2", "platform"):
        r = _cli(
            database_url,
            flag_id,
            "--outcome",
            "confirmed",
            "--reviewer",
            reviewer,
            "--supersedes",
            decision,
            "--note",
            "the same operator, another user id",
        )
        assert r.exit_code == 1 and "another reviewer" in " ".join(r.output.split()), r.output
        assert "Traceback" not in r.output
    from tests.safety.test_flags_cli_audit import _flag as cli_flag

    assert cli_flag(database_url, flag_id)[0] == "dismissed"
    # another login at the shell may (lanl-admin-2 made no decision on the flag)
    monkeypatch.setattr(cli, "_login", lambda: "second-operator")
    fixed = _cli(
        database_url,
        flag_id,
        "--outcome",
        "confirmed",
        "--reviewer",
        "lanl-admin-2",
        "--supersedes",
        decision,
        "--note",
        "another operator",
    )
    assert fixed.exit_code == 0, fixed.output
    assert cli_flag(database_url, flag_id)[0] == "confirmed"


def test_a_cli_correction_needs_a_visible_reason(database_url: str) -> None:
    flag_id = _cli_seed(database_url)
    assert _cli(database_url, flag_id, "--outcome", "dismissed", "--as-operator").exit_code == 0
    decision = _cli_decision(database_url)
    r = _cli(
        database_url,
        flag_id,
        "--outcome",
        "confirmed",
        "--reviewer",
        "lanl-admin",
        "--supersedes",
        decision,
        "--note",
        "\u200b\u2060\ufeff",
    )
    assert r.exit_code == 2 and "reason" in r.output, r.output


def test_a_cli_correction_record_holds_no_reason_text(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from labgate.safety import cli
    from tests.safety.test_flags_cli_audit import _records as cli_records

    flag_id = _cli_seed(database_url)
    assert _cli(database_url, flag_id, "--outcome", "dismissed", "--as-operator").exit_code == 0
    decision = _cli_decision(database_url)
    # the correction from another login (the operator who decided does not correct it)
    monkeypatch.setattr(cli, "_login", lambda: "second-operator")
    fixed = _cli(
        database_url,
        flag_id,
        "--outcome",
        "confirmed",
        "--reviewer",
        "lanl-admin",
        "--supersedes",
        decision,
        "--note",
        "quoted: SARIN-MARKER route",
    )
    assert fixed.exit_code == 0, fixed.output
    record = cli_records(database_url)[-1]
    assert record["details"]["supersedes"] == int(decision)
    assert record["details"]["operator"] == "cli:second-operator"
    assert "SARIN-MARKER" not in orjson.dumps(record).decode()
    # a correction naming another flag's decision id, or a huge one: refused, no traceback
    for bad in (decision, str(2**31 - 1)):  # superseded already; no such decision
        r = _cli(
            database_url,
            flag_id,
            "--outcome",
            "dismissed",
            "--reviewer",
            "lanl-admin-2",
            "--supersedes",
            bad,
            "--note",
            "x",
        )
        assert r.exit_code == 1 and "Traceback" not in r.output, r.output
    for bad in ("0", "-1", str(2**31), "abc"):
        r = _cli(
            database_url,
            flag_id,
            "--outcome",
            "dismissed",
            "--as-operator",
            "--supersedes",
            bad,
            "--note",
            "x",
        )
        assert r.exit_code == 2 and "Traceback" not in r.output, r.output
