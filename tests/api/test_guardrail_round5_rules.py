"""Issue 21, fifth round, through the API: harmful operations hidden in a tool's definition
are refused by the lexicon's own reading (stage lexicon, so a retrained head cannot turn them
into flags), benign scientific tools on the same systems are answered, and Arabic and Russian
asks the rules used to miss are refused while their benign counterparts are answered.

The cases are this round's own (tests/safety/test_round5_rules_lexicon.py), written for it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.guardrail_cases import ask, not_answered, not_refused, user
from tests.safety.test_round5_rules_lexicon import BENIGN, BENIGN_TOOLS, HARMFUL, HIDDEN_TOOLS

pytestmark = pytest.mark.store

GREETING = [{"role": "user", "content": "Hello! Please help me with my lab work today."}]

# the plain Arabic and Russian asks of HARMFUL (no frame, nothing for the unframing to do)
ASKS = [
    t for t in HARMFUL if any("\u0600" <= c <= "\u06ff" or "\u0400" <= c <= "\u04ff" for c in t)
]
QUESTIONS = [
    t for t in BENIGN if any("\u0600" <= c <= "\u06ff" or "\u0400" <= c <= "\u04ff" for c in t)
]


async def test_hidden_operations_in_tools_are_refused_by_the_lexicon(
    guarded: dict[str, Any],
) -> None:
    wrong = []
    before = guarded["worker"].requests
    for case, tool in HIDDEN_TOOLS.items():
        finish, decision = await ask(guarded, {"messages": GREETING, "tools": [tool]})
        lexicon = any(r.startswith("lexicon:") for r in decision.get("reasons", []))
        if finish != "content_filter" or decision["action"] != "block" or not lexicon:
            wrong.append((case, finish, decision["action"], decision.get("reasons")))
    assert wrong == []
    assert guarded["worker"].requests == before


async def test_benign_tools_on_the_same_systems_are_answered(guarded: dict[str, Any]) -> None:
    cases = [(case, {"messages": GREETING, "tools": [t]}) for case, t in BENIGN_TOOLS.items()]
    assert await not_answered(guarded, cases) == []


async def test_arabic_and_russian_asks_are_refused(guarded: dict[str, Any]) -> None:
    assert await not_refused(guarded, [(text, user(text)) for text in ASKS]) == []


async def test_arabic_and_russian_questions_on_the_same_agents_are_answered(
    guarded: dict[str, Any],
) -> None:
    assert await not_answered(guarded, [(text, user(text)) for text in QUESTIONS]) == []
