"""The gateway's finished request becomes one record (with digests) and one sealed transcript."""

from __future__ import annotations

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.audit.keyring import Keyring, MasterKey
from labgate.audit.log import AuditLog
from labgate.audit.observer import AuditObserver
from labgate.audit.records import text_digest
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
        await AuditObserver(audit_log).finish(request)
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
