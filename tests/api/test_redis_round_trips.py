"""How many Redis round trips one chat request makes with rate limits and a budget on.

Every Redis command or pipeline the gateway sends is one write to a connection; the test
counts those writes (and names the commands) while a request runs. Today: one ``EVALSHA``
that checks the limits and reserves, and one that settles: nothing else per request. A change
that adds a round trip to the request path fails here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from redis.asyncio.connection import AbstractConnection
from sqlalchemy import update

from labgate.store.tenancy import Project
from tests.api.conftest import Gateway
from tests.conftest import STORE

pytestmark = [pytest.mark.store]
CHAT = {"model": "fake", "messages": [{"role": "user", "content": "q"}], "max_tokens": 10}


def _command_name(packed: Any) -> str:
    """The first command's name in what redis-py packed for one write (for the message)."""
    chunks = packed if isinstance(packed, list | tuple) else [packed]
    data = b"".join(c if isinstance(c, bytes) else bytes(c) for c in chunks)
    parts = data.split(b"\r\n")
    return parts[2].decode(errors="replace").upper() if len(parts) > 2 else "?"


class Writes:
    """Every write to a Redis connection while armed: one round trip each."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.armed = False


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> Iterator[Writes]:
    seen = Writes()
    original = AbstractConnection.send_packed_command

    async def counting(self: AbstractConnection, command: Any, check_health: bool = True) -> None:
        if seen.armed:
            seen.names.append(_command_name(command))
        await original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    yield seen


async def _limit_everything(gw: Gateway) -> None:
    async with gw.services.sessions.begin() as s:
        await s.execute(
            update(Project)
            .where(Project.id == "default")
            .values(
                budget_tokens=10**9,
                budget_period="month",
                rpm_limit=10**6,
                tpm_limit=10**9,
                user_rpm_limit=10**6,
                user_tpm_limit=10**9,
            )
        )
    assert gw.services.projects is not None
    gw.services.projects.forget("default")


@pytest.mark.skipif(STORE != "postgres", reason="Redis is the PostgreSQL pass's store")
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
async def test_one_chat_request_is_two_redis_round_trips(
    gateway: Gateway, writes: Writes, stream: bool
) -> None:
    await _limit_everything(gateway)
    async with gateway.client() as c:
        # the first request seeds the period's counter from the database (once per period)
        assert (await c.post("/v1/chat/completions", json=CHAT)).status_code == 200
        for _ in range(3):
            writes.names.clear()
            writes.armed = True
            r = await c.post("/v1/chat/completions", json={**CHAT, "stream": stream})
            assert r.status_code == 200
            await asyncio.sleep(0.05)  # anything the request left running after its answer
            writes.armed = False
            # the background flush (every few seconds) is not the request's: leave it out
            per_request = [n for n in writes.names if n not in ("SMEMBERS", "MULTI", "HMGET")]
            assert per_request == ["EVALSHA", "EVALSHA"], writes.names


@pytest.mark.skipif(STORE != "postgres", reason="Redis is the PostgreSQL pass's store")
async def test_concurrent_requests_share_round_trips(gateway: Gateway, writes: Writes) -> None:
    """Scripts of requests in flight together go out as pipelines: 16 requests take fewer
    than their 32 round trips, and every one is still reserved and settled (usage adds up)."""
    await _limit_everything(gateway)
    from labgate.quota import budget_period

    async with gateway.client() as c:
        assert (await c.post("/v1/chat/completions", json=CHAT)).status_code == 200
        quota = gateway.services.quota
        assert quota is not None
        before = await quota.budgets.usage("default", budget_period("month"))
        writes.names.clear()
        writes.armed = True
        answers = await asyncio.gather(
            *(c.post("/v1/chat/completions", json=CHAT) for _ in range(16))
        )
        writes.armed = False
    assert [r.status_code for r in answers] == [200] * 16
    evalsha = [n for n in writes.names if n == "EVALSHA"]
    assert 2 <= len(evalsha) < 32, writes.names
    after = await quota.budgets.usage("default", budget_period("month"))
    # the first request alone charged before.used; each of the 16 charges the same
    assert after.reserved == 0 and after.used - before.used == 16 * before.used
