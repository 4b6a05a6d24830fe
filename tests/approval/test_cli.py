"""``labgate models …`` against a running gateway, with the caller's own key: the same rules
as the admin API (a platform administrator submits; signing off needs the approver role)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from labgate.app import Services, create_app
from labgate.approval.digest import weights_digest
from labgate.cli import app as cli
from tests.approval.test_gate import CHAT, GOOD, build_world
from tests.support.servers import serve_app, start_fake_worker

pytestmark = pytest.mark.store  # PostgreSQL + Redis too (scripts/test.sh, pass 2)


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


SLASHED = "lab-models/llama-3.1-8b"  # a repository-style name, as /v1/models serves them


async def test_a_version_lives_its_whole_life_through_the_cli(
    make_settings: Callable[..., Any], tmp_path: Path
) -> None:
    """submit, list, show, approve (two approvers), traffic, card, retire: each through
    ``labgate models`` with each person's own key, for a model whose name holds a slash."""
    weights = tmp_path / "w.gguf"
    weights.write_bytes(b"the weights")
    digest = weights_digest(weights)[0]
    async with build_world(make_settings, {SLASHED: digest}) as world:
        url, keys = world.url, world.keys

        async def cli_as(who: str, *args: str) -> Any:
            return await asyncio.to_thread(_run, list(args), url, keys[who])

        r = await world.post("user", "/v1/chat/completions", {"model": SLASHED, **CHAT})
        assert r.status_code == 403 and r.json()["error"]["code"] == "model_not_approved"
        done = await cli_as("subm", "models", "submit", SLASHED, "r1", "--weights", str(weights))
        assert done.exit_code == 0, done.output
        ref = f"{SLASHED}@r1"
        r = await world.post(
            "padm",
            f"/v1/admin/models/{ref}/evaluations",
            {"suites": {"science": 1}, "seed": 1, "metrics": GOOD, "finished": True},
        )
        assert r.status_code == 200, r.text
        first = await cli_as(
            "ap1", "models", "approve", ref, "--deployment", "enclave-a", "--reason", "read it"
        )
        assert first.exit_code == 0, first.output
        assert json.loads(first.stdout)["status"] == "awaiting_second_signoff"
        second = await cli_as(
            "ap3", "models", "approve", ref, "--deployment", "enclave-a", "--reason", "checked"
        )
        assert second.exit_code == 0, second.output
        assert json.loads(second.stdout)["status"] == "approved"
        r = await world.post("user", "/v1/chat/completions", {"model": SLASHED, **CHAT})
        assert r.status_code == 200, r.text
        shown = await cli_as("padm", "models", "show", ref)
        assert shown.exit_code == 0, shown.output
        view = json.loads(shown.stdout)
        assert view["status"] == "serving" and view["weights_digest"] == digest
        assert [a["kind"] for a in view["approvals"]] == ["two_person"]
        listed = await cli_as("padm", "models", "list", "--name", SLASHED)
        assert listed.exit_code == 0, listed.output
        assert f"{ref}  serving" in listed.stdout and "enclave-a" in listed.stdout
        card = await world.get("user", f"/v1/model-cards/{SLASHED}")
        assert card.status_code == 200 and digest in card.text
        written = await cli_as("padm", "eval", "card", ref, "--out", str(tmp_path / "cards"))
        assert written.exit_code == 0, written.output
        html = Path(written.stdout.strip())
        assert html.name == "lab-models_llama-3.1-8b@r1.card-v1.html", html
        assert digest in html.read_text() and digest in html.with_suffix(".md").read_text()
        assert "enclave-a" in html.read_text()
        retired = await cli_as("ap1", "models", "retire", ref, "--reason", "found a flaw")
        assert retired.exit_code == 0, retired.output
        r = await world.post("user", "/v1/chat/completions", {"model": SLASHED, **CHAT})
        assert r.status_code == 403 and r.json()["error"]["code"] == "model_not_approved"
        # an unknown reference is a clear refusal, not a crash
        missing = await cli_as("padm", "models", "show", "no/such@model")
        assert missing.exit_code == 1 and "HTTP 404" in missing.output
