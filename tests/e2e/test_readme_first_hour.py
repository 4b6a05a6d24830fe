"""The README's first hour, run as a new user runs it (issue 27): ``make run`` in the
background, then the README's own curl and SDK examples, then stop it.

The examples are read from README.md itself, so a README that drifts from what works fails
here. Two things differ from a fresh machine, to keep the suite inside CI's time: the venv is
the one ``make test`` already built (``make run`` finds it up to date and says so), and the
packaged model file is the one the other embedded-model tests assembled. HOME is a fresh
directory, so the data directory, the administrator key and its file are made anew.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.e2e.test_embedded_model import REPO, _model_file
from tests.support.servers import free_port

pytestmark = pytest.mark.slow

README = (REPO / "README.md").read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def _use_it(language: str, needle: str) -> str:
    """The README's example in ``language`` that contains ``needle``."""
    found = [b for b in _blocks(language) if needle in b]
    assert found, f"README.md has no {language} example with {needle!r}"
    return found[0]


def test_make_run_then_the_readme_examples(tmp_path: Path) -> None:
    port = free_port()
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABGATE_")}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        LABGATE_PORT=str(port),
        LABGATE_EMBEDDED__MODEL_PATH=str(_model_file()),
        LABGATE_EMBEDDED__THREADS="2",
    )
    proc = subprocess.Popen(
        ["make", "run"], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "is ready" in line:
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 600
        while not ready.is_set() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)
        out = "".join(lines)
        assert ready.is_set(), f"make run did not get to a ready model:\n{out[-3000:]}"
        assert f"http://127.0.0.1:{port}/v1" in out  # the URL, whole, on its own line
        assert "First start: created the administrator API key" in out
        assert ".venv/bin/labgate" in out  # make run says where the command is

        here = f"127.0.0.1:{port}"
        curl = _use_it("bash", "curl http://127.0.0.1:8080/v1/chat/completions")
        answered = subprocess.run(
            ["bash", "-c", curl.replace("127.0.0.1:8080", here)], env=env,
            capture_output=True, text=True, timeout=300,
        )
        assert answered.returncode == 0, answered.stderr
        assert '"choices"' in answered.stdout and '"content"' in answered.stdout, answered.stdout

        sdk = _use_it("python", "from openai import OpenAI")
        ran = subprocess.run(
            [sys.executable, "-c", sdk.replace("127.0.0.1:8080", here)], env=env,
            capture_output=True, text=True, timeout=300,
        )
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.strip(), "the SDK example printed nothing"
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        reader.join(timeout=5)
    assert "labgate stopped" in "".join(lines)
