"""Prometheus metrics of one gateway process, on a registry of its own (not the global one),
so several apps in one process (tests) never collide. Label sets are bounded: model names come
from the config, never from client input."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

if TYPE_CHECKING:
    from labgate.router.workers import WorkerPool
    from labgate.store.walsync import WalSyncer

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self._wal_observed = False
        r = self.registry
        self.requests = Counter(
            "labgate_requests",
            "Requests by route, model and status.",
            ["route", "model", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "labgate_request_duration_seconds",
            "Time from request to last byte.",
            ["route", "model"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.ttft = Histogram(
            "labgate_time_to_first_token_seconds",
            "Time to the first streamed token.",
            ["model"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.tokens = Counter(
            "labgate_tokens",
            "Tokens by model and kind (prompt, completion, reasoning).",
            ["model", "kind"],
            registry=r,
        )
        self.worker_up = Gauge(
            "labgate_worker_up",
            "1 when a worker is usable.",
            ["model", "worker"],
            registry=r,
        )
        self.worker_outstanding = Gauge(
            "labgate_worker_outstanding",
            "Requests in flight on a worker.",
            ["model", "worker"],
            registry=r,
        )
        self.in_flight = Gauge(
            "labgate_in_flight_requests",
            "Requests being served by this gateway.",
            registry=r,
        )

    def observe_wal_syncer(self, syncer: WalSyncer) -> None:
        """SQLite with ``NORMAL``: how far the WAL's fsync runs behind the commits."""
        if self._wal_observed:
            return
        self._wal_observed = True
        Gauge(
            "labgate_audit_wal_sync_lag_seconds",
            "From the oldest commit an fsync of the SQLite WAL covered to its end (the last).",
            registry=self.registry,
        ).set_function(lambda: syncer.last_lag_s)
        Gauge(
            "labgate_audit_wal_unsynced_commits",
            "Commits not yet known to be on disk (SQLite, synchronous NORMAL).",
            registry=self.registry,
        ).set_function(lambda: syncer.requested - syncer.synced)

    def observe_pool(self, pool: WorkerPool) -> None:
        """Export a pool's workers: usable or not, and requests in flight."""
        usable = {w.worker_id for w in pool.usable()}
        for w in pool.workers.values():
            self.worker_up.labels(pool.model, w.worker_id).set(1 if w.worker_id in usable else 0)
            self.worker_outstanding.labels(pool.model, w.worker_id).set(w.outstanding)
