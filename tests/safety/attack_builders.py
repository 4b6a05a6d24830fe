"""Request builders shared by the insider-attack rounds (tests/safety/test_round7_attacks.py,
test_round8_attacks.py): chat request bodies shaped as a client sends them, the mechanical
disguises, the case ids and their strict-xfail params, and the screen's reading of a body as
the gateway reads it."""

from __future__ import annotations

import base64
import codecs
from typing import Any

import pytest

from labgate.safety.screen import SafetyScreen
from labgate.visible import definition_prose, definitions_text, document_texts

Body = dict[str, Any]

# Latin letters swapped for Cyrillic look-alikes (a e o p c x i)
_HOMO = str.maketrans("aeopcxi", "аеорсхі")


def _user(text: str) -> Body:
    return {"messages": [{"role": "user", "content": text}]}


def _turns(*texts: str) -> Body:
    """A conversation: user and assistant turns alternate, the user first."""
    return {
        "messages": [
            {"role": ("user", "assistant")[i % 2], "content": t} for i, t in enumerate(texts)
        ]
    }


def _doc(ask: str, *docs: str) -> Body:
    """A user turn with retrieval documents (vLLM's ``documents``)."""
    return {
        "messages": [{"role": "user", "content": ask}],
        "documents": [{"title": f"doc{i}", "text": d} for i, d in enumerate(docs)],
    }


def _tool_result(ask: str, name: str, arguments: str, result: str, after: str) -> Body:
    """The user's ask, a call the assistant made, the tool's result, and the user's next turn."""
    return {
        "messages": [
            {"role": "user", "content": ask},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": name, "arguments": arguments},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": result},
            {"role": "user", "content": after},
        ]
    }


def _s(**kw: Any) -> dict[str, Any]:
    return {"type": "string", **kw}


def _schema(ask: str, name: str, **props: dict[str, Any]) -> Body:
    """A user turn with a json_schema response format."""
    return {
        "messages": [{"role": "user", "content": ask}],
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": name,
                "schema": {"type": "object", "properties": props},
            },
        },
    }


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _rot13(text: str) -> str:
    return codecs.encode(text, "rot13")


def _spaced(text: str) -> str:
    return " ".join(text)


def _homoglyph(text: str) -> str:
    return text.translate(_HOMO)


def _zw(word: str) -> str:
    return "\u200b".join(word)


def _ids(cases: list[tuple[Any, ...]]) -> list[str]:
    """family-language-index for each case, in order."""
    counts: dict[tuple[str, str], int] = {}
    ids = []
    for family, lang, *_ in cases:
        n = counts[(family, lang)] = counts.get((family, lang), 0) + 1
        ids.append(f"{family}-{lang}-{n}")
    return ids


async def _screened(screen: SafetyScreen, body: Body) -> Any:
    """The decision of the screen on ``body``, read as the gateway reads a request."""
    return await screen.check_input(
        body["messages"],
        definitions=definitions_text(body),
        documents=document_texts(body),
        prose=definition_prose(body),
    )


def _reason(sha: str, reason: str) -> str:
    """An xfail's reason: at the commit the file was written against, unless the reason says
    since when it holds ("since ..."; a regression a later head brought)."""
    return reason if reason.startswith("since ") else f"at {sha}: {reason}"


def _params(
    cases: list[tuple[Any, ...]], xfails: dict[str, str], sha: str, only: tuple[str, ...] = ()
) -> list[Any]:
    """One param per case (``only``: those ids), a strict xfail where the guard fails it."""
    params = []
    for case_id, (_, _, body) in zip(_ids(cases), cases, strict=True):
        if only and case_id not in only:
            continue
        marks = (
            [pytest.mark.xfail(strict=True, reason=_reason(sha, xfails[case_id]))]
            if case_id in xfails
            else []
        )
        params.append(pytest.param(body, marks=marks, id=case_id))
    return params
