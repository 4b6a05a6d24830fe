"""Start-up and files at rest: a missing key file is one clear line, not a traceback; the
SQLite database and its WAL and shared-memory files are readable by labgate's user only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from labgate.store.engine import make_engine, sqlite_url_for


def test_a_missing_master_keys_file_is_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "audit-master.keys"
    config = tmp_path / "labgate.toml"
    config.write_text(f"""
data_dir = "{tmp_path / "data"}"
port = 0

[embedded]
enabled = false

[audit]
master_keys_file = "{missing}"

[[models]]
name = "m"
workers = ["http://127.0.0.1:9/v1"]
""")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABGATE_")}
    done = subprocess.run(
        [sys.executable, "-m", "labgate.cli", "serve", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "COLUMNS": "300"},
    )
    assert done.returncode != 0
    out = done.stdout + done.stderr
    assert "Traceback" not in out, out
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out
    assert str(missing) in lines[0] and "labgate audit new-master-key" in lines[0], out


async def test_the_sqlite_database_and_its_wal_are_created_0600(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    old = os.umask(0o022)  # the usual umask, which gave 0644
    try:
        engine = make_engine(sqlite_url_for(data))
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
            await conn.execute(text("INSERT INTO t VALUES (1)"))
        async with engine.connect() as conn:  # the WAL and shared memory files exist now
            files = sorted(p.name for p in data.iterdir())
            assert files == ["labgate.db", "labgate.db-shm", "labgate.db-wal"], files
            for name in files:
                mode = stat.S_IMODE((data / name).stat().st_mode)
                assert mode == 0o600, f"{name} is {oct(mode)}"
        await engine.dispose()
    finally:
        os.umask(old)


async def test_an_existing_database_readable_by_others_is_made_0600(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    db = data / "labgate.db"
    db.touch(mode=0o644)
    os.chmod(db, 0o644)
    engine = make_engine(sqlite_url_for(data))
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (x INTEGER)"))
    await engine.dispose()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
