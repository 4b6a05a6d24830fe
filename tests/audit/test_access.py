"""The two-person rule cannot be bypassed, and every step of it is itself on the record."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.audit.access import (
    AccessConflict,
    AccessControl,
    AccessDenied,
    AccessRequestNotFound,
    AccessScope,
    RequestStatus,
)
from labgate.audit.keyring import Keyring, MasterKey
from labgate.audit.log import AuditLog
from labgate.audit.records import digests_of
from labgate.audit.transcripts import Transcript, TranscriptVault
from labgate.identity.principal import Principal, Role

from .conftest import request_record

ALICE = Principal("alice", lab="ornl", roles=frozenset({Role.AUDITOR}), key_id="key_a")
BOB = Principal("bob", lab="llnl", roles=frozenset({Role.AUDITOR}))
ROOT = Principal("root", roles=frozenset({Role.PLATFORM_ADMIN, Role.LAB_ADMIN}))
CAROL = Principal("carol", project="proj1", roles=frozenset({Role.USER}))
REASON = "Investigating flagged CBRN query in incident INC-2291"


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Setup:
    access: AccessControl
    log: AuditLog
    clock: Clock
    indices: dict[str, list[int]]


@pytest.fixture
async def setup(sqlite_engine: AsyncEngine) -> AsyncIterator[Setup]:
    vault = TranscriptVault(sqlite_engine, Keyring([MasterKey("k1", b"\x07" * 32)]))
    clock = Clock(datetime.now(UTC))
    async with AuditLog(sqlite_engine, sealer=vault) as audit_log:
        indices: dict[str, list[int]] = {"proj1": [], "proj2": []}
        for n in range(6):
            project = "proj1" if n % 2 == 0 else "proj2"
            t = Transcript(
                prompt=f"prompt {n}",
                reasoning=f"reasoning {n}",
                response=f"response {n}",
                project=project,
                lab="ornl",
                label="CUI",
            )
            digests = digests_of(t.prompt, t.reasoning, t.response)
            index = await audit_log.append(
                request_record(n, project=project, digests=digests), transcript=t
            )
            indices[project].append(index)
        access = AccessControl(sqlite_engine, audit_log, vault, clock=clock)
        yield Setup(access, audit_log, clock, indices)


async def _approved(s: Setup, scope: AccessScope | None = None) -> str:
    filed = await s.access.file_request(ALICE, reason=REASON, scope=scope or AccessScope("proj1"))
    await s.access.approve(BOB, filed.id)
    return filed.id


async def _kinds(s: Setup) -> list[str]:
    size = await s.log.size()
    return [orjson.loads((await s.log.get_record(i)).data)["kind"] for i in range(size)]


async def test_request_approve_read_and_each_step_is_recorded(setup: Setup) -> None:
    filed = await setup.access.file_request(
        ALICE, reason=REASON, scope=AccessScope("proj1"), duration=timedelta(hours=2)
    )
    assert filed.status is RequestStatus.PENDING
    approved = await setup.access.approve(BOB, filed.id)
    assert approved.status is RequestStatus.APPROVED and approved.approver == "bob"
    assert approved.expires_at == setup.clock.now + timedelta(hours=2)
    target = setup.indices["proj1"][1]
    reading = await setup.access.read(ALICE, filed.id, target)
    assert reading.transcript.prompt == "prompt 2" and reading.digests_match
    assert (await _kinds(setup))[-3:] == [
        "transcript_access_request",
        "transcript_access_approval",
        "transcript_read",
    ]
    read_record = orjson.loads((await setup.log.get_record(reading.read_record)).data)
    assert read_record["user"] == "alice" and read_record["key_id"] == "key_a"
    assert read_record["details"] == {"request_id": filed.id, "record_index": target}
    request_record_ = orjson.loads((await setup.log.get_record(filed.request_record)).data)
    assert request_record_["details"]["reason"] == REASON


async def test_nobody_approves_their_own_request(setup: Setup) -> None:
    filed = await setup.access.file_request(ALICE, reason=REASON, scope=AccessScope("proj1"))
    with pytest.raises(AccessDenied) as refused:
        await setup.access.approve(ALICE, filed.id)
    assert refused.value.code == "same_auditor"
    with pytest.raises(AccessDenied) as unread:
        await setup.access.read(ALICE, filed.id, setup.indices["proj1"][0])
    assert unread.value.code == "not_approved"


async def test_an_expired_approval_reads_nothing(setup: Setup) -> None:
    request_id = await _approved(setup)
    setup.clock.now += timedelta(hours=1, seconds=1)
    with pytest.raises(AccessDenied) as refused:
        await setup.access.read(ALICE, request_id, setup.indices["proj1"][0])
    assert refused.value.code == "approval_expired"


async def test_a_request_left_too_long_cannot_be_approved(setup: Setup) -> None:
    filed = await setup.access.file_request(ALICE, reason=REASON, scope=AccessScope("proj1"))
    setup.clock.now += timedelta(days=8)
    with pytest.raises(AccessDenied) as refused:
        await setup.access.approve(BOB, filed.id)
    assert refused.value.code == "request_expired"


async def test_records_outside_the_scope_stay_closed(setup: Setup) -> None:
    request_id = await _approved(setup)
    with pytest.raises(AccessDenied) as other_project:
        await setup.access.read(ALICE, request_id, setup.indices["proj2"][0])
    assert other_project.value.code == "out_of_scope"
    first, second = setup.indices["proj1"][:2]
    narrow = await _approved(setup, AccessScope("proj1", indices=frozenset({first})))
    assert (await setup.access.read(ALICE, narrow, first)).transcript.prompt == "prompt 0"
    with pytest.raises(AccessDenied):
        await setup.access.read(ALICE, narrow, second)
    future = await _approved(setup, AccessScope("proj1", since=setup.clock.now + timedelta(days=1)))
    with pytest.raises(AccessDenied):
        await setup.access.read(ALICE, future, first)


async def test_roles_are_enforced_at_every_step(setup: Setup) -> None:
    for outsider in (ROOT, CAROL):
        with pytest.raises(AccessDenied) as refused:
            await setup.access.file_request(outsider, reason=REASON, scope=AccessScope("proj1"))
        assert refused.value.code == "auditor_role_required"
    filed = await setup.access.file_request(ALICE, reason=REASON, scope=AccessScope("proj1"))
    with pytest.raises(AccessDenied):
        await setup.access.approve(ROOT, filed.id)
    await setup.access.approve(BOB, filed.id)
    index = setup.indices["proj1"][0]
    with pytest.raises(AccessDenied):
        await setup.access.read(ROOT, filed.id, index)
    with pytest.raises(AccessDenied) as approver_reads:
        await setup.access.read(BOB, filed.id, index)
    assert approver_reads.value.code == "not_requester"
    demoted = Principal("alice", lab="ornl", roles=frozenset({Role.USER}))
    with pytest.raises(AccessDenied):
        await setup.access.read(demoted, filed.id, index)


async def test_a_request_is_approved_once(setup: Setup) -> None:
    request_id = await _approved(setup)
    carl = Principal("carl", roles=frozenset({Role.AUDITOR}))
    with pytest.raises(AccessConflict):
        await setup.access.approve(carl, request_id)
    with pytest.raises(AccessRequestNotFound):
        await setup.access.approve(carl, "tar_missing")


async def test_bad_requests_are_refused_with_reasons(setup: Setup) -> None:
    with pytest.raises(ValueError, match="reason"):
        await setup.access.file_request(ALICE, reason="because", scope=AccessScope("proj1"))
    with pytest.raises(ValueError, match="hours"):
        await setup.access.file_request(
            ALICE, reason=REASON, scope=AccessScope("proj1"), duration=timedelta(days=2)
        )
    with pytest.raises(ValueError):
        AccessScope("")
    now = datetime.now(UTC)
    with pytest.raises(ValueError):
        AccessScope("proj1", since=now, until=now - timedelta(hours=1))


async def test_a_transcript_that_does_not_match_its_record_is_flagged(setup: Setup) -> None:
    t = Transcript(prompt="what was really asked", response="answer", project="proj1")
    digests = digests_of("what the record says was asked", None, "answer")
    index = await setup.log.append(
        request_record(9, project="proj1", digests=digests), transcript=t
    )
    reading = await setup.access.read(ALICE, await _approved(setup), index)
    assert not reading.digests_match and reading.mismatched == ["prompt"]


async def test_a_label_rule_can_refuse_a_read(setup: Setup) -> None:
    setup.access.label_check = lambda principal, label: label != "CUI"
    request_id = await _approved(setup)
    with pytest.raises(AccessDenied) as refused:
        await setup.access.read(ALICE, request_id, setup.indices["proj1"][0])
    assert refused.value.code == "label_denied"


async def test_two_auditors_made_by_the_same_person_are_one_person(setup: Setup) -> None:
    """Issue 28: one platform admin made two auditor accounts, filed with one and approved
    with the other. Two auditors who owe their accounts (creation, auditor role, clearance)
    to the same person within the window, or one made by the other, cannot pair up."""
    made: dict[str, set[tuple[str, datetime]]] = {
        "alice": {("root", setup.clock.now - timedelta(days=2))},
        "bob": {("root", setup.clock.now - timedelta(days=1))},
        "dave": {("alice", setup.clock.now - timedelta(days=3))},
        "erin": {("root", setup.clock.now - timedelta(days=31)), ("sam", setup.clock.now)},
    }

    async def sponsors(user_id: str, since: datetime) -> frozenset[str]:
        return frozenset({user_id} | {who for who, at in made.get(user_id, ()) if at >= since})

    setup.access.sponsors = sponsors
    for approver, code in (("bob", "same_sponsor"), ("dave", "same_sponsor")):
        filed = await setup.access.file_request(ALICE, reason=REASON, scope=AccessScope("proj1"))
        with pytest.raises(AccessDenied) as refused:
            await setup.access.approve(
                Principal(approver, roles=frozenset({Role.AUDITOR})), filed.id
            )
        assert refused.value.code == code
        assert "root" in str(refused.value) or "alice" in str(refused.value)
        with pytest.raises(AccessDenied):
            await setup.access.read(ALICE, filed.id, setup.indices["proj1"][0])
    # root's part in erin is older than the window (30 days): erin and alice are two people
    filed = await setup.access.file_request(ALICE, reason=REASON, scope=AccessScope("proj1"))
    erin = Principal("erin", roles=frozenset({Role.AUDITOR}))
    assert (await setup.access.approve(erin, filed.id)).approver == "erin"
    assert (await setup.access.read(ALICE, filed.id, setup.indices["proj1"][0])).digests_match


async def test_the_two_people_must_still_be_two_when_the_transcript_is_read(
    setup: Setup,
) -> None:
    """A tie made after the approval (the approver has a key of the requester minted, or
    raises them) closes what the approval opened."""
    ties: dict[str, set[str]] = {}

    async def sponsors(user_id: str, since: datetime) -> frozenset[str]:
        return frozenset({user_id} | ties.get(user_id, set()))

    setup.access.sponsors = sponsors
    request_id = await _approved(setup)
    index = setup.indices["proj1"][0]
    assert (await setup.access.read(ALICE, request_id, index)).digests_match
    ties["alice"] = {"bob"}
    with pytest.raises(AccessDenied) as refused:
        await setup.access.read(ALICE, request_id, index)
    assert refused.value.code == "same_sponsor"
