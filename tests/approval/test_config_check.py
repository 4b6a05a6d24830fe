"""``labgate config check`` names every configured model without an approval for the file's
deployment (the gate's first line of defence is knowing which models it will refuse)."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from labgate.cli import app as cli


def _config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "labgate.toml"
    path.write_text(
        f'data_dir = "{tmp_path / "data"}"\n'
        '[approval]\ndeployment = "enclave-a"\n' + extra + "\n"
        '[[models]]\nname = "big-model"\nworkers = ["http://127.0.0.1:9/v1"]\n'
    )
    return path


def test_config_check_lists_unapproved_models(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["config", "check", str(_config(tmp_path)), "--allow-unsafe"])
    out = " ".join(result.output.split())
    assert "unapproved:" in out
    assert "'big-model' has no approval for deployment 'enclave-a'" in out
    assert "'gemma-3-270m'" in out and "bootstrap approval" in out


def test_no_lines_when_the_gate_is_off(tmp_path: Path) -> None:
    path = _config(tmp_path, "enforce = false")
    result = CliRunner().invoke(cli, ["config", "check", str(path), "--allow-unsafe"])
    assert "unapproved:" not in result.output
    assert "approval.enforce" in result.output and "model gate is off" in result.output


def _approve_in_db(path: Path, name: str, digest: str) -> None:
    """A two-person approval of ``name`` for enclave-a, in the file's database."""
    from labgate.approval.models import ModelApproval, ModelVersion
    from labgate.config import load_settings
    from labgate.store.engine import make_engine, make_sessionmaker
    from labgate.store.migrate import upgrade

    settings = load_settings(path)

    async def go() -> None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.effective_database_url)
        try:
            await upgrade(engine)
            now = datetime.now(UTC)
            async with make_sessionmaker(engine).begin() as s:
                s.add(
                    ModelVersion(
                        id="mv_1",
                        name=name,
                        version="r1",
                        source="/m",
                        engine="vllm",
                        weights_digest=digest,
                        weight_files=[],
                        label=None,
                        status="approved",
                        submitted_by="x",
                        created_at=now,
                        updated_at=now,
                    )
                )
                s.add(
                    ModelApproval(
                        id="ap_1",
                        model_version_id="mv_1",
                        deployment="enclave-a",
                        label=None,
                        weights_digest=digest,
                        approved_by=["a", "b"],
                        kind="two_person",
                        at=now,
                    )
                )
        finally:
            await engine.dispose()

    asyncio.run(go())


def test_an_approved_model_is_not_listed_and_a_wrong_digest_is(tmp_path: Path) -> None:
    good = hashlib.sha256(b"approved").hexdigest()
    path = _config(tmp_path)
    _approve_in_db(path, "big-model", good)
    # approved, but the table states no digest: its workers would get no traffic
    out = " ".join(
        CliRunner().invoke(cli, ["config", "check", str(path), "--allow-unsafe"]).output.split()
    )
    assert "'big-model' is approved for deployment 'enclave-a'" in out
    assert "states no weights_digest" in out and good in out
    # another digest: the same, naming it
    other = hashlib.sha256(b"other").hexdigest()
    text = path.read_text().replace(
        'name = "big-model"', f'name = "big-model"\nweights_digest = "{other}"'
    )
    path.write_text(text)
    out = " ".join(
        CliRunner().invoke(cli, ["config", "check", str(path), "--allow-unsafe"]).output.split()
    )
    assert f"states weights_digest {other}, which no approved version of it has" in out
    # the approved digest: nothing to say about big-model
    path.write_text(text.replace(other, good))
    out = " ".join(
        CliRunner().invoke(cli, ["config", "check", str(path), "--allow-unsafe"]).output.split()
    )
    assert "'big-model'" not in out
    assert "'gemma-3-270m' has no approval" in out  # the embedded default: not yet started
