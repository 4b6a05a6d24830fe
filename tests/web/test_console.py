"""The console in Chromium: a usage chart drawn from real requests (with its table and CSV),
a key created and revoked through the admin API, the safety queue, and an audit record whose
inclusion proof the page checks against the latest checkpoint, whose Ed25519 signature the
page checks under the verifier key (tampered checkpoints, wrong keys and foreign proofs
fail)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from labgate.store.tenancy import User
from tests.conftest import REPO
from tests.web.conftest import WebGateway

pytestmark = [pytest.mark.browser, pytest.mark.store]


async def _auditor(gw: WebGateway, name: str) -> str:
    """An auditor with a key (the role set at the operator's hand: over the API a grant
    waits for a second platform administrator)."""
    headers = {"Authorization": f"Bearer {gw.key}"}
    async with httpx.AsyncClient(base_url=gw.url, headers=headers) as admin:
        me = (await admin.get("/v1/admin/whoami")).json()
        r = await admin.post("/v1/admin/users", json={"lab_id": me["lab"], "username": name})
        assert r.status_code == 201, r.text
        user_id = r.json()["id"]
        await admin.post("/v1/admin/projects/default/members", json={"user_id": user_id})
    async with gw.services.sessions.begin() as session:
        await session.execute(update(User).where(User.id == user_id).values(roles=["auditor"]))
    key, _ = await gw.services.keys.create(user_id, "default")
    return key


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
    # the checkpoint's Ed25519 signature, checked with WebCrypto under the gateway's key
    async with httpx.AsyncClient(base_url=web_gateway.url, headers=headers) as c:
        vkey = (await c.get("/v1/audit/verifier-key")).json()
    signature = page.locator("#checkpoint-verdict")
    await expect(signature).to_have_text(
        "Checkpoint signature valid (Ed25519, checked in this page) under key "
        f"{vkey['name']} (id {vkey['key_id']}, the key this gateway states (not an independent "
        "check))."
    )
    await page.screenshot(path=str(REPO / ".data" / "web-console.png"), full_page=True)

    # transcript access requests: the page shows them and their approval button, and the
    # API's two-person rule, word for word, when an approval is refused
    ann, bob = await _auditor(web_gateway, "ann"), await _auditor(web_gateway, "bob")
    async with httpx.AsyncClient(
        base_url=web_gateway.url, headers={"Authorization": f"Bearer {ann}"}
    ) as c:
        filed = await c.post(
            "/v1/audit/access-requests",
            json={"reason": "incident 42: check what was asked", "project": "default"},
        )
        assert filed.status_code == 201, filed.text
    for key, outcome, status in (
        (ann, "a different auditor must approve it", "pending"),
        # bob and ann were both made by the same administrator: not two people either
        (bob, "are not two people", "pending"),
    ):
        await page.get_by_label("API key", exact=True).fill(key)
        await page.get_by_label("API key", exact=True).press("Enter")
        request_row = page.locator("#access-table tr", has_text="incident 42")
        await expect(request_row.locator("td").nth(3)).to_have_text("pending")
        await request_row.get_by_role("button", name="Approve access request").click()
        await expect(page.locator("#access-status")).to_contain_text(outcome)
        await expect(request_row.locator("td").nth(3)).to_have_text(status)

    # the page really checks: a checkpoint with another root is not accepted
    async def other_root(route: Any) -> None:
        response = await route.fetch()
        lines = (await response.text()).split("\n")
        lines[2] = "A" * 43 + "="
        await route.fulfill(response=response, body="\n".join(lines))

    # a checkpoint whose proof checks out but which is not signed by the key the reader
    # pinned: a key of another name, then the same name with another key
    from labgate.audit.note import NoteSigner

    check = page.get_by_role("button", name="Show and check its proof")
    key_field = page.get_by_label("Verifier key of the log (as published to your oversight body)")
    for other, reason in (
        (NoteSigner.generate("elsewhere").verifier, "no signature by a key named elsewhere"),
        (NoteSigner.generate(vkey["name"]).verifier, "no signature with key id "),
    ):
        await key_field.fill(other.to_string())
        await check.click()
        await expect(signature).to_contain_text(
            f"Checkpoint signature NOT valid under key {other.name} (id {other.key_id.hex()}, "
            f"the key you gave): {reason}"
        )
        await expect(verdict).to_have_text(
            "Not verified: the checkpoint's signature is not valid, so its root proves nothing"
        )
    # the published key, pinned (kept in the browser), passes again
    await key_field.fill(vkey["key"])
    await check.click()
    await expect(signature).to_contain_text("Checkpoint signature valid (Ed25519")
    await expect(signature).to_contain_text(f"(id {vkey['key_id']}, the key you gave)")
    await expect(verdict).to_contain_text("Verified in this page")

    # the page really checks: a proof for another leaf (record and proof agreeing on it) does
    # not lead to the signed root
    async def other_leaf(route: Any) -> None:
        response = await route.fetch()
        body = await response.json()
        body["leaf_hash"] = "B" * 43 + "="
        await route.fulfill(response=response, json=body)

    await page.route("**/v1/audit/records/0", other_leaf)
    await page.route("**/v1/audit/proofs/inclusion*", other_leaf)
    await check.click()
    await expect(verdict).to_have_text(
        "Not verified: the proof does not lead to the checkpoint's root"
    )
    await expect(signature).to_contain_text("Checkpoint signature valid (Ed25519")
    await page.unroute("**/v1/audit/records/0")
    await page.unroute("**/v1/audit/proofs/inclusion*")

    # and a tampered checkpoint (another root) fails its signature: the page says so and
    # trusts nothing it states
    await page.route("**/v1/audit/checkpoint", other_root)
    await check.click()
    await expect(signature).to_have_text(
        f"Checkpoint signature NOT valid under key {vkey['name']} (id {vkey['key_id']}, the key "
        f"you gave): the signature by key {vkey['name']} does not match the checkpoint's text."
    )
    await expect(verdict).to_have_text(
        "Not verified: the checkpoint's signature is not valid, so its root proves nothing"
    )
    await page.screenshot(
        path=str(REPO / ".data" / "web-console-tampered-checkpoint.png"), full_page=True
    )
