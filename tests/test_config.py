"""Configuration: the minimal file works as written, env overrides, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from labgate.config import ConfigError, env_overrides, load_settings

MINIMAL = """
[embedded]
enabled = false

[[models]]
name = "fake"
workers = ["http://127.0.0.1:9101/v1"]
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "labgate.toml"
    p.write_text(text)
    return p


def test_minimal_config_as_written(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, MINIMAL), environ={})
    assert not s.embedded.enabled
    assert [m.name for m in s.models] == ["fake"]
    assert s.models[0].workers == ["http://127.0.0.1:9101/v1"]
    assert (s.host, s.port) == ("127.0.0.1", 8080)


def test_precedence_defaults_file_env_flags(tmp_path: Path) -> None:
    path = write(tmp_path, "port = 9000\n" + MINIMAL)
    assert load_settings(path, environ={}).port == 9000
    assert load_settings(path, environ={"LABGATE_PORT": "9100"}).port == 9100
    assert (
        load_settings(path, environ={"LABGATE_PORT": "9100"}, overrides={"port": 9200}).port == 9200
    )


def test_env_nested_and_config_path(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    env = {
        "LABGATE_CONFIG": str(path),
        "LABGATE_ROUTER__RETRIES": "5",
        "LABGATE_DATA_DIR": str(tmp_path / "d"),
    }
    s = load_settings(None, environ=env)
    assert s.router.retries == 5
    assert s.data_dir == tmp_path / "d"
    assert s.effective_database_url.endswith(str(tmp_path / "d" / "labgate.db"))
    assert env_overrides({"LABGATE_EMBEDDED__ENABLED": "false", "OTHER": "x"}) == {
        "embedded": {"enabled": False}
    }


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[embedded]\nenabled = false\n", "no models"),
        (MINIMAL + '\n[[models]]\nname = "fake"\nworkers = []\n', "unique"),
        ('[[models]]\nname = "x"\nworkers = ["ftp://a"]\n', "http://"),
        (MINIMAL + "\nbogus_key = 1\n", "bogus_key"),
        ("port = 'eighty'\n" + MINIMAL, "port"),
        ("this is not toml", "not valid TOML"),
        (MINIMAL + "\n[audit]\nsqlite_sync_interval_ms = -1\n", "sqlite_sync_interval_ms"),
        (MINIMAL + '\n[audit]\nsqlite_synchronous = "OFF"\n', "sqlite_synchronous"),
    ],
)
def test_bad_configs_say_what_is_wrong(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings(write(tmp_path, text), environ={})
    assert needle in str(exc.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_labgate_variables_that_are_not_settings_do_not_break_loading(tmp_path: Path) -> None:
    """The clients' URL and key, the audit keyring's master keys, the signing key and the
    test suite's own switches live in the same environment as the gateway's settings; read as
    settings they made every start fail ("api_key: Extra inputs are not permitted")."""
    env = {
        "LABGATE_DATA_DIR": str(tmp_path / "d"),
        "LABGATE_URL": "http://127.0.0.1:8080",
        "LABGATE_API_KEY": "lg-example",
        "LABGATE_AUDIT_MASTER_KEYS": "k1:00",
        "LABGATE_AUDIT_MASTER_KEYS_FILE": "/etc/labgate/keys",
        "LABGATE_AUDIT_SIGNING_KEY": "x",
        "LABGATE_SAFETY_WORK_DIR": "/tmp/w",
        "LABGATE_TEST_STORE": "postgres",
    }
    assert load_settings(None, environ=env).data_dir == tmp_path / "d"


def test_an_unknown_labgate_variable_is_still_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="prot"):
        load_settings(None, environ={"LABGATE_PROT": "9000"})
