"""How many replicas a deployment should have, and how long to wait after failures.

The rule, evaluated on every reconcile pass:

* no request (and no ``ensure_started``) for ``idle_seconds``: ``min_replicas``;
* otherwise at least one (``max(min_replicas, 1)``), and
  - one more, up to ``max_replicas``, when the waiting requests reach
    ``scale_up_queue_depth`` per ready replica and no replica is already on its way;
  - one fewer, down to that floor, when nothing has waited for ``idle_seconds`` and no
    replica was added or removed during that time either;
  - else as many as now.

Failures back off exponentially: the n-th failure in a row delays the next submission by
``min(base * 2**(n-1), cap)``; a replica that becomes ready resets the count.
"""

from __future__ import annotations

from dataclasses import dataclass

from labgate.hpc.spec import DeploymentSpec


@dataclass(slots=True)
class DemandState:
    """What the controller remembers between passes about one deployment (in memory)."""

    wanted_at: float | None = None  # last ensure_started for its model
    last_pressure_at: float | None = None  # last pass that saw requests waiting
    last_change_at: float | None = None  # last scale up or down
    failures: int = 0  # failed jobs in a row
    retry_at: float = 0.0  # no submission before this

    def record_failure(self, now: float, base_s: float, cap_s: float) -> float:
        """Count a failure; returns the delay before the next submission."""
        self.failures += 1
        delay = backoff_delay(self.failures, base_s, cap_s)
        self.retry_at = max(self.retry_at, now + delay)
        return delay

    def record_success(self) -> None:
        self.failures = 0
        self.retry_at = 0.0


def backoff_delay(failures: int, base_s: float, cap_s: float) -> float:
    if failures <= 0:
        return 0.0
    return float(min(cap_s, base_s * 2 ** min(failures - 1, 32)))


def last_activity(*times: float | None) -> float | None:
    """The latest of the times given (a request, an ``ensure_started``, a submission)."""
    known = [t for t in times if t is not None]
    return max(known) if known else None


def is_idle(spec: DeploymentSpec, now: float, last_active_at: float | None) -> bool:
    return last_active_at is None or now - last_active_at >= spec.idle_seconds


def target_replicas(
    spec: DeploymentSpec,
    *,
    now: float,
    replicas: int,
    ready: int,
    queue_depth: int,
    last_active_at: float | None,
    state: DemandState,
) -> int:
    """The number of replicas ``spec`` should have now (see the module's rule)."""
    if is_idle(spec, now, last_active_at):
        return spec.min_replicas
    floor = max(spec.min_replicas, 1)
    on_the_way = replicas - ready
    if queue_depth >= spec.scale_up_queue_depth * max(ready, 1) and on_the_way == 0:
        want = replicas + 1
    elif replicas > floor and queue_depth == 0 and _quiet_since(state, now) >= spec.idle_seconds:
        want = replicas - 1
    else:
        want = replicas
    return max(floor, min(spec.max_replicas, want))


def _quiet_since(state: DemandState, now: float) -> float:
    times = [t for t in (state.last_pressure_at, state.last_change_at) if t is not None]
    return now - max(times) if times else float("inf")
