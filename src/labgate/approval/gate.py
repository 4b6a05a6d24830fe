"""The model gate on the request path: no traffic to a model version that is not approved for
this deployment, nor to a worker whose weights are not the approved ones.

The gateway keeps, per model name, the versions approved (and not retired) for its
deployment, read from the registry at start, after every approval or retirement made on this
replica, and every ``REFRESH_S`` seconds (approvals made on another replica). For each request
(:meth:`ModelGate.check`, called by :meth:`labgate.router.router.Router.open`, no I/O):

- no approved version of the model: 403 ``model_not_approved``, naming the deployment and the
  next step;
- no approved version whose approval label dominates the request's effective label (its
  stated or default label joined with the conversation's high-water mark, as admission
  settled it): 403 ``model_not_approved`` too, naming that label. An approval that names no
  label covers the deployment's range minimum (an unlabelled object's label everywhere in
  labgate); one whose label this deployment's scheme no longer parses covers nothing. A
  worker running a version approved only for lower labels is passed over for this request
  (it is not a digest mismatch: no alert);
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
    from labgate.access.labels import Label
    from labgate.access.policy import AccessPolicy
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
        labels: AccessPolicy | None = None,
    ) -> None:
        self.enforce = enforce
        self.deployment = deployment
        self.labels = labels
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

    def covers(self, approved_label: str | None, label: Label | str | None) -> bool:
        """Whether an approval at ``approved_label`` covers work at ``label`` (it dominates
        it). No request label (no access policy): yes. With labels off every request is the
        one open level, which every approval covers."""
        policy = self.labels
        if label is None or policy is None or not policy.enabled:
            return True
        from labgate.access.labels import LabelError

        try:
            mark = policy.range_min if approved_label is None else policy.parse(approved_label)
            return policy.dominates(mark, label)
        except LabelError:
            return False  # a label the scheme no longer has: it covers nothing

    def _covers(self, version: ApprovedVersion, label: Label | str | None) -> bool:
        approved = version.label
        if approved is None and version.kind == "bootstrap" and self.labels is not None:
            # a bootstrap record from before approvals carried their label: the lowest one
            approved = self.labels.lattice.bottom.marking
        return self.covers(approved, label)

    def serves(self, model: str, label: Label | str | None = None) -> bool:
        """Whether some approved version of ``model`` covers work at ``label`` (what
        ``/v1/models`` lists: a model every request at that label would be refused is not
        offered)."""
        if not self.enforce:
            return True
        return any(self._covers(v, label) for v in self.approved.get(model, ()))

    def check(
        self, model: str, workers: Iterable[Worker], label: Label | str | None = None
    ) -> set[str]:
        """The ids of workers to exclude; raises when the model may not be served at all, or
        not at ``label`` (the request's effective label)."""
        if not self.enforce:
            return set()
        versions = self.approved.get(model, ())
        if not versions:
            raise APIError(
                403,
                f"model {model!r} is not approved for deployment {self.deployment!r}: no "
                "version of it has been evaluated and signed off by two approvers "
                "('labgate models list' shows where it stands; docs/evaluation.md)",
                code="model_not_approved",
            )
        approved_any = frozenset(v.weights_digest for v in versions)
        allowed = frozenset(v.weights_digest for v in versions if self._covers(v, label))
        if not allowed:
            raise self._not_at_label(model, label)
        excluded: set[str] = set()
        lower_only = 0
        workers = list(workers)
        for w in workers:
            if w.weights_digest in allowed:
                continue
            excluded.add(w.worker_id)
            if w.weights_digest in approved_any:
                lower_only += 1  # an approved version, but not for this label: no alert
                continue
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
            if lower_only:
                raise self._not_at_label(model, label)
            raise APIError(
                503,
                f"model {model!r} is not available: none of its workers reports the weights "
                f"digest approved for deployment {self.deployment!r}; an operator has been "
                "alerted",
                code="weights_digest_mismatch",
            )
        return excluded

    def _not_at_label(self, model: str, label: Label | str | None) -> APIError:
        shown = "unlabelled" if label is None else str(label)
        return APIError(
            403,
            f"model {model!r} is not approved for {shown} work on deployment "
            f"{self.deployment!r}: no version of it that is serving here was signed off for "
            f"{shown} or above (this request's label, joined with its conversation's earlier "
            "turns). State a lower label, or ask two approvers to approve a version for it "
            "('labgate models list'; docs/evaluation.md)",
            code="model_not_approved",
        )
