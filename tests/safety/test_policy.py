"""Policy rules, thresholds, the allow-list, allowances and per-model overrides."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from labgate.safety.categories import Action, Category, Stage
from labgate.safety.decision import decide
from labgate.safety.policy import (
    Allowance,
    CategoryRule,
    ModelOverride,
    RuleOverride,
    SafetyPolicy,
    StreamConfig,
)

NUC = Category.CBRN_NUCLEAR
RAD = Category.CBRN_RADIOLOGICAL
CHEM = Category.CBRN_CHEMICAL
ALLOWED = Category.ALLOWED_DUAL_USE
JB = Category.JAILBREAK


def rules(
    policy: SafetyPolicy | None = None, model: str | None = None
) -> dict[Category, CategoryRule]:
    return (policy or SafetyPolicy()).rules_for(model)


def test_every_category_gets_a_rule_even_when_the_config_names_few() -> None:
    policy = SafetyPolicy.model_validate(
        {"categories": {"cbrn_nuclear": {"action": "flag", "threshold": 0.7}}}
    )
    assert set(policy.categories) == set(Category)
    assert policy.categories[NUC].action is Action.FLAG
    assert policy.categories[CHEM].action is Action.BLOCK


@pytest.mark.parametrize(
    ("score", "expected"),
    [(0.95, Action.BLOCK), (0.5, Action.BLOCK), (0.4, Action.FLAG), (0.3, Action.FLAG),
     (0.29, Action.ALLOW), (0.0, Action.ALLOW)],
)
def test_threshold_and_review_threshold(score: float, expected: Action) -> None:
    policy = SafetyPolicy.model_validate(
        {"categories": {"cbrn_nuclear": {"action": "block", "threshold": 0.5,
                                         "review_threshold": 0.3}}}
    )
    decision = decide({NUC: score}, rules(policy))
    assert decision.action is expected
    if expected is not Action.ALLOW:
        assert decision.category is NUC
        assert decision.score == pytest.approx(score)


def test_review_threshold_above_threshold_is_rejected() -> None:
    with pytest.raises(ValidationError, match="review_threshold"):
        CategoryRule(action=Action.BLOCK, threshold=0.4, review_threshold=0.6)


def test_most_severe_action_wins_then_highest_score() -> None:
    policy = SafetyPolicy.model_validate(
        {"categories": {"general_harm": {"action": "flag", "threshold": 0.2}}}
    )
    decision = decide({Category.GENERAL_HARM: 0.99, CHEM: 0.6, NUC: 0.7}, rules(policy))
    assert decision.action is Action.BLOCK
    assert decision.category is NUC


def test_allow_list_waives_harm_it_outscores_and_says_so() -> None:
    """A request's harm the dual-use reading outscores is not refused, but it is not allowed
    unseen either: the head is unsure, so reviewers see it. An answer's is waived."""
    decision = decide({NUC: 0.55, ALLOWED: 0.6}, rules())
    assert decision.action is Action.FLAG
    assert decision.category is NUC
    assert any("cbrn_nuclear" in r and "waived" in r for r in decision.reasons)
    assert any("flagged for review" in r for r in decision.reasons)
    answer = decide({NUC: 0.55, ALLOWED: 0.6}, rules(), direction="output")
    assert answer.action is Action.ALLOW
    assert answer.category is ALLOWED


def test_a_waiver_never_raises_what_the_policy_allows() -> None:
    """A harm whose rule allows it stays allowed when waived: the waiver only lowers."""
    allowing = {**rules(), NUC: CategoryRule(action=Action.ALLOW, threshold=0.0)}
    assert decide({NUC: 0.55, ALLOWED: 0.6}, allowing).action is Action.ALLOW


def test_allow_list_does_not_waive_harm_that_outscores_it() -> None:
    decision = decide({NUC: 0.8, ALLOWED: 0.55}, rules())
    assert decision.action is Action.BLOCK
    assert decision.category is NUC


def test_allow_list_never_waives_a_jailbreak() -> None:
    decision = decide({JB: 0.9, ALLOWED: 0.99}, rules())
    assert decision.action is Action.BLOCK
    assert decision.category is JB


def test_allow_list_never_waives_the_lexicons_own_reading() -> None:
    """The classifier's dual-use probability waives its own harm scores, not the uplift
    lexicon's: a named agent with an uplift goal, asked for ("how did people make a dirty bomb
    from stolen caesium", in Arabic, read 0.72 as dual-use science) stays blocked."""
    scores = {RAD: 0.61, ALLOWED: 0.72}
    decision = decide(scores, rules(), stages={RAD: Stage.LEXICON})
    assert decision.action is Action.BLOCK
    assert decision.category is RAD
    waived = decide(scores, rules(), stages={RAD: Stage.CLASSIFIER})
    assert waived.action is Action.FLAG  # the classifier's own: waived to review


def test_outputs_ignore_attack_categories() -> None:
    decision = decide({JB: 0.99, Category.PROMPT_INJECTION: 0.99}, rules(), direction="output")
    assert decision.action is Action.ALLOW
    decision = decide({NUC: 0.9}, rules(), direction="output")
    assert decision.action is Action.BLOCK
    assert decision.direction == "output"


def test_per_model_override_changes_only_that_model() -> None:
    policy = SafetyPolicy(
        models={"physics-model": ModelOverride(
            categories={NUC: RuleOverride(action=Action.FLAG, threshold=0.9)}
        )}
    )
    assert decide({NUC: 0.7}, rules(policy, "physics-model")).action is Action.FLAG
    assert decide({NUC: 0.7}, rules(policy, "other")).action is Action.BLOCK
    # The review threshold not named in the override is kept from the deployment's rule.
    kept = policy.categories[NUC].review_threshold
    assert kept is not None
    assert policy.rules_for("physics-model")[NUC].review_threshold == kept


def test_model_can_turn_screening_off() -> None:
    policy = SafetyPolicy(models={"internal": ModelOverride(enabled=False)})
    assert not policy.enabled_for("internal")
    assert policy.enabled_for("public")


def test_allowance_softens_and_is_recorded_for_holders_only() -> None:
    policy = SafetyPolicy(
        allowances=[Allowance(label="NUC", categories={NUC: Action.FLAG},
                              note="weapons-effects physics compartment")]
    )
    held = decide({NUC: 0.9}, rules(policy), allowances=policy.allowances_for({"NUC", "X"}))
    assert held.action is Action.FLAG
    assert held.allowances_used == [
        {"label": "NUC", "category": "cbrn_nuclear", "from": "block", "to": "flag"}
    ]
    assert held.to_audit()["allowances_used"] == held.allowances_used

    not_held = decide({NUC: 0.9}, rules(policy), allowances=policy.allowances_for({"BIO"}))
    assert not_held.action is Action.BLOCK
    assert not_held.allowances_used == []


def test_allowance_for_another_category_does_not_apply() -> None:
    policy = SafetyPolicy(allowances=[Allowance(label="NUC", categories={NUC: Action.ALLOW})])
    decision = decide({CHEM: 0.9}, rules(policy), allowances=policy.allowances_for({"NUC"}))
    assert decision.action is Action.BLOCK
    assert decision.allowances_used == []


def test_stage_of_the_deciding_category_is_reported() -> None:
    decision = decide({JB: 0.95}, rules(), stages={JB: Stage.PATTERNS})
    assert decision.stage is Stage.PATTERNS
    audit = decision.to_audit()
    assert audit["stage"] == "patterns"
    assert audit["action"] == "block"
    assert audit["category"] == "jailbreak"


def test_stream_window_must_exceed_stride() -> None:
    with pytest.raises(ValidationError):
        StreamConfig(every_tokens=32, window_tokens=32)
    assert StreamConfig(every_tokens=24, window_tokens=96).violation_bound == 72


def test_judge_needs_a_worker_when_enabled() -> None:
    with pytest.raises(ValidationError, match="base_url"):
        SafetyPolicy.model_validate({"judge": {"enabled": True}})
