"""Two gateway processes on PostgreSQL share one batch's items; one is killed with SIGKILL in
the middle and a fresh one started on the same database: the batch completes with every line
answered exactly once (counts, the output file line by line, and the item rows)."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from openai import OpenAI

from tests.conftest import PG_ADMIN_DSN
from tests.e2e.test_two_replicas import _pg
from tests.support.servers import free_port, wait_http_ok

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

LINES = 300


def _serve(port: int, data: Path, config: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "labgate.cli", "serve", "--port", str(port)]
        + ["--data-dir", str(data), "--config", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[dict[str, object]]:
    db = "lgbat_" + uuid.uuid4().hex[:10]
    asyncio.run(_pg(f'CREATE DATABASE "{db}"'))
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].split("://", 1)[1]
    wport = free_port()
    worker = subprocess.Popen(
        [sys.executable, "-m", "labgate.testing.fake_worker", "--port", str(wport)]
        + ["--flags", "delay=0.05"]
    )
    config = tmp_path / "labgate.toml"
    config.write_text(
        '[embedded]\nenabled = false\n\n[approval]\nenforce = false\n\n[[models]]\nname = "fake"\n'
        f'workers = ["http://127.0.0.1:{wport}/v1"]\n\n'
        "[batch]\nlease_s = 3\npoll_s = 0.1\nconcurrency = 4\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABGATE_")}
    env["LABGATE_DATABASE_URL"] = f"postgresql://{base}/{db}"
    data = tmp_path / "data"
    procs: list[subprocess.Popen[bytes]] = [worker]
    urls: list[str] = []
    try:
        for _ in range(2):
            port = free_port()
            procs.append(_serve(port, data, config, env))
            urls.append(f"http://127.0.0.1:{port}")
            wait_http_ok(urls[-1] + "/healthz", procs[-1])
        wait_http_ok(f"http://127.0.0.1:{wport}/v1/models", worker)
        yield {
            "urls": urls,
            "procs": procs,
            "key": (data / "admin.key").read_text().strip(),
            "dsn": f"postgresql://{base}/{db}",
            "start": lambda port: _serve(port, data, config, env),
        }
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))


def test_a_batch_survives_a_kill_9_of_a_replica(cluster: dict[str, object]) -> None:
    urls: list[str] = cluster["urls"]  # type: ignore[assignment]
    procs: list[subprocess.Popen[bytes]] = cluster["procs"]  # type: ignore[assignment]
    dsn: str = cluster["dsn"]  # type: ignore[assignment]
    clients = [OpenAI(base_url=u + "/v1", api_key=str(cluster["key"]), max_retries=2) for u in urls]
    lines = [
        {
            "custom_id": f"item-{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            # one prompt for all: "q88" reads as a hate code to the guardrail (an error line)
            "body": {"model": "fake", "messages": [{"role": "user", "content": "hello"}]},
        }
        for i in range(LINES)
    ]
    data = b"\n".join(orjson.dumps(x) for x in lines) + b"\n"
    f = clients[0].files.create(file=("in.jsonl", io.BytesIO(data)), purpose="batch")
    batch = clients[0].batches.create(
        input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    # both replicas take items; kill -9 the first once some are done and some in flight
    deadline = time.monotonic() + 120
    while clients[1].batches.retrieve(batch.id).request_counts.completed < LINES // 5:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    procs[1].send_signal(signal.SIGKILL)
    procs[1].wait()
    running = asyncio.run(
        _pg("SELECT count(*) AS n FROM batch_items WHERE status = 'running'", dsn)
    )
    # a fresh replica on the same database: the restart
    port = free_port()
    procs.append(cluster["start"](port))  # type: ignore[operator]
    wait_http_ok(f"http://127.0.0.1:{port}/healthz", procs[-1])
    while (b := clients[1].batches.retrieve(batch.id)).status != "completed":
        assert time.monotonic() < deadline, b.status
        time.sleep(0.1)
    assert (b.request_counts.total, b.request_counts.completed, b.request_counts.failed) == (
        LINES,
        LINES,
        0,
    )
    assert b.error_file_id is None
    out = clients[1].files.content(b.output_file_id).content.splitlines()
    assert len(out) == LINES
    ids = [orjson.loads(x)["custom_id"] for x in out]
    assert sorted(ids) == sorted(f"item-{i}" for i in range(LINES))  # none lost, none twice
    for x in out:
        r = orjson.loads(x)
        assert r["response"]["status_code"] == 200
        assert r["response"]["body"]["choices"][0]["message"]["content"]
    rows = asyncio.run(
        _pg(
            "SELECT count(*) AS n, sum(attempts) AS a, count(*) FILTER (WHERE status = 'done') "
            f"AS d FROM batch_items WHERE batch_id = '{batch.id}'",
            dsn,
        )
    )
    assert rows[0]["n"] == LINES and rows[0]["d"] == LINES  # type: ignore[index]
    # the items the killed replica held were claimed again (one more attempt each, at most)
    assert rows[0]["a"] <= LINES + running[0]["n"] + 8  # type: ignore[index]
