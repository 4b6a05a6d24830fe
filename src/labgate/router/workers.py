"""Worker replicas of a model and the choice between them.

A :class:`Worker` is one OpenAI-compatible endpoint (vLLM, SGLang, llama.cpp server…). Its
health is the product of three signals:

* active checks: a periodic ``GET {base}/models``;
* passive detection: every failed request counts, every success resets;
* a circuit breaker: ``breaker_failures`` consecutive failures open it for
  ``breaker_cooldown_s``; after that one probe request is let through (half-open), and its
  outcome closes or re-opens the breaker.

A worker may also be *draining* (about to stop: no new requests, in-flight ones finish) or
*expired* (a registered worker that stopped heart-beating).

:meth:`WorkerPool.choose` picks, among usable workers, the one with the fewest outstanding
requests; with an affinity key (a hash of the conversation's prefix) it prefers the worker
that rendezvous hashing assigns to that key, so a worker's KV cache for that prefix is reused,
unless that worker is busier than the least-loaded one by more than ``affinity_slack``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(slots=True)
class Worker:
    base_url: str
    model: str
    worker_id: str = ""
    source: str = "config"  # config | embedded | registered
    job_id: str | None = None
    deployment: str | None = None
    accreditation: str | None = None  # the highest label it may process (registration)
    owner: str | None = None  # id of the worker token that registered it (None: configured)
    launch_id: str | None = None  # the labgate job its token was issued for (Slurm launches)
    weights_digest: str | None = None  # sha256 of the weights it loaded (labgate.approval)
    outstanding: int = 0
    healthy: bool = True
    draining: bool = False
    consecutive_failures: int = 0  # failed requests in a row (passive detection)
    failed_probes: int = 0  # failed health probes in a row, not yet enough to mark it down
    breaker: BreakerState = BreakerState.CLOSED
    opened_at: float = 0.0
    probe_in_flight: bool = False
    last_heartbeat: float = field(default_factory=time.monotonic)
    last_error: str | None = None
    total_requests: int = 0
    total_failures: int = 0

    def __post_init__(self) -> None:
        if not self.worker_id:
            self.worker_id = hashlib.sha256(self.base_url.encode()).hexdigest()[:12]

    def state_name(self) -> str:
        if self.draining:
            return "draining"
        if self.breaker is BreakerState.OPEN:
            return "open"
        return "ready" if self.healthy else "unhealthy"


class WorkerPool:
    """The replicas of one model, with their health and load."""

    def __init__(
        self,
        model: str,
        *,
        breaker_failures: int = 3,
        breaker_cooldown_s: float = 10.0,
        max_in_flight_per_worker: int = 16,
        affinity_slack: int = 2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.model = model
        self.workers: dict[str, Worker] = {}
        self.breaker_failures = breaker_failures
        self.breaker_cooldown_s = breaker_cooldown_s
        self.max_in_flight_per_worker = max_in_flight_per_worker
        self.affinity_slack = affinity_slack
        self._clock = clock

    # -- membership -------------------------------------------------------------------------

    def add(self, worker: Worker) -> Worker:
        existing = self.workers.get(worker.worker_id)
        if existing is not None:
            existing.draining = False
            existing.last_heartbeat = self._clock()
            existing.job_id = worker.job_id or existing.job_id
            return existing
        self.workers[worker.worker_id] = worker
        return worker

    def remove(self, worker_id: str) -> Worker | None:
        return self.workers.pop(worker_id, None)

    def get(self, worker_id: str) -> Worker | None:
        return self.workers.get(worker_id)

    # -- health -----------------------------------------------------------------------------

    def _usable(self, w: Worker, now: float) -> bool:
        if w.draining or not w.healthy:
            return False
        if w.breaker is BreakerState.OPEN:
            if now - w.opened_at >= self.breaker_cooldown_s and not w.probe_in_flight:
                w.breaker = BreakerState.HALF_OPEN
            else:
                return False
        if w.breaker is BreakerState.HALF_OPEN and w.probe_in_flight:
            return False
        return True

    def usable(self) -> list[Worker]:
        now = self._clock()
        return [w for w in self.workers.values() if self._usable(w, now)]

    def any_usable(self) -> bool:
        return bool(self.usable())

    @property
    def capacity(self) -> int:
        """Requests that may be in flight at once on the usable replicas."""
        return len(self.usable()) * self.max_in_flight_per_worker

    def record_success(self, w: Worker) -> None:
        w.consecutive_failures = 0
        w.healthy = True
        w.last_error = None
        if w.breaker is not BreakerState.CLOSED:
            w.breaker = BreakerState.CLOSED
            w.probe_in_flight = False

    def record_failure(self, w: Worker, error: str) -> None:
        w.consecutive_failures += 1
        w.total_failures += 1
        w.last_error = error
        if w.breaker is BreakerState.HALF_OPEN or w.consecutive_failures >= self.breaker_failures:
            w.breaker = BreakerState.OPEN
            w.opened_at = self._clock()
            w.probe_in_flight = False

    def mark_health(self, w: Worker, ok: bool, error: str | None = None) -> None:
        """Outcome of an active health check."""
        if ok:
            w.healthy = True
            if w.breaker is BreakerState.OPEN:
                # A passing check lets one real request probe the worker.
                w.breaker = BreakerState.HALF_OPEN
        else:
            w.healthy = False
            w.last_error = error

    # -- choice -----------------------------------------------------------------------------

    def choose(self, affinity_key: str | None = None, exclude: Iterable[str] = ()) -> Worker | None:
        # One pass over the workers: each one's usability (which turns a cooled-off breaker
        # half-open, excluded workers included, as :meth:`usable` does), the exclusion and the
        # least loaded (fewest outstanding, then the smallest id), without a list of all the
        # usable workers, a lambda or a set for an empty ``exclude``; a closed breaker on a
        # healthy worker needs no more (issue 25).
        now = self._clock()
        excluded = set(exclude) if exclude else None
        candidates: list[Worker] = []
        least: Worker | None = None
        for w in self.workers.values():
            if w.draining or not w.healthy:
                continue
            if w.breaker is not BreakerState.CLOSED and not self._usable(w, now):
                continue
            if excluded and w.worker_id in excluded:
                continue
            candidates.append(w)
            if (
                least is None
                or w.outstanding < least.outstanding
                or (w.outstanding == least.outstanding and w.worker_id < least.worker_id)
            ):
                least = w
        if least is None:
            return None
        chosen = least
        if affinity_key and len(candidates) > 1:
            digest = affinity_digest(affinity_key)
            # the highest 8-byte digest read big-endian is the highest digest's bytes
            preferred = max(candidates, key=lambda w: _rendezvous_bytes(digest, w.worker_id))
            if preferred.outstanding <= least.outstanding + self.affinity_slack:
                chosen = preferred
        if chosen.breaker is BreakerState.HALF_OPEN:
            chosen.probe_in_flight = True
        return chosen

    def describe(self) -> list[dict[str, object]]:
        return [
            {
                "id": w.worker_id,
                "base_url": w.base_url,
                "state": w.state_name(),
                "breaker": w.breaker.value,
                "source": w.source,
                "job_id": w.job_id,
                "token_id": w.owner,
                "outstanding": w.outstanding,
                "requests": w.total_requests,
                "failures": w.total_failures,
                "failed_probes": w.failed_probes,
                "last_error": w.last_error,
            }
            for w in self.workers.values()
        ]


def affinity_digest(prefix: str) -> str:
    """A short digest of a conversation's opening: the key its replica is chosen by."""
    return hashlib.blake2b(prefix.encode("utf-8", "replace"), digest_size=8).hexdigest()


def _rendezvous_bytes(key: str, worker_id: str) -> bytes:
    """The rendezvous score of ``worker_id`` for ``key``; bytes compare as the ints would."""
    return hashlib.blake2b(f"{key}|{worker_id}".encode(), digest_size=8).digest()
