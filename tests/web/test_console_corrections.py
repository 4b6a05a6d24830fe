"""The console's safety queue in Chromium: the note box is emptied after every answer (a note
typed for a decision that got 409 never rides along on the next row's), and the outcome is named;
a decided row offers "Correct" to a second reviewer allowed to decide it (not to its decider, nor
to an auditor), with a reason box, and the correction supersedes the decision on record."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import update

from labgate.safety.models import SafetyFlagDecision
from labgate.store.tenancy import User
from tests.web.conftest import WebGateway
from tests.web.test_console import _auditor
from tests.web.test_console_review import _flag, _row, _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.store]


async def _lab_admin(gw: WebGateway, name: str) -> tuple[str, str]:
    """A lab admin of the gateway's lab with a key: (user id, key)."""
    headers = {"Authorization": f"Bearer {gw.key}"}
    async with httpx.AsyncClient(base_url=gw.url, headers=headers) as admin:
        me = (await admin.get("/v1/admin/whoami")).json()
        r = await admin.post("/v1/admin/users", json={"lab_id": me["lab"], "username": name})
        assert r.status_code == 201, r.text
        user_id = r.json()["id"]
        await admin.post("/v1/admin/projects/default/members", json={"user_id": user_id})
    async with gw.services.sessions.begin() as session:
        await session.execute(update(User).where(User.id == user_id).values(roles=["lab_admin"]))
    key, _ = await gw.services.keys.create(user_id, "default")
    return user_id, key


async def _history(gw: WebGateway, flag_id: int) -> list[tuple[str, str | None, int | None]]:
    from sqlalchemy import select

    async with gw.services.sessions() as s:
        rows = (
            await s.execute(
                select(SafetyFlagDecision)
                .where(SafetyFlagDecision.flag_id == flag_id)
                .order_by(SafetyFlagDecision.id)
            )
        ).scalars()
        return [(d.status, d.note, d.supersedes) for d in rows]


async def test_the_note_box_is_emptied_after_a_409_and_the_outcome_named(
    web_gateway: WebGateway, page: Any
) -> None:
    from playwright.async_api import expect

    gw = web_gateway
    headers = {"Authorization": f"Bearer {gw.key}"}
    async with httpx.AsyncClient(base_url=gw.url, headers=headers) as admin:
        lab = (await admin.get("/v1/admin/whoami")).json()["lab"]
    stale = await _flag(gw, lab, "someone", "req-stale", grouped=False)
    nxt = await _flag(gw, lab, "someone", "req-next", grouped=False)

    await page.goto(gw.url + "/console")
    await _sign_in(page, gw.key)
    table = page.locator("#safety-table")
    await expect(table.locator("tbody tr")).to_have_count(2)
    async with httpx.AsyncClient(base_url=gw.url, headers=headers) as admin:
        r = await admin.post(f"/v1/safety/flags/{stale}/review", json={"status": "confirmed"})
        assert r.status_code == 200, r.text
    note = page.get_by_label("Note for your next decision (optional)")
    await note.fill("meant for req-stale only")
    await table.get_by_role("button", name=f"Dismiss flag {stale}").click()
    status = page.locator("#safety-status")
    await expect(status).to_contain_text(f"Not decided: /v1/safety/flags/{stale}/review")
    await expect(status).to_contain_text("already confirmed")
    await expect(note).to_have_value("")
    # the next row's decision carries no note typed for the other row
    await table.get_by_role("button", name=f"Dismiss flag {nxt}").click()
    await expect(status).to_have_text(f"Flag {nxt} dismissed.")
    assert (await _row(gw, nxt)).review_note is None
    await expect(note).to_have_value("")


async def test_a_second_reviewer_corrects_a_decision_with_a_reason(
    web_gateway: WebGateway, page: Any
) -> None:
    from playwright.async_api import expect

    gw = web_gateway
    decider_id, decider = await _lab_admin(gw, "first-reviewer")
    headers = {"Authorization": f"Bearer {decider}"}
    async with httpx.AsyncClient(base_url=gw.url, headers=headers) as c:
        lab = (await c.get("/v1/admin/whoami")).json()["lab"]
        flag_id = await _flag(gw, lab, "someone", "req-misclick", grouped=False)
        r = await c.post(
            f"/v1/safety/flags/{flag_id}/review", json={"status": "dismissed", "note": "fine"}
        )
        assert r.status_code == 200, r.text
        first = r.json()["decision_id"]

    # the decider is offered no correction of their own decision
    await page.goto(gw.url + "/console")
    await _sign_in(page, decider)
    await page.get_by_label("Show").select_option("all")
    table = page.locator("#safety-table")
    await expect(table.locator("tbody tr")).to_have_count(1)
    await expect(table.locator("tbody tr").first).to_contain_text(f"dismissed by {decider_id}")
    await expect(table.get_by_role("button")).to_have_count(0)

    # an auditor neither
    await _sign_in(page, await _auditor(gw, "audra"))
    await page.get_by_label("Show").select_option("all")
    await expect(table.locator("tbody tr")).to_have_count(1)
    await expect(table.get_by_role("button")).to_have_count(0)

    # a second reviewer corrects it: a reason is required
    await _sign_in(page, gw.key)
    await page.get_by_label("Show").select_option("all")
    await table.get_by_role("button", name=f"Correct flag {flag_id}").click()
    reason = page.get_by_label("Reason for the correction (required)")
    await expect(reason).to_be_visible()
    await page.get_by_label("Corrected decision").select_option("confirmed")
    await page.get_by_role("button", name="Save correction").click()
    assert (await _row(gw, flag_id)).status == "dismissed"  # refused in the page: no reason
    await reason.fill("misclick: a real synthesis request")
    await page.get_by_role("button", name="Save correction").click()
    status = page.locator("#safety-status")
    await expect(status).to_have_text(f"Flag {flag_id} corrected: confirmed.")
    await expect(reason).to_be_hidden()
    row = await _row(gw, flag_id)
    assert (row.status, row.review_note) == ("confirmed", "misclick: a real synthesis request")
    assert row.reviewed_by != decider_id
    history = await _history(gw, flag_id)
    assert history == [
        ("dismissed", "fine", None),
        ("confirmed", "misclick: a real synthesis request", first),
    ]
    # its corrector may not correct it again; the page says who decided what
    await expect(table.locator("tbody tr").first).to_contain_text("supersedes")
    await expect(table.get_by_role("button", name=f"Correct flag {flag_id}")).to_have_count(0)


async def test_a_stale_correction_names_the_409_and_empties_the_reason(
    web_gateway: WebGateway, page: Any
) -> None:
    from playwright.async_api import expect

    gw = web_gateway
    _, decider = await _lab_admin(gw, "first-reviewer")
    _, other = await _lab_admin(gw, "other-reviewer")
    async with httpx.AsyncClient(
        base_url=gw.url, headers={"Authorization": f"Bearer {decider}"}
    ) as c:
        lab = (await c.get("/v1/admin/whoami")).json()["lab"]
        flag_id = await _flag(gw, lab, "someone", "req-x", grouped=False)
        first = (
            await c.post(f"/v1/safety/flags/{flag_id}/review", json={"status": "dismissed"})
        ).json()["decision_id"]
    await page.goto(gw.url + "/console")
    await _sign_in(page, gw.key)
    await page.get_by_label("Show").select_option("all")
    table = page.locator("#safety-table")
    await table.get_by_role("button", name=f"Correct flag {flag_id}").click()
    # corrected behind the page's back
    async with httpx.AsyncClient(
        base_url=gw.url, headers={"Authorization": f"Bearer {other}"}
    ) as c:
        r = await c.post(
            f"/v1/safety/flags/{flag_id}/review",
            json={"status": "confirmed", "note": "real", "supersedes": first},
        )
        assert r.status_code == 200, r.text
    reason = page.get_by_label("Reason for the correction (required)")
    await reason.fill("my reason for the old decision")
    await page.get_by_role("button", name="Save correction").click()
    status = page.locator("#safety-status")
    await expect(status).to_contain_text(f"Not corrected: /v1/safety/flags/{flag_id}/review")
    await expect(status).to_contain_text("superseded")
    await expect(reason).to_be_hidden()
    await expect(page.get_by_label("Note for your next decision (optional)")).to_have_value("")
    assert [h[0] for h in await _history(gw, flag_id)] == ["dismissed", "confirmed"]
