"""``labgate hpc``: render, status, submit and cancel, through the top-level command."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labgate.cli import app
from labgate.hpc.models import HpcJob, JobPhase
from labgate.store.engine import make_engine
from tests.hpc.conftest import REPO

runner = CliRunner()

SPEC = """
name = "tiny"
engine = "llamacpp"
model = "/data/models/gemma.gguf"
served_model_name = "gemma-3-270m"
walltime = "00:30:00"
"""


def config(tmp_path: Path, prefix: str = "labgate") -> Path:
    path = tmp_path / "labgate.toml"
    path.write_text(f"""
data_dir = "{tmp_path / "data"}"
public_url = "http://gw.example:8080"

[hpc]
spool_dir = "{tmp_path / "spool"}"
python = "{sys.executable}"
job_name_prefix = "{prefix}"

[[deployments]]
name = "fake"
engine = "llamacpp"
model = "/nonexistent.gguf"
worker_module = "tests.hpc.fake_engine"
env = {{ PYTHONPATH = "{REPO}" }}
port = 0
advertise_host = "127.0.0.1"
bind_host = "127.0.0.1"
exclusive = false
walltime = "00:05:00"
""")
    return path


def create_hpc_table(url: str) -> None:
    """The schema as 'labgate db upgrade' makes it (hpc_jobs included)."""
    from labgate.store.migrate import upgrade

    async def create() -> None:
        engine = make_engine(url)
        await upgrade(engine)
        await engine.dispose()

    if url.startswith("sqlite"):
        Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(create())


def test_render_a_spec_file_prints_the_script(tmp_path: Path) -> None:
    spec = tmp_path / "tiny.toml"
    spec.write_text(SPEC)
    result = runner.invoke(
        app,
        [
            "hpc",
            "render",
            str(spec),
            "--gateway-url",
            "http://gw:1",
            "--spool-dir",
            str(tmp_path / "spool"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("#!/bin/bash\n")
    assert "#SBATCH --job-name=labgate:tiny:gemma-3-270m" in result.output
    assert "LABGATE_GATEWAY_URL=http://gw:1" in result.output
    assert f"#SBATCH --output={tmp_path / 'spool'}/logs/tiny-%j.out" in result.output


def test_render_a_deployment_of_the_config(tmp_path: Path) -> None:
    result = runner.invoke(app, ["hpc", "render", "fake", "--config", str(config(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "LABGATE_GATEWAY_URL=http://gw.example:8080" in result.output
    assert "-m tests.hpc.fake_engine" in result.output
    unknown = runner.invoke(app, ["hpc", "render", "nope", "--config", str(config(tmp_path))])
    assert unknown.exit_code == 2
    assert "no deployment 'nope' in the config (deployments: fake)" in unknown.output


def test_render_refuses_a_bad_spec_with_the_reason(tmp_path: Path) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text(SPEC.replace('"00:30:00"', '"half an hour"'))
    result = runner.invoke(app, ["hpc", "render", str(spec)])
    assert result.exit_code == 2
    assert "walltime" in result.output and "HH:MM:SS" in result.output
    assert "Traceback" not in result.output


@pytest.mark.store
@pytest.mark.slurm
def test_status_lists_jobs_from_the_database(
    tmp_path: Path, database_url: str, slurm: None
) -> None:
    """(squeue must answer: with Slurm down the note column reports that instead.)"""
    url = database_url
    now = time.time()

    async def seed() -> None:
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.execute(
                HpcJob.__table__.insert().values(
                    launch_id="a1",
                    deployment="fake",
                    model="fake",
                    phase="queued",
                    slurm_job_id="999999991",
                    time_limit_s=300,
                    submitted_at=now - 30,
                    message="Priority",
                )
            )
            await conn.execute(
                HpcJob.__table__.insert().values(
                    launch_id="a2",
                    deployment="fake",
                    model="fake",
                    phase=JobPhase.ENDED.value,
                    slurm_job_id="999999990",
                    time_limit_s=300,
                    submitted_at=now - 900,
                    ended_at=now - 60,
                    end_state="cancelled",
                    retire_reason="idle",
                )
            )
        await engine.dispose()

    create_hpc_table(url)
    asyncio.run(seed())
    result = runner.invoke(
        app,
        ["hpc", "status", "--config", str(config(tmp_path)), "--database-url", url, "--no-probe"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "999999991" in result.output and "queued" in result.output
    assert "Priority" in result.output, result.output
    assert "cancelled (idle)" in result.output


@pytest.mark.slurm
def test_submit_then_cancel(tmp_path: Path, job_prefix: str) -> None:
    cfg = str(config(tmp_path, job_prefix))
    create_hpc_table(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'labgate.db'}")
    submitted = runner.invoke(app, ["hpc", "submit", "fake", "--config", cfg])
    assert submitted.exit_code == 0, submitted.output
    job_id = submitted.output.split("Slurm job ", 1)[1].split()[0]
    listed = subprocess.run(
        ["squeue", "--noheader", "--jobs", job_id, "--format=%j %k"], capture_output=True, text=True
    ).stdout
    assert listed.startswith(f"{job_prefix}:fake:fake labgate-launch=")
    status = runner.invoke(
        app, ["hpc", "status", "--config", cfg, "--no-probe"], env={"COLUMNS": "200"}
    )
    assert job_id in status.output
    cancelled = runner.invoke(app, ["hpc", "cancel", job_id, "--config", cfg])
    assert cancelled.exit_code == 0, cancelled.output
    assert f"cancelled Slurm job {job_id}" in cancelled.output
    again = runner.invoke(app, ["hpc", "cancel", "nope", "--config", cfg])
    assert again.exit_code == 1 and "no running labgate job 'nope'" in again.output
