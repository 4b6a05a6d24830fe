"""The screen's stage two: when the LLM judge (:class:`labgate.safety.judge.LlamaGuardJudge`)
is asked, and how its verdict changes the first stage's decision. :class:`labgate.safety.
screen.SafetyScreen` inherits it and calls :meth:`JudgingMixin._maybe_judge` from its
``_check``."""

from __future__ import annotations

from collections.abc import Collection

from labgate.safety.categories import CBRN, HARM, Action, Category, Stage
from labgate.safety.decision import Decision, decide
from labgate.safety.judge import JudgeVerdict, LlamaGuardJudge
from labgate.safety.policy import SafetyPolicy
from labgate.safety.scoring import Scores


def named(verdict: JudgeVerdict, scores: Scores) -> list[Category]:
    """The categories an unsafe verdict names; "CBRN" with no kind is the CBRN category the
    first stage found likeliest."""
    categories = list(verdict.categories)
    if verdict.cbrn_unspecified:
        categories.append(max(CBRN, key=lambda c: scores.values.get(c, 0.0)))
    return categories


class JudgingMixin:
    """The judge's part of :class:`labgate.safety.screen.SafetyScreen`."""

    policy: SafetyPolicy
    judge: LlamaGuardJudge | None

    def _unsure(self, scores: Scores) -> bool:
        cfg = self.policy.judge
        top = max((scores.values.get(c, 0.0) for c in HARM), default=0.0)
        return cfg.band_low <= top < cfg.band_high

    async def _maybe_judge(
        self,
        decision: Decision,
        scores: Scores,
        texts: list[str],
        model: str | None,
        labels: Collection[str],
        direction: str,
    ) -> Decision:
        """Ask the judge when stage one is unsure, and let its verdict decide:

        * ``unsafe``: its categories act as if they had crossed threshold (it outranks the
          allow-list: it read the whole text);
        * ``safe``: a stage-one flag is cleared; a stage-one *block* becomes a flag (answered,
          and in the reviewers' queue), so a high score is never allowed silently;
        * no verdict: with ``on_failure = "review"`` what stage one allowed is flagged for
          review; a flag or a block stands.
        """
        if self.judge is None or not self._unsure(scores):
            return decision
        role = "User" if direction == "input" else "Agent"
        verdict = await self.judge.judge(texts[0] if direction == "input" else texts[-1], role)
        decision.judge = verdict.to_audit()
        if verdict.safe is None:
            if self.policy.judge.on_failure == "review" and decision.action is Action.ALLOW:
                decision.action = Action.FLAG
                decision.category = max(HARM, key=lambda c: scores.values.get(c, 0.0))
                decision.score = scores.values.get(decision.category, 0.0)
                decision.reasons.append(
                    f"judge gave no verdict ({verdict.error}); flagged for review"
                )
            else:
                decision.reasons.append(
                    f"judge gave no verdict ({verdict.error}); stage one stands"
                )
            decision.judge["decided"] = False
            return decision
        decision.judge["decided"] = True
        if verdict.safe:
            if decision.category in HARM and decision.action is not Action.ALLOW:
                was = decision.action
                decision.action = Action.FLAG if was is Action.BLOCK else Action.ALLOW
                decision.stage = Stage.JUDGE
                decision.reasons.append(
                    f"judge decided: safe; {decision.category.value} {decision.score:.2f} "
                    + ("answered and flagged for review" if was is Action.BLOCK else "cleared")
                )
            else:
                decision.reasons.append("judge decided: safe")
            return decision
        return self._judge_unsafe(decision, named(verdict, scores), scores, model, labels)

    def _judge_unsafe(
        self,
        decision: Decision,
        categories: list[Category],
        scores: Scores,
        model: str | None,
        labels: Collection[str],
    ) -> Decision:
        """The judge found a violation: act on its categories as if they had crossed threshold."""
        rules = self.policy.rules_for(model)
        named = categories or [max(HARM, key=lambda c: scores.values.get(c, 0.0))]
        boosted = dict(scores.values)
        for category in named:
            boosted[category] = max(boosted.get(category, 0.0), rules[category].threshold)
        # The judge outranks the allow-list: it read the whole text, not an embedding of it.
        boosted[Category.ALLOWED_DUAL_USE] = 0.0
        judged = decide(
            boosted,
            rules,
            allowances=self.policy.allowances_for(labels),
            stages={c: Stage.JUDGE for c in named},
            reasons=[
                *decision.reasons,
                "judge decided: unsafe " + ",".join(c.value for c in named),
            ],
            direction=decision.direction,
        )
        judged.judge = decision.judge
        return judged
