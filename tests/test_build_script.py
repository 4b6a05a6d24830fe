"""scripts/build-llama.sh, which `make` runs: it says what it is doing while llama.cpp compiles
and that a later run reuses the build (issue 27: `make run` was silent for 5-13 minutes)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "build-llama.sh"


def _fake_venv(tmp_path: Path, install_exit: int = 0) -> Path:
    """A venv whose python stands in for pip: ``pip show`` finds nothing until ``pip install``
    (which takes 2.5 s) has run."""
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    python = bin_dir / "python"
    installed = tmp_path / "installed"
    python.write_text(
        "#!/usr/bin/env bash\n"
        f'case "$3" in show) [ -e {installed} ] ;; '
        f"install) echo compiling; sleep 2.5; touch {installed}; exit {install_exit} ;; esac\n"
    )
    python.chmod(0o755)
    return python


def _run(python: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, LABGATE_BUILD_TICK_S="1")
    return subprocess.run(
        ["bash", str(SCRIPT), str(python), "llama-cpp-python==0", "-DGGML_AVX2=ON"],
        capture_output=True, text=True, env=env, timeout=60,
    )


def test_a_first_build_shows_progress_and_a_second_reuses_it(tmp_path: Path) -> None:
    python = _fake_venv(tmp_path)
    first = _run(python)
    assert first.returncode == 0, first.stderr
    assert "about 5 minutes" in first.stdout
    assert "still compiling" in first.stdout
    assert "built in" in first.stdout
    second = _run(python)
    assert second.returncode == 0
    assert "reusing the build" in second.stdout and "compiling" not in second.stdout


def test_a_failed_build_shows_the_end_of_its_log(tmp_path: Path) -> None:
    failed = _run(_fake_venv(tmp_path, install_exit=3))
    assert failed.returncode == 3
    assert "the build failed" in failed.stderr and "compiling" in failed.stderr


def test_shellcheck_clean() -> None:
    from tests.hpc.conftest import SHELLCHECK

    lint = subprocess.run([str(SHELLCHECK), "--severity=style", str(SCRIPT)],
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout
