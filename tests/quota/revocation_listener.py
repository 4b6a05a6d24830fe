"""A replica's revocation subscriber, as a separate OS process for ``test_revocation.py``.

Prints ``listening`` once subscribed (or polling), then one line per key id it is told to drop
(``*`` meaning "drop everything"), until it is terminated.
"""

from __future__ import annotations

import argparse
import asyncio

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import create_async_engine

from labgate.quota import DatabaseRevocationBus, RedisRevocationBus, RevocationBus
from labgate.store.engine import make_engine


def build(args: argparse.Namespace) -> RevocationBus:
    if args.redis:
        return RedisRevocationBus(Redis.from_url(args.redis), channel=args.channel)
    if args.database.startswith("sqlite"):
        engine = make_engine(args.database)
    else:
        engine = create_async_engine(
            args.database, connect_args={"server_settings": {"search_path": args.schema}}
        )
    return DatabaseRevocationBus(engine, poll_interval_s=0.1)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--redis", default="")
    parser.add_argument("--channel", default="labgate-test:revoked")
    parser.add_argument("--database", default="")
    parser.add_argument("--schema", default="public")
    args = parser.parse_args()
    bus = build(args)

    async def announce() -> None:
        await bus.listening.wait()
        print("listening", flush=True)

    announcer = asyncio.create_task(announce())
    await bus.run(lambda key_id: print(key_id, flush=True))
    announcer.cancel()


if __name__ == "__main__":
    asyncio.run(main())
