"""``labgate batch submit|watch|results|cancel`` against a served gateway with a fake worker."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from labgate.cli import app
from tests.batch.test_files_batches import _jsonl, _line, env  # noqa: F401  (the fixture)

pytestmark = pytest.mark.store


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, ["batch", *args], catch_exceptions=False)


async def test_submit_watch_results_and_cancel(env: dict[str, Any], tmp_path: Path) -> None:  # noqa: F811
    common = ["--url", env["url"], "--key", env["services"].bootstrap.admin_key]
    src = tmp_path / "in.jsonl"
    src.write_bytes(_jsonl([_line(f"r{i}", f"q{i}") for i in range(5)]))
    done = await asyncio.to_thread(_run, "submit", str(src), *common)
    assert done.exit_code == 0, done.output
    batch_id = done.stdout.strip().splitlines()[0]
    assert batch_id.startswith("batch_") and "completed" in done.output
    watched = await asyncio.to_thread(_run, "watch", batch_id, *common)
    assert watched.exit_code == 0 and "completed" in watched.output
    out = tmp_path / "out.jsonl"
    got = await asyncio.to_thread(_run, "results", batch_id, *common, "-o", str(out))
    assert got.exit_code == 0, got.output
    lines = [orjson.loads(x) for x in out.read_bytes().splitlines()]
    assert sorted(x["custom_id"] for x in lines) == [f"r{i}" for i in range(5)]
    refused = await asyncio.to_thread(_run, "cancel", batch_id, *common)
    assert refused.exit_code == 1 and "error 409" in refused.output
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"custom_id": "x"}\n')
    failed = await asyncio.to_thread(_run, "submit", str(bad), *common)
    assert failed.exit_code == 1 and "line 1" in failed.output
