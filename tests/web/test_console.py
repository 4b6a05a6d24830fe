"""The console in Chromium: a usage chart drawn from real requests (with its table and CSV),
a key created and revoked through the admin API, the safety queue, and an audit record whose
inclusion proof the page checks against the latest checkpoint."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.conftest import REPO
from tests.web.conftest import WebGateway

pytestmark = [pytest.mark.browser, pytest.mark.store]


async def test_usage_keys_and_an_audit_proof_in_the_console(
    web_gateway: WebGateway, page: Any
) -> None:
    from playwright.async_api import expect

    headers = {"Authorization": f"Bearer {web_gateway.key}"}
    async with httpx.AsyncClient(base_url=web_gateway.url, headers=headers, timeout=30) as c:
        for text in ("one", "two", "three"):
            r = await c.post(
                "/v1/chat/completions",
                json={"model": "fake", "messages": [{"role": "user", "content": text}]},
            )
            assert r.status_code == 200
        for _ in range(50):  # usage rows are written in batches, off the request path
            usage = (await c.get("/v1/admin/usage", params={"group_by": "model"})).json()
            if usage["rows"] and usage["rows"][0]["requests"] >= 3:
                break
            await asyncio.sleep(0.2)
    fake = next(row for row in usage["rows"] if row["model"] == "fake")
    assert fake["requests"] >= 3

    await page.goto(web_gateway.url + "/console")
    await page.get_by_label("API key", exact=True).fill(web_gateway.key)
    await page.get_by_label("API key", exact=True).press("Enter")

    # the chart and table come from the same API the test read
    chart = page.locator("#usage-chart svg")
    await expect(chart).to_have_attribute("aria-label", "Tokens by model")
    bar = chart.locator("rect")
    await expect(bar).to_have_count(len(usage["rows"]))
    await expect(bar.first.locator("title")).to_have_text(
        f"fake: {fake['prompt_tokens'] + fake['completion_tokens']}"
    )
    await expect(page.locator("#usage-daily svg rect")).to_have_count(7)
    row = page.locator("#usage-table tr", has_text="fake")
    await expect(row.locator("td").nth(1)).to_have_text(str(fake["requests"]))
    async with page.expect_download() as download:
        await page.get_by_role("button", name="Export CSV").click()
    csv_path = await (await download.value).path()
    assert "fake," in open(csv_path).read()

    # a key created and revoked
    await page.get_by_label("Name of a new key (yours, in your project)").fill("console-key")
    await page.get_by_role("button", name="Create key").click()
    await expect(page.locator("#new-key")).to_contain_text("New key (shown once")
    key_row = page.locator("#keys-table tr", has_text="console-key")
    await expect(key_row.locator("td").nth(3)).to_have_text("active")
    await key_row.get_by_role("button", name="Revoke key console-key").click()
    await expect(key_row.locator("td").nth(3)).to_have_text("revoked")
    async with httpx.AsyncClient(base_url=web_gateway.url, headers=headers) as c:
        keys = (await c.get("/v1/admin/keys")).json()["data"]
    assert [k["status"] for k in keys if k["name"] == "console-key"] == ["revoked"]

    # an audit record with its inclusion proof, checked in the page
    verdict = page.locator("#audit-verdict")
    for _ in range(30):  # the first checkpoint is signed within seconds of the first record
        await page.get_by_role("button", name="Show and check its proof").click()
        await expect(verdict).not_to_have_text("Checking…")
        if "Verified" in (await verdict.inner_text()):
            break
        await page.wait_for_timeout(500)
    await expect(verdict).to_contain_text("Verified in this page: record 0 is in the log of")
    await expect(page.locator("#audit-record")).to_contain_text('"')
    await page.screenshot(path=str(REPO / ".data" / "web-console.png"), full_page=True)

    # the page really checks: a checkpoint with another root is not accepted
    async def other_root(route: Any) -> None:
        response = await route.fetch()
        lines = (await response.text()).split("\n")
        lines[2] = "A" * 43 + "="
        await route.fulfill(response=response, body="\n".join(lines))

    await page.route("**/v1/audit/checkpoint", other_root)
    await page.get_by_role("button", name="Show and check its proof").click()
    await expect(verdict).to_have_text(
        "Not verified: the proof does not lead to the checkpoint's root"
    )
