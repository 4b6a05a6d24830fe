"""Codex CLI (the pinned npm package @openai/codex) runs ``codex exec`` to completion against
labgate, configured with a custom model provider on the Responses API, and prints the model's
answer. Codex offers tools a chat worker cannot call (``web_search``, a ``namespace`` of
sub-agents): labgate leaves them out and passes on its function tools.

The CLI is installed by ``scripts/install-codex.sh`` into ``.cache/codex`` (npm); without npm
or its registry the test is skipped, saying why."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from labgate.app import create_app
from tests.support.servers import RunningWorker, serve_app

pytestmark = [pytest.mark.slow, pytest.mark.store]
REPO = Path(__file__).resolve().parents[2]


def _codex() -> str:
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "install-codex.sh")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        pytest.skip(f"Codex CLI could not be installed: {result.stderr.strip()[-500:]}")
    return result.stdout.strip().splitlines()[-1]


async def test_codex_exec_runs_to_completion(
    make_settings: Callable[..., Any], fake_worker: RunningWorker, tmp_path: Path
) -> None:
    codex = await asyncio.to_thread(_codex)
    app = create_app(make_settings([{"name": "fake", "workers": [fake_worker.base_url]}]))
    async with serve_app(app) as url:
        key = app.state.services.bootstrap.admin_key
        home, work = tmp_path / "codex-home", tmp_path / "work"
        home.mkdir()
        work.mkdir()
        (home / "config.toml").write_text(
            'model = "fake"\n'
            'model_provider = "labgate"\n\n'
            "[model_providers.labgate]\n"
            'name = "labgate"\n'
            f'base_url = "{url}/v1"\n'
            'env_key = "LABGATE_KEY"\n'
            'wire_api = "responses"\n'
        )
        env = {**os.environ, "CODEX_HOME": str(home), "LABGATE_KEY": key}
        proc = await asyncio.create_subprocess_exec(
            codex,
            "exec",
            "--skip-git-repo-check",
            "What is the capital of France?",
            cwd=work,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), timeout=180)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert out.decode().strip() == "Paris is the capital of France."
    sent = fake_worker.worker.last_payload
    assert sent is not None
    assert sent["messages"][-1] == {"role": "user", "content": "What is the capital of France?"}
    assert "exec_command" in {t["function"]["name"] for t in sent["tools"]}


async def test_codex_exec_runs_with_the_guardrail_on(
    make_settings: Callable[..., Any], fake_worker: RunningWorker, tmp_path: Path
) -> None:
    """With the guardrail on, as every real deployment runs: Codex's own 17,000-character
    developer prompt scored 0.91 cbrn_biological and its environment block tripped the
    payload-splitting decoder, so every turn was refused (and retried five times). A client's
    instructions are now screened like tool definitions (docs/safety.md)."""
    codex = await asyncio.to_thread(_codex)
    settings = make_settings(
        [{"name": "fake", "workers": [fake_worker.base_url]}], safety={"enabled": True}
    )
    app = create_app(settings)
    async with serve_app(app) as url:
        key = app.state.services.bootstrap.admin_key
        home, work = tmp_path / "codex-home", tmp_path / "work"
        home.mkdir()
        work.mkdir()
        (home / "config.toml").write_text(
            'model = "fake"\nmodel_provider = "labgate"\n\n[model_providers.labgate]\n'
            f'name = "labgate"\nbase_url = "{url}/v1"\nenv_key = "LABGATE_KEY"\n'
            'wire_api = "responses"\n'
        )
        env = {**os.environ, "CODEX_HOME": str(home), "LABGATE_KEY": key}
        proc = await asyncio.create_subprocess_exec(
            codex, "exec", "--skip-git-repo-check", "What is the capital of France?",
            cwd=work, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), timeout=300)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert out.decode().strip() == "Paris is the capital of France."
    assert fake_worker.worker.requests >= 1
