"""Issue 21, fifth round, through the API: harmful operations hidden in a tool's definition
are refused by the lexicon's own reading (stage lexicon, so a retrained head cannot turn them
into flags), benign scientific tools on the same systems are answered, and Arabic and Russian
asks the rules used to miss are refused while their benign counterparts are answered.

The cases are this round's own (tests/safety/test_round5_rules_lexicon.py), written for it.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

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


@pytest.fixture
def gateway(guarded: dict[str, Any]) -> dict[str, Any]:
    """The guarded gateway of tests/api/conftest.py under this file's name."""
    return guarded


async def _ask(gateway: dict[str, Any], body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    r = await gateway["client"].post("/v1/chat/completions", json={"model": "fake", **body})
    assert r.status_code == 200, r.text
    log = gateway["services"].audit
    record = orjson.loads((await log.get_record(await log.size() - 1)).data)
    inputs = [d for d in record["safety"] if d["direction"] == "input"]
    return r.json()["choices"][0]["finish_reason"], inputs[0] if inputs else {"action": "allow"}


async def test_hidden_operations_in_tools_are_refused_by_the_lexicon(
    gateway: dict[str, Any],
) -> None:
    wrong = []
    before = gateway["worker"].requests
    for case, tool in HIDDEN_TOOLS.items():
        finish, decision = await _ask(gateway, {"messages": GREETING, "tools": [tool]})
        lexicon = any(r.startswith("lexicon:") for r in decision.get("reasons", []))
        if finish != "content_filter" or decision["action"] != "block" or not lexicon:
            wrong.append((case, finish, decision["action"], decision.get("reasons")))
    assert wrong == []
    assert gateway["worker"].requests == before


async def test_benign_tools_on_the_same_systems_are_answered(gateway: dict[str, Any]) -> None:
    wrong = []
    for case, tool in BENIGN_TOOLS.items():
        finish, decision = await _ask(gateway, {"messages": GREETING, "tools": [tool]})
        if finish != "stop" or decision["action"] == "block":
            wrong.append((case, decision.get("reasons")))
    assert wrong == []


async def test_arabic_and_russian_asks_are_refused(gateway: dict[str, Any]) -> None:
    wrong = []
    for text in ASKS:
        finish, decision = await _ask(gateway, {"messages": [{"role": "user", "content": text}]})
        if finish != "content_filter" or decision["action"] != "block":
            wrong.append((text, finish, decision.get("reasons")))
    assert wrong == []


async def test_arabic_and_russian_questions_on_the_same_agents_are_answered(
    gateway: dict[str, Any],
) -> None:
    wrong = []
    for text in QUESTIONS:
        finish, decision = await _ask(gateway, {"messages": [{"role": "user", "content": text}]})
        if finish != "stop" or decision["action"] == "block":
            wrong.append((text, decision.get("reasons")))
    assert wrong == []
