"""The <think> splitter: every way a tag can be cut across streamed chunks."""

from __future__ import annotations

import pytest

from labgate.config import ReasoningConfig
from labgate.reasoning import ThinkSplitter, reasoning_budget, split_reasoning

TEXT = "<think>Let me think: 2+2.\nIt is 4.</think>\n\nThe answer is 4."


def run(chunks: list[str], **kw: bool) -> tuple[str, str]:
    s = ThinkSplitter(**kw)
    reasoning, content = "", ""
    for c in chunks:
        out = s.feed(c)
        reasoning += out.reasoning
        content += out.content
    out = s.flush()
    return reasoning + out.reasoning, content + out.content


def test_whole_text() -> None:
    assert split_reasoning(TEXT) == ("Let me think: 2+2.\nIt is 4.", "The answer is 4.")


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 11])
def test_every_chunking_gives_the_same_split(size: int) -> None:
    chunks = [TEXT[i : i + size] for i in range(0, len(TEXT), size)]
    assert run(chunks) == ("Let me think: 2+2.\nIt is 4.", "The answer is 4.")


def test_every_cut_point_of_both_tags() -> None:
    for cut in range(1, len(TEXT)):
        assert run([TEXT[:cut], TEXT[cut:]]) == ("Let me think: 2+2.\nIt is 4.", "The answer is 4.")


def test_no_tags_is_all_content() -> None:
    assert run(["Hello", " <b>world</b>", " <thi", "s is not a tag"]) == (
        "",
        "Hello <b>world</b> <this is not a tag",
    )


def test_text_that_starts_like_the_tag_but_is_not() -> None:
    assert run(["<th", "ink about it"]) == ("", "<think about it")
    assert run(["<", "b>bold"]) == ("", "<b>bold")


def test_think_later_in_text_is_content() -> None:
    # Only a leading <think> opens reasoning; a mention later is just text.
    assert run(["The tag <think> is used by R1."]) == ("", "The tag <think> is used by R1.")


def test_prompt_opened_think() -> None:
    # Some R1 templates put <think> in the prompt: output starts inside the reasoning.
    assert run(["reason", "ing</th", "ink>answer"], starts_in_reasoning=True) == (
        "reasoning",
        "answer",
    )


def test_unclosed_think_is_all_reasoning() -> None:
    assert run(["<think>still going", " and </thi"]) == ("still going and </thi", "")


def test_leading_whitespace_before_tag() -> None:
    assert run(["\n", "<think>", "r", "</think>", "c"]) == ("r", "c")


def test_budgets() -> None:
    cfg = ReasoningConfig(budgets={"low": 10, "medium": 20, "high": 30}, default_effort="low")
    assert reasoning_budget(cfg, "high") == 30
    assert reasoning_budget(cfg, None) == 10
    assert reasoning_budget(ReasoningConfig(format="none"), "high") is None
