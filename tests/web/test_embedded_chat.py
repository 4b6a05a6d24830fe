"""End to end in a real Chromium with the EMBEDDED model (llama.cpp, Gemma 3 270M): a scientist
signs in through the lab's identity provider (a test OIDC issuer), chats, sees the answer stream
in and rendered as Markdown, reloads the page and finds the conversation, still signed in.

The page sends no ``max_tokens``; the test adds ``max_tokens`` and ``temperature: 0`` to its
chat request on the way out (Playwright's request routing, the response still streamed from the
network), so it costs what the other embedded tests cost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select

from labgate.app import create_app
from labgate.store.tenancy import User
from tests.conftest import REPO
from tests.identity.issuer import LoopbackIssuer
from tests.support.servers import serve_app

pytestmark = [pytest.mark.slow, pytest.mark.browser]

MODEL = "gemma-3-270m"
MAX_TOKENS = 32
SCREENSHOT = REPO / ".data" / "web-embedded-chat.png"
PROMPT = "Say: `x = 1`"  # Gemma 3 270M at temperature 0 answers with the code span (Markdown)


def _model_file() -> Any:
    from labgate.worker.model_files import packaged_gguf

    return packaged_gguf(REPO / ".data" / "test-models")


@pytest.fixture
async def idp() -> AsyncIterator[LoopbackIssuer]:
    async with LoopbackIssuer() as issuer:
        yield issuer


@pytest.fixture
async def embedded_gateway(
    make_settings: Callable[..., Any], idp: LoopbackIssuer
) -> AsyncIterator[tuple[str, Any]]:
    settings = make_settings(
        [],
        embedded={
            "enabled": True,
            "model_path": str(_model_file()),
            "threads": 2,
            "embedding_model_name": None,  # the chat model alone: one llama.cpp process
        },
        oidc={"issuers": [idp.config("default", provisioning="auto", allow_http=True)]},
    )
    app = create_app(settings)
    async with serve_app(app) as url:
        async with httpx.AsyncClient(base_url=url) as c:
            for _ in range(600):  # the worker loads the model: seconds, on a busy host more
                if (await c.get("/readyz")).status_code == 200:
                    break
                await asyncio.sleep(0.2)
            else:
                pytest.fail("the embedded model did not become ready")
        yield url, app


async def _alice_in_project(url: str, app: Any, idp: LoopbackIssuer) -> None:
    """Alice's account exists (her first token provisions it) and is in the default project."""
    services = app.state.services
    async with httpx.AsyncClient(base_url=url) as c:
        token = idp.mint(**idp.login_claims)
        await c.get("/v1/models", headers={"Authorization": f"Bearer {token}"})
        async with services.sessions() as s:
            user = (
                await s.execute(select(User).where(User.oidc_subject == "alice-sub"))
            ).scalar_one()
        admin = {"Authorization": f"Bearer {services.bootstrap.admin_key}"}
        r = await c.post(
            "/v1/admin/projects/default/members", json={"user_id": user.id}, headers=admin
        )
        assert r.status_code in (200, 201), r.text
    services.auth.oidc.forget_user(user.id)


async def test_sign_in_chat_with_the_embedded_model_and_find_it_after_a_reload(
    embedded_gateway: tuple[str, Any], idp: LoopbackIssuer, page: Any
) -> None:
    from playwright.async_api import expect

    url, app = embedded_gateway
    await _alice_in_project(url, app, idp)
    sent: list[dict[str, Any]] = []

    async def short_answers(route: Any) -> None:
        body = orjson.loads(route.request.post_data or "{}")
        body.update(max_tokens=MAX_TOKENS, temperature=0)
        sent.append(body)
        await route.continue_(post_data=orjson.dumps(body))

    await page.route("**/v1/chat/completions", short_answers)
    await page.set_viewport_size({"width": 1100, "height": 1150})  # the answer in the shot
    await page.goto(url + "/")
    await page.get_by_role("link", name="Sign in with default").click()
    await expect(page.locator("#signed-in-as")).to_have_text(
        "Signed in as Alice Liddell (Default lab)"
    )
    model = page.get_by_label("Model", exact=True)
    await expect(model).to_have_value(MODEL)

    # every distinct state of the answer while it arrives, seen from inside the page
    await page.evaluate(
        """() => {
            window.answerStates = [];
            new MutationObserver(() => {
                const el = document.querySelector('.message.assistant .text');
                const text = el ? el.textContent : '';
                const states = window.answerStates;
                if (text && states[states.length - 1] !== text) states.push(text);
            }).observe(document.getElementById('conversation'),
                       {childList: true, subtree: true, characterData: true});
        }"""
    )
    prompt = page.get_by_label("Message", exact=True)
    await prompt.fill(PROMPT)
    async with page.expect_response("**/v1/chat/completions") as answered:
        await prompt.press("Enter")
    response = await answered.value
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    await expect(page.locator("#history-list li")).to_have_count(1, timeout=120_000)
    assert sent and sent[0]["model"] == MODEL and sent[0]["stream"] is True
    events = [line for line in (await response.text()).splitlines() if line.startswith("data:")]
    assert len(events) > 3 and events[-1] == "data: [DONE]"  # token by token

    answer = page.locator(".message.assistant .text")
    final = (await answer.text_content() or "").strip()
    assert final, "the embedded model answered nothing"
    states = await page.evaluate("window.answerStates")
    assert len(states) >= 2, f"the answer arrived in one piece, not streamed: {states}"
    assert states[-1].strip() == final
    # rendered: the Markdown became HTML blocks (marked, sanitised), not raw text
    blocks = answer.locator(":scope > :is(p, ul, ol, pre, h1, h2, h3, h4, blockquote, table)")
    assert await blocks.count() >= 1
    stored = await page.evaluate(
        """async () => {
            const list = await (await fetch('/web/conversations')).json();
            return (await (await fetch('/web/conversations/' + list.data[0].id)).json());
        }"""
    )
    raw = stored["messages"][-1]["content"]
    assert stored["messages"][0]["content"] == PROMPT and raw.strip()
    # what the model wrote in Markdown is drawn as HTML, its syntax gone from the text
    if raw.count("`") >= 2:
        assert await answer.locator("code").count() >= 1 and "`" not in final, (raw, final)
    if any(line.lstrip().startswith(("* ", "- ", "1. ")) for line in raw.splitlines()):
        assert await answer.locator("li").count() >= 1, (raw, final)
    if raw.count("**") >= 2:
        assert await answer.locator("strong").count() >= 1, (raw, final)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT))

    # a reload: still signed in (the session is in the database), the conversation listed
    await page.reload()
    await expect(page.locator("#signed-in-as")).to_have_text(
        "Signed in as Alice Liddell (Default lab)"
    )
    listed = page.locator("#history-list li")
    await expect(listed).to_have_count(1)
    await expect(listed.locator(".conversation-link")).to_have_text(PROMPT)
    await listed.locator(".conversation-link").click()
    await expect(page.locator(".message.user .text")).to_have_text(PROMPT)
    await expect(page.locator(".message.assistant .text")).to_have_text(final)
    await page.screenshot(path=str(SCREENSHOT.with_name("web-embedded-chat-reloaded.png")))
