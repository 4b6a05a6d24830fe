"""The fake worker's declared capacity (bench/batch.py's stand-in for a GPU worker): with
``slots`` N it serves at most N requests at once and the rest wait in its own queue."""

from __future__ import annotations

import asyncio

import httpx

from labgate.testing.fake_worker import FakeWorker
from tests.support.servers import start_worker


async def test_at_most_slots_requests_are_served_at_once_and_the_rest_wait() -> None:
    running = await start_worker(FakeWorker(flags="delay=0.2", slots=2))
    chat = {"model": "fake", "messages": [{"role": "user", "content": "hi"}]}
    try:
        async with httpx.AsyncClient(base_url=running.base_url, timeout=30) as c:
            sent = [asyncio.create_task(c.post("/chat/completions", json=chat)) for _ in range(5)]
            while running.worker.busy + running.worker.waiting < 5:
                await asyncio.sleep(0.01)
            assert running.worker.busy == 2 and running.worker.waiting == 3
            answers = await asyncio.gather(*sent)
            stats = (await c.get(running.base_url.removesuffix("/v1") + "/stats")).json()
    finally:
        await running.stop()
    assert [a.status_code for a in answers] == [200] * 5
    assert stats["max_waiting"] == 3 and stats["busy"] == 0 and stats["requests"] == 5


async def test_without_slots_the_worker_is_unconstrained() -> None:
    running = await start_worker(FakeWorker(flags="delay=0.2"))
    chat = {"model": "fake", "messages": [{"role": "user", "content": "hi"}]}
    try:
        async with httpx.AsyncClient(base_url=running.base_url, timeout=30) as c:
            answers = await asyncio.gather(
                *(c.post("/chat/completions", json=chat) for _ in range(5))
            )
            stats = (await c.get(running.base_url.removesuffix("/v1") + "/stats")).json()
    finally:
        await running.stop()
    assert [a.status_code for a in answers] == [200] * 5
    assert stats["max_waiting"] == 0
