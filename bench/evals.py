"""Full evaluation runs of the embedded model through labgate's own API (``labgate eval run``
as an operator would run it): starts ``labgate serve`` on the packaged Gemma 3 270M (guardrail
as configured: on by default), runs the suites (all items, or ``--limit`` per suite), and
prints the metrics. ``--ship`` writes them to the package's shipped evaluation of the embedded
default (``src/labgate/approval/data/embedded_evaluation.json``), which its bootstrap
approval records.

    .venv/bin/python bench/evals.py [--suite science ...] [--limit 20] [--ship]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from labgate.evals.runner import EvalClient, run_evaluation  # noqa: E402
from labgate.evals.suites import SUITES  # noqa: E402
from tests.support.servers import free_port, wait_http_ok  # noqa: E402

SHIPPED = REPO / "src" / "labgate" / "approval" / "data" / "embedded_evaluation.json"


def serve_embedded(
    data_dir: Path, *, safety: bool, threads: int
) -> tuple[subprocess.Popen[str], str]:
    from labgate.worker.model_files import packaged_gguf

    model = packaged_gguf(REPO / ".data" / "test-models")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LABGATE_")},
        "LABGATE_EMBEDDED__MODEL_PATH": str(model),
        "LABGATE_EMBEDDED__THREADS": str(threads),
        "LABGATE_SAFETY__ENABLED": "true" if safety else "false",
    }
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
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_http_ok(url + "/readyz", proc, timeout=300)
    return proc, url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", action="append", choices=SUITES)
    parser.add_argument("--limit", type=int, default=None, help="items per suite")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-safety", action="store_true", help="guardrail off (model level)")
    parser.add_argument("--ship", action="store_true", help="write the shipped evaluation")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = serve_embedded(Path(tmp), safety=not args.no_safety, threads=args.threads)
        try:
            key = (Path(tmp) / "admin.key").read_text().strip()
            started = time.perf_counter()
            result = run_evaluation(
                EvalClient(url, key),
                "gemma-3-270m",
                suites=args.suite,
                limit=args.limit,
                seed=args.seed,
            )
            wall = time.perf_counter() - started
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    out = {
        "model": "gemma-3-270m",
        "version": "gemma-3-270m-q4_k_m",
        "suites": result["suites"],
        "seed": result["seed"],
        "settings": {
            **result["settings"],
            "guardrail": not args.no_safety,
            "threads": args.threads,
        },
        "metrics": result["metrics"],
        "items": result["items_done"],
        "wall_s": round(wall, 1),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_by": "bench/evals.py (labgate maintainers)",
    }
    print(json.dumps(out, indent=2))
    details = REPO / ".data" / "bench" / f"evals-{out['measured_at'].replace(':', '')}.json"
    details.parent.mkdir(parents=True, exist_ok=True)
    details.write_text(json.dumps({**out, "graded": result.get("items", {})}, indent=2))
    print(f"every graded item: {details}", file=sys.stderr)
    if args.ship:
        SHIPPED.parent.mkdir(parents=True, exist_ok=True)
        SHIPPED.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {SHIPPED}", file=sys.stderr)


if __name__ == "__main__":
    main()
