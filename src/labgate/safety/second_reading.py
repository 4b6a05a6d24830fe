"""The screen's plumbing for the second reader (:mod:`labgate.safety.second`, its model): when a
block of the first stage is read again, and what a reading changes, both in an input's texts
(:meth:`SecondReadingMixin._second_reading`) and in the tool definitions and instructions read
apart (:meth:`SecondReadingMixin._definitions_decision`). :class:`labgate.safety.screen.
SafetyScreen` inherits it and calls it from its ``_check`` and ``check_input``."""

from __future__ import annotations

import numpy as np

from labgate.safety import rules
from labgate.safety.categories import HARM, Action, Stage
from labgate.safety.decision import Decision
from labgate.safety.head import ClassifierHead
from labgate.safety.policy import SafetyPolicy
from labgate.safety.scoring import category_matrix
from labgate.safety.second import Reading, SecondReader


class SecondReadingMixin:
    """The second reader's part of :class:`labgate.safety.screen.SafetyScreen`."""

    policy: SafetyPolicy
    head: ClassifierHead
    second: SecondReader | None

    async def _second_reading(
        self,
        decision: Decision,
        segments: list[str],
        probabilities: np.ndarray,
        direction: str,
    ) -> Reading | None:
        """The second reader (:mod:`labgate.safety.second`) on a block of an input that only
        the classifier made (no lexicon, pattern or decoder reason: :func:`labgate.safety.
        rules.evidence`): it reads the segments the head scored highest in the blocked
        category, and where it does not agree (its harm, or with ``agree_on = "category"``
        its score in the category, below ``second_reader.threshold``) the block is a flag.
        Nothing else is read by it, so an ordinary request pays nothing.
        The decision is changed in place; the reading is returned (None: not asked)."""
        category = decision.category
        cfg = self.policy.second_reader
        if (
            self.second is None
            or direction != "input"
            or decision.action is not Action.BLOCK
            or decision.stage is not Stage.CLASSIFIER
            or category not in HARM
            or not segments
            or any(rules.evidence(r) for r in decision.reasons)
        ):
            return None
        column = self.head.classes.index(category.value)
        first = category_matrix(probabilities)[:, column]
        reading = await self.second.read(segments, first.tolist(), category)
        threshold = cfg.threshold
        if (reading.harm if cfg.agree_on == "harm" else reading.score) >= threshold:
            decision.reasons.append(f"{reading.describe()} agrees")
        else:
            decision.action = Action.FLAG
            decision.reasons.append(
                f"{reading.describe()} (< {threshold:.2f}) does not agree: the classifier "
                "alone flags, it does not block"
            )
        return reading

    # the rules that read only the decision (labgate.safety.rules), kept as the screen's own
    _definitions_rule = staticmethod(rules.definitions_rule)

    def _definitions_decision(self, decision: Decision, reading: Reading | None) -> Decision:
        """The definitions rule (the classifier alone flags a tool definition or a client's
        instructions), except where both readers are sure: a block the second reader agreed
        to (``reading``) with both scores at least ``second_reader.definitions_sure`` stands.
        A harmful tool described without a word of the lexicon was only flagged before."""
        sure = self.policy.second_reader.definitions_sure
        if (
            sure is not None
            and reading is not None
            and decision.blocked
            and decision.stage is Stage.CLASSIFIER
            and decision.score >= sure
            and reading.score >= sure
        ):
            decision.reasons.append(
                f"tool definitions and instructions: both readers sure "
                f"({decision.score:.2f}, {reading.score:.2f} >= {sure:.2f}), the block stands"
            )
            return decision
        return self._definitions_rule(decision)
