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


def _stub(bin_dir: object, name: str, body: str) -> None:
    from pathlib import Path

    path = Path(str(bin_dir)) / name
    path.write_text("#!/usr/bin/env bash\n" + body)
    path.chmod(0o755)


def _run_down(tmp_path: object, conf_text: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """slurm-down.sh against stand-ins for squeue, scancel and scontrol (isolating which jobs it
    cancels; the real Slurm is driven by the slurm-marked tests)."""
    import os
    from pathlib import Path

    tmp = Path(str(tmp_path))
    bin_dir, calls = tmp / "bin", tmp / "calls"
    bin_dir.mkdir()
    conf = tmp / "slurm.conf"
    conf.write_text(conf_text)
    _stub(bin_dir, "squeue",
          "printf '101 labgate-launch=0123abcd\\n102 (null)\\n103 someone-elses-pipeline\\n'\n")
    _stub(bin_dir, "scancel", f'echo "scancel $*" >> {calls}\n')
    _stub(bin_dir, "scontrol",
          f'echo "scontrol $*" >> {calls}\n'
          f'case "$1" in ping) if [ -e {tmp}/down ]; then exit 1; fi;; '
          f'shutdown) touch {tmp}/down;; esac\nexit 0\n')
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", SLURM_CONF=str(conf),
               LABGATE_SLURM_RUN_DIR=str(tmp / "run"))
    done = subprocess.run(["bash", str(SCRIPTS[1])], capture_output=True, text=True, env=env,
                          timeout=60)
    return done, calls.read_text() if calls.exists() else ""


def test_slurm_down_cancels_only_the_jobs_labgate_launched(tmp_path: object) -> None:
    """Issue 27: it cancelled every job of the user."""
    done, calls = _run_down(
        tmp_path, "# Written by labgate scripts/slurm-up.sh: a one-node test cluster\n"
    )
    assert done.returncode == 0, done.stderr
    cancelled = [line.split()[1] for line in calls.splitlines() if line.startswith("scancel")]
    assert cancelled == ["101"]
    assert "scontrol shutdown" in calls


def test_slurm_down_leaves_a_cluster_it_did_not_write_alone(tmp_path: object) -> None:
    done, calls = _run_down(tmp_path, "ClusterName=site-production\n")
    assert done.returncode == 0
    assert "scancel" not in calls and "shutdown" not in calls
    assert "leaving this Slurm alone" in done.stderr
