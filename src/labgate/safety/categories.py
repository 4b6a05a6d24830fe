"""The vocabulary of the guardrail: policy categories, actions, and the classifier's classes.

A *category* is what the policy talks about (each has an action and a threshold). A *class* is
what the trained head predicts; the head's classes are the categories plus a plain ``benign``
class, so the policy can name every class but ``benign``. Keeping both lists here, in one small
module, means the policy, the head file and the evaluation can never disagree on names or order.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    CBRN_CHEMICAL = "cbrn_chemical"
    CBRN_BIOLOGICAL = "cbrn_biological"
    CBRN_RADIOLOGICAL = "cbrn_radiological"
    CBRN_NUCLEAR = "cbrn_nuclear"
    CYBER_INFRASTRUCTURE = "cyber_infrastructure"
    GENERAL_HARM = "general_harm"
    JAILBREAK = "jailbreak"
    PROMPT_INJECTION = "prompt_injection"
    ALLOWED_DUAL_USE = "allowed_dual_use"


class Action(StrEnum):
    ALLOW = "allow"
    FLAG = "flag"
    BLOCK = "block"


class Stage(StrEnum):
    """Which part of the guardrail produced a decision."""

    NONE = "none"
    PATTERNS = "patterns"
    LEXICON = "lexicon"
    CLASSIFIER = "classifier"
    JUDGE = "judge"


SEVERITY: dict[Action, int] = {Action.ALLOW: 0, Action.FLAG: 1, Action.BLOCK: 2}

CBRN: tuple[Category, ...] = (
    Category.CBRN_CHEMICAL,
    Category.CBRN_BIOLOGICAL,
    Category.CBRN_RADIOLOGICAL,
    Category.CBRN_NUCLEAR,
)

# Categories about the *content* of a request or answer (what is asked for). The allow-list can
# waive these; it never waives an attack on the guardrail itself (jailbreak, injection).
HARM: tuple[Category, ...] = (*CBRN, Category.CYBER_INFRASTRUCTURE, Category.GENERAL_HARM)

# Categories about the *form* of a request: attempts to subvert the model or the gateway. They
# only make sense on inputs; a model's answer that quotes "ignore previous instructions" is not
# an attack, so output screening skips them.
ATTACK: tuple[Category, ...] = (Category.JAILBREAK, Category.PROMPT_INJECTION)

BENIGN_CLASS = "benign"

# The head's output classes, in the order of its weight matrix columns.
HEAD_CLASSES: tuple[str, ...] = (
    BENIGN_CLASS,
    Category.ALLOWED_DUAL_USE.value,
    *(c.value for c in HARM),
    *(c.value for c in ATTACK),
)


def more_severe(a: Action, b: Action) -> Action:
    """The stricter of two actions."""
    return a if SEVERITY[a] >= SEVERITY[b] else b
