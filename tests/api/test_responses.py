"""POST /v1/responses and its stored responses, through the official openai SDK.

The Responses API is a translation onto the chat path: these tests drive it with the SDK a
scientist uses (plain and streamed, chained by previous_response_id, a function-tool round
trip, json_schema output, retrieve, input_items, delete) and check what reached the worker.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import orjson
import pytest
from openai import AsyncOpenAI

from tests.api.conftest import Gateway

NOTES_TOOL = {
    "type": "function",
    "name": "write_notes",
    "description": "Write notes down.",
    "parameters": {
        "type": "object",
        "properties": {"text": {"type": "string"}},
        "required": ["text"],
    },
}


def _sdk(gateway: Gateway, key: str | None = None) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=gateway.url + "/v1", api_key=key or gateway.key, max_retries=0)


def _worker_payload(gateway: Gateway) -> dict[str, Any]:
    payload = gateway.worker.worker.last_payload
    assert payload is not None
    return payload


async def test_plain_response(gateway: Gateway) -> None:
    client = _sdk(gateway)
    r = await client.responses.create(
        model="fake",
        instructions="Answer briefly.",
        input="What is the capital of France?",
        max_output_tokens=50,
        metadata={"run": "1"},
    )
    assert r.object == "response"
    assert r.id.startswith("resp_")
    assert r.status == "completed"
    assert r.output_text == "Paris is the capital of France."
    assert r.usage is not None and r.usage.input_tokens == 7 and r.usage.output_tokens == 6
    assert r.metadata == {"run": "1"}
    sent = _worker_payload(gateway)
    assert sent["messages"] == [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "What is the capital of France?"},
    ]
    assert sent["max_tokens"] == 50
    # one request path: the chat path's audit record
    log = gateway.services.audit
    assert log is not None
    rec = orjson.loads((await log.get_record(await log.size() - 1)).data)
    assert rec["details"]["endpoint"] == "chat" and rec["status"] == 200


async def test_streamed_response_has_the_full_event_sequence(gateway: Gateway) -> None:
    client = _sdk(gateway)
    events = []
    async with client.responses.stream(model="fake", input="capital of France?") as stream:
        async for event in stream:
            events.append(event)
        final = await stream.get_final_response()
    kinds = [e.type for e in events]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert kinds[-1] == "response.completed"
    for expected in (
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
    ):
        assert expected in kinds
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert final.output_text == "Paris is the capital of France."
    assert final.usage is not None and final.usage.output_tokens == 6
    # the streamed response was stored like a plain one
    again = await client.responses.retrieve(final.id)
    assert again.output_text == final.output_text


async def test_chained_turn_retrieve_input_items_and_delete(gateway: Gateway) -> None:
    client = _sdk(gateway)
    first = await client.responses.create(model="fake", input="Remember: the code is 42.")
    second = await client.responses.create(
        model="fake", input="What was the code?", previous_response_id=first.id
    )
    sent = _worker_payload(gateway)["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[0]["content"] == "Remember: the code is 42."
    assert sent[1]["content"] == first.output_text
    assert second.previous_response_id == first.id

    got = await client.responses.retrieve(second.id)
    assert got.id == second.id and got.output_text == second.output_text
    items = await client.responses.input_items.list(second.id)
    assert [i.type for i in items.data] == ["message"]
    assert items.data[0].content[0].text == "What was the code?"

    await client.responses.delete(first.id)
    with pytest.raises(openai.NotFoundError):
        await client.responses.retrieve(first.id)
    # the chain it started is gone for new turns too
    with pytest.raises(openai.NotFoundError) as err:
        await client.responses.create(model="fake", input="and?", previous_response_id=first.id)
    assert err.value.body["code"] == "previous_response_not_found"  # type: ignore[index]


async def test_store_false_keeps_nothing(gateway: Gateway) -> None:
    client = _sdk(gateway)
    r = await client.responses.create(model="fake", input="hi", store=False)
    assert r.store is False
    with pytest.raises(openai.NotFoundError):
        await client.responses.retrieve(r.id)


async def test_function_tool_round_trip(gateway: Gateway) -> None:
    client = _sdk(gateway)
    r = await client.responses.create(
        model="fake",
        input="Take a note.",
        tools=[NOTES_TOOL],  # type: ignore[list-item]
        tool_choice="auto",
        extra_body={"fake": "tool-call"},
    )
    calls = [o for o in r.output if o.type == "function_call"]
    assert len(calls) == 1
    call = calls[0]
    assert call.name == "write_notes"
    assert json.loads(call.arguments) == {"text": "Paris is the capital of France."}
    sent = _worker_payload(gateway)
    assert sent["tools"][0]["function"]["name"] == "write_notes"
    assert sent["tool_choice"] == "auto"

    follow = await client.responses.create(
        model="fake",
        previous_response_id=r.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "saved"}],
        tools=[NOTES_TOOL],  # type: ignore[list-item]
    )
    assert follow.output_text == "Paris is the capital of France."
    sent = _worker_payload(gateway)["messages"]
    assert sent[1]["role"] == "assistant"
    assert sent[1]["tool_calls"][0]["id"] == call.call_id
    assert sent[2] == {"role": "tool", "tool_call_id": call.call_id, "content": "saved"}


async def test_streamed_function_call(gateway: Gateway) -> None:
    client = _sdk(gateway)
    async with client.responses.stream(
        model="fake",
        input="Take a note.",
        tools=[NOTES_TOOL],  # type: ignore[list-item]
        extra_body={"fake": "tool-call"},
    ) as stream:
        kinds = [e.type async for e in stream]
        final = await stream.get_final_response()
    assert "response.function_call_arguments.delta" in kinds
    assert "response.function_call_arguments.done" in kinds
    call = next(o for o in final.output if o.type == "function_call")
    assert json.loads(call.arguments) == {"text": "Paris is the capital of France."}


async def test_json_schema_output(gateway: Gateway) -> None:
    client = _sdk(gateway)
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    await client.responses.create(
        model="fake",
        input="capital?",
        text={"format": {"type": "json_schema", "name": "city", "schema": schema, "strict": True}},
    )
    fmt = _worker_payload(gateway)["response_format"]
    assert fmt == {
        "type": "json_schema",
        "json_schema": {"name": "city", "schema": schema, "strict": True},
    }


async def test_reasoning_hidden_and_sealed(gateway: Gateway) -> None:
    """Hidden reasoning stays hidden; include=reasoning.encrypted_content seals it for its
    owner (the client can pass it back, not read it); effort reaches the chat path."""
    client = _sdk(gateway)
    r = await client.responses.create(
        model="fake",
        input="capital?",
        reasoning={"effort": "low"},
        include=["reasoning.encrypted_content"],
        extra_body={"fake": "think"},
    )
    assert r.output_text == "Paris is the capital of France."
    reasoning = [o for o in r.output if o.type == "reasoning"]
    assert len(reasoning) == 1 and reasoning[0].summary == []
    token = reasoning[0].encrypted_content
    assert token and "recall" not in token
    assert r.usage is not None and r.usage.output_tokens_details.reasoning_tokens > 0
    # passed back: accepted (and not sent to the worker, which has no place for it)
    back = await client.responses.create(
        model="fake",
        input=[
            {"type": "reasoning", "id": reasoning[0].id, "summary": [], "encrypted_content": token},
            {"role": "user", "content": "and Germany?"},
        ],
    )
    assert back.status == "completed"
    assert [m["role"] for m in _worker_payload(gateway)["messages"]] == ["user"]
    # a forged or someone else's token is refused
    with pytest.raises(openai.BadRequestError):
        await client.responses.create(
            model="fake",
            input=[
                {"type": "reasoning", "id": "rs_x", "summary": [], "encrypted_content": "AAAA"},
                {"role": "user", "content": "hi"},
            ],
        )


async def test_max_output_tokens_cut_is_incomplete(gateway: Gateway) -> None:
    """A stream the chat path cuts at max_tokens (finish_reason length) ends incomplete."""
    client = _sdk(gateway)
    stream = await client.responses.create(
        model="fake",
        input="talk",
        max_output_tokens=16,
        stream=True,
        extra_body={"fake": "words=40"},
    )
    events = [e async for e in stream]
    assert events[-1].type == "response.incomplete"
    r = events[-1].response
    assert r.status == "incomplete"
    assert r.incomplete_details is not None
    assert r.incomplete_details.reason == "max_output_tokens"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"model": "fake"},
        {"model": "fake", "input": 3},
        {"model": "fake", "input": [3]},
        {"model": "fake", "input": []},
        {"model": "fake", "input": [{"type": "message", "role": "pirate", "content": "x"}]},
        {"model": "fake", "input": [{"role": "user", "content": [{"type": "input_image"}]}]},
        {"model": "fake", "input": [{"type": "function_call", "name": "x"}]},
        {"model": "fake", "input": [{"type": "function_call_output", "output": "x"}]},
        {"model": "fake", "input": [{"type": "item_reference", "id": "x"}]},
        {"model": "fake", "input": "x", "tools": [5]},
        {"model": "fake", "input": "x", "tools": [{"type": "function"}]},
        {"model": "fake", "input": "x", "tools": "nope"},
        {"model": "fake", "input": "x", "tool_choice": 7},
        {"model": "fake", "input": "x", "max_output_tokens": 0},
        {"model": "fake", "input": "x", "max_output_tokens": 10**20},
        {"model": "fake", "input": "x", "reasoning": {"effort": "extreme"}},
        {"model": "fake", "input": "x", "text": {"format": {"type": "yaml"}}},
        {"model": "fake", "input": "x", "include": ["file_search_call.results"]},
        {"model": "fake", "input": "x", "metadata": {"k": 1}},
        {"model": "fake", "input": "x", "background": True},
        {"model": "fake", "input": "x", "truncation": "sometimes"},
        {"model": "fake", "input": "x", "previous_response_id": 5},
        {"model": "fake", "input": "x", "previous_response_id": "resp_" + "0" * 500},
        {"model": "fake", "input": "x", "chat_template": "{{ evil }}"},
        [1, 2],
    ],
)
async def test_bad_input_is_a_400_in_the_openai_shape(gateway: Gateway, body: Any) -> None:
    async with gateway.client() as c:
        r = await c.post("/v1/responses", json=body)
    assert r.status_code in (400, 404), r.text
    assert set(r.json()["error"]) >= {"message", "type", "code", "param"}


async def test_not_json_is_a_400(gateway: Gateway) -> None:
    async with gateway.client() as c:
        r = await c.post("/v1/responses", content=b"{nope")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"


async def test_unknown_response_ids_are_404(gateway: Gateway) -> None:
    async with gateway.client() as c:
        for path in ("/v1/responses/resp_nope", "/v1/responses/resp_nope/input_items"):
            r = await c.get(path)
            assert r.status_code == 404 and r.json()["error"]["code"] == "response_not_found"
        r = await c.delete("/v1/responses/resp_nope")
        assert r.status_code == 404
        r = await c.get("/v1/responses/x/input_items", params={"limit": "lots"})
        assert r.status_code == 404  # the id is checked first: nothing about it is told


async def test_no_key_is_a_401(gateway: Gateway) -> None:
    async with httpx.AsyncClient(base_url=gateway.url) as c:
        r = await c.post("/v1/responses", json={"model": "fake", "input": "x"})
        assert r.status_code == 401
        r = await c.get("/v1/responses/resp_x")
        assert r.status_code == 401


async def test_tools_a_chat_worker_cannot_call_are_left_out_and_named(gateway: Gateway) -> None:
    """Codex CLI offers web_search and a namespace of sub-agent tools beside its functions."""
    body = {
        "model": "fake",
        "input": "hi",
        "tools": [
            NOTES_TOOL,
            {"type": "web_search", "external_web_access": False},
            {"type": "namespace", "name": "agents", "tools": []},
        ],
        "client_metadata": {"x": "y"},
    }
    async with gateway.client() as c:
        r = await c.post("/v1/responses", json=body)
        assert r.status_code == 200, r.text
        assert r.headers["x-labgate-tools-left-out"] == "web_search, namespace"
        sent = _worker_payload(gateway)
        assert [t["function"]["name"] for t in sent["tools"]] == ["write_notes"]
        assert "client_metadata" not in sent
        async with c.stream("POST", "/v1/responses", json={**body, "stream": True}) as s:
            assert s.headers["x-labgate-tools-left-out"] == "web_search, namespace"
            await s.aread()


async def test_a_worker_failing_mid_stream_ends_with_error_and_failed(gateway: Gateway) -> None:
    async with gateway.client() as c:
        body = {"model": "fake", "input": "hi", "stream": True, "fake": "die-after=2"}
        async with c.stream("POST", "/v1/responses", json=body) as s:
            raw = (await s.aread()).decode()
    events = [
        json.loads(block.split("data: ", 1)[1]) for block in raw.split("\n\n") if "data: " in block
    ]
    kinds = [e["type"] for e in events]
    assert kinds[0] == "response.created"
    assert kinds[-2:] == ["error", "response.failed"]
    assert events[-2]["code"] == "worker_stream_failed"
    assert events[-1]["response"]["status"] == "failed"
    assert events[-1]["response"]["error"]["code"] == "worker_stream_failed"
    assert [e["sequence_number"] for e in events] == list(range(len(events)))


async def test_stored_responses_expire(gateway: Gateway) -> None:
    from datetime import UTC, datetime, timedelta

    from labgate.api.responses_routes import response_store

    client = _sdk(gateway)
    r = await client.responses.create(model="fake", input="hi")
    store = response_store(gateway.services)
    assert store.retention == timedelta(days=30)
    assert await store.sweep(datetime.now(UTC) + timedelta(days=29)) == 0
    assert (await client.responses.retrieve(r.id)).id == r.id
    assert await store.sweep(datetime.now(UTC) + timedelta(days=31)) == 1
    with pytest.raises(openai.NotFoundError):
        await client.responses.retrieve(r.id)


async def test_stored_items_are_encrypted_at_rest(gateway: Gateway) -> None:
    from sqlalchemy import text

    client = _sdk(gateway)
    r = await client.responses.create(model="fake", input="the secret word is quetzal")
    async with gateway.services.engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT ciphertext, label FROM stored_responses WHERE id = :id"),
                {"id": r.id},
            )
        ).one()
    assert b"quetzal" not in bytes(row[0]) and b"Paris" not in bytes(row[0])
    # a row relabelled in the database no longer opens (the label is bound to the ciphertext)
    async with gateway.services.engine.begin() as conn:
        await conn.execute(
            text("UPDATE stored_responses SET label = 'X' WHERE id = :id"), {"id": r.id}
        )
    async with gateway.client() as c:
        got = await c.get(f"/v1/responses/{r.id}")
    assert got.status_code == 404 and got.json()["error"]["code"] == "response_not_found"


async def test_shown_reasoning_is_a_summary_plain_and_streamed(gateway: Gateway) -> None:
    """A platform admin who asks to see reasoning gets it as the reasoning item's summary, and
    in a stream as reasoning summary events before the answer's text."""
    client = _sdk(gateway)
    show = {"X-Labgate-Show-Reasoning": "true"}
    r = await client.responses.create(
        model="fake", input="capital?", extra_headers=show, extra_body={"fake": "think"}
    )
    reasoning = next(o for o in r.output if o.type == "reasoning")
    assert "recall the relevant fact" in reasoning.summary[0].text
    assert r.output_text == "Paris is the capital of France."
    async with client.responses.stream(
        model="fake", input="capital?", extra_headers=show, extra_body={"fake": "think"}
    ) as stream:
        kinds = [e.type async for e in stream]
        final = await stream.get_final_response()
    first_text = kinds.index("response.output_text.delta")
    assert kinds.index("response.reasoning_summary_text.delta") < first_text
    assert "response.reasoning_summary_text.done" in kinds
    assert final.output[0].type == "reasoning" and final.output_text == r.output_text


async def test_input_items_pages(gateway: Gateway) -> None:
    client = _sdk(gateway)
    items = [{"role": "user", "content": f"part {i}"} for i in range(5)]
    r = await client.responses.create(model="fake", input=items)  # type: ignore[arg-type]
    page = await client.responses.input_items.list(r.id, order="asc", limit=2)
    assert [i.content[0].text for i in page.data] == ["part 0", "part 1"]
    assert page.has_more
    everything = [i.content[0].text async for i in client.responses.input_items.list(r.id)]
    assert everything == [f"part {i}" for i in reversed(range(5))]  # newest first by default
    async with gateway.client() as c:
        bad = await c.get(f"/v1/responses/{r.id}/input_items", params={"limit": "0"})
        assert bad.status_code == 400 and bad.json()["error"]["param"] == "limit"
        bad = await c.get(f"/v1/responses/{r.id}/input_items", params={"order": "up"})
        assert bad.status_code == 400
