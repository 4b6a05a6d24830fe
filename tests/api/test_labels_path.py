"""Clearance labels on a running gateway: refusals, labelled answers, routing by accreditation.

(The full users × labels × models matrix is in tests/access; this proves the gateway applies it.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import update

from labgate.app import create_app
from labgate.store.tenancy import User
from tests.support.servers import RunningWorker, serve_app, start_fake_worker

pytestmark = pytest.mark.store

LABELS = {
    "levels": ["UNCLASSIFIED", "CUI", "SECRET"],
    "compartments": {"NUC": "Nuclear weapons effects program"},
    "default_request_label": "UNCLASSIFIED",
    "range": {"min": "UNCLASSIFIED", "max": "SECRET//NUC"},
    "models": {"open": "CUI", "nuc": "SECRET//NUC"},
}


@pytest.fixture
async def labelled(make_settings: Callable[..., Any]) -> AsyncIterator[dict[str, Any]]:
    open_w = await start_fake_worker("open")
    nuc_low = await start_fake_worker("nuc")  # registered below with a CUI accreditation only
    nuc_high = await start_fake_worker("nuc")
    settings = make_settings(
        [{"name": "open", "workers": [open_w.base_url]}, {"name": "nuc", "workers": []}],
        labels=LABELS,
    )
    app = create_app(settings)
    async with serve_app(app) as url:
        services = app.state.services
        async with services.sessions.begin() as s:  # the admin holds SECRET//NUC
            await s.execute(update(User).values(clearance="SECRET//NUC"))
        services.auth.invalidate_all()
        async with httpx.AsyncClient(base_url=url) as c:
            for worker, acc in ((nuc_low, "CUI"), (nuc_high, "SECRET//NUC")):
                token = await services.registry.issue_token("nuc")  # one worker per token
                r = await c.post(
                    "/internal/workers/register",
                    headers={"Authorization": f"Bearer {token}"},
                    json={"model": "nuc", "base_url": worker.base_url, "accreditation": acc},
                )
                assert r.status_code == 200, r.text
        yield {
            "url": url,
            "key": services.bootstrap.admin_key,
            "services": services,
            "low": nuc_low,
            "high": nuc_high,
        }
    for w in (open_w, nuc_low, nuc_high):
        await w.stop()


async def _chat(
    env: dict[str, Any],
    model: str,
    label: str | None = None,
    stream: bool = False,
    content: str = "q",
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {env['key']}"}
    if label:
        headers["X-Labgate-Label"] = label
    async with httpx.AsyncClient(base_url=env["url"], headers=headers) as c:
        return await c.post(
            "/v1/chat/completions",
            json={
                "model": model,
                "stream": stream,
                "messages": [{"role": "user", "content": content}],
            },
        )


async def test_labelled_answers_and_refusals(labelled: dict[str, Any]) -> None:
    r = await _chat(labelled, "open")
    assert r.status_code == 200
    assert r.headers["X-Labgate-Label"] == "UNCLASSIFIED"
    assert r.json()["labgate_label"] == "UNCLASSIFIED"

    r = await _chat(labelled, "open", "CUI", stream=True)
    assert r.status_code == 200 and r.headers["X-Labgate-Label"] == "CUI"
    chunks = [orjson.loads(line[6:]) for line in r.text.splitlines() if line.startswith("data: {")]
    assert chunks and all(c["labgate_label"] == "CUI" for c in chunks)

    r = await _chat(labelled, "open", "SECRET//NUC")  # above the model's accreditation
    assert r.status_code == 403 and r.json()["error"]["code"] == "label_accreditation"
    r = await _chat(labelled, "nuc", "TOP SECRET")
    assert r.status_code == 400 and r.json()["error"]["code"] == "label_unknown_level"

    # the refusal is in the audit log with the label that was asked for
    log = labelled["services"].audit
    last = orjson.loads((await log.get_record(await log.size() - 1)).data)
    assert last["outcome"] == "refused" and last["status"] == 400


async def test_clearance_bounds_the_label(labelled: dict[str, Any]) -> None:
    services = labelled["services"]
    async with services.sessions.begin() as s:
        await s.execute(update(User).values(clearance="CUI"))
    services.auth.invalidate_all()
    r = await _chat(labelled, "open", "SECRET")
    assert r.status_code == 403 and r.json()["error"]["code"] == "label_clearance"
    # a model accredited above the caller's clearance is not theirs to name: "not found"
    r = await _chat(labelled, "nuc", "CUI")
    assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found"


async def test_secret_work_never_reaches_a_lower_accredited_worker(
    labelled: dict[str, Any],
) -> None:
    low: RunningWorker = labelled["low"]
    high: RunningWorker = labelled["high"]
    for i in range(12):
        assert (await _chat(labelled, "nuc", "SECRET//NUC", content=f"s{i}")).status_code == 200
    assert low.worker.requests == 0 and high.worker.requests == 12
    for i in range(12):  # CUI work may go to either (different prompts spread by affinity)
        assert (await _chat(labelled, "nuc", "CUI", content=f"c{i}")).status_code == 200
    assert low.worker.requests > 0
    await high.stop()  # the only SECRET-accredited worker is gone: refuse, never downgrade
    pool = labelled["services"].router.pools["nuc"]
    for w in pool.workers.values():
        if w.base_url == high.base_url:
            pool.mark_health(w, False, "stopped")
    before = low.worker.requests
    r = await _chat(labelled, "nuc", "SECRET//NUC")
    assert r.status_code == 503
    assert "accredited" in r.json()["error"]["message"]
    assert low.worker.requests == before


async def test_no_read_up_of_audit_records(labelled: dict[str, Any]) -> None:
    """An auditor cleared only for CUI cannot read the record of SECRET//NUC work."""
    from labgate.identity.keys import KeyRepository, new_id, utcnow

    services = labelled["services"]
    assert (await _chat(labelled, "nuc", "SECRET//NUC", content="secret work")).status_code == 200
    log = services.audit
    secret_index = await log.size() - 1
    assert (await _chat(labelled, "open", "CUI", content="open work")).status_code == 200
    cui_index = await log.size() - 1
    auditor_id = new_id()
    async with services.sessions.begin() as s:
        s.add(
            User(
                id=auditor_id,
                lab_id="default",
                username="aud",
                roles=["auditor"],
                clearance="CUI",
                created_at=utcnow(),
            )
        )
    key, _ = await KeyRepository(services.sessions).create(auditor_id, None)
    async with httpx.AsyncClient(
        base_url=labelled["url"], headers={"Authorization": f"Bearer {key}"}
    ) as c:
        r = await c.get(f"/v1/audit/records/{secret_index}")
        # the same answer as for an index past the end: the log's size stays unknown too
        assert r.status_code == 404 and r.json()["error"]["code"] == "record_not_found"
        assert "secret" not in r.text.lower()
        beyond = await c.get(f"/v1/audit/records/{10**9}")
        assert beyond.json()["error"] == r.json()["error"] | {
            "message": r.json()["error"]["message"].replace(str(secret_index), str(10**9))
        }
        r = await c.get(f"/v1/audit/records/{cui_index}")
        assert r.status_code == 200 and r.json()["record"]["label"] == "CUI"
