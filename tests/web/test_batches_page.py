"""The batches page in a real Chromium against the real gateway and a fake worker: the caller's
batches only, request_counts as a progress bar, cancel, and the output and error files
downloaded as the API serves them."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from labgate.batch.runner import start_runner
from tests.api.test_responses_attacks import _user
from tests.web.conftest import WebGateway

pytestmark = pytest.mark.browser

PURPLE = "rgb(80, 43, 133)"  # CUI: the batches' label (the default request label)


def _jsonl(cids: list[str], model: str = "fake") -> bytes:
    return b"".join(
        orjson.dumps(
            {
                "custom_id": cid,
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {"model": model, "messages": [{"role": "user", "content": cid}]},
            }
        )
        + b"\n"
        for cid in cids
    )


async def _submit(gw: WebGateway, key: str, data: bytes) -> str:
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=gw.url, headers=headers, timeout=30) as c:
        f = await c.post("/v1/files", files={"file": ("in.jsonl", data)}, data={"purpose": "batch"})
        assert f.status_code == 200, f.text
        b = await c.post(
            "/v1/batches",
            json={
                "input_file_id": f.json()["id"],
                "endpoint": "/v1/chat/completions",
                "completion_window": "24h",
            },
        )
        assert b.status_code == 200, b.text
        return str(b.json()["id"])


async def _batch(gw: WebGateway, bid: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {gw.key}"}
    async with httpx.AsyncClient(base_url=gw.url, headers=headers, timeout=30) as c:
        r = await c.get(f"/v1/batches/{bid}")
        assert r.status_code == 200
        return dict(r.json())


async def _content(gw: WebGateway, fid: str) -> bytes:
    headers = {"Authorization": f"Bearer {gw.key}"}
    async with httpx.AsyncClient(base_url=gw.url, headers=headers, timeout=30) as c:
        return (await c.get(f"/v1/files/{fid}/content")).content


async def _until_done(gw: WebGateway, bid: str) -> dict[str, Any]:
    for _ in range(600):
        batch = await _batch(gw, bid)
        if batch["status"] in ("completed", "cancelled", "expired", "failed"):
            return batch
        await asyncio.sleep(0.05)
    raise AssertionError(f"batch {bid} did not end")


async def test_the_batches_page_shows_progress_cancels_and_downloads(
    web_gateway: WebGateway, page: Any
) -> None:
    from playwright.async_api import expect

    gw = web_gateway
    done_id = await _submit(gw, gw.key, _jsonl(["a", "b", "c"]) + _jsonl(["d"], model="nope"))
    done = await _until_done(gw, done_id)
    assert done["request_counts"] == {"total": 4, "completed": 3, "failed": 1}
    # another user's batch: never on this user's page
    other_id = await _submit(gw, await _user(gw.services), _jsonl(["x"]))
    # a batch that stays in progress: this replica's runner is stopped until it is cancelled
    services = gw.services
    (runner_task,) = [t for t in services.tasks if t.get_name() == "batch-runner"]
    runner_task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await runner_task
    held_id = await _submit(gw, gw.key, _jsonl(["p", "q"]))

    await page.goto(gw.url + "/batches")
    await expect(page.get_by_role("link", name="Batches")).to_have_attribute("aria-current", "page")
    await page.get_by_label("API key", exact=True).fill(gw.key)
    await page.get_by_role("button", name="Use key").click()
    done_row = page.locator(f'tr[data-batch-id="{done_id}"]')
    held_row = page.locator(f'tr[data-batch-id="{held_id}"]')
    await expect(done_row.locator(".status")).to_have_text("completed")
    await expect(done_row.locator(".progress-text")).to_have_text(" 4 of 4 done, 1 failed")
    bar = done_row.get_by_label(f"Progress of {done_id}")
    assert await bar.evaluate("b => [b.max, b.value]") == [4, 4]
    await expect(held_row.locator(".status")).to_have_text("in_progress")
    await expect(held_row.locator(".progress-text")).to_have_text(" 0 of 2 done")
    assert await held_row.get_by_label(f"Progress of {held_id}").evaluate(
        "b => [b.max, b.value]"
    ) == [2, 0]
    await expect(page.locator(f'tr[data-batch-id="{other_id}"]')).to_have_count(0)
    await expect(page.locator("#batches-summary")).to_have_text("2 batch(es), 1 running")
    await expect(done_row.locator(".label")).to_have_text("CUI")
    await expect(page.locator("#banner-top")).to_have_css("background-color", PURPLE)

    # the output and error files, downloaded as the API serves them
    for name, fid in (("output", done["output_file_id"]), ("errors", done["error_file_id"])):
        async with page.expect_download() as info:
            await done_row.get_by_label(f"Download the {name} of {done_id}").click()
        download = await info.value
        assert download.suggested_filename == f"{done_id}_{name}.jsonl"
        got = Path(await download.path()).read_bytes()
        assert got == await _content(gw, fid)
    output = [orjson.loads(x) for x in (await _content(gw, done["output_file_id"])).splitlines()]
    assert sorted(r["custom_id"] for r in output) == ["a", "b", "c"]
    await expect(done_row.get_by_role("button", name=f"Cancel {done_id}")).to_have_count(0)

    # cancel: the page polls while a batch runs, so it follows the batch to cancelled
    await held_row.get_by_role("button", name=f"Cancel {held_id}").click()
    await expect(held_row.locator(".status")).to_have_text("cancelling")
    services.tasks.append(await start_runner(services))  # a runner again: it finalizes
    await expect(held_row.locator(".status")).to_have_text("cancelled", timeout=20000)
    await expect(held_row.get_by_role("button", name=f"Cancel {held_id}")).to_have_count(0)
    assert (await _batch(gw, held_id))["status"] == "cancelled"
    await expect(page.locator("#batches-summary")).to_have_text("2 batch(es), 0 running")
    await expect(page.locator("#batches-error")).to_be_hidden()


async def test_the_batches_page_without_credentials_asks_for_a_key(
    web_gateway: WebGateway, page: Any
) -> None:
    from playwright.async_api import expect

    await page.goto(web_gateway.url + "/batches")
    await expect(page.locator("#key-status")).to_contain_text("No key yet")
    await expect(page.locator("#batches-table")).to_be_hidden()
    await page.get_by_label("API key", exact=True).fill("lg-wrong")
    await page.get_by_role("button", name="Use key").click()
    await expect(page.locator("#batches-error")).to_be_visible()
