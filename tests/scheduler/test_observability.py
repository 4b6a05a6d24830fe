"""What operators see: Prometheus metrics per lab and class, and the admin snapshot."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from prometheus_client import CollectorRegistry

from labgate.scheduler import ClientPath, FairScheduler
from tests.scheduler.conftest import POOL, FakeClock, Harness, settle, user


def sample(registry: CollectorRegistry, name: str, lab: str, cls: str) -> float:
    return registry.get_sample_value(name, {"lab": lab, "class": cls}) or 0.0


async def test_metrics_follow_queue_and_waits(
    make_scheduler: Callable[..., FairScheduler], registry: CollectorRegistry, clock: FakeClock
) -> None:
    scheduler = make_scheduler(capacity=0)
    harness = Harness(scheduler)
    harness.submit("a1", user("ornl"))
    harness.submit("a2", user("ornl"))
    harness.submit("b1", user("anl"), cls="batch")
    await settle()
    assert sample(registry, "labgate_scheduler_queue_length", "ornl", "interactive") == 2
    assert sample(registry, "labgate_scheduler_queue_length", "anl", "batch") == 1

    clock.advance(3.0)
    scheduler.set_capacity(POOL, 3)
    await settle()

    assert sample(registry, "labgate_scheduler_queue_length", "ornl", "interactive") == 0
    assert registry.get_sample_value("labgate_scheduler_running", {"lab": "ornl"}) == 2
    wait_count = "labgate_scheduler_queue_wait_seconds_count"
    wait_sum = "labgate_scheduler_queue_wait_seconds_sum"
    assert sample(registry, wait_count, "ornl", "interactive") == 2
    assert sample(registry, wait_sum, "ornl", "interactive") == pytest.approx(6.0)
    bucket = registry.get_sample_value(
        "labgate_scheduler_queue_wait_seconds_bucket",
        {"lab": "ornl", "class": "interactive", "le": "2.5"},
    )
    assert bucket == 0  # both waited 3 s
    await harness.serve()
    assert registry.get_sample_value("labgate_scheduler_running", {"lab": "ornl"}) == 0


async def test_snapshot_shows_shares_counters_usage_and_queues(
    make_scheduler: Callable[..., FairScheduler],
) -> None:
    scheduler = make_scheduler(capacity=1, shares={"ornl": 3, "anl": 1, "ornl/fusion": 2})
    harness = Harness(scheduler)
    harness.submit("run", ClientPath("ornl", "fusion", "alice"), prompt=300)
    harness.submit("wait", ClientPath("anl", "bio", "bob"), cls="batch", prompt=7)
    await settle()

    state = scheduler.snapshot()
    pool = state["pools"][POOL]
    assert (pool["capacity"], pool["running"]) == (1, 1)
    assert pool["queued"] == {"interactive": 0, "batch": 1}
    labs = {lab["name"]: lab for lab in pool["labs"]}
    ornl, anl = labs["ornl"], labs["anl"]
    assert (ornl["share"], ornl["norm_share"]) == (3, 0.75)
    assert (anl["share"], anl["norm_share"]) == (1, 0.25)
    assert ornl["usage"] == 300 and ornl["counter"] == 100  # 300 tokens / share 3
    assert ornl["running"] == 1 and anl["queued"] == {"interactive": 0, "batch": 1}
    fusion = ornl["projects"][0]
    assert (fusion["name"], fusion["share"], fusion["counter"]) == ("fusion", 2, 150)
    alice = fusion["users"][0]
    assert (alice["name"], alice["counter"], alice["usage"]) == ("alice", 300, 300)
    assert "users" not in alice

    only_anl = scheduler.snapshot(lab="anl")["pools"][POOL]["labs"]
    assert [lab["name"] for lab in only_anl] == ["anl"]
    only_fusion = scheduler.snapshot(lab="ornl", project="fusion")["pools"][POOL]["labs"]
    assert [p["name"] for p in only_fusion[0]["projects"]] == ["fusion"]
    await harness.serve()
