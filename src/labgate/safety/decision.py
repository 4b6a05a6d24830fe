"""A guardrail decision, and how scores plus rules become one.

:func:`decide` is pure: given each category's score, the rules in force and the allowances the
caller holds, it returns the action. The order of reasoning:

1. Every category whose score reaches its rule's threshold (or review threshold) *triggers*.
2. If the allow-list category (legitimate dual-use science) triggers with a score at least as
   high as every triggered *harm* category, those harm categories are waived: the request reads
   more like the benign science the allow-list was trained on than like weapons uplift. A
   request's triggered harm is waived to a flag (answered, and in the reviewers' queue), not to
   nothing; an answer's is waived. Attacks on the guardrail
   (jailbreak, injection) are never waived.
3. Allowances held by the caller soften the action of the categories they name.
4. The most severe remaining action wins; ties go to the higher score.

Nothing here holds prompt text, so a decision can go to the audit log and the flags table as is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from labgate.safety.categories import (
    ATTACK,
    HARM,
    SEVERITY,
    Action,
    Category,
    Stage,
)
from labgate.safety.policy import Allowance, CategoryRule


@dataclass(slots=True)
class Decision:
    """What the guardrail decided about one text, and why."""

    action: Action
    category: Category | None = None
    score: float = 0.0
    stage: Stage = Stage.NONE
    direction: str = "input"
    reasons: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    allowances_used: list[dict[str, str]] = field(default_factory=list)
    judge: dict[str, Any] | None = None
    latency_ms: float = 0.0
    # set when the flag rests on the client's own instructions alone (their SHA-256:
    # SafetyScreen._instruction_trigger): reviewers get one flag per distinct instruction
    # text, counted (labgate.safety.flags). Not part of to_audit(): the audit record of each
    # request is what it was.
    instructions_sha256: str | None = None

    @property
    def blocked(self) -> bool:
        return self.action is Action.BLOCK

    @property
    def flagged(self) -> bool:
        return self.action is Action.FLAG

    def to_audit(self) -> dict[str, Any]:
        """The decision as a JSON-ready dict for the audit record (no prompt text in it)."""
        return {
            "action": self.action.value,
            "category": self.category.value if self.category else None,
            "score": round(self.score, 4),
            "stage": self.stage.value,
            "direction": self.direction,
            "reasons": list(self.reasons),
            "scores": {k: round(v, 4) for k, v in self.scores.items() if v >= 0.01},
            "allowances_used": list(self.allowances_used),
            "judge": self.judge,
            "latency_ms": round(self.latency_ms, 2),
        }

    @classmethod
    def allow(cls, direction: str = "input", reason: str | None = None) -> Decision:
        return cls(action=Action.ALLOW, direction=direction, reasons=[reason] if reason else [])


def _apply_allowances(
    category: Category, action: Action, allowances: Sequence[Allowance]
) -> tuple[Action, list[dict[str, str]]]:
    """Soften ``action`` with the mildest allowance the caller holds for ``category``."""
    best = action
    used: list[dict[str, str]] = []
    for allowance in allowances:
        granted = allowance.categories.get(category)
        if granted is None or SEVERITY[granted] >= SEVERITY[best]:
            continue
        used = [
            {
                "label": allowance.label,
                "category": category.value,
                "from": action.value,
                "to": granted.value,
            }
        ]
        best = granted
    return best, used


def decide(
    scores: Mapping[Category, float],
    rules: Mapping[Category, CategoryRule],
    *,
    allowances: Sequence[Allowance] = (),
    stages: Mapping[Category, Stage] | None = None,
    reasons: Sequence[str] = (),
    direction: str = "input",
) -> Decision:
    """Turn per-category scores into one :class:`Decision` (see the module docstring)."""
    stages = stages or {}
    considered = HARM if direction == "output" else (*HARM, *ATTACK)
    triggered: dict[Category, Action] = {}
    for category in considered:
        action = rules[category].action_for(scores.get(category, 0.0))
        if action is not None:
            triggered[category] = action

    notes = list(reasons)
    allowed = Category.ALLOWED_DUAL_USE
    allowed_score = scores.get(allowed, 0.0)
    allow_rule = rules[allowed]
    harm_triggered = [c for c in triggered if c in HARM]
    allow_applies = allow_rule.action is Action.ALLOW and allowed_score >= allow_rule.threshold
    if harm_triggered and allow_applies:
        top_harm = max(scores.get(c, 0.0) for c in harm_triggered)
        if allowed_score >= top_harm:
            for category in harm_triggered:
                if stages.get(category) is Stage.LEXICON:
                    # the lexicon's own reading (a named agent with an uplift goal, asked for)
                    # is not the classifier's to waive: "how did people make a dirty bomb from
                    # stolen caesium" in Arabic read 0.72 as dual-use science
                    continue
                notes.append(
                    f"{category.value} {scores[category]:.2f} waived by allowed_dual_use "
                    f"{allowed_score:.2f}"
                )
                if direction == "input" and triggered[category] is not Action.ALLOW:
                    # a request the head reads as both harm it would act on and legitimate
                    # science is one it is unsure of: reviewers see it (issue 21's seventh
                    # insider round: harmful asks with a safeguards or training pretext were
                    # answered through this waiver with nothing recorded)
                    triggered[category] = Action.FLAG
                    notes.append(f"{category.value}: a waived block is flagged for review")
                else:
                    del triggered[category]

    used: list[dict[str, str]] = []
    for category, action in list(triggered.items()):
        softened, how = _apply_allowances(category, action, allowances)
        used.extend(how)
        triggered[category] = softened

    all_scores = {c.value: float(s) for c, s in scores.items()}
    acting = {c: a for c, a in triggered.items() if a is not Action.ALLOW}
    if not acting:
        top = max(considered, key=lambda c: scores.get(c, 0.0))
        return Decision(
            action=Action.ALLOW,
            category=allowed if allowed_score >= allow_rule.threshold else None,
            score=allowed_score if allowed_score >= allow_rule.threshold else scores.get(top, 0.0),
            stage=Stage.CLASSIFIER if scores else Stage.NONE,
            direction=direction,
            reasons=notes,
            scores=all_scores,
            allowances_used=used,
        )
    chosen = max(acting, key=lambda c: (SEVERITY[acting[c]], scores.get(c, 0.0)))
    return Decision(
        action=acting[chosen],
        category=chosen,
        score=float(scores.get(chosen, 0.0)),
        stage=stages.get(chosen, Stage.CLASSIFIER),
        direction=direction,
        reasons=notes,
        scores=all_scores,
        allowances_used=used,
    )
