"""Two versions of labgate side by side, requests alternating: what a change gains or costs.

This machine's speed drifts by ±30% from one minute to the next even when idle (labgate's CPU
per request was seen at 1.3 ms and at 2.0 ms for the same code, minutes apart), so two
benchmark runs taken one after the other cannot show a 5% change. Here both versions run at
the same time, each as its own ``labgate serve`` (SQLite, no embedded worker) in front of one
fast test worker, and one client sends requests one after another to A, B and the worker
directly, the order rotated every time. Whatever the machine does, it does to both.

``--base REV`` is a git revision, checked out into a temporary worktree; ``B`` is this working
tree. ``--base-src DIR`` runs ``A`` from a ``src`` directory instead (a copy of this tree's
``src`` with only the files under test put back: other people's uncommitted edits then run
on both sides). Gateways run pinned to core 0, the worker and the client to core 1
(``--no-pin`` to let them float), so the figures are for comparing, not for
``docs/benchmarks.md``'s table.

``--wrk N`` measures under load instead, as issue 25's requests/s goal does: ``N`` rounds of
``wrk -c32`` (``--connections``), A and B in turn (order alternating each round), each
gateway's CPU time per request from ``/proc`` over its run; it prints every round's B/A
ratio and their median. With ``--together`` A and B are loaded at the same time, each by
its own ``wrk``, both gateways sharing core 0: on a host whose other load comes and goes
from second to second, both then meet the same seconds (rounds in turn met different ones).

    python bench/compare.py --base HEAD~1 [--requests 4000]
    python bench/compare.py --base HEAD~1 --wrk 10 [--duration 3]
    python bench/compare.py --base-src /tmp/src-a --wrk 10 --together --safety
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from overhead import (  # noqa: E402
    CHAT,
    cpu_seconds,
    free_port,
    gateway_toml,
    load_average,
    pct,
    rotate,
    wait_http,
    wrk_script,
)

ROOT = Path(__file__).resolve().parents[1]


def _pinned(cmd: list[str], cores: str | None) -> list[str]:
    return ["taskset", "-c", cores, *cmd] if cores and shutil.which("taskset") else cmd


def _start_gateway(src: Path, tmp: Path, name: str, wport: int, cores: str | None,
                   safety: bool = False) -> tuple:
    port = free_port()
    home = tmp / name
    home.mkdir()
    # the fake model is not approved: the model gate is off, as in overhead.py's gateways
    (home / "labgate.toml").write_text(gateway_toml(wport, safety=safety))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABGATE_")}
    env["PYTHONPATH"] = str(src)  # ahead of the editable install
    cmd = [sys.executable, "-m", "labgate.cli", "serve", "--port", str(port),
           "--data-dir", str(home / "data"), "--config", str(home / "labgate.toml")]
    proc = subprocess.Popen(
        _pinned(cmd, cores), env=env, stdout=(home / "gateway.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    return proc, port, home


def _wrk(url: str, script: Path, connections: int, duration: float, cores: str | None) -> int:
    """One wrk run; the number of answers it got (any non-2xx answer is an error)."""
    return _answers(_start_wrk(url, script, connections, duration, cores), url)


def _start_wrk(url: str, script: Path, connections: int, duration: float,
               cores: str | None) -> subprocess.Popen[str]:
    threads = "1" if cores or connections == 1 else "2"
    return subprocess.Popen(
        _pinned(["wrk", "-t", threads, "-c", str(connections), "-d", f"{duration:g}s",
                 "--timeout", "30s", "-s", str(script), url], cores),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _answers(proc: subprocess.Popen[str], url: str) -> int:
    """The number of answers a finished wrk run got (any non-2xx answer is an error)."""
    out, err = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {err}")
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk against {url} saw errors:\n{out}")
    for line in out.splitlines():
        parts = line.split()
        if len(parts) > 2 and parts[1] == "requests" and parts[2] == "in":
            return int(parts[0])
    raise RuntimeError(f"wrk printed no request count:\n{out}")


def under_load(args: argparse.Namespace, gateways: list[tuple], tmp: Path,
               cores: str | None) -> None:
    """``args.wrk`` rounds of wrk at ``args.connections``, A and B in turn (the order
    alternating) or, with ``--together``, at once; each gateway's CPU time per request over
    its own run."""
    scripts = []
    for i, (_, _, home) in enumerate(gateways):
        key = (home / "data" / "admin.key").read_text().strip()
        scripts.append(wrk_script(tmp / f"wrk{i}.lua", json.dumps(CHAT).encode(),
                                  {"Authorization": f"Bearer {key}"}, unique=args.safety))
    urls = [f"http://127.0.0.1:{port}/v1/chat/completions" for _, port, _ in gateways]
    for i in range(2):
        _wrk(urls[i], scripts[i], 4, 1.0, cores)  # warm up
    cpu: list[list[float]] = [[], []]
    rps: list[list[float]] = [[], []]
    print(f"labgate side by side under load: {args.wrk} rounds of wrk -c{args.connections}, "
          f"{args.duration:g} s each, A and B alternating; load {load_average()}")
    if args.together:
        print("  (--together: A and B under wrk at the same time, each its own wrk)")
    for r in range(args.wrk):
        order = (0, 1) if r % 2 == 0 else (1, 0)
        if args.together:
            pids = [gateways[i][0].pid for i in range(2)]
            starts, t = [cpu_seconds(pid) for pid in pids], time.perf_counter()
            procs = {i: _start_wrk(urls[i], scripts[i], args.connections, args.duration, cores)
                     for i in order}
            counts = {i: _answers(procs[i], urls[i]) for i in order}
            elapsed = time.perf_counter() - t
            for i in range(2):
                cpu[i].append((cpu_seconds(pids[i]) - starts[i]) / counts[i])
                rps[i].append(counts[i] / elapsed)
        else:
            for i in order:
                pid = gateways[i][0].pid
                before, t = cpu_seconds(pid), time.perf_counter()
                n = _wrk(urls[i], scripts[i], args.connections, args.duration, cores)
                elapsed = time.perf_counter() - t
                cpu[i].append((cpu_seconds(pid) - before) / n)
                rps[i].append(n / elapsed)
        print(f"  round {r + 1:2d}: CPU/request A {cpu[0][-1] * 1e6:5.0f} µs  "
              f"B {cpu[1][-1] * 1e6:5.0f} µs  B/A {cpu[1][-1] / cpu[0][-1]:.3f}   "
              f"req/s A {rps[0][-1]:6.0f}  B {rps[1][-1]:6.0f}")
    ratios = [b / a for a, b in zip(cpu[0], cpu[1], strict=True)]
    rps_ratios = [b / a for a, b in zip(rps[0], rps[1], strict=True)]
    print(f"  CPU/request: A median {statistics.median(cpu[0]) * 1e6:.0f} µs, "
          f"B median {statistics.median(cpu[1]) * 1e6:.0f} µs; B/A per round median "
          f"{statistics.median(ratios):.3f} (lower in {sum(x < 1 for x in ratios)} of "
          f"{len(ratios)}); req/s B/A median {statistics.median(rps_ratios):.3f}; "
          f"load {load_average()}")


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--base", default="HEAD", help="git revision for A (B is the working tree)")
    ap.add_argument("--base-src", type=Path, default=None,
                    help="A's src directory (instead of --base's worktree)")
    ap.add_argument("--b-src", type=Path, default=None,
                    help="B's src directory (instead of this working tree's)")
    ap.add_argument("--requests", type=int, default=4000, help="requests to each, alternating")
    ap.add_argument("--no-pin", action="store_true", help="do not pin processes to cores")
    ap.add_argument("--wrk", type=int, default=0, metavar="ROUNDS",
                    help="under load instead: this many rounds of wrk, A and B in turn")
    ap.add_argument("--connections", type=int, default=32, help="wrk's connections (--wrk)")
    ap.add_argument("--duration", type=float, default=3.0, help="seconds a wrk run (--wrk)")
    ap.add_argument("--together", action="store_true",
                    help="--wrk with A and B loaded at the same time (each its own wrk), so "
                         "both meet the host's load of the same seconds")
    ap.add_argument("--safety", action="store_true",
                    help="--wrk with the guardrail on in both gateways, and a new prompt every "
                         "request (numbered per wrk run), so no cache of the screen answers")
    args = ap.parse_args()
    gw_cores, other_cores = (None, None) if args.no_pin else ("0", "1")
    tmp = Path(tempfile.mkdtemp(prefix="labgate-compare-"))
    base = tmp / "base"
    if args.base_src is None:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), args.base],
            check=True, capture_output=True,
        )
    base_src = base / "src" if args.base_src is None else args.base_src.resolve()
    wport = free_port()
    worker = subprocess.Popen(_pinned(
        [sys.executable, "-m", "labgate.testing.fake_worker", "--port", str(wport)], other_cores))
    b_src = (args.b_src or ROOT / "src").resolve()
    gateways = [_start_gateway(base_src, tmp, "a", wport, gw_cores, args.safety),
                _start_gateway(b_src, tmp, "b", wport, gw_cores, args.safety)]
    try:
        await wait_http(f"http://127.0.0.1:{wport}/v1/models")
        for _, port, _ in gateways:
            await wait_http(f"http://127.0.0.1:{port}/healthz", timeout=180)
        if args.wrk:
            under_load(args, gateways, tmp, other_cores)
            return
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
        names = (f"A {args.base_src or args.base}", "B working tree")
        for label, t, c in zip(names, times, cpu, strict=False):
            print(f"  {label:24s} added p50 {(pct(t, 50) - direct) * 1000:.3f} ms  "
                  f"p90 {(pct(t, 90) - direct) * 1000:.3f} ms  "
                  f"p99 {(pct(t, 99) - direct) * 1000:.3f} ms  CPU/request {c * 1e6:.0f} µs")
        gain = (pct(times[0], 50) - pct(times[1], 50)) * 1000
        print(f"  B − A at p50: {-gain:+.3f} ms")
        if cpu[0] and cpu[1]:
            print(f"  CPU/request B/A: {cpu[1] / cpu[0]:.3f}")
    finally:
        for proc in [p for p, _, _ in gateways] + [worker]:
            proc.terminate()
        for proc in [p for p, _, _ in gateways] + [worker]:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        if args.base_src is None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                           capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
