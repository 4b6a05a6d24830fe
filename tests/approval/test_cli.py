"""``labgate models …`` against a running gateway, with the caller's own key: the same rules
as the admin API (a platform administrator submits; signing off needs the approver role)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from labgate.app import Services, create_app
from labgate.approval.digest import weights_digest
from labgate.cli import app as cli
from tests.support.servers import serve_app, start_fake_worker


@pytest.fixture
async def gateway(make_settings: Callable[..., Any]) -> AsyncIterator[tuple[str, Services]]:
    worker = await start_fake_worker("m1")
    app = create_app(make_settings([{"name": "m1", "workers": [worker.base_url]}]))
    try:
        async with serve_app(app) as url:
            yield url, app.state.services
    finally:
        await worker.stop()


def _run(args: list[str], url: str | None = None, key: str | None = None) -> Any:
    env = {"LABGATE_API_KEY": key or "", "LABGATE_URL": url or ""}
    return CliRunner().invoke(cli, args, env=env)


async def test_models_cli_goes_through_the_api(
    gateway: tuple[str, Services], tmp_path: Path
) -> None:
    url, services = gateway
    key = services.bootstrap.admin_key
    weights = tmp_path / "w.gguf"
    weights.write_bytes(b"weights")
    digest = await asyncio.to_thread(_run, ["models", "digest", str(weights)])
    assert digest.exit_code == 0 and digest.stdout.strip() == weights_digest(weights)[0]
    submitted = await asyncio.to_thread(
        _run, ["models", "submit", "m1", "r1", "--weights", str(weights)], url, key
    )
    assert submitted.exit_code == 0, submitted.output
    listed = await asyncio.to_thread(_run, ["models", "list"], url, key)
    assert listed.exit_code == 0 and "m1@r1" in listed.stdout and "candidate" in listed.stdout
    refused = await asyncio.to_thread(
        _run,
        ["models", "approve", "m1@r1", "--deployment", "default", "--reason", "looks fine"],
        url,
        key,
    )
    assert refused.exit_code == 1 and "HTTP 403" in refused.output
    nokey = await asyncio.to_thread(_run, ["models", "list"], url, None)
    assert nokey.exit_code == 2 and "LABGATE_API_KEY" in nokey.output
