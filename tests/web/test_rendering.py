"""The chat page renders a model's answer as a scientist reads it: Markdown, highlighted code
and LaTeX maths, streamed, sanitised, with every asset served by labgate (no CDN)."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import REPO
from tests.support.servers import start_fake_worker
from tests.web.conftest import LABELS, WebGateway, web_gateway_for

SCREENSHOT = REPO / ".data" / "web-chat-rendered.png"
VENDOR = REPO / "src" / "labgate" / "web" / "static" / "vendor"

ANSWER_MD = r"""## Energy of a photon

The energy is **proportional** to frequency: $E = h\nu$, and for a wavelength

$$E = \frac{hc}{\lambda}$$

```python
def photon_energy(wavelength_m):
    return 6.626e-34 * 2.998e8 / wavelength_m
```

- inline code keeps its dollars: `cost = $5`
- a table:

| unit | value |
|------|-------|
| eV   | 1.6e-19 J |

<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>

[a link](javascript:window.__pwned=3) and [the docs](https://example.org/x)
"""


def test_the_vendored_files_match_their_pinned_digests() -> None:
    """What is served is what scripts/vendor-web.sh fetched and checked (SHA256SUMS), and
    each library's licence is listed."""
    sums = (VENDOR / "SHA256SUMS").read_text().splitlines()
    assert len(sums) >= 30
    for line in sums:
        digest, name = line.split(maxsplit=1)
        path = VENDOR / name.removeprefix("./")
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, name
    licences = (VENDOR / "LICENSES").read_text()
    for lib in ("marked@", "dompurify@", "@highlightjs/cdn-assets@", "katex@"):
        assert lib in licences
    for folder in ("marked", "dompurify", "highlight", "katex"):
        assert (VENDOR / folder / "LICENSE").stat().st_size > 500
    check = subprocess.run(
        ["bash", str(REPO / "scripts" / "vendor-web.sh"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr


async def test_every_vendored_asset_is_served_from_labgate(web_gateway: WebGateway) -> None:
    async with web_gateway.client() as client:
        page = (await client.get("/")).text
        for ref in (
            "/web/static/vendor/marked/marked.min.js",
            "/web/static/vendor/dompurify/purify.min.js",
            "/web/static/vendor/katex/katex.min.js",
            "/web/static/vendor/katex/katex.min.css",
            "/web/static/vendor/highlight/highlight.min.js",
            "/web/static/render.js",
        ):
            assert ref + "?v=" in page
            resp = await client.get(ref)
            assert resp.status_code == 200, ref
        font = await client.get("/web/static/vendor/katex/fonts/KaTeX_Main-Regular.woff2")
        assert font.status_code == 200
        assert font.headers["content-type"] == "font/woff2"
        assert "http://" not in page and "https://" not in page  # nothing from elsewhere
        missing = await client.get("/web/static/vendor/../routes.py")
        assert missing.status_code == 404


@pytest.mark.browser
async def test_a_streamed_answer_is_rendered_as_markdown_code_and_maths(
    make_settings: Callable[..., Any], page: Any
) -> None:
    from playwright.async_api import expect

    worker = await start_fake_worker("fake", flags="echo,delay=0.01")
    try:
        async with web_gateway_for(make_settings, worker, LABELS) as gw:
            origins: set[str] = set()
            failed: list[str] = []
            page.on("request", lambda r: origins.add(httpx.URL(r.url).host or r.url[:10]))
            page.on("requestfailed", lambda r: failed.append(r.url))
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto(gw.url + "/")
            await page.get_by_label("API key", exact=True).fill(gw.key)
            await page.get_by_label("API key", exact=True).press("Enter")
            await expect(page.get_by_label("Model", exact=True)).to_have_value("fake")
            prompt = page.get_by_label("Message", exact=True)
            await prompt.fill(ANSWER_MD)
            await page.get_by_role("button", name="Send").click()

            answer = page.locator(".message.assistant .text")
            # streamed: the heading is on screen before the last line has arrived
            await expect(answer.locator("h2")).to_have_text("Energy of a photon")
            assert "the docs" not in await answer.inner_text()
            # the end of the stream: the answer's tools (copy, retry) appear
            await expect(page.locator(".message.assistant .message-tools button")).to_have_count(2)
            await expect(answer.locator("h2")).to_have_text("Energy of a photon")
            await expect(answer.locator("strong")).to_have_text("proportional")
            # maths: one inline, one display, laid out by KaTeX (with its MathML for readers)
            await expect(answer.locator(".katex-display")).to_have_count(1)
            await expect(answer.locator(".katex")).to_have_count(2)
            await expect(answer.locator("math")).to_have_count(2)
            # code: highlighted, its text intact; dollars in code are not maths
            code = answer.locator("pre code")
            await expect(code).to_contain_text("def photon_energy(wavelength_m):")
            await expect(code.locator(".hljs-keyword").first).to_have_text("def")
            await expect(answer.locator("li code")).to_have_text("cost = $5")
            await expect(answer.locator("table td").first).to_have_text("eV")
            # sanitised: raw HTML is text, scripts never run, javascript: links are dropped
            await expect(answer.locator("img")).to_have_count(0)
            await expect(answer.locator("script")).to_have_count(0)
            await expect(answer).to_contain_text('<img src=x onerror="window.__pwned=1">')
            assert await page.evaluate("window.__pwned") is None
            hrefs = await answer.locator("a").evaluate_all("els => els.map(a => a.href)")
            assert [h for h in hrefs if h] == ["https://example.org/x"]  # javascript: dropped
            rel = await answer.locator("a[href]").get_attribute("rel")
            assert rel is not None and "noopener" in rel
            # KaTeX's own fonts were fetched from labgate and used
            assert await page.evaluate("document.fonts.check('16px KaTeX_Main')")
            # the message's label tag is coloured as its banner
            tag = page.locator(".message.assistant .label-tag")
            await expect(tag).to_have_text("CUI")
            await expect(tag).to_have_css("background-color", "rgb(80, 43, 133)")
            await expect(page.locator(".message.assistant .message-tools button")).to_have_count(2)
            await expect(page.locator("#chat-error")).to_be_hidden()
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SCREENSHOT), full_page=True)
            host = httpx.URL(gw.url).host
            assert origins <= {host}, origins  # every request went to labgate only
            assert failed == [] and errors == []
    finally:
        await worker.stop()


@pytest.mark.browser
async def test_a_conversation_is_found_again_after_a_reload(
    web_gateway: WebGateway, page: Any
) -> None:
    from playwright.async_api import expect

    await page.goto(web_gateway.url + "/")
    await page.get_by_label("API key", exact=True).fill(web_gateway.key)
    await page.get_by_label("API key", exact=True).press("Enter")
    await expect(page.get_by_label("Model", exact=True)).to_have_value("fake")
    await page.get_by_label("Request label", exact=True).fill("SECRET")
    await page.get_by_label("Message", exact=True).fill("Half-life of tritium?")
    await page.get_by_label("Message", exact=True).press("Enter")
    await expect(page.locator(".message.assistant .message-tools button")).to_have_count(2)
    await expect(page.locator("#history-list li")).to_have_count(1)

    await page.reload()  # the key stays in the tab; the conversation is on the server
    entry = page.locator("#history-list li")
    await expect(
        entry.get_by_role("button", name="Half-life of tritium?", exact=True)
    ).to_be_visible()
    await expect(entry.locator(".label-tag")).to_have_text("SECRET")
    await page.get_by_label("Search titles").fill("plutonium")
    await expect(entry).to_have_count(0)
    await page.get_by_label("Search titles").fill("tritium")
    await expect(entry).to_have_count(1)
    await entry.get_by_role("button", name="Half-life of tritium?", exact=True).click()
    await expect(page.locator(".message.user .text")).to_have_text("Half-life of tritium?")
    await expect(page.locator(".message.assistant .text")).to_contain_text("Paris")
    await expect(page.locator("#banner-top")).to_have_text("SECRET")
    await page.screenshot(path=str(REPO / ".data" / "web-chat-history.png"))
    await entry.get_by_role("button", name="Delete conversation Half-life of tritium?").click()
    await expect(entry).to_have_count(0)
