"""What the model reads of a chat request (labgate.visible), and the order it is screened in."""

from __future__ import annotations

from labgate.safety.chunking import message_texts
from labgate.visible import definitions_text, document_texts, message_text, request_texts


def test_a_message_reads_as_its_text_parts_and_the_calls_it_made() -> None:
    message = {
        "role": "assistant",
        "content": [{"type": "text", "text": "Looking it up."}, {"type": "refusal", "refusal": ""}],
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}},
            {"id": "c2", "type": "function", "function": {"name": "g"}},
        ],
    }
    assert message_text(message) == 'Looking it up.\nf({"x": 1})\ng()'
    # only an assistant turn's calls are read; a user cannot make one
    assert message_text({**message, "role": "user"}) == "Looking it up."
    legacy = {"role": "assistant", "function_call": {"name": "h", "arguments": "{}"}}
    assert message_text(legacy) == "h({})"
    # llama.cpp's server repeats a tool call as the legacy function_call: one call, read once
    both = {**legacy, "tool_calls": [{"function": {"name": "h", "arguments": "{}"}}]}
    assert message_text(both) == "h({})"
    assert message_text({"role": "assistant"}) == ""


def test_definitions_read_as_their_words_in_order() -> None:
    payload = {
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "description": "Weather for a city.",
                    "parameters": {
                        "type": "object",
                        "properties": {"city": {"type": "string", "enum": ["Paris", "Oslo"]}},
                    },
                },
            },
            {"type": "custom", "custom": {"name": "grep", "description": "Search files."}},
        ],
        "functions": [{"name": "legacy", "description": "Old style."}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "out"}},
    }
    assert definitions_text(payload) == (
        "get_weather Weather for a city. object city string Paris Oslo\n\n"
        "custom grep Search files.\n\nlegacy Old style.\n\nout"
    )
    assert definitions_text({"response_format": {"type": "json_object"}}) == ""
    deep: dict[str, object] = {"description": "bottom"}
    for _ in range(100):
        deep = {"items": deep}
    assert definitions_text({"functions": [deep]}) == ""  # past any real schema's depth


def test_the_newest_turn_and_its_documents_are_screened_first() -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": None, "tool_calls": []},
        {"role": "user", "content": "newest"},
    ]
    assert request_texts(messages, "tool words", ["a document"]) == [
        ("system", "Be brief."),
        ("user", "first"),
        ("user", "newest"),
        ("document", "a document"),
        ("tools", "tool words"),
    ]
    assert message_texts(messages, ["a document"]) == [
        ("user", "newest"),
        ("conversation", "first newest"),  # the user's turns read together (docs/safety.md)
        ("document", "a document"),
        ("system", "Be brief."),
        ("user", "first"),
    ]
    assert message_texts(messages)[0] == ("user", "newest")


def test_documents_read_as_their_title_and_text() -> None:
    payload = {"documents": [{"title": "Notes", "text": "Iron melts at 1538 C."}, {}, "plain"]}
    assert document_texts(payload) == ["Notes Iron melts at 1538 C.", "plain"]
    assert definitions_text(payload) == ""  # documents are not definitions
