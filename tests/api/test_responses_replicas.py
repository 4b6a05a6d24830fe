"""A conversation chained across two gateway replicas sharing one database (PostgreSQL in the
store pass): a turn answered by one replica continues on the other by previous_response_id,
and either replica retrieves and deletes it. Stored responses live in the database, sealed
with the master keys both replicas hold."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai
import pytest
from openai import AsyncOpenAI

from labgate.app import create_app
from tests.support.servers import RunningWorker, serve_app

pytestmark = pytest.mark.store


async def test_a_chain_continues_on_another_replica(
    make_settings: Callable[..., Any], fake_worker: RunningWorker
) -> None:
    models = [{"name": "fake", "workers": [fake_worker.base_url]}]
    one, two = create_app(make_settings(models)), create_app(make_settings(models))
    async with serve_app(one) as url_one, serve_app(two) as url_two:
        key = one.state.services.bootstrap.admin_key
        a = AsyncOpenAI(base_url=url_one + "/v1", api_key=key, max_retries=0)
        b = AsyncOpenAI(base_url=url_two + "/v1", api_key=key, max_retries=0)
        first = await a.responses.create(model="fake", input="Remember: the code is 42.")
        second = await b.responses.create(
            model="fake", input="What was the code?", previous_response_id=first.id
        )
        sent = fake_worker.worker.last_payload["messages"]
        assert [m["content"] for m in sent] == [
            "Remember: the code is 42.",
            first.output_text,
            "What was the code?",
        ]
        third = await a.responses.create(
            model="fake", input="Thanks.", previous_response_id=second.id
        )
        assert len(fake_worker.worker.last_payload["messages"]) == 5
        assert (await b.responses.retrieve(third.id)).output_text == third.output_text
        await b.responses.delete(first.id)
        with pytest.raises(openai.NotFoundError):
            await a.responses.retrieve(first.id)
        # the rest of the chain still holds its own copy of the turns before it
        assert (await a.responses.retrieve(second.id)).id == second.id
