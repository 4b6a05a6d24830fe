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


_BRACKETED = __import__("re").compile(r"\[\[?[a-z_.]+\]?\]")  # [hpc], [[deployments]]


def _unescaped(text: str) -> list[str]:
    return [m.group(0) for m in _BRACKETED.finditer(text.replace("\\[", "["))]


@pytest.mark.parametrize(("path", "command"), ALL, ids=[" ".join(p) or "labgate" for p, _ in ALL])
def test_help_keeps_the_config_tables_it_names(path: tuple[str, ...], command: Any) -> None:
    """A TOML table named in help text ("[hpc]", "[[deployments]]") reaches the screen: rich
    markup would take it for a style tag and drop it (issue 27)."""
    named = _unescaped(command.help or "")
    for param in command.params:
        named += _unescaped(getattr(param, "help", None) or "")
    if not named:
        return
    out = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "400"}).output
    flat = " ".join(out.replace("│", " ").split())
    for table in named:
        assert table in flat, f"'labgate {' '.join(path)} --help' lost {table}"
