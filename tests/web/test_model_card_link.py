"""The chat page's model picker links the picked model's card (issue 23: "the web pages link it
next to the model picker"), opened read-only in a new tab with the user's own credentials: the
key this tab holds (never put into a URL), or the signed-in session's cookie. In a real
Chromium against the real gateway."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from labgate.identity.keys import new_id
from tests.approval.test_gate_labels import DIGEST, approve_row
from tests.identity.issuer import LoopbackIssuer
from tests.support.servers import start_fake_worker
from tests.web.conftest import web_gateway_for
from tests.web.test_signin import _add_to_project, idp, signin_gateway  # noqa: F401

pytestmark = pytest.mark.browser


async def _open_card(page: Any) -> Any:
    """Click the card link; the new tab, loaded."""
    from playwright.async_api import expect

    link = page.locator("#model-card")
    await expect(link).to_be_visible()
    await expect(link).to_have_text("Model card: fake")
    await expect(link).to_have_attribute("href", "/v1/model-cards/fake")
    await expect(link).to_have_attribute("target", "_blank")
    async with page.context.expect_page() as opened:
        await link.click()
    card = await opened.value
    await expect(card.locator("#card-title")).to_contain_text("Model card: fake")
    await expect(card.locator("#card-digest")).to_have_text(DIGEST)
    assert await card.locator("script, form, input").count() == 0  # read-only
    return card


async def test_the_picker_links_the_card_opened_with_the_tabs_key(
    make_settings: Callable[..., Any], page: Any
) -> None:
    from playwright.async_api import expect

    worker = await start_fake_worker("fake")
    try:
        async with web_gateway_for(make_settings, worker, None) as gw:
            await approve_row(gw.services, "fake", None, DIGEST)
            await page.goto(gw.url + "/")
            await expect(page.locator("#model-card")).to_be_hidden()  # no model yet
            await page.get_by_label("API key", exact=True).fill(gw.key)
            await page.get_by_label("API key", exact=True).press("Enter")
            await expect(page.get_by_label("Model", exact=True)).to_have_value("fake")
            card = await _open_card(page)
            assert card.url.startswith("blob:" + gw.url)  # the copy fetched with the key
            assert gw.key not in card.url
            await expect(page.locator("#chat-error")).to_be_hidden()
            # the card route itself still wants credentials: a bare navigation is a 401
            bare = await page.context.new_page()
            answer = await bare.goto(gw.url + "/v1/model-cards/fake")
            assert answer is not None and answer.status == 401
    finally:
        await worker.stop()


async def test_the_picker_links_the_card_opened_with_the_session(
    signin_gateway: tuple[str, Any],  # noqa: F811
    idp: LoopbackIssuer,  # noqa: F811
    page: Any,
) -> None:
    from playwright.async_api import expect

    url, app = signin_gateway
    async with httpx.AsyncClient(base_url=url) as c:  # alice exists, then joins a project
        await c.get(
            "/v1/models", headers={"Authorization": f"Bearer {idp.mint(**idp.login_claims)}"}
        )
    await _add_to_project(url, app, "alice-sub")
    await approve_row(app.state.services, "fake", None, DIGEST)
    await page.goto(url + "/")
    await page.get_by_role("link", name="Sign in with default").click()
    await expect(page.locator("#signed-in-as")).to_contain_text("Alice")
    await expect(page.get_by_label("Model", exact=True)).to_have_value("fake")
    card = await _open_card(page)
    assert card.url == url + "/v1/model-cards/fake"  # the tab's own GET, with the cookie
    # the cookie reads a card, never more: a model nobody approved has none
    other = await card.context.new_page()
    answer = await other.goto(url + f"/v1/model-cards/{new_id()}")
    assert answer is not None and answer.status == 404
