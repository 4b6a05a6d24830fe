"""A long prompt costs its sender, never everyone's latency: the guardrail screens long inputs
(and long answers) off the event loop, so while one is being screened the gateway still
answers ``/healthz`` and other users' ordinary requests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from labgate.app import create_app
from labgate.safety.screen import SafetyScreen
from tests.support.servers import RunningWorker, serve_app

pytestmark = pytest.mark.store

LONG = "The weather in the valley was mild and the harvest went well this year. " * 1700


@pytest.fixture
async def guarded(
    make_settings: Callable[..., Any], fake_worker: RunningWorker
) -> AsyncIterator[tuple[str, Any]]:
    settings = make_settings(
        [{"name": "fake", "workers": [fake_worker.base_url]}], safety={"enabled": True}
    )
    app = create_app(settings)
    async with serve_app(app) as url:
        yield url, app.state.services


class HeldScreening:
    """Holds the screening of a long text where its CPU work is done, until released; notes
    whether it was held on the event loop's own thread (where it would stall everyone)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.on_loop_thread: bool | None = None
        self.gave_up = False

    def install(self, monkeypatch: pytest.MonkeyPatch, loop_thread: int) -> None:
        original = SafetyScreen.check_texts

        async def held(screen: SafetyScreen, texts: list[str], **kwargs: Any) -> Any:
            if sum(len(t) for t in texts) > 50_000 and not self.entered.is_set():
                self.on_loop_thread = threading.get_ident() == loop_thread
                self.entered.set()
                # held as CPU-bound work would hold its thread; a stalled event loop could
                # never release it: give up after a while
                self.gave_up = not self.release.wait(20)
            return await original(screen, texts, **kwargs)

        monkeypatch.setattr(SafetyScreen, "check_texts", held)


async def test_health_and_small_requests_are_answered_while_a_long_prompt_is_screened(
    guarded: tuple[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, services = guarded
    hold = HeldScreening()
    hold.install(monkeypatch, threading.get_ident())
    key = services.bootstrap.admin_key
    async with httpx.AsyncClient(
        base_url=url, timeout=60, headers={"Authorization": f"Bearer {key}"}
    ) as c:
        big = asyncio.ensure_future(
            c.post(
                "/v1/chat/completions",
                json={"model": "fake", "messages": [{"role": "user", "content": LONG}]},
            )
        )
        while not hold.entered.is_set():
            await asyncio.sleep(0.01)
        # the long prompt is in its screening now: the others are still answered
        health = await c.get("/healthz")
        small = await c.post(
            "/v1/chat/completions",
            json={"model": "fake", "messages": [{"role": "user", "content": "capital of France?"}]},
        )
        still_screening = not big.done()
        hold.release.set()
        answer = await big
    assert hold.on_loop_thread is False and not hold.gave_up
    assert health.status_code == 200 and small.status_code == 200, small.text
    assert still_screening
    assert answer.status_code == 200, answer.text
    # screened (what the guardrail decides is its own business here), then answered
    assert answer.json()["choices"][0]["finish_reason"] in ("stop", "content_filter")


async def test_one_senders_long_prompts_wait_for_each_other_not_for_other_senders(
    guarded: tuple[str, Any],
) -> None:
    """The lane takes one long screening of a sender at a time: three long prompts of one
    user are screened one after another, each answered as before."""
    url, services = guarded
    key = services.bootstrap.admin_key
    async with httpx.AsyncClient(
        base_url=url, timeout=120, headers={"Authorization": f"Bearer {key}"}
    ) as c:
        answers = await asyncio.gather(
            *(
                c.post(
                    "/v1/chat/completions",
                    json={"model": "fake", "messages": [{"role": "user", "content": LONG[:20000]}]},
                )
                for _ in range(3)
            )
        )
    assert [a.status_code for a in answers] == [200, 200, 200]
    gate = services.completions.safety
    assert gate is not None and gate.lane.screened >= 3 and not gate.lane.busy_senders
    # the first stage's work was done in the preparer process, not in this one
    assert gate.lane.prepared_elsewhere >= 3 and not gate.lane.preparer_failed


async def test_a_long_chat_resent_with_one_more_turn_embeds_only_what_is_new(
    guarded: tuple[str, Any],
) -> None:
    """Chats past the inline limit go to the lane; the lane keeps its own cache of segment
    vectors (as the screen does), so a history resent each turn is not embedded again."""
    url, services = guarded
    key = services.bootstrap.admin_key
    history = [
        {"role": "user", "content": "I am preparing a seminar on fusion energy for students."},
        {
            "role": "assistant",
            "content": "Start with why fusion releases energy, then how a reactor keeps the "
            "plasma hot and confined, and end with what is still unsolved. JET's record shots "
            "and the National Ignition Facility's ignition make a clear story.",
        },
    ]
    gate = services.completions.safety
    assert gate is not None
    encoded: list[int] = []
    async with httpx.AsyncClient(
        base_url=url, timeout=60, headers={"Authorization": f"Bearer {key}"}
    ) as c:
        for turn, question in enumerate(
            ["Which experiments should I mention?", "How long should each part take?"]
        ):
            messages = [*history, {"role": "user", "content": question}]
            assert sum(len(m["content"]) for m in messages) > 256  # screened in the lane
            answer = await c.post(
                "/v1/chat/completions", json={"model": "fake", "messages": messages}
            )
            assert answer.status_code == 200, answer.text
            side = gate.lane._side
            assert side is not None and gate.lane.screened == turn + 1
            encoded.append(side.embedder.encoded)
            history = [*messages, {"role": "assistant", "content": "A short answer."}]
    assert side.embedder.cache_hits > 0
    # the second turn embedded its new segments only, fewer than the first turn's whole chat
    assert encoded[1] - encoded[0] < encoded[0]
