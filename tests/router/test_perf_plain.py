"""The plain worker call with less work per call (issue 25): the reused connection's retry is a
``try``, not a ``contextlib.suppress`` object, and one reading of the loop's clock serves the
call's deadline and the idle connections' age. What a call promises is unchanged."""

from __future__ import annotations

import asyncio

import pytest

from labgate.router.plain import PlainClient, WorkerProtocolError
from tests.router.test_plain import OK, answer, post, raw_server


async def _keep_alive(server, reader, writer) -> None:  # type: ignore[no-untyped-def]
    while await server.read_request(reader) is not None:
        writer.write(answer(OK))
        await writer.drain()


async def test_an_idle_connection_older_than_the_idle_timeout_is_not_reused() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await _keep_alive(server, reader, writer)

    async with raw_server(handler) as (server, origin):
        young = PlainClient(idle_timeout_s=30.0)
        for _ in range(3):
            assert await post(young, origin) == (200, OK)
        assert young.connections_made == 1  # within its idle timeout: reused
        old = PlainClient(idle_timeout_s=1.0)  # 1 s: a busy host stalls for 50 ms, not 1 s
        assert await post(old, origin) == (200, OK)
        await asyncio.sleep(1.5)  # still open on the worker's side, but too old to reuse
        assert await post(old, origin) == (200, OK)
        assert old.connections_made == 2
        assert await post(old, origin) == (200, OK)  # the new one is young: reused
        assert old.connections_made == 2
        young.close()
        old.close()


async def test_only_a_reused_connection_closed_unanswered_is_sent_again() -> None:
    """A garbled answer on a reused connection is the worker's failure: raised, not resent
    (only a close before any byte of the answer is the keep-alive race)."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await server.read_request(reader)
        writer.write(answer(OK))
        await writer.drain()
        if await server.read_request(reader) is not None:
            writer.write(b"NOT HTTP AT ALL\r\n\r\n")
            await writer.drain()
            await server.read_request(reader)

    async with raw_server(handler) as (server, origin):
        client = PlainClient()
        assert await post(client, origin) == (200, OK)
        with pytest.raises(WorkerProtocolError):
            await post(client, origin)
        assert server.connections == 1 and len(server.requests) == 2  # not sent again
        client.close()
