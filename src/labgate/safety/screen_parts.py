"""What the screen's reading mixins (:mod:`labgate.safety.directed_reading`,
:mod:`labgate.safety.history_reading`) call of :class:`labgate.safety.screen.SafetyScreen`:
declared once here, for the type checker; the screen defines them."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from labgate.safety.decision import Decision
from labgate.safety.policy import SafetyPolicy
from labgate.safety.scoring import Scores


class ScreenParts:
    """The policy, scoring and deciding of the screen a mixin is part of."""

    policy: SafetyPolicy

    if TYPE_CHECKING:  # SafetyScreen's own

        async def score(self, texts: list[str], direction: str = "input") -> Scores: ...

        def decide(
            self,
            scores: Scores,
            *,
            model: str | None = None,
            labels: Collection[str] = (),
            direction: str = "input",
        ) -> Decision: ...
