"""The LLM judge stage, against a tiny fake OpenAI-compatible worker on loopback.

Stage one is pinned with a head whose weights are zero and whose biases are the log of chosen
probabilities: every text then gets exactly those probabilities, which isolates the judge logic
(when it is asked, and what its verdict does) from what the real model thinks of a text.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from labgate.safety.categories import HEAD_CLASSES, Action, Category, Stage
from labgate.safety.embedder import EMBEDDING_DIM, Embedder
from labgate.safety.head import ClassifierHead
from labgate.safety.judge import LlamaGuardJudge, build_prompt, parse_verdict
from labgate.safety.judge_policy import POLICY_VERSION
from labgate.safety.policy import JudgeConfig, SafetyPolicy
from labgate.safety.screen import SafetyScreen
from tests.safety.judge_worker import FakeWorker


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
    assert decision.judge is not None
    assert {k: decision.judge[k] for k in ("safe", "categories", "error", "decided")} == {
        "safe": False,
        "categories": ["cbrn_nuclear"],
        "error": None,
        "decided": True,
    }
    assert decision.judge["policy"] == POLICY_VERSION
    [sent] = fake.requests
    assert sent["model"] == "guard"
    prompt = sent["messages"][0]["content"]
    assert "How would someone divert material" in prompt
    assert "S4: Nuclear weapons" in prompt


async def test_a_safe_verdict_turns_a_stage_one_block_into_review(
    worker: tuple[FakeWorker, str],
) -> None:
    """Answered, not refused, but never silently: a block the judge finds safe is flagged
    (changed on purpose for issue 21: it used to be allowed outright)."""
    fake, url = worker
    fake.reply = "safe"
    screen = judged_screen(url, pinned_head(benign=0.35, cbrn_chemical=0.65))
    try:
        decision = await screen.check_input(MESSAGES)
    finally:
        await screen.aclose()
    assert decision.action is Action.FLAG
    assert decision.stage is Stage.JUDGE
    assert any("judge decided: safe" in r and "flagged for review" in r for r in decision.reasons)


async def test_a_safe_verdict_clears_a_stage_one_flag(worker: tuple[FakeWorker, str]) -> None:
    fake, url = worker
    fake.reply = '{"violation": 0, "categories": [], "rationale": "basic lab work"}'
    screen = judged_screen(url, pinned_head(benign=0.55, cbrn_biological=0.45))
    try:
        decision = await screen.check_input(MESSAGES)
    finally:
        await screen.aclose()
    assert decision.action is Action.ALLOW and decision.stage is Stage.JUDGE
    assert decision.judge is not None and decision.judge["rationale"] == "basic lab work"


@pytest.mark.parametrize(
    ("on_failure", "expected"), [("review", Action.FLAG), ("stand", Action.ALLOW)]
)
async def test_no_verdict_flags_what_stage_one_allowed(
    worker: tuple[FakeWorker, str], on_failure: str, expected: Action
) -> None:
    """Stage one allowed (nuclear 0.30: in the judge's band, under review); the judge is
    down: by default the request is flagged for review, never allowed silently."""
    fake, url = worker
    fake.status = 500
    screen = judged_screen(url, pinned_head(benign=0.7, cbrn_nuclear=0.3), on_failure=on_failure)
    try:
        decision = await screen.check_input(MESSAGES)
    finally:
        await screen.aclose()
    assert decision.action is expected
    assert decision.judge is not None and decision.judge["decided"] is False


async def test_json_format_sends_the_written_policy_as_system_message(
    worker: tuple[FakeWorker, str],
) -> None:
    fake, url = worker
    fake.reply = 'Thinking done.\n```json\n{"violation": 1, "categories": ["S2"]}\n```'
    screen = judged_screen(
        url,
        pinned_head(benign=0.6, cbrn_biological=0.4),
        format="json",
        reasoning_effort="low",
    )
    try:
        decision = await screen.check_input(MESSAGES)
    finally:
        await screen.aclose()
    assert decision.action is Action.BLOCK and decision.category is Category.CBRN_BIOLOGICAL
    [sent] = fake.requests
    system, user = sent["messages"]
    assert system["role"] == "system" and POLICY_VERSION in system["content"]
    assert "carry no weight" in system["content"] and '"violation"' in system["content"]
    assert user == MESSAGES[0]
    assert sent["reasoning_effort"] == "low" and sent["max_tokens"] == 512


async def test_native_llama_guard_codes_are_mapped(worker: tuple[FakeWorker, str]) -> None:
    """Llama Guard 3 with its own template: the message alone is sent, and its S9
    (indiscriminate weapons) becomes the CBRN category stage one found most likely."""
    fake, url = worker
    fake.reply = "unsafe\nS9"
    screen = judged_screen(
        url, pinned_head(benign=0.6, cbrn_radiological=0.4), format="llama_guard_native"
    )
    try:
        decision = await screen.check_input(MESSAGES)
    finally:
        await screen.aclose()
    assert decision.action is Action.BLOCK and decision.category is Category.CBRN_RADIOLOGICAL
    assert fake.requests[0]["messages"] == MESSAGES


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
    assert parse_verdict('{"violation": 1, "categories": ["S4"]}').categories == [
        Category.CBRN_NUCLEAR
    ]
    assert parse_verdict('{"verdict": "unsafe", "category": "cbrn_chemical"}').categories == [
        Category.CBRN_CHEMICAL
    ]
    assert parse_verdict('{"safe": true}').safe is True
    assert parse_verdict('{"score": 3}').safe is None
    native = parse_verdict("unsafe\nS9,S14", native=True)
    assert native.cbrn_unspecified and native.categories == [Category.CYBER_INFRASTRUCTURE]
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
