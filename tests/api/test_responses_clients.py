"""Real clients against labgate's Responses API and embeddings, unchanged: the OpenAI Agents SDK
running an agent with one function tool, LangChain's ChatOpenAI on the Responses API and its
OpenAIEmbeddings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from openai import AsyncOpenAI

from labgate.app import create_app
from tests.support.servers import serve_app, start_fake_worker

pytestmark = pytest.mark.store


@pytest.fixture
async def env(make_settings: Callable[..., Any]) -> AsyncIterator[dict[str, Any]]:
    # an agent's worker: calls the tool, then answers once it has read the tool's result
    agentic = await start_fake_worker("agentic", flags="tool-call,then-answer")
    plain = await start_fake_worker("fake")
    settings = make_settings(
        [
            {"name": "agentic", "workers": [agentic.base_url]},
            {"name": "fake", "workers": [plain.base_url]},
            {"name": "embed", "kind": "embedding", "workers": [plain.base_url]},
        ]
    )
    app = create_app(settings)
    async with serve_app(app) as url:
        services = app.state.services
        yield {
            "url": url + "/v1",
            "key": services.bootstrap.admin_key,
            "agentic": agentic.worker,
            "plain": plain.worker,
        }
    await agentic.stop()
    await plain.stop()


async def test_an_agents_sdk_agent_with_one_function_tool(env: dict[str, Any]) -> None:
    from agents import Agent, OpenAIResponsesModel, RunConfig, Runner, function_tool

    notes: list[str] = []

    @function_tool
    def write_notes(text: str) -> str:
        """Write the text down in the lab notebook."""
        notes.append(text)
        return "saved"

    client = AsyncOpenAI(base_url=env["url"], api_key=env["key"], max_retries=0)
    agent = Agent(
        name="notetaker",
        instructions="Take notes with the tool, then confirm.",
        tools=[write_notes],
        model=OpenAIResponsesModel(model="agentic", openai_client=client),
    )
    result = await Runner.run(
        agent, "Note the capital of France.", run_config=RunConfig(tracing_disabled=True)
    )
    assert notes == ["Paris is the capital of France."]
    assert result.final_output == "Paris is the capital of France."
    # the second turn carried the call and its output back as chat messages
    sent = env["agentic"].last_payload["messages"]
    assert [m["role"] for m in sent][-2:] == ["assistant", "tool"]
    assert sent[-1]["content"] == "saved"


async def test_an_agents_sdk_agent_streamed(env: dict[str, Any]) -> None:
    from agents import Agent, OpenAIResponsesModel, RunConfig, Runner, function_tool

    notes: list[str] = []

    @function_tool
    def write_notes(text: str) -> str:
        """Write the text down in the lab notebook."""
        notes.append(text)
        return "saved"

    client = AsyncOpenAI(base_url=env["url"], api_key=env["key"], max_retries=0)
    agent = Agent(
        name="notetaker",
        instructions="Take notes with the tool, then confirm.",
        tools=[write_notes],
        model=OpenAIResponsesModel(model="agentic", openai_client=client),
    )
    run = Runner.run_streamed(
        agent, "Note the capital of France.", run_config=RunConfig(tracing_disabled=True)
    )
    async for _ in run.stream_events():
        pass
    assert notes == ["Paris is the capital of France."]
    assert run.final_output == "Paris is the capital of France."


async def test_langchain_chat_on_the_responses_api(env: dict[str, Any]) -> None:
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(
        model="fake",
        base_url=env["url"],
        api_key=env["key"],
        use_responses_api=True,
        max_retries=0,
    )
    reply = await llm.ainvoke("What is the capital of France?")
    assert reply.text == "Paris is the capital of France."
    chunks = [c async for c in llm.astream("What is the capital of France?")]
    assert "".join(c.text for c in chunks) == "Paris is the capital of France."
    assert env["plain"].last_payload["messages"][-1]["content"] == (
        "What is the capital of France?"
    )


async def test_langchain_embeddings(env: dict[str, Any]) -> None:
    from langchain_openai import OpenAIEmbeddings

    emb = OpenAIEmbeddings(
        model="embed",
        base_url=env["url"],
        api_key=env["key"],
        check_embedding_ctx_length=False,  # text, not tiktoken ids: an OpenAI-compatible server
        max_retries=0,
    )
    docs = await emb.aembed_documents(["a neutron", "a proton", "a neutron"])
    assert len(docs) == 3 and len(docs[0]) == 8
    assert docs[0] == pytest.approx(docs[2]) and docs[0] != docs[1]
    query = await emb.aembed_query("a neutron")
    assert query == pytest.approx(docs[0])
