"""Two versions of labgate side by side, requests alternating: what a change gains or costs.

This machine's speed drifts by ±30% from one minute to the next even when idle (labgate's CPU
per request was seen at 1.3 ms and at 2.0 ms for the same code, minutes apart), so two
benchmark runs taken one after the other cannot show a 5% change. Here both versions run at
the same time, each as its own ``labgate serve`` (SQLite, no embedded worker) in front of one
fast test worker, and one client sends requests one after another to A, B and the worker
directly, the order rotated every time. Whatever the machine does, it does to both.

``--base REV`` is a git revision, checked out into a temporary worktree; ``B`` is this working
tree. Gateways run pinned to core 0, the worker and the client to core 1 (``--no-pin`` to let
them float), so the figures are for comparing, not for ``docs/benchmarks.md``'s table.

    python bench/compare.py --base HEAD~1 [--requests 4000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from overhead import free_port, pct, rotate, wait_http  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _pinned(cmd: list[str], cores: str | None) -> list[str]:
    return ["taskset", "-c", cores, *cmd] if cores and shutil.which("taskset") else cmd


def _start_gateway(src: Path, tmp: Path, name: str, wport: int, cores: str | None) -> tuple:
    port = free_port()
    home = tmp / name
    home.mkdir()
    (home / "labgate.toml").write_text(
        '[embedded]\nenabled = false\n\n[[models]]\nname = "fake"\n'
        f'workers = ["http://127.0.0.1:{wport}/v1"]\nmax_in_flight_per_worker = 256\n'
        "\n[safety]\nenabled = false\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABGATE_")}
    env["PYTHONPATH"] = str(src)  # ahead of the editable install
    cmd = [sys.executable, "-m", "labgate.cli", "serve", "--port", str(port),
           "--data-dir", str(home / "data"), "--config", str(home / "labgate.toml")]
    proc = subprocess.Popen(
        _pinned(cmd, cores), env=env, stdout=(home / "gateway.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    return proc, port, home


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--base", default="HEAD", help="git revision for A (B is the working tree)")
    ap.add_argument("--requests", type=int, default=4000, help="requests to each, alternating")
    ap.add_argument("--no-pin", action="store_true", help="do not pin processes to cores")
    args = ap.parse_args()
    gw_cores, other_cores = (None, None) if args.no_pin else ("0", "1")
    tmp = Path(tempfile.mkdtemp(prefix="labgate-compare-"))
    base = tmp / "base"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), args.base],
                   check=True, capture_output=True)
    wport = free_port()
    worker = subprocess.Popen(_pinned(
        [sys.executable, "-m", "labgate.testing.fake_worker", "--port", str(wport)], other_cores))
    gateways = [_start_gateway(base / "src", tmp, "a", wport, gw_cores),
                _start_gateway(ROOT / "src", tmp, "b", wport, gw_cores)]
    try:
        await wait_http(f"http://127.0.0.1:{wport}/v1/models")
        for _, port, _ in gateways:
            await wait_http(f"http://127.0.0.1:{port}/healthz")
        if other_cores:
            os.sched_setaffinity(0, {int(other_cores)})
        urls = [f"http://127.0.0.1:{port}/v1/chat/completions" for _, port, _ in gateways]
        urls.append(f"http://127.0.0.1:{wport}/v1/chat/completions")
        headers = [
            {"Authorization": f"Bearer {(home / 'data' / 'admin.key').read_text().strip()}",
             "Content-Type": "application/json"} for _, _, home in gateways
        ] + [{"Content-Type": "application/json"}]
        pids: list[int | None] = [p.pid for p, _, _ in gateways]
        times, cpu = await rotate(urls, headers, args.requests, [*pids, None])
        direct = statistics.median(times[2])
        print(f"labgate side by side, {args.requests} requests each, alternating "
              f"(direct p50 {direct * 1000:.3f} ms)")
        for label, t, c in zip((f"A {args.base}", "B working tree"), times, cpu, strict=False):
            print(f"  {label:24s} added p50 {(pct(t, 50) - direct) * 1000:.3f} ms  "
                  f"p90 {(pct(t, 90) - direct) * 1000:.3f} ms  "
                  f"p99 {(pct(t, 99) - direct) * 1000:.3f} ms  CPU/request {c * 1e6:.0f} µs")
        gain = (pct(times[0], 50) - pct(times[1], 50)) * 1000
        print(f"  B − A at p50: {-gain:+.3f} ms")
    finally:
        for proc in [p for p, _, _ in gateways] + [worker]:
            proc.terminate()
        for proc in [p for p, _, _ in gateways] + [worker]:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                       capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
