"""The pages in a real Chromium against the real gateway and a fake worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from labgate.testing.fake_worker import ANSWER, REASONING
from tests.conftest import REPO
from tests.support.servers import start_fake_worker
from tests.web.conftest import LABELS, WebGateway, web_gateway_for

pytestmark = pytest.mark.browser

RED = "rgb(200, 16, 46)"
PURPLE = "rgb(80, 43, 133)"
SCREENSHOT = REPO / ".data" / "web-chat.png"


async def _expect_banners(page: Any, text: str, colour: str) -> None:
    from playwright.async_api import expect

    for which in ("#banner-top", "#banner-bottom"):
        banner = page.locator(which)
        await expect(banner).to_have_text(text)
        await expect(banner).to_have_css("background-color", colour)


async def _enter_key(page: Any, key: str) -> None:
    from playwright.async_api import expect

    await page.get_by_label("API key", exact=True).fill(key)
    await page.get_by_label("API key", exact=True).press("Enter")
    await expect(page.get_by_label("Model", exact=True)).to_have_value("fake")


async def test_chat_streams_the_answer_under_banners_top_and_bottom(
    make_settings: Callable[..., Any], page: Any
) -> None:
    from playwright.async_api import expect

    slow = await start_fake_worker("fake", flags="think,delay=0.08")
    try:
        async with web_gateway_for(make_settings, slow, LABELS) as gw:
            await page.goto(gw.url + "/")
            await _expect_banners(page, "CUI", PURPLE)
            top = await page.locator("#banner-top").bounding_box()
            bottom = await page.locator("#banner-bottom").bounding_box()
            assert top["y"] == 0
            assert bottom["y"] + bottom["height"] == 800

            await _enter_key(page, gw.key)
            stored = await page.evaluate(
                "[sessionStorage.getItem('labgate.apiKey'), localStorage.length]"
            )
            assert stored == [gw.key, 0]
            await page.get_by_label("Message", exact=True).fill("What is the capital of France?")
            await page.get_by_label("Message", exact=True).press("Enter")

            answer = page.locator(".message.assistant .text")
            # Part of the answer is on screen before the rest has arrived: it streams.
            await page.wait_for_function(
                """(full) => {
                    const el = document.querySelector('.message.assistant .text');
                    return el && el.textContent.length > 0 && el.textContent !== full;
                }""",
                arg=ANSWER,
            )
            await expect(answer).to_have_text(ANSWER)
            await expect(page.locator(".message.user .text")).to_have_text(
                "What is the capital of France?"
            )
            reasoning = page.locator(".message.assistant details pre")
            await expect(reasoning).to_contain_text(REASONING.split(".")[0])
            await expect(page.locator(".message.assistant .label-tag")).to_contain_text("CUI")
            await _expect_banners(page, "CUI", PURPLE)
            await expect(page.locator("#chat-error")).to_be_hidden()
            await page.locator(".message.assistant summary").click()
            await expect(reasoning).to_be_visible()
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SCREENSHOT), full_page=False)
    finally:
        await slow.stop()


async def test_the_banner_shows_the_conversations_high_water_mark(
    web_gateway: WebGateway, page: Any
) -> None:
    """With the gateway sending X-Labgate-Label: the banner rises with a SECRET//NUC answer,
    stays up after a lower one, and comes down only with a new conversation."""
    from playwright.async_api import expect

    labels = ["SECRET//NUC", "UNCLASSIFIED"]

    async def label_answers(route: Any) -> None:
        response = await route.fetch()
        headers = {**response.headers, "x-labgate-label": labels.pop(0)}
        await route.fulfill(response=response, headers=headers)

    await page.route("**/v1/chat/completions", label_answers)
    await page.goto(web_gateway.url + "/")
    await _enter_key(page, web_gateway.key)
    prompt = page.get_by_label("Message", exact=True)

    await prompt.fill("first")
    await prompt.press("Enter")
    await expect(page.locator(".message.assistant .text").nth(0)).to_have_text(ANSWER)
    await _expect_banners(page, "SECRET//NUC", RED)
    await expect(page.locator(".message.assistant .label-tag").nth(0)).to_have_text("SECRET//NUC")

    await prompt.fill("second")
    await prompt.press("Enter")
    await expect(page.locator(".message.assistant .text").nth(1)).to_have_text(ANSWER)
    await expect(page.locator(".message.assistant .label-tag").nth(1)).to_have_text("UNCLASSIFIED")
    await _expect_banners(page, "SECRET//NUC", RED)

    await page.get_by_role("button", name="New conversation").click()
    await expect(page.locator(".message")).to_have_count(0)
    await _expect_banners(page, "CUI", PURPLE)


async def test_a_stated_label_is_sent_in_the_header(web_gateway: WebGateway, page: Any) -> None:
    from playwright.async_api import expect

    sent: list[str | None] = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.headers.get("x-labgate-label"))
            if request.url.endswith("/v1/chat/completions")
            else None
        ),
    )
    await page.goto(web_gateway.url + "/")
    await _enter_key(page, web_gateway.key)
    await page.get_by_label("Request label", exact=True).fill("secret//nuc")
    await page.get_by_label("Message", exact=True).fill("hello")
    await page.get_by_label("Message", exact=True).press("Enter")
    await expect(page.locator(".message.assistant .text")).to_have_text(ANSWER)
    assert sent == ["secret//nuc"]
    await _expect_banners(page, "SECRET//NUC", RED)


async def test_a_wrong_key_gets_a_clear_message(web_gateway: WebGateway, page: Any) -> None:
    from playwright.async_api import expect

    await page.goto(web_gateway.url + "/")
    await page.get_by_label("API key", exact=True).fill("lg-not-a-real-key")
    await page.get_by_role("button", name="Use key").click()
    error = page.get_by_role("alert")
    await expect(error).to_contain_text("the API key is not valid")
    await expect(page.get_by_label("Model", exact=True)).to_be_disabled()


async def test_the_workers_page_lists_each_models_workers(
    web_gateway: WebGateway, page: Any
) -> None:
    from playwright.async_api import expect

    await page.goto(web_gateway.url + "/admin")
    await _expect_banners(page, "CUI", PURPLE)
    await page.get_by_label("API key", exact=True).fill(web_gateway.key)
    await page.get_by_role("button", name="Use key").click()
    table = page.locator("table")
    await expect(table.locator("caption")).to_have_text("fake — 1 worker(s)")
    await expect(table.locator("tbody td.state-ready")).to_have_text("ready")
    await expect(table.locator("tbody")).to_contain_text(web_gateway.worker.base_url)
    await expect(page.locator("#summary")).to_contain_text("1 of 1 worker(s) ready")
    await expect(page.locator("#whoami")).to_contain_text("platform_admin")
    await page.screenshot(path=str(SCREENSHOT.with_name("web-admin.png")))
    # The key stays for the tab: a reload shows the workers again without asking.
    await page.reload()
    await expect(page.locator("table caption")).to_have_text("fake — 1 worker(s)")
