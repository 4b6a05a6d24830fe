"""The audit log of a live gateway: every answered request has a record, even after kill -9,
and the log verifies with the real ``labgate audit verify`` command."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support.servers import free_port, wait_http_ok

pytestmark = pytest.mark.slow


def _serve(data_dir: Path, config: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABGATE_")}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "labgate.cli",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--config",
            str(config),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_kill_9_under_load_leaves_a_verifiable_log_with_every_answer(tmp_path: Path) -> None:
    wport, gport = free_port(), free_port()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "labgate.testing.fake_worker",
            "--port",
            str(wport),
            "--flags",
            "delay=0.005",
        ]
    )
    config = tmp_path / "labgate.toml"
    config.write_text(
        '[embedded]\nenabled = false\n\n[approval]\nenforce = false\n\n[[models]]\nname = "fake"\n'
        f'workers = ["http://127.0.0.1:{wport}/v1"]\n'
        "[scheduler.interactive]\nmax_wait_s = 30\nmax_queued = 5000\n"
        "max_queued_per_user = 5000\n"
    )
    data = tmp_path / "data"
    gateway = _serve(data, config, gport)
    answered: list[str] = []
    lock = threading.Lock()
    try:
        wait_http_ok(f"http://127.0.0.1:{wport}/v1/models", worker)
        wait_http_ok(f"http://127.0.0.1:{gport}/healthz", gateway)
        key = (data / "admin.key").read_text().strip()

        def client(n: int) -> None:
            with httpx.Client(
                base_url=f"http://127.0.0.1:{gport}",
                timeout=10,
                headers={"Authorization": f"Bearer {key}"},
            ) as c:
                for i in range(n):
                    try:
                        r = c.post(
                            "/v1/chat/completions",
                            json={
                                "model": "fake",
                                "stream": i % 3 == 0,
                                "messages": [{"role": "user", "content": f"q{i}"}],
                            },
                        )
                    except httpx.TransportError:
                        return  # the gateway died under us
                    if r.status_code == 200 and ("[DONE]" in r.text or '"choices"' in r.text):
                        with lock:
                            answered.append(r.headers["X-Request-Id"])

        threads = [threading.Thread(target=client, args=(400,)) for _ in range(8)]
        for t in threads:
            t.start()
        while len(answered) < 150:
            time.sleep(0.01)
        gateway.send_signal(signal.SIGKILL)
        gateway.wait()
        for t in threads:
            t.join(timeout=30)
    finally:
        if gateway.poll() is None:
            gateway.kill()
        worker.kill()

    assert len(answered) >= 150
    # every answered request has its record (the answer was only complete once it committed)
    db = sqlite3.connect(data / "labgate.db")
    rows = db.execute("SELECT data FROM audit_records").fetchall()
    recorded = {json.loads(bytes(data)).get("request_id") for (data,) in rows}
    missing = [rid for rid in answered if rid not in recorded]
    assert not missing, f"{len(missing)} answered requests have no audit record"

    # the log verifies with the real command, after a restart too
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABGATE_")}
    out = subprocess.run(
        [sys.executable, "-m", "labgate.cli", "audit", "verify", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0, out.stdout + out.stderr
