"""Prometheus metrics of the queue, labelled by lab and class only (bounded cardinality).

Everything on the dispatch path is kept in plain Python numbers and turned into metric
families when Prometheus scrapes: queue lengths and running counts are read from the pools'
trees (so they cannot drift from the truth), and queue waits go into bucket counts found by
bisection. prometheus-client's own ``Histogram.observe`` takes a lock per bucket and scans
the bounds, which costs more than the scheduling decision it would measure. The refusal
counter stays a plain ``Counter``: it is off the fast path.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from labgate.scheduler.path import RequestClass

if TYPE_CHECKING:
    from labgate.scheduler.pool import Pool

WAIT_BUCKETS = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    120.0,
    300.0,
    600.0,
)
_BOUND_LABELS = (*(repr(bound) for bound in WAIT_BUCKETS), "+Inf")  # Prometheus' "le" values
LABELS = ("lab", "class")
_QUEUE = (
    "labgate_scheduler_queue_length",
    "Requests waiting for a slot, by lab and priority class (all models).",
)
_RUNNING = ("labgate_scheduler_running", "Requests holding a slot, by lab (all models).")
_WAIT = (
    "labgate_scheduler_queue_wait_seconds",
    "Time admitted requests waited for a slot, by lab and priority class.",
)


class _Waits:
    """One histogram series: counts per bucket (the last is +Inf) and the sum."""

    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * (len(WAIT_BUCKETS) + 1)
        self.total = 0.0

    def cumulative(self) -> list[tuple[str, float]]:
        out: list[tuple[str, float]] = []
        running = 0
        for label, count in zip(_BOUND_LABELS, self.counts, strict=True):
            running += count
            out.append((label, running))
        return out


class _SchedulerCollector(Collector):
    """Builds the queue gauges and the wait histogram at scrape time."""

    def __init__(
        self, pools: Callable[[], Iterable[Pool]], waits: dict[tuple[str, str], _Waits]
    ) -> None:
        self._pools = pools
        self._waits = waits

    def describe(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(*_QUEUE, labels=LABELS)
        yield GaugeMetricFamily(*_RUNNING, labels=("lab",))
        yield HistogramMetricFamily(*_WAIT, labels=LABELS)

    def collect(self) -> Iterator[Metric]:
        queued: dict[tuple[str, str], int] = defaultdict(int)
        running: dict[str, int] = defaultdict(int)
        for pool in self._pools():
            for lab in pool.tree.root.children.values():
                for cls in RequestClass:
                    queued[(lab.name, cls.label)] += lab.queued[cls]
                running[lab.name] += lab.running
        queue_family = GaugeMetricFamily(*_QUEUE, labels=LABELS)
        for key, count in sorted(queued.items()):
            queue_family.add_metric(list(key), count)
        running_family = GaugeMetricFamily(*_RUNNING, labels=("lab",))
        for lab_name, count in sorted(running.items()):
            running_family.add_metric([lab_name], count)
        wait_family = HistogramMetricFamily(*_WAIT, labels=LABELS)
        for key, series in sorted(self._waits.items()):
            wait_family.add_metric(list(key), series.cumulative(), series.total)
        yield queue_family
        yield running_family
        yield wait_family


class SchedulerMetrics:
    """Queue wait per admitted request, refusals, and the scrape-time queue gauges."""

    def __init__(self, registry: CollectorRegistry, pools: Callable[[], Iterable[Pool]]) -> None:
        self._waits: dict[tuple[str, str], _Waits] = {}
        self._not_admitted = Counter(
            "labgate_scheduler_not_admitted",
            "Requests that left without a slot, by lab, class and reason "
            "(queue_full, timeout, cancelled).",
            (*LABELS, "reason"),
            registry=registry,
        )
        registry.register(_SchedulerCollector(pools, self._waits))

    def dispatched(self, lab: str, cls: str, waited_s: float) -> None:
        series = self._waits.get((lab, cls))
        if series is None:
            series = self._waits[(lab, cls)] = _Waits()
        series.counts[bisect_left(WAIT_BUCKETS, waited_s)] += 1
        series.total += waited_s

    def not_admitted(self, lab: str, cls: str, reason: str) -> None:
        self._not_admitted.labels(lab, cls, reason).inc()
