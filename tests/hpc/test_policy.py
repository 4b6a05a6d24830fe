"""The replica rule and the back-off, as functions of time and demand."""

from __future__ import annotations

from labgate.hpc.policy import DemandState, backoff_delay, target_replicas
from labgate.hpc.spec import DeploymentSpec

SPEC = DeploymentSpec(name="r1", engine="vllm", model="/m", gpus_per_node=4, min_replicas=0,
                      max_replicas=3, idle_seconds=600, scale_up_queue_depth=8)


def target(**kw: object) -> int:
    args: dict[str, object] = {"now": 10_000.0, "replicas": 1, "ready": 1, "queue_depth": 0,
                               "last_active_at": 9_990.0, "state": DemandState()}
    args.update(kw)
    return target_replicas(SPEC, **args)  # type: ignore[arg-type]


def test_idle_goes_to_min_replicas_and_demand_to_at_least_one() -> None:
    assert target(last_active_at=None, replicas=1) == 0
    assert target(last_active_at=10_000.0 - 600, replicas=2) == 0
    assert target(last_active_at=10_000.0 - 599, replicas=0, ready=0) == 1


def test_queue_pressure_adds_one_replica_at_a_time_up_to_max() -> None:
    assert target(queue_depth=8) == 2
    assert target(queue_depth=7) == 1
    assert target(queue_depth=100, replicas=2, ready=1) == 2, "one is still on its way"
    assert target(queue_depth=100, replicas=3, ready=3) == 3, "max_replicas"
    assert target(queue_depth=16, replicas=2, ready=2) == 3


def test_extra_replicas_go_one_per_quiet_period() -> None:
    quiet = DemandState(last_pressure_at=10_000.0 - 601, last_change_at=10_000.0 - 700)
    assert target(replicas=3, ready=3, state=quiet) == 2
    recent_change = DemandState(last_pressure_at=10_000.0 - 601, last_change_at=10_000.0 - 10)
    assert target(replicas=3, ready=3, state=recent_change) == 3
    assert target(replicas=1, ready=1, state=quiet) == 1, "never below one while in demand"


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [backoff_delay(n, 30, 900) for n in range(0, 7)] == [0, 30, 60, 120, 240, 480, 900]
    state = DemandState()
    assert state.record_failure(100.0, 30, 900) == 30
    assert state.record_failure(100.0, 30, 900) == 60
    assert state.retry_at == 160.0
    state.record_success()
    assert (state.failures, state.retry_at) == (0, 0.0)
