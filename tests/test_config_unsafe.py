"""`labgate config check` lists every unsafe setting, one test per setting, and fails unless
told to accept them (``--allow-unsafe``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from labgate.cli import app


def _safe(tmp_path: Path) -> str:
    return f"""
data_dir = "{tmp_path / "data"}"
host = "127.0.0.1"

[embedded]
enabled = false

[audit]
master_keys_file = "{tmp_path / "keys" / "audit-master.keys"}"

[[models]]
name = "m"
workers = ["http://gpu1:8000/v1"]
"""


def _check(tmp_path: Path, text: str, *flags: str) -> tuple[int, str]:
    path = tmp_path / "labgate.toml"
    path.write_text(text)
    result = CliRunner().invoke(app, ["config", "check", str(path), *flags], env={"COLUMNS": "300"})
    return result.exit_code, result.output


def test_a_safe_file_passes(tmp_path: Path) -> None:
    code, out = _check(tmp_path, _safe(tmp_path))
    assert code == 0, out
    assert "OK" in out and "unsafe" not in out


UNSAFE = [
    ('host = "0.0.0.0"', "host", "all interfaces"),
    ('host = "::"', "host", "all interfaces"),
    ('host = "10.1.2.3"', "host", "tls"),
    ("[policy]\nshow_reasoning_to_users = true", "policy.show_reasoning_to_users", "reasoning"),
    ("[audit]\nstore_transcripts = false", "audit.store_transcripts", "transcript"),
    ('[audit]\nsqlite_synchronous = "NORMAL"', "audit.sqlite_synchronous", "power"),
    ("[safety]\nenabled = false", "safety.enabled", "guardrail"),
    ("[safety.models.m]\nenabled = false", "safety.models.m.enabled", "guardrail"),
    (
        '[[oidc.issuers]]\nissuer = "https://idp.lab.example"\naudience = "labgate"\n'
        'lab = "lab1"\nallow_http = true',
        "oidc.issuers[0].allow_http",
        "http",
    ),
    ("MASTER_KEYS_DEFAULT", "audit.master_keys_file", "beside"),
    (  # an issuer's clearance claim taken verbatim, with labels on (issue 28)
        '[labels]\nlevels = ["UNCLASSIFIED", "SECRET"]\n[labels.models]\nm = "SECRET"\n'
        '[[oidc.issuers]]\nissuer = "https://idp.lab.example"\naudience = "labgate"\n'
        'lab = "lab1"\nclearance_claim = "clearance"',
        'labels.issuers."https://idp.lab.example"',
        "grants clearances",
    ),
]


def _with(tmp_path: Path, setting: str) -> str:
    text = _safe(tmp_path)
    if setting == "MASTER_KEYS_DEFAULT":  # the keys created in the data directory
        return "\n".join(line for line in text.splitlines() if "master_keys_file" not in line)
    if setting.startswith("host"):
        return text.replace('host = "127.0.0.1"', setting)
    if setting.startswith("[audit]"):
        return text.replace("[audit]\n", setting + "\n")
    return text + "\n" + setting + "\n"


@pytest.mark.parametrize(("setting", "key", "word"), UNSAFE)
def test_each_unsafe_setting_is_reported_and_fails_the_check(
    tmp_path: Path, setting: str, key: str, word: str
) -> None:
    code, out = _check(tmp_path, _with(tmp_path, setting))
    assert code != 0, out
    lines = [line for line in out.splitlines() if line.startswith("unsafe:")]
    assert len(lines) == 1, out
    assert f"unsafe: {key}:" in lines[0] and word in lines[0].lower(), out
    code, out = _check(tmp_path, _with(tmp_path, setting), "--allow-unsafe")
    assert code == 0, out
    assert f"unsafe: {key}:" in out  # still listed, accepted


def test_a_public_url_behind_tls_makes_an_open_bind_acceptable(tmp_path: Path) -> None:
    text = _safe(tmp_path).replace(
        'host = "127.0.0.1"', 'host = "0.0.0.0"\npublic_url = "https://labgate.lab.example"'
    )
    code, out = _check(tmp_path, text)
    assert code == 0, out


def test_every_unsafe_setting_at_once_is_listed(tmp_path: Path) -> None:
    text = f"""
data_dir = "{tmp_path / "data"}"
host = "0.0.0.0"

[embedded]
enabled = false

[policy]
show_reasoning_to_users = true

[audit]
store_transcripts = false
sqlite_synchronous = "NORMAL"

[safety]
enabled = false

[[models]]
name = "m"
workers = ["http://gpu1:8000/v1"]
"""
    code, out = _check(tmp_path, text)
    assert code != 0
    unsafe = [line.split(":")[1].strip() for line in out.splitlines() if line.startswith("unsafe:")]
    assert unsafe == [
        "host",
        "policy.show_reasoning_to_users",
        "audit.store_transcripts",
        "audit.sqlite_synchronous",
        "audit.master_keys_file",
        "safety.enabled",
    ], out
