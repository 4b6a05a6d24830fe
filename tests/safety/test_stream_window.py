"""The streaming window's bound, isolated from the model.

The screen is replaced by a double that blocks any window containing a marker word, so these
tests measure only the windowing: how late a violation can be caught, how often screening runs,
that a block is final and that channels are screened apart. Real-model streaming is tested in
``test_real_model.py``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, cast

import pytest

from labgate.safety.categories import Action, Category
from labgate.safety.decision import Decision
from labgate.safety.policy import StreamConfig
from labgate.safety.stream import StreamScreener

MARKER = "FORBIDDEN"


class MarkerScreen:
    def __init__(self) -> None:
        self.windows: list[str] = []

    async def check_texts(
        self,
        texts: list[str],
        *,
        model: str | None,
        labels: Collection[str],
        direction: str,
        use_judge: bool,
    ) -> Decision:
        assert direction == "output" and not use_judge
        self.windows.append(texts[0])
        if MARKER in texts[0]:
            return Decision(action=Action.BLOCK, category=Category.CBRN_CHEMICAL, score=0.9,
                            direction="output")
        return Decision.allow("output")


def screener(every: int = 8, window: int = 32) -> tuple[StreamScreener, MarkerScreen]:
    double = MarkerScreen()
    config = StreamConfig(every_tokens=every, window_tokens=window)
    return StreamScreener(cast(Any, double), model="m", labels=(), config=config), double


@pytest.mark.parametrize("marker_at", [0, 3, 7, 8, 50, 101])
async def test_violation_caught_within_every_tokens(marker_at: int) -> None:
    stream, _ = screener(every=8)
    for i in range(200):
        word = MARKER if i == marker_at else f"w{i}"
        decision = await stream.feed(word + " ", channel="content")
        if decision.blocked:
            break
    assert decision.blocked
    assert stream.blocked_at_token is not None
    assert 0 <= stream.blocked_at_token - (marker_at + 1) < 8


async def test_screens_once_per_stride_and_only_the_window() -> None:
    stream, double = screener(every=8, window=32)
    for i in range(80):
        await stream.feed(f"w{i} ", channel="content")
    assert stream.screens == 10
    assert all(len(w.split()) <= 32 for w in double.windows)
    assert double.windows[-1].split()[-1] == "w79"


async def test_block_is_final() -> None:
    stream, double = screener(every=4)
    for word in ["a", "b", "c", MARKER]:
        await stream.feed(word + " ")
    assert stream.blocked
    screens = stream.screens
    decision = await stream.feed("more text that would otherwise be screened " * 5)
    assert decision.blocked and stream.screens == screens
    assert (await stream.finish()).blocked


async def test_benign_stream_is_allowed_and_finish_screens_the_rest() -> None:
    stream, double = screener(every=8)
    for i in range(13):
        await stream.feed(f"w{i} ", channel="reasoning")
    assert stream.screens == 1
    decision = await stream.finish()
    assert decision.action is Action.ALLOW
    assert stream.screens == 2
    assert double.windows[-1].endswith("w12 ")


async def test_channels_are_screened_apart() -> None:
    stream, double = screener(every=4, window=8)
    await stream.feed("one two three four ", channel="reasoning")
    await stream.feed("five six seven eight ", channel="content")
    assert double.windows == ["one two three four ", "five six seven eight "]
    with pytest.raises(ValueError, match="unknown channel"):
        await stream.feed("x", channel="tools")
