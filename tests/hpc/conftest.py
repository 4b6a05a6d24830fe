"""Fixtures of the HPC tests: a real single-node Slurm, the gateway double, a job store, and
deployment specs whose engine is the fake engine (``tests/hpc/fake_engine.py``)."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from labgate.hpc.controller import HpcController
from labgate.hpc.render import RenderContext
from labgate.hpc.settings import HpcSettings
from labgate.hpc.slurm import SlurmCLI
from labgate.hpc.spec import DeploymentSpec
from labgate.hpc.store import JobStore
from labgate.store.engine import make_engine, make_sessionmaker
from tests.hpc.gateway_double import GatewayDouble

REPO = Path(__file__).resolve().parents[2]
SHELLCHECK = Path(sys.executable).parent / "shellcheck"


SESSIONS = Path("/run/labgate-slurm-tests")  # one file per test session using the Slurm
STARTED_BY_TESTS = SESSIONS / "started-by-tests"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _other_sessions() -> list[Path]:
    return [p for p in SESSIONS.glob("session-*")
            if p.name != f"session-{os.getpid()}" and _alive(int(p.name.split("-", 1)[1]))]


@pytest.fixture(scope="session")
def slurm() -> Iterator[None]:
    """A real Slurm on this machine, started by scripts/slurm-up.sh when it is not up.

    Test sessions may run side by side on one machine: each leaves a marker, and the last one
    to finish stops Slurm with scripts/slurm-down.sh if a test session started it.
    """
    if os.geteuid() != 0:
        pytest.skip("the Slurm tests start slurmctld/slurmd and need root")
    if shutil.which("sbatch") is None and shutil.which("apt-get") is None:
        pytest.skip("Slurm is not installed and apt-get is not available to install it")
    SESSIONS.mkdir(parents=True, exist_ok=True)
    marker = SESSIONS / f"session-{os.getpid()}"
    marker.touch()
    was_up = shutil.which("scontrol") is not None and subprocess.run(
        ["scontrol", "ping"], capture_output=True, timeout=30).returncode == 0
    up = subprocess.run(["bash", str(REPO / "scripts" / "slurm-up.sh")], capture_output=True,
                        text=True, timeout=600)
    if up.returncode == 3:
        marker.unlink(missing_ok=True)
        pytest.skip(f"Slurm could not be installed: {up.stderr.strip()[-500:]}")
    assert up.returncode == 0, f"slurm-up.sh failed:\n{up.stderr}"
    if not was_up:
        STARTED_BY_TESTS.touch()
    yield
    marker.unlink(missing_ok=True)
    if STARTED_BY_TESTS.exists() and not _other_sessions():
        STARTED_BY_TESTS.unlink(missing_ok=True)
        subprocess.run(["bash", str(REPO / "scripts" / "slurm-down.sh")], capture_output=True,
                       timeout=120)


def _squeue(prefix: str) -> list[tuple[str, str]]:
    out = subprocess.run(["squeue", "--noheader", "--format=%i %j %T"], capture_output=True,
                         text=True, timeout=30).stdout
    return [(p[0], p[2]) for line in out.splitlines()
            if len(p := line.split()) == 3 and p[1].startswith(prefix + ":")]


@pytest.fixture
def job_prefix(slurm: None) -> Iterator[str]:
    """A job-name prefix of this test's own; every job under it is cancelled afterwards."""
    prefix = "lgt" + secrets.token_hex(3)
    yield prefix
    for job_id, _ in _squeue(prefix):
        subprocess.run(["scancel", job_id], capture_output=True, timeout=30)
    for _ in range(60):
        if not [j for j, state in _squeue(prefix) if state in ("RUNNING", "PENDING",
                                                              "COMPLETING")]:
            break
        subprocess.run(["sleep", "0.5"])


@pytest.fixture
async def gateway() -> AsyncIterator[GatewayDouble]:
    double = GatewayDouble()
    await double.start()
    yield double
    await double.stop()


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    from labgate.store.migrate import upgrade

    engine = make_engine(database_url)
    await upgrade(engine)  # the real schema, as the gateway sharing this database makes it
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def store(sessions: async_sessionmaker[AsyncSession]) -> JobStore:
    return JobStore(sessions)


@pytest.fixture
def context(tmp_path: Path, gateway: GatewayDouble, job_prefix: str) -> RenderContext:
    return RenderContext(gateway_url=gateway.url, python=sys.executable,
                         spool_dir=tmp_path / "spool", job_name_prefix=job_prefix)


@pytest.fixture
async def running() -> AsyncIterator[Callable[..., Any]]:
    """Start controllers in the background; every one is stopped at the end of the test."""
    started: list[HpcController] = []

    async def start(spec: DeploymentSpec, store: JobStore, gateway: GatewayDouble,
                    context: RenderContext) -> HpcController:
        controller = HpcController(
            [spec], backend=SlurmCLI(timeout_s=30), store=store, gateway=gateway,
            tokens=gateway, context=context,
            settings=HpcSettings(reconcile_interval_s=0.5, backoff_base_s=1, backoff_max_s=4,
                                 wait_for_start_max_s=90),
        )
        gateway.controller = controller
        await controller.start()
        started.append(controller)
        return controller

    yield start
    for controller in started:
        await controller.stop()


def fake_spec(name: str = "tiny", **overrides: Any) -> DeploymentSpec:
    """A deployment whose job runs the fake engine through the llama.cpp engine's command."""
    fields: dict[str, Any] = {
        "name": name,
        "engine": "llamacpp",
        "model": "/nonexistent/model.gguf",
        "served_model_name": f"{name}-model",
        "worker_module": "tests.hpc.fake_engine",
        "env": {"PYTHONPATH": str(REPO)},
        "port": 0,
        "advertise_host": "127.0.0.1",
        "bind_host": "127.0.0.1",
        "exclusive": False,
        "walltime": "00:05:00",
        "drain_seconds": 10,
        "renew_before_seconds": 0,
        "idle_seconds": 600,
        "startup_timeout_seconds": 60,
        "expected_startup_seconds": 5,
        "unhealthy_seconds": 3,
    }
    fields.update(overrides)
    return DeploymentSpec.model_validate(fields)


async def run(*argv: str) -> str:
    """Run a command without blocking the event loop; its stdout (it must succeed)."""
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 0, f"{argv} failed: {err.decode()}"
    return out.decode()


async def until(
    condition: Callable[[], Awaitable[bool]],
    *,
    within: float,
    what: str,
    step: float = 0.5,
    tick: Callable[[], Awaitable[Any]] | None = None,
) -> None:
    """Poll ``condition`` (after ``tick``, e.g. a reconcile pass) until it holds or time runs
    out; the failure names ``what`` was awaited."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        if tick is not None:
            await tick()
        if await condition():
            return
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {within:g}s waiting for {what}")
        await asyncio.sleep(step)


def job_log(context: RenderContext, deployment: str, job_id: str | None) -> str:
    """A job's output file, to show when a test fails."""
    path = context.spool_dir / "logs" / f"{deployment}-{job_id}.out"
    return path.read_text() if path.exists() else f"(no log at {path})"
