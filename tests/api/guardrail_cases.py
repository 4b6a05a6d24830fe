"""What the guardrail API tests share: one chat request through the guarded gateway of
tests/api/conftest.py with the input decision the audit log recorded for it, the loops that
collect the cases that went the wrong way (refused or answered), and the tool-definition
builders the tool cases are written with."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

ALLOW: dict[str, Any] = {"action": "allow"}


def user(text: str) -> dict[str, Any]:
    """A chat request body of one user turn."""
    return {"messages": [{"role": "user", "content": text}]}


async def ask(guarded: dict[str, Any], body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The finish reason of one chat request (``body`` without the model) and the input
    decision its audit record holds (``{"action": "allow"}`` when it holds none)."""
    r = await guarded["client"].post("/v1/chat/completions", json={"model": "fake", **body})
    assert r.status_code == 200, r.text
    log = guarded["services"].audit
    record = orjson.loads((await log.get_record(await log.size() - 1)).data)
    inputs = [d for d in record["safety"] if d["direction"] == "input"]
    return r.json()["choices"][0]["finish_reason"], inputs[0] if inputs else ALLOW


async def not_refused(
    guarded: dict[str, Any], cases: Iterable[tuple[Any, dict[str, Any]]]
) -> list[tuple[Any, str, Any]]:
    """The (case, finish reason, reasons) of each request that was not refused: finished
    other than by the content filter, or its input decision not a block."""
    wrong = []
    for case, body in cases:
        finish, decision = await ask(guarded, body)
        if finish != "content_filter" or decision["action"] != "block":
            wrong.append((case, finish, decision.get("reasons")))
    return wrong


async def not_answered(
    guarded: dict[str, Any], cases: Iterable[tuple[Any, dict[str, Any]]]
) -> list[tuple[Any, str, Any]]:
    """The (case, finish reason, reasons) of each request that was not answered: finished
    other than by 'stop', or its input decision a block."""
    wrong = []
    for case, body in cases:
        finish, decision = await ask(guarded, body)
        if finish != "stop" or decision["action"] == "block":
            wrong.append((case, finish, decision.get("reasons")))
    return wrong


def texts(cases: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """(case, one-user-turn body) for each named text."""
    return [(case, user(text)) for case, text in cases.items()]


def function_tool(name: str, description: str, **props: dict[str, Any]) -> dict[str, Any]:
    """A chat tool definition: a function with string-keyed parameter schemas."""
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": props},
        },
    }


def string(**kw: Any) -> dict[str, Any]:
    """A string parameter's schema."""
    return {"type": "string", **kw}


def bench_benign_tools() -> list[dict[str, Any]]:
    """The tool-screening benchmark's benign scientific tools (bench/tools_screening.py)."""
    bench = Path(__file__).resolve().parents[2] / "bench"
    sys.path.insert(0, str(bench))
    try:
        from tools_screening import BENIGN  # the benchmark's 24 scientific tools
    finally:
        sys.path.remove(str(bench))
    return list(BENIGN)
