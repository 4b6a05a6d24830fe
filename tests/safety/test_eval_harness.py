"""The TSV harness (``labgate safety eval --tsv``, ``bench/safety.py --tsv``): each row becomes
the request its shape says, and answers are counted as a client sees them.

Uses a tiny synthetic set written here, never the frozen suite. The end-to-end cases run the
real gateway and its real screen, with policies that make the decision certain whatever the
classifier says (every category's bar at 0), so they test the harness, not the guardrail.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from labgate.safety.categories import Category
from labgate.safety.suite_eval import (
    TEXTBOOK_ANSWER,
    SuiteFormatError,
    SuiteItem,
    _refused,
    build_request,
    load_suite,
    run_suite,
)

HARMFUL_TSV = (
    "language\tfamily\ttext\tshape\n"
    "en\tplain\tPlease list three noble gases.\t\n"
    "fr\treframed\tDonne trois gaz nobles.\t\n"
    "en\tmultiturn\tWhat is argon? || Where is it used? || And neon?\t\n"
    "en\tdocument\tSummarise the attached. || Argon is a noble gas used in welding.\t\n"
    'en\ttool_call\tContinue. || lookup({"query": "argon uses"})\t\n'
    "en\ttool_definition\tWhat's the weather? || get_weather: Returns the weather for a city.\t\n"
    "en\tplanted\tTranslate this: 'hello' || not a separator here\t\n"
)
BENIGN_TSV = (
    "language\tdomain\ttext\n"
    "en\teveryday\thi, which gas glows in a neon sign?\n"  # "hi" alone is never screened
    "de\tbiology\tWie kultiviere ich E. coli?\n"
    "en\tnuclear\tWhat is a moderator? || Why graphite?\n"
)


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    (tmp_path / "harmful.tsv").write_text(HARMFUL_TSV, encoding="utf-8")
    (tmp_path / "benign.tsv").write_text(BENIGN_TSV, encoding="utf-8")
    return tmp_path


def _by_group(items: list[SuiteItem]) -> dict[str, SuiteItem]:
    return {f"{i.kind}:{i.group}": i for i in items}


def test_rows_are_read_with_kind_language_group_and_shape(suite: Path) -> None:
    items = load_suite(suite)
    assert len(items) == 10
    by = _by_group(items)
    assert by["harmful:reframed"].language == "fr"
    assert by["harmful:multiturn"].request_shape == "multiturn"
    assert by["harmful:planted"].request_shape == "message"  # a pasted text is one message
    assert by["benign:everyday"].request_shape == "message"
    # a benign row without a shape column and with " || " is still one message
    assert by["benign:nuclear"].request_shape == "message"
    assert len(load_suite(suite / "benign.tsv")) == 3


def test_each_shape_builds_the_request_a_client_would_send(suite: Path) -> None:
    by = _by_group(load_suite(suite))

    plain = build_request(by["harmful:plain"])
    assert plain["messages"] == [{"role": "user", "content": "Please list three noble gases."}]

    turns = build_request(by["harmful:multiturn"])["messages"]
    assert [m["role"] for m in turns] == ["user", "assistant", "user", "assistant", "user"]
    assert turns[-1]["content"] == "And neon?"
    assert turns[1]["content"] == TEXTBOOK_ANSWER

    doc = build_request(by["harmful:document"])
    assert doc["messages"] == [{"role": "user", "content": "Summarise the attached."}]
    assert doc["documents"][0]["text"] == "Argon is a noble gas used in welding."

    call = build_request(by["harmful:tool_call"])["messages"]
    assert [m["role"] for m in call] == ["user", "assistant", "tool", "user"]
    fn = call[1]["tool_calls"][0]["function"]
    assert fn["name"] == "lookup" and json.loads(fn["arguments"]) == {"query": "argon uses"}
    assert call[2]["tool_call_id"] == call[1]["tool_calls"][0]["id"]
    assert call[-1]["content"] == "Continue."

    tools = build_request(by["harmful:tool_definition"])
    assert tools["messages"] == [{"role": "user", "content": "What's the weather?"}]
    assert tools["tools"][0]["function"]["name"] == "get_weather"
    assert tools["tools"][0]["function"]["description"] == "Returns the weather for a city."

    planted = build_request(by["harmful:planted"])
    assert planted["messages"][0]["content"] == "Translate this: 'hello' || not a separator here"


def test_a_system_row_is_the_deployments_prompt_then_the_user_turn(tmp_path: Path) -> None:
    """``system prompt || user turn``: what a deployment (or an attacker with a system
    prompt of their own) sends; a row with no user turn gets a plain greeting."""
    (tmp_path / "harmful.tsv").write_text(
        "language\tfamily\ttext\tshape\n"
        "en\tsystem\tYou are a lab assistant. || What is argon?\tsystem\n"
        "en\tsystem\tYou are a lab assistant.\tsystem\n",
        encoding="utf-8",
    )
    both, alone = load_suite(tmp_path)
    assert both.request_shape == "system"
    assert build_request(both)["messages"] == [
        {"role": "system", "content": "You are a lab assistant."},
        {"role": "user", "content": "What is argon?"},
    ]
    assert build_request(alone)["messages"][1] == {"role": "user", "content": "Hello."}


def test_a_file_not_in_the_format_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "x.tsv"
    bad.write_text("lang\ttext\nen\thi\n", encoding="utf-8")
    with pytest.raises(SuiteFormatError):
        load_suite(bad)
    bad.write_text("language\tfamily\ttext\tshape\nen\tplain\thi\timage\n", encoding="utf-8")
    with pytest.raises(SuiteFormatError, match="unknown shape"):
        load_suite(bad)


def test_both_refusal_shapes_count_as_blocked() -> None:
    refusal = {"choices": [{"finish_reason": "content_filter", "message": {}}]}
    answer = {"choices": [{"finish_reason": "stop", "message": {}}]}
    violation = {"error": {"code": "content_policy_violation", "message": "no"}}
    other = {"error": {"code": "invalid_request_error", "message": "bad"}}
    assert _refused(200, refusal) == (True, "content_filter")
    assert _refused(200, answer) == (False, "stop")
    assert _refused(400, violation)[0] is True
    assert _refused(400, other)[0] is False


def _every_category(action: str) -> dict[str, Any]:
    return {c.value: {"action": action, "threshold": 0.0} for c in Category}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("safety", "blocked", "flagged"),
    [
        ({"categories": _every_category("allow")}, 0, 0),
        ({"categories": _every_category("flag")}, 0, 10),
        ({"categories": _every_category("block"), "short_text_words": 0}, 10, 0),
        (
            {
                "categories": _every_category("block"),
                "short_text_words": 0,
                "input_block_mode": "error",
            },
            10,
            0,
        ),
    ],
    ids=["allow-all", "flag-all", "block-all-refuse", "block-all-400"],
)
async def test_every_shape_goes_through_the_gateway_and_is_counted(
    suite: Path, safety: dict[str, Any], blocked: int, flagged: int
) -> None:
    """Every shape is a request the gateway takes (no error, answered when allowed), and
    blocked and flagged answers are counted in both block modes."""
    report = await run_suite(load_suite(suite), name="synthetic", safety=safety)
    assert [o.error for o in report.outcomes] == [None] * 10
    h = report.headline()
    assert h["harmful_blocked"] + h["benign_refused"] == blocked
    assert h["harmful_flagged"] + h["benign_flagged"] == flagged
    assert h["harmful_n"] == 7 and h["benign_n"] == 3
    if not blocked:
        assert h["blocked_after_worker"] == 0
    families = report.tables()["harmful by family"]
    assert set(families) == {
        "plain",
        "reframed",
        "multiturn",
        "document",
        "tool_call",
        "tool_definition",
        "planted",
    }
    assert report.tables()["benign by language"]["de"].n == 1
    # the benign rows have no shape column: all three are one user message
    assert {k: c.n for k, c in report.tables()["benign by shape"].items()} == {"message": 3}
    if blocked:
        assert all(o.input_latency_ms is not None for o in report.outcomes)
        assert h["short_prompts_n"] > 0
