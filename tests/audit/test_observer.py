"""The gateway's finished request becomes one record (with digests) and one sealed transcript."""

from __future__ import annotations

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.audit.keyring import Keyring, MasterKey
from labgate.audit.log import AuditLog
from labgate.audit.observer import AuditObserver, request_payload
from labgate.audit.records import AuditRecord, text_digest
from labgate.audit.transcripts import TranscriptVault
from labgate.gateway.record import RequestRecord
from labgate.identity.principal import Principal, Role


async def test_a_finished_request_is_recorded_with_its_transcript(
    sqlite_engine: AsyncEngine,
) -> None:
    vault = TranscriptVault(sqlite_engine, Keyring([MasterKey("k1", b"\x02" * 32)]))
    principal = Principal("dana", lab="anl", project="fusion", roles=frozenset({Role.USER}),
                          key_id="key_9")
    request = RequestRecord(kind="chat", principal=principal, model="o1-lab", stream=True,
                            worker_id="gh200-07", model_version="2025-06", label="CUI",
                            outcome="refused", status=400, prompt_tokens=12,
                            completion_tokens=0, prompt_text="how to enrich uranium",
                            safety=[{"action": "block", "category": "nuclear"}])
    async with AuditLog(sqlite_engine, sealer=vault) as audit_log:
        await AuditObserver(audit_log).begin(request)
        record = orjson.loads((await audit_log.get_record(0)).data)
    assert record["request_id"] == request.request_id and record["outcome"] == "refused"
    assert (record["user"], record["lab"], record["project"]) == ("dana", "anl", "fusion")
    assert record["worker"] == "gh200-07" and record["label"] == "CUI"
    assert record["safety"] == [{"action": "block", "category": "nuclear"}]
    assert record["digests"]["prompt_sha256"] == text_digest("how to enrich uranium")
    assert record["digests"]["response_sha256"] == text_digest("")
    assert "how to enrich" not in orjson.dumps(record).decode()
    opened = await vault.open(0)
    assert opened.prompt == "how to enrich uranium" and opened.response is None
    assert (opened.meta.project, opened.meta.label) == ("fusion", "CUI")


def test_the_request_paths_payload_is_exactly_what_the_validated_model_gives() -> None:
    """The gateway skips re-validating its own records; the shape must still be the model's."""
    principal = Principal("ari", lab="lanl", project="p1", roles=frozenset({Role.USER}),
                          key_id=None, auth_method="oidc")
    answered = RequestRecord(kind="completion", principal=principal, model="m", stream=False,
                             started_at=1_760_000_000.25, prompt_tokens=3,
                             completion_tokens=5, reasoning_tokens=2, first_token_at=None,
                             prompt_text="p", response_text="r", attempts=2)
    answered.finished = answered.started + 0.0123
    streamed = RequestRecord(kind="chat", principal=principal, model="m", stream=True,
                             worker_id="w1", label="CUI", error="worker went away",
                             outcome="worker_error", status=502,
                             safety=[{"stage": "input", "category": "jailbreak", "score": 0.2}])
    streamed.first_token_at = streamed.started + 0.004
    for request in (answered, streamed):
        fast = request_payload(request)
        validated = AuditRecord.model_validate(fast).payload()
        assert fast == validated
        assert orjson.dumps(fast, option=orjson.OPT_SORT_KEYS) == orjson.dumps(
            validated, option=orjson.OPT_SORT_KEYS
        )
    assert request_payload(answered)["time"] == "2025-10-09T08:53:20.250000Z"
    assert "key_id" not in request_payload(answered)  # empty fields are left out, as the model does
    assert request_payload(streamed)["timings"]["first_token_ms"] == 4.0
