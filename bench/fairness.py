"""Fair-share scheduler under overload, against a first-come-first-served baseline.

The same simulated load runs twice, through :class:`labgate.scheduler.FairScheduler` and
through a FIFO queue with the same number of slots:

* three labs with shares 3 : 2 : 1; each lab has four batch "pipeline" users that keep two
  requests outstanding at all times (so every lab is always backlogged: the overload), three
  interactive chat users with think time, and two bursty interactive users who send 3–6
  requests at once at random moments;
* one project (``lab-b/etl``) that floods the model with batch work between 15 % and 85 % of
  the run, keeping 60 requests outstanding;
* slow simulated workers: ``capacity`` slots; a request sleeps for its prefill, then streams
  its output in chunks of 8 tokens, sleeping per token, and is charged per chunk.

Printed figures (figures, not pass/fail):

* Jain's fairness index of weighted service per share among labs that were backlogged for a
  whole window (2 s by default; 1.0 = perfectly weighted-fair), mean and worst window during
  the flood;
* the largest difference in weighted service per share between two backlogged labs in a
  window, FIFO vs fair share;
* interactive queue wait p50/p99 during the flood;
* the scheduler's own cost per decision, measured apart from the simulation on a tree of
  15,000 users (10 labs × 50 projects × 30 users), best of three, next to a plain heap
  operation timed the same way so figures from a busy machine can be put in proportion.

Run: ``.venv/bin/python bench/fairness.py`` (about 30 s; ``--duration`` shortens it).
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import math
import os
import platform
import random
import statistics
import time
from collections import defaultdict, deque
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from prometheus_client import CollectorRegistry

from labgate.scheduler import (
    ClassLimits,
    ClientPath,
    FairScheduler,
    RequestClass,
    SchedulerConfig,
)

POOL = "bench-model"
SHARES = {"lab-a": 3.0, "lab-b": 2.0, "lab-c": 1.0}
PREFILL_S_PER_TOKEN = 0.00002
DECODE_S_PER_TOKEN = 0.0004
CHUNK = 8
BUCKET_S = 0.5  # service and backlog are recorded per bucket; windows slide by one bucket
SETTLE_S = 1.0  # the first second of the flood is not measured


class Weights(NamedTuple):
    input: float = 0.5
    output: float = 1.0
    reasoning: float = 1.0


WEIGHTS = Weights()


# -- the FIFO baseline --


class Slot(Protocol):
    def charge(self, output_tokens: int = 0, reasoning_tokens: int = 0) -> None: ...

    def release(self) -> None: ...


class FifoSlot:
    def __init__(self, owner: FifoScheduler) -> None:
        self._owner = owner

    def charge(self, output_tokens: int = 0, reasoning_tokens: int = 0) -> None:
        """FIFO keeps no accounts."""

    def release(self) -> None:
        self._owner.release()


class FifoScheduler:
    """First come, first served with a fixed number of slots: what a plain proxy does."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.running = 0
        self._queue: deque[asyncio.Future[None]] = deque()

    async def acquire(
        self, pool: str, path: ClientPath, cls: str, *, prompt_tokens: int, weights: Weights
    ) -> FifoSlot:
        if self.running < self.capacity and not self._queue:
            self.running += 1
            return FifoSlot(self)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(future)
        await future
        return FifoSlot(self)

    def release(self) -> None:
        self.running -= 1
        while self._queue and self.running < self.capacity:
            self.running += 1
            self._queue.popleft().set_result(None)


# -- the load --


@dataclass
class Recorder:
    """What happened during one run: service by lab per bucket, waits, backlog samples."""

    start: float
    service: dict[str, dict[int, float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float))
    )
    waiting: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    idle_buckets: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    waits: list[tuple[float, str, str, float]] = field(default_factory=list)  # t, cls, kind, s
    completed: int = 0

    def now(self) -> float:
        return time.monotonic() - self.start

    def serve(self, lab: str, cost: float) -> None:
        self.service[lab][int(self.now() // BUCKET_S)] += cost


@dataclass
class Load:
    duration: float
    flood_start: float
    flood_end: float
    seed: int
    window_s: float


async def one_request(
    scheduler: Any,
    rec: Recorder,
    path: ClientPath,
    cls: str,
    kind: str,
    prompt: int,
    output: int,
) -> None:
    submitted = rec.now()
    rec.waiting[path.lab] += 1
    try:
        slot: Slot = await scheduler.acquire(
            POOL, path, cls, prompt_tokens=prompt, weights=WEIGHTS
        )
    finally:
        rec.waiting[path.lab] -= 1
    rec.waits.append((submitted, cls, kind, rec.now() - submitted))
    rec.serve(path.lab, WEIGHTS.input * prompt)
    try:
        await asyncio.sleep(prompt * PREFILL_S_PER_TOKEN)
        left = output
        while left > 0:
            n = min(CHUNK, left)
            await asyncio.sleep(n * DECODE_S_PER_TOKEN)
            reasoning = n // 2
            slot.charge(output_tokens=n - reasoning, reasoning_tokens=reasoning)
            rec.serve(path.lab, WEIGHTS.output * (n - reasoning) + WEIGHTS.reasoning * reasoning)
            left -= n
    finally:
        slot.release()
    rec.completed += 1


async def think(rec: Recorder, load: Load, seconds: float) -> bool:
    """Pause before a user's next request; False (at once) if that falls after the run."""
    if rec.now() + seconds >= load.duration:
        return False
    await asyncio.sleep(seconds)
    return True


async def pipeline_user(scheduler: Any, rec: Recorder, load: Load, path: ClientPath) -> None:
    """Batch work submitted back to back: one lane of a user's pipeline."""
    rng = random.Random(f"{load.seed}/{path}")
    while rec.now() < load.duration:
        prompt, output = rng.randint(100, 400), rng.randint(50, 250)
        await one_request(scheduler, rec, path, "batch", "pipeline", prompt, output)


async def chat_user(scheduler: Any, rec: Recorder, load: Load, path: ClientPath) -> None:
    """Interactive requests one at a time, with think time between them."""
    rng = random.Random(f"{load.seed}/chat/{path}")
    while await think(rec, load, rng.expovariate(1 / 0.6)):
        prompt, output = rng.randint(50, 300), rng.randint(50, 250)
        await one_request(scheduler, rec, path, "interactive", "chat", prompt, output)


async def bursty_user(scheduler: Any, rec: Recorder, load: Load, path: ClientPath) -> None:
    """Interactive requests in bursts: a notebook cell that fans out."""
    rng = random.Random(f"{load.seed}/burst/{path}")
    while await think(rec, load, rng.expovariate(1 / 1.5)):
        burst = [
            one_request(
                scheduler, rec, path, "interactive", "bursty",
                rng.randint(20, 200), rng.randint(30, 120),
            )
            for _ in range(rng.randint(3, 6))
        ]
        await asyncio.gather(*burst)


async def batch_flood(scheduler: Any, rec: Recorder, load: Load, lane: int) -> None:
    path = ClientPath("lab-b", "etl", "etl-bot")
    rng = random.Random(f"{load.seed}/flood/{lane}")
    await asyncio.sleep(load.flood_start)
    while rec.now() < load.flood_end:
        prompt, output = rng.randint(200, 600), rng.randint(100, 300)
        await one_request(scheduler, rec, path, "batch", "flood", prompt, output)


async def sample_backlog(rec: Recorder, load: Load) -> None:
    """Mark every bucket in which a lab had, at some sample, nothing waiting."""
    while rec.now() < load.duration:
        bucket = int(rec.now() // BUCKET_S)
        for lab in SHARES:
            if rec.waiting[lab] <= 0:
                rec.idle_buckets[lab].add(bucket)
        await asyncio.sleep(0.005)


async def run_load(scheduler: Any, load: Load) -> Recorder:
    rec = Recorder(start=time.monotonic())
    jobs: list[Awaitable[None]] = [sample_backlog(rec, load)]
    for lab in SHARES:
        for project in ("p1", "p2"):
            for u in range(2):
                path = ClientPath(lab, project, f"{lab}-{project}-u{u}")
                jobs += [pipeline_user(scheduler, rec, load, path) for _ in range(2)]
        for u in range(3):
            jobs.append(chat_user(scheduler, rec, load, ClientPath(lab, "chat", f"chat{u}")))
        for u in range(2):
            jobs.append(bursty_user(scheduler, rec, load, ClientPath(lab, "chat", f"burst{u}")))
    jobs += [batch_flood(scheduler, rec, load, lane) for lane in range(60)]
    await asyncio.gather(*jobs)
    return rec


# -- the figures --


def jain(values: list[float]) -> float:
    total, squares = sum(values), sum(v * v for v in values)
    return total * total / (len(values) * squares) if squares else 1.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


@dataclass
class Figures:
    windows: int
    jain_mean: float
    jain_min: float
    max_gap: float
    mean_per_lab: float
    interactive_p50: float
    interactive_p99: float
    bursty_p99: float
    completed: int
    split: dict[str, float]  # each lab's fraction of all service during the flood


def figures(rec: Recorder, load: Load) -> Figures:
    first = int(math.ceil((load.flood_start + SETTLE_S) / BUCKET_S))
    last = int(load.flood_end // BUCKET_S)  # buckets [first, last) lie inside the flood
    width = max(1, round(load.window_s / BUCKET_S))
    indices, gaps, means = [], [], []
    for start in range(first, last - width + 1):
        window = range(start, start + width)
        busy = [lab for lab in SHARES if not rec.idle_buckets[lab].intersection(window)]
        if len(busy) < 2:
            continue
        per_share = [sum(rec.service[lab][b] for b in window) / SHARES[lab] for lab in busy]
        indices.append(jain(per_share))
        gaps.append(max(per_share) - min(per_share))
        means.append(statistics.fmean(per_share))
    served = {lab: sum(rec.service[lab][w] for w in range(first, last)) for lab in SHARES}
    total = sum(served.values()) or 1.0
    during = [
        (cls, kind, wait) for t, cls, kind, wait in rec.waits
        if load.flood_start <= t < load.flood_end
    ]
    interactive = [w for cls, _, w in during if cls == "interactive"]
    bursty = [w for _, kind, w in during if kind == "bursty"]
    return Figures(
        windows=len(indices),
        jain_mean=statistics.fmean(indices) if indices else math.nan,
        jain_min=min(indices, default=math.nan),
        max_gap=max(gaps, default=math.nan),
        mean_per_lab=statistics.fmean(means) if means else math.nan,
        interactive_p50=percentile(interactive, 0.50),
        interactive_p99=percentile(interactive, 0.99),
        bursty_p99=percentile(bursty, 0.99),
        completed=rec.completed,
        split={lab: served[lab] / total for lab in SHARES},
    )


# -- cost per decision --


async def decision_cost(waiting: int = 20_000, seed: int = 1) -> dict[str, float]:
    """Microseconds per enqueue, per decision (choose class, descend, charge the prompt, grant,
    metrics), per streamed-chunk charge and per release, on a 15,000-user tree."""
    limits = ClassLimits(max_wait_s=3600, max_queued=10**6, max_queued_per_user=10**6)
    config = SchedulerConfig(
        shares={f"lab{i}": 1.0 + i % 3 for i in range(10)},
        half_life_s=86400.0,
        interactive=limits,
        batch=limits,
    )
    scheduler = FairScheduler(config, registry=CollectorRegistry())
    scheduler.set_capacity(POOL, 0)
    pool = scheduler.pool(POOL)
    rng = random.Random(seed)
    users = [ClientPath(f"lab{i % 10}", f"proj{i % 500}", f"user{i}") for i in range(15_000)]
    for path in users:  # build the whole tree first; creating nodes is not a decision
        pool.tree.nodes_for(path)
    loop = asyncio.get_running_loop()
    futures: list[asyncio.Future[Any]] = []
    started = time.perf_counter()
    for _ in range(waiting):
        future: asyncio.Future[Any] = loop.create_future()
        cls = RequestClass.BATCH if rng.random() < 0.2 else RequestClass.INTERACTIVE
        pool.enqueue(rng.choice(users), cls, rng.randint(10, 500), WEIGHTS, future)
        futures.append(future)
    enqueue_us = (time.perf_counter() - started) / waiting * 1e6

    started = time.perf_counter()
    scheduler.set_capacity(POOL, waiting)  # one pump: `waiting` decisions in a row
    decide_us = (time.perf_counter() - started) / waiting * 1e6
    assert pool.decisions == waiting
    tickets = [future.result() for future in futures]

    chunks = 100_000
    started = time.perf_counter()
    for i in range(chunks):
        tickets[i % waiting].charge(output_tokens=4, reasoning_tokens=4)
    charge_us = (time.perf_counter() - started) / chunks * 1e6

    started = time.perf_counter()
    for ticket in tickets:
        ticket.release()
    release_us = (time.perf_counter() - started) / waiting * 1e6
    return {
        "enqueue_us": enqueue_us,
        "decision_us": decide_us,
        "charge_us": charge_us,
        "release_us": release_us,
    }


# -- main --


def make_fair(capacity: int) -> FairScheduler:
    config = SchedulerConfig(
        shares=dict(SHARES),
        half_life_s=3600.0,
        batch_min_share=0.1,
        interactive=ClassLimits(max_wait_s=60, max_queued=10_000, max_queued_per_user=1000),
        batch=ClassLimits(max_wait_s=600, max_queued=10_000, max_queued_per_user=1000),
    )
    scheduler = FairScheduler(config, registry=CollectorRegistry())
    scheduler.set_capacity(POOL, capacity)
    return scheduler


def row(name: str, fair: str, fifo: str) -> None:
    print(f"  {name:<58}{fair:>14}{fifo:>14}")


def reference_heap_us(size: int = 15_000, rounds: int = 20_000) -> float:
    """A plain heappush + heappop on a heap of ``size``: how fast this machine is right now."""
    rng = random.Random(0)
    heap = [[rng.random(), i] for i in range(size)]
    heapq.heapify(heap)
    started = time.perf_counter()
    for i in range(rounds):
        heapq.heappush(heap, [rng.random(), i])
        heapq.heappop(heap)
    return (time.perf_counter() - started) / rounds * 1e6


async def main(args: argparse.Namespace) -> None:
    load = Load(
        duration=args.duration,
        flood_start=args.duration * 0.15,
        flood_end=args.duration * 0.85,
        seed=args.seed,
        window_s=args.window,
    )
    load_before = os.getloadavg()[0]
    results: dict[str, Figures] = {}
    for name, make in (
        ("fair", lambda: make_fair(args.capacity)),
        ("fifo", lambda: FifoScheduler(args.capacity)),
    ):
        rec = await run_load(make(), load)
        results[name] = figures(rec, load)
    runs = [await decision_cost() for _ in range(3)]  # best of three, as timeit does
    cost = {key: min(run[key] for run in runs) for key in runs[0]}
    reference = min(reference_heap_us() for _ in range(3))

    fair, fifo = results["fair"], results["fifo"]
    print(f"labgate fair-share benchmark — {platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, load average {load_before:.1f} → "
          f"{os.getloadavg()[0]:.1f}")
    print(f"  load: {args.duration:.0f} s per run, {args.capacity} slots, labs 3:2:1, "
          f"batch flood {load.flood_start:.1f}–{load.flood_end:.1f} s")
    row("", "fair share", "FIFO")
    row("requests completed", f"{fair.completed}", f"{fifo.completed}")
    row(f"{load.window_s:g} s windows (sliding by {BUCKET_S:g} s), ≥2 labs backlogged",
        f"{fair.windows}", f"{fifo.windows}")
    row("Jain's index, weighted service/share, mean", f"{fair.jain_mean:.4f}",
        f"{fifo.jain_mean:.4f}")
    row("Jain's index, worst window", f"{fair.jain_min:.4f}", f"{fifo.jain_min:.4f}")
    row("max service gap between backlogged labs (wtok/share)", f"{fair.max_gap:,.0f}",
        f"{fifo.max_gap:,.0f}")
    row("  … as % of a lab's mean service per window",
        f"{100 * fair.max_gap / fair.mean_per_lab:.1f}%",
        f"{100 * fifo.max_gap / fifo.mean_per_lab:.1f}%")
    row("service split a/b/c during flood (shares 50/33/17 %)", split(fair), split(fifo))
    row("interactive queue wait p50 during flood (ms)", f"{fair.interactive_p50 * 1e3:.1f}",
        f"{fifo.interactive_p50 * 1e3:.1f}")
    row("interactive queue wait p99 during flood (ms)", f"{fair.interactive_p99 * 1e3:.1f}",
        f"{fifo.interactive_p99 * 1e3:.1f}")
    row("bursty users' queue wait p99 during flood (ms)", f"{fair.bursty_p99 * 1e3:.1f}",
        f"{fifo.bursty_p99 * 1e3:.1f}")
    print("  scheduler cost, best of 3 (15,000-user tree, 20,000 queued, metrics on):")
    print(f"    enqueue {cost['enqueue_us']:.1f} µs · decision {cost['decision_us']:.1f} µs "
          f"· per-chunk charge {cost['charge_us']:.2f} µs "
          f"· release {cost['release_us']:.1f} µs")
    print(f"    reference: heappush + heappop on a 15,000-entry heap {reference:.2f} µs")
    await class_honesty()


async def class_split(
    flood_class: str, other_class: str, shares: dict[str, float], dispatches: int = 2000
) -> float:
    """Two labs keep 50 requests waiting each on a one-slot pool: "flood" of ``flood_class``,
    "other" of ``other_class``. Returns the fraction of dispatches "other" got."""
    config = SchedulerConfig(
        shares=shares, half_life_s=None, batch_min_share=0.1,
        interactive=ClassLimits(max_wait_s=3600, max_queued=10_000, max_queued_per_user=10_000),
        batch=ClassLimits(max_wait_s=3600, max_queued=10_000, max_queued_per_user=10_000),
    )
    scheduler = FairScheduler(config, registry=None)
    scheduler.set_capacity(POOL, 0)
    served: dict[str, int] = defaultdict(int)
    done = asyncio.Event()

    async def client(lab: str, cls: str) -> None:
        path = ClientPath(lab, "p", "u")
        while not done.is_set():
            ticket = await scheduler.acquire(POOL, path, cls, prompt_tokens=100)
            served[lab] += 1
            if sum(served.values()) >= dispatches:
                done.set()
            await asyncio.sleep(0)
            ticket.release()

    tasks = [asyncio.create_task(client("flood", flood_class)) for _ in range(50)]
    tasks += [asyncio.create_task(client("other", other_class)) for _ in range(50)]
    await asyncio.sleep(0)
    scheduler.set_capacity(POOL, 1)
    await done.wait()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return served["other"] / sum(served.values())


async def class_honesty() -> None:
    """Issue 26: marking work as batch must never cost a lab its share."""
    print("  a lab that marks its work batch against a lab flooding interactive work "
          "(one slot, 2,000 dispatches):")
    for shares, label in (({}, "equal shares"), ({"other": 3.0}, "other's share 3, flood's 1")):
        want = 100 * shares.get("other", 1.0) / (shares.get("other", 1.0) + 1.0)
        both_interactive = await class_split("interactive", "interactive", shares)
        marked_batch = await class_split("interactive", "batch", shares)
        print(f"    {label}: other's share of dispatches {100 * both_interactive:.1f}% when it "
              f"sends interactive, {100 * marked_batch:.1f}% when it sends batch "
              f"(entitled to {want:.0f}%)")


def split(figures: Figures) -> str:
    return "/".join(f"{100 * figures.split[lab]:.0f}" for lab in SHARES)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=14.0, help="Seconds per run.")
    parser.add_argument(
        "--window", type=float, default=2.0, help="Seconds per fairness-measurement window."
    )
    parser.add_argument("--capacity", type=int, default=8, help="Slots of the simulated model.")
    parser.add_argument("--seed", type=int, default=7, help="Seed of the simulated clients.")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
