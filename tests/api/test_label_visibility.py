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
    lab_admin = await _user(labelled, "open-admin", "UNCLASSIFIED", "lab_admin")
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
