"""What the screen's reading mixins (:mod:`labgate.safety.directed_reading`,
:mod:`labgate.safety.history_reading`, :mod:`labgate.safety.instruction_reading`,
:mod:`labgate.safety.instruction_grouping`) call of :class:`labgate.safety.screen.SafetyScreen`
and of one another: declared once here, for the type checker; the screen and its other mixins
define them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from labgate.safety.decision import Decision
from labgate.safety.policy import SafetyPolicy
from labgate.safety.scoring import Scores

if TYPE_CHECKING:
    from labgate.safety.categories import Category
    from labgate.safety.judge import JudgeVerdict, LlamaGuardJudge
    from labgate.safety.second import Reading


class ScreenParts:
    """The policy, scoring and deciding of the screen a mixin is part of."""

    policy: SafetyPolicy

    if TYPE_CHECKING:  # SafetyScreen's own, and its other mixins'
        judge: LlamaGuardJudge | None
        _alone_cache: dict[str, Decision]
        _instruction_verdicts: dict[bytes, JudgeVerdict]

        async def score(self, texts: list[str], direction: str = "input") -> Scores: ...

        def decide(
            self,
            scores: Scores,
            *,
            model: str | None = None,
            labels: Collection[str] = (),
            direction: str = "input",
        ) -> Decision: ...

        async def _check(
            self,
            texts: list[str],
            *,
            model: str | None,
            labels: Collection[str],
            direction: str,
            use_judge: bool,
        ) -> tuple[Decision, Reading | None]: ...

        def _definitions_decision(
            self, decision: Decision, reading: Reading | None
        ) -> Decision: ...

        # labgate.safety.judging
        def _judge_unsafe(
            self,
            decision: Decision,
            categories: list[Category],
            scores: Scores,
            model: str | None,
            labels: Collection[str],
        ) -> Decision: ...

        # labgate.safety.directed_reading
        async def _directed_task(
            self,
            decision: Decision,
            instructions: Sequence[str],
            prose: Sequence[str],
            *,
            model: str | None,
            labels: Collection[str],
            user_turn: str = "",
        ) -> Decision: ...
