"""No read-up, high-water marks, and no write-down, on every read path that exists."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from labgate.access.labels import Label
from labgate.access.policy import AccessPolicy
from labgate.identity.principal import Principal, Role

READERS = {
    "none": None,
    "CUI": "CUI",
    "SECRET": "SECRET",
    "SECRET//NUC": "SECRET//NUC",
    "SECRET//SIGMA": "SECRET//SIGMA",
    "TS//NUC,SIGMA": "TOP SECRET//NUC,SIGMA",
    "broken": "NOT-A-LABEL//",
}
OBJECTS = [None, "UNCLASSIFIED", "CUI", "SECRET", "SECRET//NUC", "SECRET//NUC,SIGMA"]
#                       None  U   CUI  S   S//NUC  S//NUC,SIGMA
READABLE = {
    "none":           [1,    1,   0,   0,   0,      0],
    "CUI":            [1,    1,   1,   0,   0,      0],
    "SECRET":         [1,    1,   1,   1,   0,      0],
    "SECRET//NUC":    [1,    1,   1,   1,   1,      0],
    "SECRET//SIGMA":  [1,    1,   1,   1,   0,      0],
    "TS//NUC,SIGMA":  [1,    1,   1,   1,   1,      1],
    "broken":         [0,    0,   0,   0,   0,      0],
}  # fmt: skip


@pytest.mark.parametrize("reader", list(READERS))
def test_no_read_up(policy: AccessPolicy, reader: str) -> None:
    principal = Principal("r", clearance=READERS[reader])
    got = [int(policy.may_read(principal, obj)) for obj in OBJECTS]
    assert got == READABLE[reader]
    # The same answer from a bare clearance string as from the principal.
    if reader not in ("none",):
        assert [int(policy.may_read(READERS[reader], o)) for o in OBJECTS] == READABLE[reader]


def test_an_unreadable_object_label_is_never_shown(policy: AccessPolicy) -> None:
    top = Principal("t", clearance="TOP SECRET//NUC,SIGMA")
    assert not policy.may_read(top, "SECRET//GAMMA")
    assert not policy.may_read(top, "garbage//")


@pytest.mark.parametrize(
    ("labels", "mark"),
    [
        ([], "UNCLASSIFIED"),
        (["UNCLASSIFIED"], "UNCLASSIFIED"),
        (["UNCLASSIFIED", "CUI", "UNCLASSIFIED"], "CUI"),
        (["CUI", "SECRET//NUC", "UNCLASSIFIED"], "SECRET//NUC"),
        (["SECRET//NUC", "SECRET//SIGMA"], "SECRET//NUC,SIGMA"),
        (["CUI", None, "SECRET"], "SECRET"),
        (["TOP SECRET", "SECRET//NUC"], "TOP SECRET//NUC"),
    ],
)
def test_high_water_marks(policy: AccessPolicy, labels: list[str | None], mark: str) -> None:
    assert policy.high_water(labels).marking == mark


def test_a_transcript_never_goes_down(policy: AccessPolicy) -> None:
    """Appending messages raises the mark; writing under a lower label is refused."""
    transcript = policy.high_water([])
    for message_label in ["UNCLASSIFIED", "SECRET//NUC", "CUI", "UNCLASSIFIED"]:
        assert not policy.may_write(Label("UNCLASSIFIED"), "SECRET//NUC")
        raised = policy.high_water([transcript, message_label])
        assert policy.may_write(raised, transcript) and policy.may_write(raised, message_label)
        transcript = raised
    assert transcript.marking == "SECRET//NUC"
    assert not policy.may_write("CUI", transcript)
    reader = Principal("s", clearance="SECRET")
    assert not policy.may_read(reader, transcript)
    assert policy.may_read(Principal("n", clearance="SECRET//NUC"), transcript)


def test_report_rows_of_another_compartment_are_filtered(policy: AccessPolicy) -> None:
    """A usage or export report shows only the rows the reader's clearance covers."""
    rows: list[dict[str, str | None]] = [
        {"project": "open-sci", "label": "UNCLASSIFIED", "prompt_digest": "a1"},
        {"project": "weapons", "label": "SECRET//NUC", "prompt_digest": "b2"},
        {"project": "sigma", "label": "SECRET//SIGMA", "prompt_digest": "c3"},
        {"project": "legacy", "label": None, "prompt_digest": "d4"},
    ]
    nuc_lead = Principal("lead", roles=frozenset({Role.PROJECT_LEAD}), clearance="SECRET//NUC")
    seen = policy.readable(nuc_lead, rows, lambda row: row["label"])
    assert [r["project"] for r in seen] == ["open-sci", "weapons", "legacy"]
    open_user = Principal("u")
    assert [r["project"] for r in policy.readable(open_user, rows, lambda r: r["label"])] == [
        "open-sci",
        "legacy",
    ]


# -- the audit route: transcripts read under the two-person rule ----------------------------


@dataclass
class Vault:
    access: object
    indices: dict[str, int]


@pytest.fixture
async def audit_vault(tmp_path: Path, policy: AccessPolicy) -> AsyncIterator[Vault]:
    from labgate.audit.access import AccessControl
    from labgate.audit.keyring import Keyring, MasterKey
    from labgate.audit.log import AuditLog
    from labgate.audit.models import AUDIT_TABLES
    from labgate.audit.transcripts import Transcript, TranscriptVault
    from labgate.store.base import Base
    from labgate.store.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'audit.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: Base.metadata.create_all(sync, tables=AUDIT_TABLES))
    vault = TranscriptVault(engine, Keyring([MasterKey("k1", b"\x11" * 32)]))
    indices: dict[str, int] = {}
    async with AuditLog(engine, sealer=vault) as log:
        for n, label in enumerate(["UNCLASSIFIED", "SECRET//NUC", "SECRET//SIGMA"]):
            transcript = Transcript(
                prompt=f"prompt {n}", reasoning="", response=f"answer {n}",
                project="shared", lab="lanl", label=label,
            )
            record = {"kind": "request", "request_id": f"req_{n}", "user": "sci",
                      "project": "shared", "outcome": "ok", "label": label}
            indices[label] = await log.append(record, transcript=transcript)
        access = AccessControl(engine, log, vault, label_check=policy.reader_may_see)
        yield Vault(access, indices)
    await engine.dispose()


async def test_auditors_cannot_read_transcripts_above_their_clearance(audit_vault: Vault) -> None:
    from labgate.audit.access import AccessControl, AccessDenied, AccessScope

    access = audit_vault.access
    assert isinstance(access, AccessControl)
    alice = Principal("alice", roles=frozenset({Role.AUDITOR}), clearance="SECRET//NUC")
    bob = Principal("bob", roles=frozenset({Role.AUDITOR}), clearance="TOP SECRET//NUC,SIGMA")
    filed = await access.file_request(
        alice, reason="incident INC-7 review of shared project", scope=AccessScope("shared")
    )
    await access.approve(bob, filed.id)
    opened = await access.read(alice, filed.id, audit_vault.indices["SECRET//NUC"])
    assert opened.transcript.prompt == "prompt 1"
    assert (await access.read(alice, filed.id, audit_vault.indices["UNCLASSIFIED"])).digests_match
    with pytest.raises(AccessDenied) as refused:
        await access.read(alice, filed.id, audit_vault.indices["SECRET//SIGMA"])
    assert refused.value.code == "label_denied"
