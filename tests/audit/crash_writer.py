"""A process that appends to the audit log under load until it is killed (for test_crash).

Usage: ``python crash_writer.py DB_PATH SIGNING_KEY_FILE``. Prints ``<index> <request id>`` for
every append as soon as it has returned, i.e. once the record is committed; the test SIGKILLs
this process mid-flight and checks every printed record survived.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from labgate.audit.checkpoint import CheckpointPublisher
from labgate.audit.log import AuditLog
from labgate.audit.note import load_or_create_signer
from labgate.store.engine import make_engine

ORIGIN = "crash.test/audit"
WRITERS = 64


async def main(db_path: str, key_file: str, synchronous: str) -> None:
    engine = make_engine(f"sqlite:///{db_path}")
    audit_log = AuditLog(engine, sqlite_synchronous=synchronous)  # type: ignore[arg-type]
    await audit_log.start()
    publisher = CheckpointPublisher(
        audit_log, load_or_create_signer(Path(key_file), ORIGIN), interval_s=0.05
    )
    await publisher.start()

    async def writer(number: int) -> None:
        n = 0
        while True:
            request_id = f"w{number}-{n}"
            index = await audit_log.append(
                {"kind": "request", "request_id": request_id, "user": f"u{number}",
                 "project": "crash", "outcome": "ok"}
            )
            sys.stdout.write(f"{index} {request_id}\n")
            sys.stdout.flush()
            n += 1

    await asyncio.gather(*(writer(w) for w in range(WRITERS)))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "FULL"))
