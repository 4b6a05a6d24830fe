"""The console's safety review queue in Chromium: the most-seen order, Confirm / Dismiss on the
rows the gateway says the reader may decide (none for an auditor), the decision made through
``POST /v1/safety/flags/{id}/review`` with the reader's note, and the gateway's refusal shown
when someone else decided the row first."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from labgate.identity.principal import Principal
from labgate.safety.categories import Action, Category, Stage
from labgate.safety.decision import Decision
from labgate.safety.flags import FlagContext, record_decision
from labgate.safety.models import SafetyFlag
from tests.web.conftest import WebGateway
from tests.web.test_console import _auditor

pytestmark = [pytest.mark.browser, pytest.mark.store]


async def _flag(gw: WebGateway, lab: str, user: str, request_id: str, grouped: bool) -> int:
    decision = Decision(
        action=Action.FLAG,
        category=Category.CBRN_CHEMICAL,
        score=0.6,
        stage=Stage.CLASSIFIER,
        instructions_sha256="ef" * 32 if grouped else None,
    )
    context = FlagContext(request_id, Principal(user_id=user, lab=lab), "fake", "text")
    async with gw.services.sessions.begin() as s:
        row = await record_decision(s, decision, context)
        assert row is not None
        return int(row.id)


async def _row(gw: WebGateway, flag_id: int) -> SafetyFlag:
    async with gw.services.sessions() as s:
        row = await s.get(SafetyFlag, flag_id)
        assert row is not None
        return row


async def _sign_in(page: Any, key: str) -> None:
    await page.get_by_label("API key", exact=True).fill(key)
    await page.get_by_label("API key", exact=True).press("Enter")


async def test_reviewers_decide_flags_in_the_console(web_gateway: WebGateway, page: Any) -> None:
    from playwright.async_api import expect

    gw = web_gateway
    headers = {"Authorization": f"Bearer {gw.key}"}
    async with httpx.AsyncClient(base_url=gw.url, headers=headers) as admin:
        lab = (await admin.get("/v1/admin/whoami")).json()["lab"]
    group = 0
    for i in range(3):  # made first, seen three times
        group = await _flag(gw, lab, f"dev-{i}", f"req-group-{i}", grouped=True)
    one_off = await _flag(gw, lab, "someone", "req-one-off", grouped=False)
    stale = await _flag(gw, lab, "someone", "req-stale", grouped=False)

    await page.goto(gw.url + "/console")
    await _sign_in(page, gw.key)
    table = page.locator("#safety-table")
    rows = table.locator("tbody tr")
    await expect(rows).to_have_count(3)
    await expect(rows.first).to_contain_text("req-stale")  # latest activity first
    await page.get_by_label("Order").select_option("seen")
    await expect(rows.first).to_contain_text("3 times, 3 users")
    await expect(table.get_by_role("button", name=f"Confirm flag {group}")).to_be_visible()

    # dismiss the grouped row with a note: gone from the open queue, decided in the store
    await page.get_by_label("Note for your next decision (optional)").fill("the agent's prompt")
    await table.get_by_role("button", name=f"Dismiss flag {group}").click()
    await expect(page.locator("#safety-status")).to_have_text(f"Flag {group} dismissed.")
    await expect(rows).to_have_count(2)
    decided = await _row(gw, group)
    assert (decided.status, decided.review_note) == ("dismissed", "the agent's prompt")

    # decided behind the page's back: the click shows the gateway's 409, word for word
    async with httpx.AsyncClient(base_url=gw.url, headers=headers) as admin:
        r = await admin.post(f"/v1/safety/flags/{stale}/review", json={"status": "confirmed"})
        assert r.status_code == 200, r.text
    await table.get_by_role("button", name=f"Dismiss flag {stale}").click()
    await expect(page.locator("#safety-status")).to_contain_text(
        f"Not decided: /v1/safety/flags/{stale}/review: safety flag {stale} is already confirmed"
    )
    assert (await _row(gw, stale)).status == "confirmed"
    await expect(rows).to_have_count(1)

    # an auditor reads the queue and is offered no decision
    auditor = await _auditor(gw, "audra")
    await _sign_in(page, auditor)
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("req-one-off")
    await expect(table.get_by_role("button")).to_have_count(0)
    assert (await _row(gw, one_off)).status == "open"
