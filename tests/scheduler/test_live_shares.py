"""A share changed through the admin API applies on every replica without a restart (issue 27).

Two gateways share one database. The share is changed through one replica's admin API; the
other's fair-share tree (``GET /v1/admin/scheduler``) must show it, and so must the first's."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from labgate.app import create_app
from tests.support.servers import RunningWorker, serve_app

pytestmark = pytest.mark.store


async def _lab_share(client: httpx.AsyncClient, lab: str) -> float | None:
    body = (await client.get("/v1/admin/scheduler")).json()
    for pool in body["pools"].values():
        for node in pool["labs"]:
            if node["name"] == lab:
                return float(node["share"])
    return None


async def _until_share(client: httpx.AsyncClient, lab: str, share: float) -> float | None:
    seen = None
    for _ in range(100):  # bounded: the refresh runs every 0.2 s in this test
        seen = await _lab_share(client, lab)
        if seen == share:
            break
        await asyncio.sleep(0.1)
    return seen


async def test_share_changed_on_one_replica_applies_on_both(
    make_settings: Callable[..., Any], fake_worker: RunningWorker
) -> None:
    settings = make_settings(
        [{"name": "fake", "workers": [fake_worker.base_url]}],
        scheduler={"share_refresh_s": 0.2},
    )
    first, second = create_app(settings), create_app(settings)
    async with serve_app(first) as url_a:
        key = first.state.services.bootstrap.admin_key
        assert key
        async with serve_app(second) as url_b:
            headers = {"Authorization": f"Bearer {key}"}
            async with (
                httpx.AsyncClient(base_url=url_a, headers=headers, timeout=30) as a,
                httpx.AsyncClient(base_url=url_b, headers=headers, timeout=30) as b,
            ):
                # one request through each replica puts the admin's lab into both trees
                for client in (a, b):
                    answer = await client.post(
                        "/v1/chat/completions",
                        json={"model": "fake", "messages": [{"role": "user", "content": "hi"}]},
                    )
                    assert answer.status_code == 200, answer.text
                me = (await a.get("/v1/admin/scheduler")).json()
                lab = next(iter(me["pools"].values()))["labs"][0]["name"]
                before = await _lab_share(b, lab)
                assert before is not None and before != 7.0

                changed = await a.patch(f"/v1/admin/labs/{lab}", json={"share": 7})
                assert changed.status_code == 200, changed.text

                assert await _until_share(b, lab, 7.0) == 7.0  # the other replica
                assert await _until_share(a, lab, 7.0) == 7.0  # and the one that changed it
