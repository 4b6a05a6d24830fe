"""SlurmCLI against the real Slurm: submit, list, look at, cancel; and what a job can see."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from labgate.hpc.slurm import JobState, SlurmCLI, SlurmError
from tests.hpc.conftest import run

pytestmark = pytest.mark.slurm


def script(prefix: str, out: Path, body: str, time: str = "00:02:00") -> str:
    return (
        "#!/bin/bash\n"
        f"#SBATCH --job-name={prefix}:probe:m\n"
        f"#SBATCH --output={out}\n"
        f"#SBATCH --time={time}\n"
        "set -euo pipefail\n"
        f"{body}\n"
    )


async def wait_state(cli: SlurmCLI, job_id: str, want: set[JobState], within: float = 30) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        job = (await cli.status([job_id]))[job_id]
        if job is not None and job.state in want:
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"job {job_id} never reached {want}")


async def test_submit_list_details_cancel(job_prefix: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABGATE_DATABASE_URL", "postgresql://user:s3cret-in-gateway-env@db/x")
    cli = SlurmCLI(timeout_s=30)
    out = tmp_path / "probe.out"
    job_id = await cli.submit(
        script(job_prefix, out, 'env | sort; echo "ready"; sleep 120'),
        env={"LABGATE_AUTH_FILE": "/spool/tokens/x.auth"}, comment="labgate-launch=abc123",
    )
    assert job_id.isdigit()
    await wait_state(cli, job_id, {JobState.RUNNING})

    [listed] = await cli.list_jobs(job_prefix + ":")
    assert (listed.job_id, listed.name, listed.comment) == (
        job_id, f"{job_prefix}:probe:m", "labgate-launch=abc123")
    assert listed.started_at is not None and listed.time_limit_s == 120
    assert listed.nodes
    assert await cli.list_jobs(job_prefix + "-other:") == []

    details = await cli.details(job_id)
    assert details is not None
    assert details["JobName"] == f"{job_prefix}:probe:m"
    assert details["Comment"] == "labgate-launch=abc123"
    assert "s3cret" not in await run("scontrol", "show", "job", job_id)

    for _ in range(40):
        job_env = await asyncio.to_thread(_text, out)
        if "ready" in job_env:
            break
        await asyncio.sleep(0.25)
    assert "LABGATE_AUTH_FILE=/spool/tokens/x.auth" in job_env
    assert "s3cret" not in job_env, "the gateway's environment does not leak into jobs"

    await cli.cancel(job_id)
    await wait_state(cli, job_id, {JobState.CANCELLED})
    await cli.cancel(job_id)  # cancelling an ended job is not an error
    assert (await cli.status(["999999999"])) == {"999999999": None}
    assert await cli.details("999999999") is None


async def test_refusals_say_why(job_prefix: str, tmp_path: Path) -> None:
    cli = SlurmCLI(timeout_s=30)
    body = script(job_prefix, tmp_path / "x.out", "true").replace(
        "#SBATCH --time", "#SBATCH --partition=no-such-partition\n#SBATCH --time")
    with pytest.raises(SlurmError, match="sbatch refused the job: .*partition"):
        await cli.submit(body, env={})
    with pytest.raises(SlurmError, match="was not found"):
        await SlurmCLI(bin_dir=tmp_path).list_jobs("x")


def _text(path: Path) -> str:
    return path.read_text() if path.exists() else ""
