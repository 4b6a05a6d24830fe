"""The exact allow/deny matrix: users x request labels x models, with the rule of each refusal.

Each grid below is one user; rows are the label the request states (``(default)``: none, so
the deployment's default UNCLASSIFIED), columns are the models. ``ok`` is admitted; otherwise
the letter names the rule that refuses: C clearance, A accreditation, R enclave range,
L unknown level, K unknown compartment, M malformed. The rules apply in that order after
parsing: range, then clearance, then accreditation.
"""

from __future__ import annotations

import pytest

from labgate.access.policy import AccessPolicy, Rule
from labgate.identity.principal import Principal

MODELS = ["open", "cui", "nuc", "plain"]
CODES = {
    "C": Rule.CLEARANCE,
    "A": Rule.ACCREDITATION,
    "R": Rule.ENCLAVE_RANGE,
    "L": Rule.UNKNOWN_LEVEL,
    "K": Rule.UNKNOWN_COMPARTMENT,
    "M": Rule.MALFORMED,
}

#                        open cui nuc plain
GRIDS: dict[str | None, str] = {
    None: """
        (default)           ok  ok  ok  ok
        UNCLASSIFIED        ok  ok  ok  ok
        CUI                 C   C   C   C
        SECRET              C   C   C   C
        SECRET//NUC         C   C   C   C
        SECRET//SIGMA       C   C   C   C
        SECRET//NUC,SIGMA   C   C   C   C
        TOP_SECRET          R   R   R   R
        RESTRICTED          L   L   L   L
        SECRET//GAMMA       K   K   K   K
        SECRET//            M   M   M   M
    """,
    "CUI": """
        (default)           ok  ok  ok  ok
        UNCLASSIFIED        ok  ok  ok  ok
        CUI                 A   ok  ok  A
        SECRET              C   C   C   C
        SECRET//NUC         C   C   C   C
        SECRET//SIGMA       C   C   C   C
        SECRET//NUC,SIGMA   C   C   C   C
        TOP_SECRET          R   R   R   R
        RESTRICTED          L   L   L   L
        SECRET//GAMMA       K   K   K   K
        SECRET//            M   M   M   M
    """,
    "SECRET": """
        (default)           ok  ok  ok  ok
        UNCLASSIFIED        ok  ok  ok  ok
        CUI                 A   ok  ok  A
        SECRET              A   A   ok  A
        SECRET//NUC         C   C   C   C
        SECRET//SIGMA       C   C   C   C
        SECRET//NUC,SIGMA   C   C   C   C
        TOP_SECRET          R   R   R   R
        RESTRICTED          L   L   L   L
        SECRET//GAMMA       K   K   K   K
        SECRET//            M   M   M   M
    """,
    "SECRET//NUC": """
        (default)           ok  ok  ok  ok
        UNCLASSIFIED        ok  ok  ok  ok
        CUI                 A   ok  ok  A
        SECRET              A   A   ok  A
        SECRET//NUC         A   A   ok  A
        SECRET//SIGMA       C   C   C   C
        SECRET//NUC,SIGMA   C   C   C   C
        TOP_SECRET          R   R   R   R
        RESTRICTED          L   L   L   L
        SECRET//GAMMA       K   K   K   K
        SECRET//            M   M   M   M
    """,
    "TOP SECRET//NUC,SIGMA": """
        (default)           ok  ok  ok  ok
        UNCLASSIFIED        ok  ok  ok  ok
        CUI                 A   ok  ok  A
        SECRET              A   A   ok  A
        SECRET//NUC         A   A   ok  A
        SECRET//SIGMA       A   A   A   A
        SECRET//NUC,SIGMA   A   A   A   A
        TOP_SECRET          R   R   R   R
        RESTRICTED          L   L   L   L
        SECRET//GAMMA       K   K   K   K
        SECRET//            M   M   M   M
    """,
    # A clearance this deployment cannot read admits nothing (the range is checked first).
    "Q-CLEARED": """
        (default)           C   C   C   C
        UNCLASSIFIED        C   C   C   C
        CUI                 C   C   C   C
        SECRET              C   C   C   C
        SECRET//NUC         C   C   C   C
        SECRET//SIGMA       C   C   C   C
        SECRET//NUC,SIGMA   C   C   C   C
        TOP_SECRET          R   R   R   R
        RESTRICTED          L   L   L   L
        SECRET//GAMMA       K   K   K   K
        SECRET//            M   M   M   M
    """,
}


def _cases() -> list[tuple[str | None, str | None, str, str]]:
    cases = []
    for clearance, grid in GRIDS.items():
        for line in grid.strip().splitlines():
            label, *codes = line.split()
            assert len(codes) == len(MODELS), line
            stated = None if label == "(default)" else label.replace("_", " ")
            for model, code in zip(MODELS, codes, strict=True):
                cases.append((clearance, stated, model, code))
    return cases


CASES = _cases()


def test_the_matrix_is_complete() -> None:
    assert len(CASES) == len(GRIDS) * 11 * len(MODELS) == 264


@pytest.mark.parametrize(("clearance", "stated", "model", "expected"), CASES)
def test_decision(
    policy: AccessPolicy, clearance: str | None, stated: str | None, model: str, expected: str
) -> None:
    user = Principal("u1", lab="ornl", project="p1", clearance=clearance)
    decision = policy.decide_request(user, stated, model)
    if expected == "ok":
        assert decision.allowed, decision.message
        assert decision.rule is None and decision.status == 200
        assert decision.marking == (stated or "UNCLASSIFIED")
        return
    rule = CODES[expected]
    assert not decision.allowed
    assert decision.rule is rule, decision.message
    assert decision.status == (403 if expected in "CAR" else 400)
    assert decision.message and "Traceback" not in decision.message


def test_each_refusal_says_which_rule_and_what_to_do(policy: AccessPolicy) -> None:
    secret = Principal("u1", clearance="SECRET")
    by_clearance = policy.decide_request(secret, "SECRET//NUC", "nuc")
    assert "clearance" in by_clearance.message and "NUC" in by_clearance.message
    by_model = policy.decide_request(secret, "SECRET", "open")
    assert "'open' is accredited for UNCLASSIFIED" in by_model.message
    by_range = policy.decide_request(secret, "TOP SECRET", "nuc")
    assert "UNCLASSIFIED to SECRET//NUC,SIGMA" in by_range.message
    assert "test-enclave" in by_range.message
    by_level = policy.decide_request(secret, "RESTRICTED", "nuc")
    assert "UNCLASSIFIED, CUI, SECRET, TOP SECRET" in by_level.message
    by_compartment = policy.decide_request(secret, "SECRET//GAMMA", "nuc")
    assert "GAMMA" in by_compartment.message and "SIGMA" not in by_compartment.message
