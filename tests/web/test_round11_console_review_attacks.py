"""Round eleven insider attacks on the console's safety queue (``console-safety.js``) in
Chromium: script and markup in a reviewer's note typed into the page, and in the comment of a
"wrongly refused" report an ordinary user files, must never run or become markup, and a note
shaped to break out of the JSON body must not change the decision the reviewer clicked."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from labgate.identity.principal import Principal
from labgate.safety.categories import Action, Category, Stage
from labgate.safety.decision import Decision
from labgate.safety.flags import FlagContext, record_decision
from labgate.safety.reports import file_report
from tests.web.conftest import WebGateway
from tests.web.test_console_review import _flag, _row, _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.store]

HOSTILE = (
    '<img src=x onerror="window.__pwned=1;alert(1)">'
    '"}, "status": "confirmed", "x": {"'
    "<script>window.__pwned=2</script>"
)


async def _report(gw: WebGateway, lab: str, comment: str) -> int:
    """A block on a user's request and that user's 'wrongly refused' report carrying
    ``comment``, as ``POST /v1/safety/reports`` files it."""
    user = Principal(user_id="reporter", lab=lab, project="default")
    block = Decision(
        action=Action.BLOCK, category=Category.CBRN_CHEMICAL, score=0.9, stage=Stage.CLASSIFIER
    )
    async with gw.services.sessions.begin() as s:
        await record_decision(s, block, FlagContext("req-blocked", user, "fake", "text"))
        filed = await file_report(s, user, "req-blocked", comment)
        return int(filed.row.id)


async def test_hostile_notes_and_report_comments_stay_text_in_the_console(
    web_gateway: WebGateway, page: Any
) -> None:
    from playwright.async_api import expect

    gw = web_gateway
    dialogs: list[str] = []

    async def on_dialog(dialog: Any) -> None:  # an alert() from injected script lands here
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    headers = {"Authorization": f"Bearer {gw.key}"}
    async with httpx.AsyncClient(base_url=gw.url, headers=headers) as admin:
        lab = (await admin.get("/v1/admin/whoami")).json()["lab"]
    target = await _flag(gw, lab, "someone", "req-target", grouped=False)
    report = await _report(gw, lab, HOSTILE)

    await page.goto(gw.url + "/console")
    await _sign_in(page, gw.key)
    table = page.locator("#safety-table")
    await expect(table.locator("tbody tr")).to_have_count(3)  # the flag, the block, the report
    await page.get_by_label("Note for your next decision (optional)").fill(HOSTILE)
    await table.get_by_role("button", name=f"Dismiss flag {target}").click()
    await expect(page.locator("#safety-status")).to_have_text(f"Flag {target} dismissed.")
    decided = await _row(gw, target)
    assert (decided.status, decided.review_note) == ("dismissed", HOSTILE)

    # the report's row is listed and decided like any other; its comment never became markup
    await table.get_by_role("button", name=f"Confirm flag {report}").click()
    await expect(page.locator("#safety-status")).to_have_text(f"Flag {report} confirmed.")
    assert dialogs == []
    assert await page.evaluate("window.__pwned") is None
    assert (
        await page.locator("#safety-table img, #safety-status img, script:not([src])").count() == 0
    )
