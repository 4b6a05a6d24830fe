"""Safety allowances earned by a compartment: explicit, narrow, and named in the decision."""

from __future__ import annotations

import pytest

from labgate.access.config import LabelsConfig
from labgate.access.policy import AccessPolicy
from labgate.identity.principal import Principal

from .conftest import labels_table

NUC = Principal("ada", clearance="SECRET//NUC")


@pytest.mark.parametrize(
    ("clearance", "label", "model", "applies"),
    [
        ("SECRET//NUC", "SECRET//NUC", "nuc", True),
        ("TOP SECRET//NUC,SIGMA", "SECRET//NUC,SIGMA", "nuc", True),
        # The request must be declared as the program's work, not only the caller cleared.
        ("SECRET//NUC", "SECRET", "nuc", False),
        ("SECRET//NUC", "UNCLASSIFIED", "nuc", False),
        # The caller must hold the compartment.
        ("SECRET", "SECRET//NUC", "nuc", False),
        # min_level SECRET: the compartment at a lower level does not earn it.
        ("SECRET//NUC", "CUI//NUC", "nuc", False),
        (None, "SECRET//NUC", "nuc", False),
    ],
)
def test_when_an_allowance_applies(
    policy: AccessPolicy, clearance: str | None, label: str, model: str, applies: bool
) -> None:
    user = Principal("u", clearance=clearance)
    got = policy.safety_allowances(user, label, model)
    assert bool(got) is applies
    if applies:
        assert [a.key for a in got] == ["labels.allowances[0]:NUC"]


def test_an_allowance_can_be_limited_to_models() -> None:
    table = labels_table(allowances=[
        {"compartment": "NUC", "categories": ["cbrn_nuclear"], "models": ["nuc"]}
    ])
    policy = AccessPolicy(LabelsConfig.model_validate(table))
    assert policy.safety_allowances(NUC, "SECRET//NUC", "nuc")
    assert not policy.safety_allowances(NUC, "SECRET//NUC", "cui")


def test_no_allowances_configured_means_none_apply() -> None:
    policy = AccessPolicy(LabelsConfig.model_validate(labels_table(allowances=[])))
    assert policy.safety_allowances(NUC, "SECRET//NUC", "nuc") == []


def test_the_safety_decision_uses_and_records_the_allowance(policy: AccessPolicy) -> None:
    """Through the real safety decision: a nuclear-physics score that blocks on the open
    deployment is allowed inside NUC, and the decision names the allowance used."""
    from labgate.safety.categories import Action, Category
    from labgate.safety.decision import decide
    from labgate.safety.policy import default_rules

    scores = {Category.CBRN_NUCLEAR: 0.92}
    open_decision = decide(scores, default_rules())
    assert open_decision.action is Action.BLOCK

    held = policy.safety_allowances(NUC, "SECRET//NUC", "nuc")
    nuc_decision = decide(scores, default_rules(), allowances=[a.to_safety() for a in held])
    assert nuc_decision.action is Action.ALLOW
    assert nuc_decision.allowances_used == [{
        "label": "labels.allowances[0]:NUC",
        "category": "cbrn_nuclear",
        "from": "block",
        "to": "allow",
    }]
    assert nuc_decision.to_audit()["allowances_used"] == nuc_decision.allowances_used


def test_other_categories_are_not_relaxed(policy: AccessPolicy) -> None:
    from labgate.safety.categories import Action, Category
    from labgate.safety.decision import decide
    from labgate.safety.policy import default_rules

    held = policy.safety_allowances(NUC, "SECRET//NUC", "nuc")
    scores = {Category.CBRN_BIOLOGICAL: 0.92}
    decision = decide(scores, default_rules(), allowances=[a.to_safety() for a in held])
    assert decision.action is Action.BLOCK and decision.allowances_used == []


def test_the_safety_policy_gets_every_configured_allowance(policy: AccessPolicy) -> None:
    from labgate.safety.policy import SafetyPolicy

    safety = SafetyPolicy(allowances=policy.safety_policy_allowances())
    keys = [a.key for a in policy.safety_allowances(NUC, "SECRET//NUC", "nuc")]
    assert [a.label for a in safety.allowances_for(keys)] == keys
    assert safety.allowances_for([]) == []
