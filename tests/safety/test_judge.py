"""The LLM judge stage, against a tiny fake OpenAI-compatible worker on loopback.

Stage one is pinned with a head whose weights are zero and whose biases are the log of chosen
probabilities: every text then gets exactly those probabilities, which isolates the judge logic
(when it is asked, and what its verdict does) from what the real model thinks of a text.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from aiohttp import web

from labgate.safety.categories import HEAD_CLASSES, Action, Category, Stage
from labgate.safety.embedder import EMBEDDING_DIM, Embedder
from labgate.safety.head import ClassifierHead
from labgate.safety.judge import LlamaGuardJudge, build_prompt, parse_verdict
from labgate.safety.policy import JudgeConfig, SafetyPolicy
from labgate.safety.screen import SafetyScreen


@dataclass
class FakeWorker:
    """Answers /v1/chat/completions with a scripted reply and records what it was asked."""

    reply: str = "safe"
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(await request.json())
        if self.status != 200:
            return web.json_response({"error": "down"}, status=self.status)
        return web.json_response(
            {"choices": [{"index": 0, "message": {"role": "assistant", "content": self.reply},
                          "finish_reason": "stop"}]}
        )


@pytest.fixture
async def worker() -> AsyncIterator[tuple[FakeWorker, str]]:
    fake = FakeWorker()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield fake, f"http://127.0.0.1:{port}/v1"
    await runner.cleanup()


def pinned_head(**probs: float) -> ClassifierHead:
    """A head that gives every text the same class probabilities."""
    p = np.full(len(HEAD_CLASSES), 1e-6)
    for name, value in probs.items():
        p[HEAD_CLASSES.index(name)] = value
    p = p / p.sum()
    return ClassifierHead(
        weights=[np.zeros((EMBEDDING_DIM, len(HEAD_CLASSES)), dtype=np.float32)],
        biases=[np.log(p).astype(np.float32)],
        classes=HEAD_CLASSES,
    )


def zero_embedder() -> Embedder:
    return Embedder(lambda texts: np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32))


def judged_screen(url: str, head: ClassifierHead, **judge: Any) -> SafetyScreen:
    config = JudgeConfig(enabled=True, base_url=url, model="guard", timeout_s=2.0, **judge)
    policy = SafetyPolicy(judge=config)
    return SafetyScreen(policy, zero_embedder(), head, LlamaGuardJudge(config))


MESSAGES = [{"role": "user", "content": "How would someone divert material from a facility?"}]


async def test_unsure_request_blocked_by_judge_verdict(worker: tuple[FakeWorker, str]) -> None:
    fake, url = worker
    fake.reply = "unsafe\nS4"
    screen = judged_screen(url, pinned_head(benign=0.6, cbrn_nuclear=0.4))
    try:
        decision = await screen.check_input(MESSAGES)
    finally:
        await screen.aclose()
    assert decision.action is Action.BLOCK
    assert decision.category is Category.CBRN_NUCLEAR
    assert decision.stage is Stage.JUDGE
    assert decision.judge == {"safe": False, "categories": ["cbrn_nuclear"], "error": None}
    [sent] = fake.requests
    assert sent["model"] == "guard"
    prompt = sent["messages"][0]["content"]
    assert "How would someone divert material" in prompt
    assert "S4: Nuclear weapons" in prompt


async def test_judge_can_clear_a_stage_one_block(worker: tuple[FakeWorker, str]) -> None:
    fake, url = worker
    fake.reply = "safe"
    screen = judged_screen(url, pinned_head(benign=0.35, cbrn_chemical=0.65))
    try:
        decision = await screen.check_input(MESSAGES)
    finally:
        await screen.aclose()
    assert decision.action is Action.ALLOW
    assert decision.stage is Stage.JUDGE
    assert any("judge found it safe" in r for r in decision.reasons)


async def test_confident_stage_one_never_calls_the_judge(worker: tuple[FakeWorker, str]) -> None:
    fake, url = worker
    for head in (pinned_head(benign=0.99), pinned_head(cbrn_biological=0.99)):
        screen = judged_screen(url, head)
        try:
            await screen.check_input(MESSAGES)
        finally:
            await screen.aclose()
    assert fake.requests == []


async def test_judge_failure_leaves_stage_one_standing(worker: tuple[FakeWorker, str]) -> None:
    fake, url = worker
    fake.status = 503
    screen = judged_screen(url, pinned_head(benign=0.35, cbrn_chemical=0.65))
    try:
        decision = await screen.check_input(MESSAGES)
    finally:
        await screen.aclose()
    assert decision.action is Action.BLOCK
    assert decision.stage is Stage.CLASSIFIER
    assert decision.judge is not None and "503" in str(decision.judge["error"])


async def test_unreachable_judge_is_reported_not_raised() -> None:
    screen = judged_screen("http://127.0.0.1:9/v1", pinned_head(benign=0.6, cbrn_nuclear=0.4))
    try:
        decision = await screen.check_input(MESSAGES)
    finally:
        await screen.aclose()
    assert decision.action is Action.FLAG
    assert "unreachable" in str(decision.judge)


def test_verdict_parsing() -> None:
    assert parse_verdict("safe").safe is True
    verdict = parse_verdict(" Unsafe \n S2, S5 ")
    assert verdict.safe is False
    assert verdict.categories == [Category.CBRN_BIOLOGICAL, Category.CYBER_INFRASTRUCTURE]
    assert parse_verdict("I think it is fine").safe is None
    assert parse_verdict("").error == "empty judge answer"


def test_prompt_names_the_role_and_every_category() -> None:
    prompt = build_prompt("some answer", role="Agent")
    assert "ONLY THE LAST Agent message" in prompt
    for code in ("S1", "S2", "S3", "S4", "S5", "S6"):
        assert f"{code}:" in prompt


async def test_stream_windows_never_wait_for_the_judge(worker: tuple[FakeWorker, str]) -> None:
    fake, url = worker
    fake.reply = "unsafe\nS4"
    screen = judged_screen(url, pinned_head(benign=0.6, cbrn_nuclear=0.4))
    try:
        stream = screen.stream_screener(model="r1")
        for i in range(60):
            await stream.feed(f"word{i} ", channel="content")
        await stream.finish()
        assert stream.screens >= 2 and fake.requests == []
        final = await screen.check_output("the whole answer", model="r1")
    finally:
        await screen.aclose()
    assert len(fake.requests) == 1
    assert final.action is Action.BLOCK and final.stage is Stage.JUDGE
    assert "ONLY THE LAST Agent message" in fake.requests[0]["messages"][0]["content"]
