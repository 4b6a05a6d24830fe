"""docs/deploy-hpc.md's worked example stays true: its config loads and renders to the script
the page shows."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from labgate.cli import app
from tests.hpc.conftest import REPO

DOC = REPO / "docs" / "deploy-hpc.md"


def test_the_worked_example_renders_to_the_script_shown(tmp_path: Path) -> None:
    example = DOC.read_text().split("## Worked example", 1)[1]
    config = re.search(r"```toml\n(.*?)\n```", example, re.S)
    script = re.search(r"```bash\n(.*?)\n```", example, re.S)
    assert config and script, "the worked example has a config and a script"
    path = tmp_path / "labgate.toml"
    path.write_text(config.group(1))
    result = CliRunner().invoke(app, ["hpc", "render", "r1", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip("\n") == script.group(1)
