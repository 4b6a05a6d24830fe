"""Worker choice, circuit breaker and drain, with an injected clock."""

from __future__ import annotations

from labgate.router.workers import BreakerState, Worker, WorkerPool


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def pool_of(n: int, clock: Clock | None = None) -> WorkerPool:
    pool = WorkerPool("m", breaker_failures=2, breaker_cooldown_s=10, clock=clock or Clock())
    for i in range(n):
        pool.add(Worker(base_url=f"http://w{i}/v1", model="m", worker_id=f"w{i}"))
    return pool


def test_least_outstanding() -> None:
    pool = pool_of(3)
    pool.workers["w0"].outstanding = 5
    pool.workers["w1"].outstanding = 1
    pool.workers["w2"].outstanding = 3
    assert pool.choose().worker_id == "w1"  # type: ignore[union-attr]


def test_affinity_is_stable_and_bounded_by_load() -> None:
    pool = pool_of(4)
    first = pool.choose("conversation-a")
    assert first is not None
    assert all(pool.choose("conversation-a") is first for _ in range(10))
    keys = {pool.choose(f"conv-{i}").worker_id for i in range(200)}  # type: ignore[union-attr]
    assert len(keys) == 4  # different prefixes spread over the replicas
    first.outstanding = 10  # far busier than the others: affinity yields to load
    assert pool.choose("conversation-a") is not first


def test_breaker_opens_half_opens_and_closes() -> None:
    clock = Clock()
    pool = pool_of(2, clock)
    w0 = pool.workers["w0"]
    pool.record_failure(w0, "boom")
    assert w0.breaker is BreakerState.CLOSED
    pool.record_failure(w0, "boom")
    assert w0.breaker is BreakerState.OPEN
    assert [w.worker_id for w in pool.usable()] == ["w1"]
    clock.t += 11
    assert {w.worker_id for w in pool.usable()} == {"w0", "w1"}
    assert w0.breaker is BreakerState.HALF_OPEN
    pool.workers["w1"].outstanding = 9
    assert pool.choose() is w0 and w0.probe_in_flight  # one probe at a time
    assert [w.worker_id for w in pool.usable()] == ["w1"]
    pool.record_failure(w0, "still down")  # failed probe re-opens at once
    assert w0.breaker is BreakerState.OPEN
    clock.t += 11
    assert pool.choose(exclude=["w1"]) is w0
    pool.record_success(w0)
    assert w0.breaker is BreakerState.CLOSED and not w0.probe_in_flight


def test_drain_and_unhealthy_are_skipped() -> None:
    pool = pool_of(3)
    pool.workers["w0"].draining = True
    pool.mark_health(pool.workers["w1"], False, "no answer")
    assert [w.worker_id for w in pool.usable()] == ["w2"]
    assert pool.capacity == pool.max_in_flight_per_worker
    pool.workers["w2"].draining = True
    assert pool.choose() is None
