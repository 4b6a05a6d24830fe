"""A project's change reaches every replica at once, through the admin API or the CLI (issue 27:
CLI changes took seconds to reach a running gateway, up to the project cache's lifetime).

Both replicas keep project rules for an hour in this test, so only the change's event on the
revocation bus (``project:<id>``) can make them see it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from labgate.app import create_app
from labgate.cli import app as cli_app
from tests.support.servers import RunningWorker, serve_app

pytestmark = pytest.mark.store


async def _until(ask: Callable[[], Any], status: int) -> int:
    seen = 0
    for _ in range(100):  # bounded: the database bus polls every 0.25 s
        seen = (await ask()).status_code
        if seen == status:
            break
        await asyncio.sleep(0.1)
    return seen


async def test_api_and_cli_changes_to_a_project_apply_on_every_replica(
    make_settings: Callable[..., Any], fake_worker: RunningWorker, database_url: str,
    redis_url: str | None, tmp_path: Any,
) -> None:
    models = [{"name": name, "workers": [fake_worker.base_url]} for name in ("fake", "other")]
    settings = make_settings(models)
    first, second = create_app(settings), create_app(settings)
    async with serve_app(first) as url_a, serve_app(second) as url_b:
        for gateway in (first, second):
            gateway.state.services.projects.ttl_s = 3600.0
        key = first.state.services.bootstrap.admin_key
        headers = {"Authorization": f"Bearer {key}"}
        async with (
            httpx.AsyncClient(base_url=url_a, headers=headers, timeout=30) as a,
            httpx.AsyncClient(base_url=url_b, headers=headers, timeout=30) as b,
        ):

            def ask_b() -> Any:
                return b.post("/v1/chat/completions", json={
                    "model": "fake", "messages": [{"role": "user", "content": "q"}]})

            assert (await ask_b()).status_code == 200  # replica B now holds the rules

            changed = await a.patch("/v1/admin/projects/default",
                                    json={"allowed_models": ["other"]})
            assert changed.status_code == 200, changed.text
            # a model the project may not use answers as a missing one (docs/labels.md)
            assert await _until(ask_b, 404) == 404

            env: dict[str, str | None] = {
                "LABGATE_DATABASE_URL": database_url,
                "LABGATE_DATA_DIR": str(tmp_path / "cli-data"),
                "LABGATE_REDIS_URL": redis_url or "",
                "LABGATE_REDIS_PREFIX": settings.redis_prefix,
                "LABGATE_CONFIG": "",
            }
            env.update({n: None for n in os.environ if n.startswith("LABGATE_TEST_")})
            done = await asyncio.to_thread(
                CliRunner().invoke, cli_app,
                ["admin", "projects", "update", "default", "--all-models"], env=env,
            )
            assert done.exit_code == 0, (done.stdout, done.stderr)
            assert await _until(ask_b, 200) == 200
