"""scripts/slurm-up.sh and slurm-down.sh: shellcheck-clean, and slurm-up.sh idempotent."""

from __future__ import annotations

import subprocess

import pytest

from tests.hpc.conftest import REPO, SHELLCHECK

SCRIPTS = [REPO / "scripts" / "slurm-up.sh", REPO / "scripts" / "slurm-down.sh"]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_shellcheck_clean(script: object) -> None:
    lint = subprocess.run([str(SHELLCHECK), "--severity=style", str(script)],
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout


@pytest.mark.slurm
def test_slurm_up_again_is_a_no_op(slurm: None) -> None:
    again = subprocess.run(["bash", str(SCRIPTS[0])], capture_output=True, text=True, timeout=60)
    assert again.returncode == 0
    assert "already up" in again.stderr
    sinfo = subprocess.run(["sinfo", "--noheader", "--format=%T"], capture_output=True,
                           text=True).stdout.split()
    assert sinfo and sinfo[0] in ("idle", "mixed", "allocated")
