"""Screening a streamed response as it is generated, with a bound on how late a catch can be.

Each channel (the model's reasoning and its answer) keeps the tail of its text. After every
``every_tokens`` new tokens the last ``window_tokens`` tokens are screened. So a violating
passage of up to ``window_tokens - every_tokens`` tokens is always seen whole in some window,
and that window is screened at most ``every_tokens`` tokens after the passage ends: that is the
bound. Between screens, :meth:`StreamScreener.feed` only counts tokens and returns at once.

A block is final: once a window is blocked every later call returns the same decision, and the
gateway ends the stream with a refusal and ``finish_reason: "content_filter"``. A flag does not
stop the stream; the strongest decision seen is returned by :meth:`finish`, for the audit record.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from labgate.safety.categories import SEVERITY, Action
from labgate.safety.chunking import count_tokens, tail_tokens
from labgate.safety.decision import Decision
from labgate.safety.policy import StreamConfig

if TYPE_CHECKING:
    from labgate.safety.screen import SafetyScreen

CHANNELS = ("reasoning", "content")


@dataclass(slots=True)
class _Channel:
    tail: str = ""
    unscreened_tokens: int = 0
    total_tokens: int = 0


class StreamScreener:
    """Screens one response's stream; create it with ``SafetyScreen.stream_screener``."""

    def __init__(
        self,
        screen: SafetyScreen,
        *,
        model: str | None,
        labels: Collection[str],
        config: StreamConfig,
    ) -> None:
        self._screen = screen
        self._model = model
        self._labels = tuple(labels)
        self.config = config
        self._channels = {name: _Channel() for name in CHANNELS}
        self._strongest = Decision.allow("output")
        self.screens = 0
        self.blocked_at_token: int | None = None

    @property
    def decision(self) -> Decision:
        """The strongest decision so far."""
        return self._strongest

    @property
    def blocked(self) -> bool:
        return self._strongest.blocked

    async def feed(self, delta: str, channel: str = "content") -> Decision:
        """Add a streamed delta; screens (off the event loop) only when a window is due."""
        if self.blocked or not delta:
            return self._strongest
        if channel not in self._channels:
            raise ValueError(f"unknown channel {channel!r}; use one of {CHANNELS}")
        state = self._channels[channel]
        state.tail += delta
        added = count_tokens(delta)
        state.unscreened_tokens += added
        state.total_tokens += added
        if state.unscreened_tokens >= self.config.every_tokens:
            await self._screen_window(channel)
        return self._strongest

    async def finish(self) -> Decision:
        """Screen whatever has not been screened yet; return the strongest decision."""
        for name, state in self._channels.items():
            if not self.blocked and state.unscreened_tokens > 0:
                await self._screen_window(name)
        return self._strongest

    async def _screen_window(self, channel: str) -> None:
        state = self._channels[channel]
        state.tail = tail_tokens(state.tail, self.config.window_tokens)
        state.unscreened_tokens = 0
        self.screens += 1
        decision = await self._screen.check_texts(
            [state.tail], model=self._model, labels=self._labels, direction="output",
            use_judge=False,
        )
        decision.reasons.append(f"{channel} window ending at token {state.total_tokens}")
        if SEVERITY[decision.action] > SEVERITY[self._strongest.action] or (
            decision.action is self._strongest.action and decision.score > self._strongest.score
        ):
            self._strongest = decision
        if decision.action is Action.BLOCK and self.blocked_at_token is None:
            self.blocked_at_token = state.total_tokens
