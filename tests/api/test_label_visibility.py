"""No read-down on the routes that list, count or describe (issue 28): usage reports, the model
list, metrics, readiness, the OpenAPI document, transcript access requests and checkpoints show
a reader only what their clearance dominates, or need a key that may see it all.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from labgate.identity.keys import KeyRepository, new_id, utcnow
from labgate.store.tenancy import User
from tests.api.test_labels_path import labelled  # noqa: F401  (the fixture)

pytestmark = pytest.mark.store


async def _user(env: dict[str, Any], name: str, clearance: str | None, *roles: str) -> str:
    """A user of the default lab with a key of their own (written straight to the store)."""
    services = env["services"]
    uid = new_id()
    async with services.sessions.begin() as s:
        s.add(
            User(
                id=uid,
                lab_id="default",
                username=name,
                roles=list(roles),
                clearance=clearance,
                created_at=utcnow(),
            )
        )
    key, _ = await KeyRepository(services.sessions).create(uid, None)
    return key


def _client(env: dict[str, Any], key: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.AsyncClient(base_url=env["url"], headers=headers)


async def _ask(env: dict[str, Any], model: str, label: str) -> None:
    async with _client(env, env["key"]) as c:
        r = await c.post(
            "/v1/chat/completions",
            headers={"X-Labgate-Label": label},
            json={"model": model, "messages": [{"role": "user", "content": "q"}]},
        )
    assert r.status_code == 200, r.text


async def test_usage_reports_show_only_rows_the_reader_dominates(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    await _ask(labelled, "nuc", "SECRET//NUC")
    await _ask(labelled, "nuc", "SECRET//NUC")
    await _ask(labelled, "open", "UNCLASSIFIED")
    await labelled["services"].usage.flush()
    # an UNCLASSIFIED lab admin: every model here is accredited above them (open: CUI), so
    # nothing at all; a CUI one: the open model's UNCLASSIFIED request, never the SECRET ones
    unclassified = await _user(labelled, "unclass-admin", "UNCLASSIFIED", "lab_admin")
    async with _client(labelled, unclassified) as c:
        r = await c.get("/v1/admin/usage", params={"group_by": "model", "since": "1d"})
    assert r.status_code == 200 and r.json()["totals"]["requests"] == 0, r.text
    lab_admin = await _user(labelled, "open-admin", "CUI", "lab_admin")
    for group in ("model", "user", "project", "lab"):
        async with _client(labelled, lab_admin) as c:
            r = await c.get("/v1/admin/usage", params={"group_by": group, "since": "1d"})
        assert r.status_code == 200, r.text
        report = r.json()
        assert report["totals"]["requests"] == 1, (group, report)
        assert all(row.get("model") != "nuc" for row in report["rows"])
        async with _client(labelled, lab_admin) as c:
            r = await c.get(
                "/v1/admin/usage", params={"group_by": group, "since": "1d", "format": "csv"}
            )
        assert r.status_code == 200 and "nuc" not in r.text
    # the SECRET//NUC platform admin sees all three
    async with _client(labelled, labelled["key"]) as c:
        r = await c.get("/v1/admin/usage", params={"group_by": "model", "since": "1d"})
    rows = {row["model"]: row["requests"] for row in r.json()["rows"]}
    assert rows == {"nuc": 2, "open": 1}


async def test_the_model_list_shows_only_what_the_caller_can_use(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """A CUI user sees the CUI model, not the SECRET//NUC one (its name included); a project
    that allows one model lists only it."""
    from labgate.store.tenancy import Project, ProjectMember

    services = labelled["services"]
    cui = await _user(labelled, "cui-user", "CUI")
    async with _client(labelled, cui) as c:
        r = await c.get("/v1/models")
        assert r.status_code == 200
        assert [m["id"] for m in r.json()["data"]] == ["open"]
        assert (await c.get("/v1/models/open")).status_code == 200
        r = await c.get("/v1/models/nuc")
        assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found"
        other = (await c.get("/v1/models/no-such")).json()["error"]
        assert r.json()["error"] == other | {"message": other["message"].replace("no-such", "nuc")}
    async with _client(labelled, labelled["key"]) as c:  # SECRET//NUC: both
        assert {m["id"] for m in (await c.get("/v1/models")).json()["data"]} == {"open", "nuc"}

    uid = new_id()
    async with services.sessions.begin() as s:
        s.add(
            User(
                id=uid,
                lab_id="default",
                username="member",
                roles=[],
                clearance="SECRET//NUC",
                created_at=utcnow(),
            )
        )
        s.add(
            Project(
                id="p-open",
                lab_id="default",
                name="open only",
                allowed_models=["open"],
                created_at=utcnow(),
            )
        )
        await s.flush()
        s.add(ProjectMember(project_id="p-open", user_id=uid))
    key, _ = await KeyRepository(services.sessions).create(uid, "p-open")
    async with _client(labelled, key) as c:
        assert [m["id"] for m in (await c.get("/v1/models")).json()["data"]] == ["open"]
        assert (await c.get("/v1/models/nuc")).status_code == 404
        # and not served: the same answer as a model that does not exist, before any check
        # that would tell it exists (its max_tokens limit)
        ask = {"messages": [{"role": "user", "content": "q"}], "max_tokens": 10**6}
        hidden = await c.post("/v1/chat/completions", json={"model": "nuc", **ask})
        missing = await c.post("/v1/chat/completions", json={"model": "none", **ask})
        assert hidden.status_code == missing.status_code == 404
        assert (
            hidden.json()["error"]["message"].replace("nuc", "none")
            == (missing.json()["error"]["message"])
        )


async def test_system_routes_name_nothing_without_a_key(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    cui = await _user(labelled, "cui-reader", "CUI")
    cui_admin = await _user(labelled, "cui-platform", "CUI", "platform_admin")
    async with _client(labelled, None) as c:
        r = await c.get("/readyz")
        assert r.status_code in (200, 503) and r.json()["status"] in ("ready", "not_ready")
        assert "nuc" not in r.text and "open" not in r.text
        assert (await c.get("/metrics")).status_code == 401
        assert (await c.get("/openapi.json")).status_code == 401
        assert (await c.get("/docs")).status_code == 404
        assert (await c.get("/healthz")).status_code == 200
    async with _client(labelled, cui) as c:
        r = await c.get("/readyz")
        assert set(r.json()["models"]) == {"open"} and "nuc" not in r.text
        assert (await c.get("/metrics")).status_code == 403
        r = await c.get("/openapi.json")
        assert r.status_code == 200 and "/v1/admin/usage" in r.json()["paths"]
    async with _client(labelled, cui_admin) as c:  # an admin not cleared for the whole range
        assert (await c.get("/metrics")).status_code == 403
    async with _client(labelled, labelled["key"]) as c:  # cleared for SECRET//NUC: everything
        r = await c.get("/metrics")
        assert r.status_code == 200 and "labgate_" in r.text
        r = await c.get("/readyz")
        assert set(r.json()["models"]) == {"open", "nuc"}


async def test_a_scrape_token_reads_the_metrics(make_settings: Any) -> None:
    from labgate.app import create_app
    from tests.support.servers import serve_app

    token = "scrape-" + "x" * 40
    app = create_app(make_settings([{"name": "m", "workers": []}], metrics_token=token))
    async with serve_app(app) as url, httpx.AsyncClient(base_url=url) as c:
        r = await c.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and "labgate_" in r.text
        r = await c.get("/metrics", headers={"Authorization": f"Bearer {token[:-1]}y"})
        assert r.status_code == 401


async def test_an_auditor_sees_only_access_requests_within_their_clearance(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """A transcript access request carries its filer's clearance: an auditor cleared lower
    neither sees it (nor its reason), nor approves it, nor reads the record of its filing."""
    high = await _user(labelled, "aud-high", "SECRET//NUC", "auditor")
    high2 = await _user(labelled, "aud-high2", "SECRET//NUC", "auditor")
    low = await _user(labelled, "aud-low", "CUI", "auditor")
    body = {"reason": "the NUC device 7 yield leak inquiry", "project": "default"}
    async with _client(labelled, high) as c:
        r = await c.post("/v1/audit/access-requests", json=body)
        assert r.status_code == 201, r.text
        filed = r.json()
        assert filed["label"] == "SECRET//NUC"
    async with _client(labelled, low) as c:
        r = await c.post("/v1/audit/access-requests", json={**body, "reason": "a CUI review"})
        assert r.status_code == 201 and r.json()["label"] == "CUI"
        r = await c.get("/v1/audit/access-requests")
        assert r.status_code == 200
        assert [x["reason"] for x in r.json()["data"]] == ["a CUI review"]
        assert "NUC" not in r.text
        r = await c.post(f"/v1/audit/access-requests/{filed['id']}/approve")
        assert r.status_code == 404, r.text
        r = await c.get(f"/v1/audit/records/{filed['request_record']}")
        assert r.status_code == 404 and "NUC" not in r.text
    async with _client(labelled, high2) as c:  # cleared for it: sees both, may approve
        r = await c.get("/v1/audit/access-requests")
        assert len(r.json()["data"]) == 2
        r = await c.post(f"/v1/audit/access-requests/{filed['id']}/approve")
        assert r.status_code == 200, r.text


async def test_the_log_size_is_for_auditors_cleared_for_everything(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """The checkpoint and the proofs give the log's size, a count of every label's work: only
    auditors and platform admins whose clearance dominates the whole range get them."""
    await _ask(labelled, "open", "UNCLASSIFIED")
    cui_user = await _user(labelled, "plain", "CUI")
    cui_auditor = await _user(labelled, "aud-cui", "CUI", "auditor")
    top_auditor = await _user(labelled, "aud-top", "SECRET//NUC", "auditor")
    paths = [
        "/v1/audit/checkpoint",
        "/v1/audit/proofs/inclusion?index=0",
        "/v1/audit/proofs/consistency?first=1",
    ]
    for key, code in ((cui_user, "insufficient_role"), (cui_auditor, "insufficient_clearance")):
        async with _client(labelled, key) as c:
            for path in paths:
                r = await c.get(path)
                assert r.status_code == 403, (path, r.text)
                assert r.json()["error"]["code"] == code
    async with _client(labelled, top_auditor) as c:
        for path in paths[1:]:
            assert (await c.get(path)).status_code == 200
        assert (await c.get(paths[0])).status_code in (200, 404)  # 404: none signed yet


async def test_a_refused_attempt_is_counted_at_the_label_it_asked_for(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """An attempt above the caller's clearance is SECRET work too: its usage row carries that
    label, so a lower reader's report does not count it; one at a model above the caller's
    clearance is "not found" and does not name it."""
    cui = await _user(labelled, "cui-attempt", "CUI", "lab_admin")
    async with _client(labelled, cui) as c:
        for model, label, status in (("open", "SECRET", 403), ("nuc", "SECRET//NUC", 404)):
            r = await c.post(
                "/v1/chat/completions",
                headers={"X-Labgate-Label": label},
                json={"model": model, "messages": [{"role": "user", "content": "q"}]},
            )
            assert r.status_code == status, r.text
        await labelled["services"].usage.flush()
        r = await c.get("/v1/admin/usage", params={"group_by": "model", "since": "1d"})
        assert r.status_code == 200 and "nuc" not in r.text, r.text
        # the SECRET attempt is not counted; the other is a refusal naming no model, as for
        # a model that does not exist
        assert [row["model"] for row in r.json()["rows"]] == ["(none)"], r.text


async def test_worker_and_scheduler_views_name_only_models_within_clearance(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    cui_admin = await _user(labelled, "cui-padm", "CUI", "platform_admin")
    async with _client(labelled, cui_admin) as c:
        r = await c.get("/v1/admin/workers")
        assert r.status_code == 200 and set(r.json()) == {"open"}, r.text
        r = await c.get("/v1/admin/scheduler")
        assert r.status_code == 200 and "nuc" not in r.text, r.text
    async with _client(labelled, labelled["key"]) as c:
        assert set((await c.get("/v1/admin/workers")).json()) == {"open", "nuc"}


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/completions"])
async def test_a_model_above_the_callers_clearance_answers_as_a_missing_one(
    labelled: dict[str, Any],  # noqa: F811
    path: str,
) -> None:
    """Hidden from the list, and not served either: naming it gets exactly what naming a model
    that does not exist gets (so its name cannot be probed), at any label, even a low one."""
    cui = await _user(labelled, "cui-prober", "CUI")
    answers = []
    async with _client(labelled, cui) as c:
        for model in ("nuc", "no-such-model"):
            body: dict[str, Any] = {"model": model, "max_tokens": 100000}
            if path.endswith("chat/completions"):
                body["messages"] = [{"role": "user", "content": "q"}]
            else:
                body["prompt"] = "q"
            r = await c.post(path, headers={"X-Labgate-Label": "UNCLASSIFIED"}, json=body)
            err = r.json()["error"]
            answers.append((r.status_code, err["code"], err["message"].replace(model, "M")))
    assert answers[0] == answers[1] and answers[0][0] == 404, answers


async def test_work_on_a_hidden_model_is_not_shown_even_at_a_low_label(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """UNCLASSIFIED work on the SECRET//NUC model (by someone cleared for it) is the model's
    business: its usage rows and audit record are not shown to a reader who may not see the
    model, though the label alone would allow it."""
    await _ask(labelled, "nuc", "UNCLASSIFIED")
    services = labelled["services"]
    index = await services.audit.size() - 1
    await services.usage.flush()
    cui_auditor = await _user(labelled, "cui-aud-lab", "CUI", "auditor", "lab_admin")
    async with _client(labelled, cui_auditor) as c:
        r = await c.get("/v1/admin/usage", params={"group_by": "model", "since": "1d"})
        assert r.status_code == 200 and "nuc" not in r.text, r.text
        r = await c.get(f"/v1/audit/records/{index}")
        assert r.status_code == 404 and "nuc" not in r.text


async def test_the_review_queue_shows_flags_only_on_models_within_clearance(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """A flag on the SECRET//NUC model (user, category, decision) is that model's work: a
    reviewer not cleared for the model does not see it."""
    from labgate.safety.models import SafetyFlag

    services = labelled["services"]
    async with services.sessions.begin() as s:
        for model in ("nuc", "open"):
            s.add(
                SafetyFlag(
                    created_at=utcnow(),
                    request_id=f"req_{model}",
                    user_id="u",
                    lab="default",
                    model=model,
                    direction="input",
                    action="flag",
                    category="cbrn_nuclear",
                    score=0.9,
                    stage="head",
                    decision={},
                    status="open",
                )
            )
    cui_admin = await _user(labelled, "cui-reviewer", "CUI", "platform_admin")
    async with _client(labelled, cui_admin) as c:
        r = await c.get("/v1/safety/flags")
        assert r.status_code == 200, r.text
        assert [f["model"] for f in r.json()["data"]] == ["open"]
    async with _client(labelled, labelled["key"]) as c:
        r = await c.get("/v1/safety/flags")
        assert sorted(f["model"] for f in r.json()["data"]) == ["nuc", "open"]
