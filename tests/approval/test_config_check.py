"""``labgate config check`` names every configured model without an approval for the file's
deployment (the gate's first line of defence is knowing which models it will refuse)."""

from __future__ import annotations

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
