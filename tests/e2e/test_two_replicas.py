"""Two gateway processes sharing the real PostgreSQL and Redis: a project's budget holds
globally under concurrent load, and a key revoked on one replica is refused by the other
within a second."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.conftest import PG_ADMIN_DSN, REDIS_URL
from tests.support.servers import free_port, wait_http_ok

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

BUDGET_TOKENS = 600  # a request reserves its worst case (~50) and settles 7 + 6 = 13 tokens


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[dict[str, object]]:
    db = "lgrep_" + uuid.uuid4().hex[:10]
    asyncio.run(_pg(f'CREATE DATABASE "{db}"'))
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].split("://", 1)[1]
    wport = free_port()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "labgate.testing.fake_worker",
            "--port",
            str(wport),
            "--flags",
            "delay=0.01",
        ]
    )
    config = tmp_path / "labgate.toml"
    config.write_text(
        '[embedded]\nenabled = false\n\n[approval]\nenforce = false\n\n[[models]]\nname = "fake"\n'
        f'workers = ["http://127.0.0.1:{wport}/v1"]\n'
        "[scheduler.interactive]\nmax_wait_s = 30\nmax_queued = 5000\n"
        "max_queued_per_user = 5000\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABGATE_")}
    env.update(
        {
            "LABGATE_DATABASE_URL": f"postgresql://{base}/{db}",
            "LABGATE_REDIS_URL": REDIS_URL,
            "LABGATE_REDIS_PREFIX": f"lgrep:{db}:",
        }
    )
    gateways, urls = [], []
    data = tmp_path / "data"
    try:
        for _ in range(2):
            port = free_port()
            # one shared data dir: same admin key file and audit signing key on both replicas
            gateways.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "labgate.cli",
                        "serve",
                        "--port",
                        str(port),
                        "--data-dir",
                        str(data),
                        "--config",
                        str(config),
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
            wait_http_ok(urls[-1] + "/healthz", gateways[-1])
        wait_http_ok(f"http://127.0.0.1:{wport}/v1/models", worker)
        yield {
            "urls": urls,
            "key": (data / "admin.key").read_text().strip(),
            "dsn": f"postgresql://{base}/{db}",
        }
    finally:
        for p in [*gateways, worker]:
            p.terminate()
        for p in [*gateways, worker]:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))


async def _pg(sql: str, dsn: str = PG_ADMIN_DSN) -> object:
    conn = await asyncpg.connect(dsn)
    try:
        return (
            await conn.fetch(sql)
            if sql.lstrip().upper().startswith("SELECT")
            else await conn.execute(sql)
        )
    finally:
        await conn.close()


def test_budget_holds_across_two_replicas(cluster: dict[str, object]) -> None:
    urls: list[str] = cluster["urls"]  # type: ignore[assignment]
    asyncio.run(
        _pg(
            f"UPDATE projects SET budget_tokens = {BUDGET_TOKENS} WHERE id = 'default'",
            str(cluster["dsn"]),
        )
    )
    # (no request has been made yet, so neither replica has the project cached)

    async def hammer() -> list[int]:
        async def client(url: str, n: int) -> list[int]:
            async with httpx.AsyncClient(
                base_url=url, timeout=30, headers={"Authorization": f"Bearer {cluster['key']}"}
            ) as c:
                out = []
                for i in range(n):
                    r = await c.post(
                        "/v1/chat/completions",
                        json={
                            "model": "fake",
                            "max_tokens": 10,
                            "messages": [{"role": "user", "content": f"q{i}"}],
                        },
                    )
                    out.append(r.status_code)
                return out

        results = await asyncio.gather(*(client(urls[i % 2], 12) for i in range(16)))
        return [s for r in results for s in r]

    statuses = asyncio.run(hammer())
    ok = statuses.count(200)
    assert statuses.count(429) > 0, "the budget must run out"
    assert set(statuses) <= {200, 429}
    # what was used never exceeds the budget (the worst case is reserved before dispatch)...
    assert ok * 13 <= BUDGET_TOKENS
    # ...and it was the budget that stopped them: most of it was spent
    assert ok * 13 >= 0.8 * BUDGET_TOKENS


def test_revocation_reaches_the_other_replica_within_a_second(
    cluster: dict[str, object],
) -> None:
    a, b = cluster["urls"]  # type: ignore[misc]
    admin = {"Authorization": f"Bearer {cluster['key']}"}
    created = httpx.post(f"{a}/v1/admin/keys", headers=admin, json={"name": "t"}).json()
    user = {"Authorization": f"Bearer {created['key']}"}
    assert httpx.get(f"{b}/v1/models", headers=user).status_code == 200  # cached on b now
    assert httpx.delete(f"{a}/v1/admin/keys/{created['id']}", headers=admin).status_code == 200
    revoked_at = time.monotonic()
    while True:
        r = httpx.get(f"{b}/v1/models", headers=user)
        if r.status_code == 401:
            break
        assert time.monotonic() - revoked_at < 1.0, "replica b still accepts the revoked key"
        time.sleep(0.02)
    assert r.json()["error"]["code"] == "revoked_api_key"
