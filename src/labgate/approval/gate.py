"""The model gate on the request path: no traffic to a model version that is not approved for
this deployment, nor to a worker whose weights are not the approved ones.

The gateway keeps, per model name, the versions approved (and not retired) for its
deployment, read from the registry at start, after every approval or retirement made on this
replica, and every ``REFRESH_S`` seconds (approvals made on another replica). For each request
(:meth:`ModelGate.check`, called by :meth:`labgate.router.router.Router.open`, no I/O):

- no approved version of the model: 403 ``model_not_approved``, naming the deployment and the
  next step;
- workers whose reported weights digest is not an approved version's are excluded; when that
  leaves none, 503 ``weights_digest_mismatch``. Each such worker raises one alert line on the
  ``labgate.alert`` logger and counts in ``labgate_weights_digest_mismatch_total``.

A worker reports its digest at registration (``weights_digest``: the Slurm job script hashes
the weight files before it starts the engine); the embedded worker carries the packaged GGUF's
sha256, which it verifies before it starts; a configured ``[[models]]`` worker carries the
``weights_digest`` its table states (the operator's statement).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge

from labgate.api.errors import APIError

if TYPE_CHECKING:
    from labgate.approval.service import ApprovedVersion
    from labgate.router.workers import Worker

alert = logging.getLogger("labgate.alert")
REFRESH_S = 10.0


class ModelGate:
    def __init__(
        self,
        *,
        enforce: bool,
        deployment: str,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.enforce = enforce
        self.deployment = deployment
        self.approved: dict[str, list[ApprovedVersion]] = {}
        self._alerted: set[tuple[str, str, str | None]] = set()
        self.mismatches = Counter(
            "labgate_weights_digest_mismatch",
            "Workers refused because the weights they loaded are not an approved version's "
            "(counted once per worker and digest)",
            ["model"],
            registry=registry,
        )
        self.unapproved = Gauge(
            "labgate_model_approved",
            "1 when the model has a version approved for this deployment, else 0",
            ["model"],
            registry=registry,
        )

    def load(self, approved: dict[str, list[ApprovedVersion]], models: Iterable[str]) -> None:
        self.approved = approved
        for name in models:
            self.unapproved.labels(model=name).set(1 if approved.get(name) else 0)

    def digests(self, model: str) -> frozenset[str]:
        return frozenset(v.weights_digest for v in self.approved.get(model, ()))

    def check(self, model: str, workers: Iterable[Worker]) -> set[str]:
        """The ids of workers to exclude; raises when the model may not be served at all."""
        if not self.enforce:
            return set()
        allowed = self.digests(model)
        if not allowed:
            raise APIError(
                403,
                f"model {model!r} is not approved for deployment {self.deployment!r}: no "
                "version of it has been evaluated and signed off by two approvers "
                "('labgate models list' shows where it stands; docs/evaluation.md)",
                code="model_not_approved",
            )
        excluded: set[str] = set()
        workers = list(workers)
        for w in workers:
            if w.weights_digest in allowed:
                continue
            excluded.add(w.worker_id)
            key = (model, w.worker_id, w.weights_digest)
            if key not in self._alerted:
                self._alerted.add(key)
                self.mismatches.labels(model=model).inc()
                alert.error(
                    "ALERT weights digest mismatch: worker %s (%s, %s) of model %r reports "
                    "%s, approved for deployment %r: %s; no traffic is sent to it",
                    w.worker_id,
                    w.base_url,
                    w.source,
                    model,
                    w.weights_digest or "no digest",
                    self.deployment,
                    ", ".join(sorted(allowed)),
                )
        if workers and len(excluded) == len(workers):
            raise APIError(
                503,
                f"model {model!r} is not available: none of its workers reports the weights "
                f"digest approved for deployment {self.deployment!r}; an operator has been "
                "alerted",
                code="weights_digest_mismatch",
            )
        return excluded
