"""Every command and option of `labgate` documents itself (`--help` is complete)."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from labgate.cli import app


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    out = [(path, group)]
    for name, sub in (getattr(group, "commands", None) or {}).items():
        out += _commands(sub, (*path, name))
    return out


ALL = _commands(typer.main.get_command(app))


@pytest.mark.parametrize(("path", "command"), ALL, ids=[" ".join(p) or "labgate" for p, _ in ALL])
def test_help_is_complete(path: tuple[str, ...], command: Any) -> None:
    assert (command.help or "").strip(), f"'labgate {' '.join(path)}' has no help text"
    for param in command.params:
        is_option = getattr(param, "param_type_name", "") == "option"
        if is_option and param.name != "help":
            assert (param.help or "").strip(), f"{' '.join(path)} {param.opts[0]} has no help"
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_serve_help_names_its_options() -> None:
    out = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200"}).output
    for option in ("--host", "--port", "--data-dir", "--config"):
        assert option in out
