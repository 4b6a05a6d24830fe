"""WCAG 2.2 AA basics, checked by hand-written rules in Chromium on the chat page (with a
rendered answer, a refusal and the history) and on the console: text contrast (4.5:1, 3:1 for
large text), a name for every control, labelled charts, and keyboard use (skip link, focus
visible, the composer and its buttons reachable with Tab)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import WebGateway

pytestmark = [pytest.mark.browser, pytest.mark.store]

AUDIT = """() => {
  const lum = (rgb) => {
    const [r, g, b] = rgb.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const parse = (c) => { const m = c.match(/[\\d.]+/g) || []; return m.map(Number); };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const problems = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest(".katex, svg, .hljs, [aria-hidden=true]")) continue;
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    const rect = el.getBoundingClientRect();
    if (!own || rect.width === 0 || rect.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || el.closest("[hidden]")) continue;
    const fg = parse(style.color).slice(0, 3), bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    const disabled = el.closest("button:disabled, [aria-disabled=true]");
    if (!disabled && ratio < (large ? 3 : 4.5)) {
      const text = el.textContent.trim().slice(0, 30);
      problems.push(el.tagName + " '" + text + "' " + ratio.toFixed(2));
    }
  }
  for (const el of document.querySelectorAll("button, a[href], input, select, textarea")) {
    if (el.type === "hidden") continue;
    const named = el.getAttribute("aria-label") || el.textContent.trim()
      || (el.labels && el.labels.length) || el.title;
    if (!named) problems.push("no name: " + el.outerHTML.slice(0, 60));
  }
  for (const svg of document.querySelectorAll("svg[role=img]")) {
    if (!svg.getAttribute("aria-label")) problems.push("chart without a label");
  }
  return problems;
}"""


async def _check_keyboard(page: Any) -> None:
    await page.keyboard.press("Tab")
    focused = await page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    shadow = await page.evaluate("getComputedStyle(document.activeElement).boxShadow")
    assert outline != "none" or shadow != "none"  # focus is visible
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "main"


async def test_chat_and_console_meet_the_basics(web_gateway: WebGateway, page: Any) -> None:
    from playwright.async_api import expect

    await page.goto(web_gateway.url + "/")
    await _check_keyboard(page)
    await page.get_by_label("API key", exact=True).fill(web_gateway.key)
    await page.get_by_label("API key", exact=True).press("Enter")
    await expect(page.get_by_label("Model", exact=True)).to_have_value("fake")
    # keyboard only: from the message box, Tab reaches Attach and then Send
    prompt = page.get_by_label("Message", exact=True)
    await prompt.fill("What is $E=mc^2$? Use **Markdown** and `code`.")
    await prompt.press("Enter")
    await expect(page.locator(".message.assistant .message-tools button")).to_have_count(2)
    await page.get_by_label("Request label", exact=True).fill("TOP SECRET")
    await prompt.fill("refused")
    await prompt.press("Enter")
    await expect(page.locator(".refusal")).to_have_count(1)
    await prompt.focus()
    seen = []
    for _ in range(4):
        await page.keyboard.press("Tab")
        seen.append(await page.evaluate("document.activeElement.id"))
    assert "attach" in seen and "send" in seen
    assert await page.evaluate(AUDIT) == []

    await page.goto(web_gateway.url + "/console")
    await expect(page.locator("#usage-chart svg")).to_have_count(1)
    await expect(page.locator("#keys-table table")).to_have_count(1)
    assert await page.evaluate(AUDIT) == []

    # the rules do catch a failure: grey on white text is reported
    await page.evaluate("document.querySelector('.help').style.color = '#bbbbbb'")
    problems = await page.evaluate(AUDIT)
    assert len(problems) == 1 and problems[0].startswith("P ")
