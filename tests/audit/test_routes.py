"""The HTTP API: proofs a client can check against the signed checkpoint, and access control."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.api.errors import install_error_handlers, unauthorized
from labgate.audit.access import AccessControl
from labgate.audit.checkpoint import CheckpointPublisher, open_checkpoint
from labgate.audit.keyring import Keyring, MasterKey
from labgate.audit.log import AuditLog
from labgate.audit.merkle import verify_consistency, verify_inclusion
from labgate.audit.note import NoteSigner
from labgate.audit.routes import router
from labgate.audit.transcripts import Transcript, TranscriptVault
from labgate.identity.principal import Principal, Role

from .conftest import request_record

PRINCIPALS = {
    "alice": Principal("alice", roles=frozenset({Role.AUDITOR})),
    "bob": Principal("bob", roles=frozenset({Role.AUDITOR})),
    "root": Principal("root", roles=frozenset({Role.PLATFORM_ADMIN})),
    "carol": Principal("carol", project="proj1", roles=frozenset({Role.USER})),
}


class TokenAuth:
    """Stands in for the identity area: bearer token = user id."""

    async def authenticate(self, authorization: str | None, headers: object) -> Principal:
        token = (authorization or "").removeprefix("Bearer ")
        if token not in PRINCIPALS:
            raise unauthorized("unknown key")
        return PRINCIPALS[token]


def _as(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {user}"}


def _b(text: str) -> bytes:
    return base64.b64decode(text)


@pytest.fixture
async def api(
    sqlite_engine: AsyncEngine, signer: NoteSigner
) -> AsyncIterator[tuple[httpx.AsyncClient, AuditLog]]:
    vault = TranscriptVault(sqlite_engine, Keyring([MasterKey("k1", b"\x01" * 32)]))
    async with AuditLog(sqlite_engine, sealer=vault) as audit_log:
        for n in range(9):
            await audit_log.append(
                request_record(n, project="proj1"),
                transcript=Transcript(prompt=f"secret prompt {n}", project="proj1"),
            )
        await CheckpointPublisher(audit_log, signer).publish()
        app = FastAPI()
        install_error_handlers(app)
        app.include_router(router)
        app.state.services = SimpleNamespace(
            auth=TokenAuth(), audit=audit_log, transcripts=vault,
            audit_access=AccessControl(sqlite_engine, audit_log, vault),
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://labgate") as client:
            yield client, audit_log


async def test_a_client_checks_inclusion_and_consistency_against_the_checkpoint(
    api: tuple[httpx.AsyncClient, AuditLog], signer: NoteSigner
) -> None:
    client, audit_log = api
    # the log's size counts everyone's work: checkpoints and proofs are for auditors and
    # platform admins (cleared for the whole range), not for any key
    for path in ("/v1/audit/checkpoint", "/v1/audit/proofs/consistency?first=1"):
        assert (await client.get(path, headers=_as("carol"))).status_code == 403
    response = await client.get("/v1/audit/checkpoint", headers=_as("alice"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    checkpoint = open_checkpoint(response.text, signer.verifier)
    assert checkpoint.size == 9

    proof = (await client.get("/v1/audit/proofs/inclusion",
                              params={"index": 4, "tree_size": 9}, headers=_as("alice"))).json()
    verify_inclusion(4, 9, _b(proof["leaf_hash"]), [_b(h) for h in proof["hashes"]],
                     checkpoint.root)

    for n in range(9, 14):
        await audit_log.append(request_record(n))
    body = (await client.get("/v1/audit/proofs/consistency", params={"first": 9},
                             headers=_as("alice"))).json()
    assert body["second"] == 14
    verify_consistency(9, 14, checkpoint.root, _b(body["second_root"]),
                       [_b(h) for h in body["hashes"]])


async def test_records_are_for_auditors_and_platform_admins(
    api: tuple[httpx.AsyncClient, AuditLog],
) -> None:
    client, _ = api
    record = await client.get("/v1/audit/records/3", headers=_as("root"))
    assert record.status_code == 200 and record.json()["record"]["index"] == 3
    refused = await client.get("/v1/audit/records/3", headers=_as("carol"))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "insufficient_role"
    missing = await client.get("/v1/audit/records/999", headers=_as("alice"))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "record_not_found"
    beyond = await client.get("/v1/audit/proofs/inclusion", params={"index": 1, "tree_size": 50},
                              headers=_as("alice"))
    assert beyond.status_code == 400 and "fewer than" in beyond.json()["error"]["message"]
    anonymous = await client.get("/v1/audit/checkpoint")
    assert anonymous.status_code == 401


async def test_transcripts_over_http_need_two_auditors(
    api: tuple[httpx.AsyncClient, AuditLog],
) -> None:
    client, _ = api
    filed = await client.post(
        "/v1/audit/access-requests", headers=_as("alice"),
        json={"reason": "Incident INC-7 review of a flagged request", "project": "proj1",
              "indices": [2, 3], "duration_minutes": 30},
    )
    assert filed.status_code == 201
    request_id = filed.json()["id"]
    read_url = f"/v1/audit/access-requests/{request_id}/transcripts/2"

    early = await client.get(read_url, headers=_as("alice"))
    assert early.status_code == 403 and early.json()["error"]["code"] == "not_approved"
    own = await client.post(f"/v1/audit/access-requests/{request_id}/approve",
                            headers=_as("alice"))
    assert own.status_code == 403 and own.json()["error"]["code"] == "same_auditor"
    admin = await client.post(f"/v1/audit/access-requests/{request_id}/approve",
                              headers=_as("root"))
    assert admin.status_code == 403
    approved = await client.post(f"/v1/audit/access-requests/{request_id}/approve",
                                 headers=_as("bob"))
    assert approved.status_code == 200 and approved.json()["status"] == "approved"

    read = await client.get(read_url, headers=_as("alice"))
    assert read.status_code == 200 and read.json()["prompt"] == "secret prompt 2"
    assert (await client.get(read_url, headers=_as("root"))).status_code == 403
    outside = await client.get(f"/v1/audit/access-requests/{request_id}/transcripts/5",
                               headers=_as("alice"))
    assert outside.status_code == 403 and outside.json()["error"]["code"] == "out_of_scope"
    listed = await client.get("/v1/audit/access-requests", params={"status": "approved"},
                              headers=_as("bob"))
    assert [r["id"] for r in listed.json()["data"]] == [request_id]
    short = await client.post("/v1/audit/access-requests", headers=_as("alice"),
                              json={"reason": "why", "project": "proj1"})
    assert short.status_code == 400 and short.json()["error"]["param"] == "reason"


async def test_numbers_no_record_can_have_are_a_400_not_a_500(
    api: tuple[httpx.AsyncClient, AuditLog],
) -> None:
    """Indices are 64-bit in storage: a larger one failed in the database driver (500), as did
    a duration of access too long to be a time span."""
    client, _ = api
    huge = str(2**64)
    for path, params in [
        (f"/v1/audit/records/{huge}", None),
        ("/v1/audit/records/-1", None),
        ("/v1/audit/proofs/inclusion", {"index": huge}),
        ("/v1/audit/proofs/inclusion", {"index": 1, "tree_size": huge}),
        ("/v1/audit/proofs/consistency", {"first": 1, "second": huge}),
        (f"/v1/audit/access-requests/x/transcripts/{huge}", None),
    ]:
        r = await client.get(path, params=params, headers=_as("alice"))
        assert r.status_code == 400, (path, r.text)
        assert r.json()["error"]["code"] == "invalid_value"
    body = {"reason": "checking a complaint", "project": "proj1"}
    for extra, param in [
        ({"duration_minutes": 10**30}, "duration_minutes"),
        ({"indices": [1, 2**64]}, "indices.1"),
    ]:
        r = await client.post("/v1/audit/access-requests", json={**body, **extra},
                              headers=_as("alice"))
        assert r.status_code == 400, r.text
        assert r.json()["error"]["param"] == param
    r = await client.post("/v1/audit/access-requests", json={**body, "duration_minutes": 600},
                          headers=_as("alice"))
    assert r.status_code == 400
    assert "at most 8 hours" in r.json()["error"]["message"]  # the deployment's max_duration
