"""`labgate config check` names what serves models (issue 27: a file whose models all come from
[[deployments]] was summed up as "0 model(s) configured")."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from labgate.cli import app


def test_a_file_of_deployments_is_summed_up_as_deployments(tmp_path: Path) -> None:
    path = tmp_path / "labgate.toml"
    path.write_text(f"""
data_dir = "{tmp_path / "data"}"

[embedded]
enabled = false

[hpc]
spool_dir = "{tmp_path / "spool"}"

[[deployments]]
name = "r1"
engine = "vllm"
model = "/models/DeepSeek-R1"
gpus_per_node = 4
""")
    result = CliRunner().invoke(app, ["config", "check", str(path)], env={"COLUMNS": "300"})
    assert "1 Slurm deployment(s)" in result.output, result.output
    assert "0 model(s) configured" not in result.output
