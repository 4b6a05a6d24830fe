"""The model registry and its two-person approval (``docs/security.md``, "The model gate").

A model version moves candidate → evaluated → approved → serving → retired; each move is an
audit record (``model.submit``, ``model.evaluate``, ``model.sign``, ``model.approve``,
``model.serving``, ``model.retire``) naming who and why.

Approving a version for a deployment and label takes two sign-offs, built on the
separation-of-duties machinery of :mod:`labgate.tenancy.approvals`:

- each signer holds the ``approver`` role (granted like ``auditor``: asked by one platform
  administrator, approved by another) and gives a reason;
- the first sign-off files a pending action ``model.approve`` (audit ``pending.request``);
  the second, by a different person, decides it (``pending.approve``) — the same checks as
  every pending action: not the person who filed it, not someone that person created or
  raised (or holds a key of) in the last 30 days, not two CLI logins;
- neither signer is the person who submitted the version;
- every threshold of the deployment (``[approval] thresholds``) is met by the version's latest
  finished evaluation, checked at each sign-off.

The embedded default model is the one exception: :meth:`ModelRegistry.bootstrap` records a
version approved by ``bootstrap`` (kind ``bootstrap``), with the small evaluation shipped in
the package, so ``make run`` serves it in one command. The record says so; an operator
replaces it with a two-person approval (``docs/evaluation.md``).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from labgate.approval.config import ApprovalConfig
from labgate.approval.models import (
    APPROVED,
    CANDIDATE,
    EVALUATED,
    RETIRED,
    SERVING,
    ModelApproval,
    ModelEvaluation,
    ModelSignoff,
    ModelVersion,
)
from labgate.identity.principal import Principal, Role
from labgate.tenancy.approvals import APPROVED as PA_APPROVED
from labgate.tenancy.approvals import PENDING, ApprovalOps, model_version_visible
from labgate.tenancy.errors import Conflict, Forbidden, InvalidInput, NotFound
from labgate.tenancy.models import PendingAction
from labgate.tenancy.views import aware

BOOTSTRAP = "bootstrap"
BOOTSTRAP_PRINCIPAL = Principal(user_id=BOOTSTRAP)
GATEWAY_PRINCIPAL = Principal(user_id="gateway")
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
KIND = "model.approve"


def metric_value(metrics: dict[str, Any], name: str) -> float | None:
    """``science.accuracy`` → ``metrics["science"]["accuracy"]`` (or a flat key)."""
    if name in metrics and isinstance(metrics[name], int | float):
        return float(metrics[name])
    node: Any = metrics
    for part in name.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return float(node) if isinstance(node, int | float) and not isinstance(node, bool) else None


@dataclass(frozen=True, slots=True)
class ThresholdCheck:
    metric: str
    bound: str
    value: float | None
    met: bool


def check_thresholds(config: ApprovalConfig, metrics: dict[str, Any]) -> list[ThresholdCheck]:
    out = []
    for name, threshold in sorted(config.thresholds.items()):
        value = metric_value(metrics, name)
        out.append(ThresholdCheck(name, threshold.describe(), value, threshold.met_by(value)))
    return out


def _iso(moment: datetime | None) -> str | None:
    found = aware(moment)
    return found.isoformat() if found else None


def version_view(row: ModelVersion) -> dict[str, Any]:
    return {
        "id": row.id,
        "object": "model_version",
        "name": row.name,
        "version": row.version,
        "source": row.source,
        "engine": row.engine,
        "weights_digest": row.weights_digest,
        "weight_files": list(row.weight_files or []),
        "label": row.label,
        "status": row.status,
        "submitted_by": row.submitted_by,
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
    }


def evaluation_view(row: ModelEvaluation, *, items: bool = False) -> dict[str, Any]:
    view = {
        "id": row.id,
        "model_version_id": row.model_version_id,
        "suites": row.suites,
        "seed": row.seed,
        "settings": row.settings,
        "metrics": row.metrics,
        "status": row.status,
        "run_by": row.run_by,
        "started_at": _iso(row.started_at),
        "finished_at": _iso(row.finished_at),
        "items_done": len(row.items or {}),
    }
    if items:
        view["items"] = row.items
    return view


def approval_view(row: ModelApproval) -> dict[str, Any]:
    return {
        "id": row.id,
        "model_version_id": row.model_version_id,
        "deployment": row.deployment,
        "label": row.label,
        "weights_digest": row.weights_digest,
        "approved_by": list(row.approved_by or []),
        "kind": row.kind,
        "evaluation_id": row.evaluation_id,
        "at": _iso(row.at),
        "revoked_at": _iso(row.revoked_at),
    }


def signoff_view(row: ModelSignoff) -> dict[str, Any]:
    return {
        "signer": row.signer,
        "deployment": row.deployment,
        "label": row.label,
        "reason": row.reason,
        "kind": row.kind,
        "pending_action_id": row.pending_action_id,
        "at": _iso(row.at),
    }


def bootstrap_label(labels: Any) -> str:
    """The label a bootstrap approval carries: the lowest of the deployment's scheme (its
    bottom level, no compartments), whatever the enclave's range. ``labels``: an
    :class:`~labgate.access.policy.AccessPolicy` or None (labels off: UNCLASSIFIED)."""
    if labels is None:
        return "UNCLASSIFIED"
    return str(labels.lattice.bottom.marking)


@dataclass(frozen=True, slots=True)
class ApprovedVersion:
    """What the gateway needs to route to a version: its digest and label."""

    model_version_id: str
    name: str
    version: str
    weights_digest: str
    label: str | None
    kind: str
    approval_id: str


class ModelRegistry(ApprovalOps):
    """Model versions, evaluations and approvals; the rules of who may do what to them."""

    def __init__(self, sessions: Any, hooks: Any = None, *, config: ApprovalConfig, **kw: Any):
        super().__init__(sessions, hooks, **kw)
        self.config = config

    # ------------------------------------------------------------------ rules

    @staticmethod
    def _require(actor: Principal, *roles: Role, what: str) -> None:
        if not actor.has_role(*roles):
            names = " or ".join(r.value for r in roles)
            raise Forbidden(f"only {names} may {what}", "role_required")

    def may_see(self, actor: Principal, name: str, label: str | None) -> bool:
        """No read-up: a version of a model accredited above the reader's clearance (or
        labelled above it) is, for them, a version that does not exist."""
        return model_version_visible(self.labels, actor, name, label)

    async def _version(self, s: AsyncSession, version_id: str, lock: bool = False) -> ModelVersion:
        row = await s.get(ModelVersion, version_id, with_for_update=lock)
        if row is None:
            raise NotFound(
                f"no model version {version_id!r}; 'labgate models list' shows them",
                "model_version_not_found",
            )
        return row

    def _move(self, row: ModelVersion, status: str) -> str:
        before = row.status
        row.status = status
        row.updated_at = self.now()
        return before

    # ------------------------------------------------------------------ submitting

    async def submit(
        self,
        actor: Principal,
        *,
        name: str,
        version: str,
        source: str,
        engine: str,
        weights_digest: str,
        weight_files: list[dict[str, Any]] | None = None,
        label: str | None = None,
        reason: str = "",
    ) -> dict[str, Any]:
        """A new candidate version (platform admins)."""
        self._require(actor, Role.PLATFORM_ADMIN, what="submit a model version")
        digest = weights_digest.strip().lower()
        if not _DIGEST.match(digest):
            raise InvalidInput(
                "weights_digest must be a sha256 in hex (64 characters): 'labgate models "
                "digest PATH' computes it from the weight files",
                "invalid_digest",
            )
        if not name.strip() or not version.strip():
            raise InvalidInput("a model version needs a name and a version", "invalid_model")
        if not self.may_see(actor, name.strip(), self._clearance(label) if label else None):
            raise Forbidden(
                f"model {name!r} (or label {label!r}) is above your clearance",
                "label_clearance",
            )
        now = self.now()
        row = ModelVersion(
            id="mv_" + uuid.uuid4().hex[:24],
            name=name.strip(),
            version=version.strip(),
            source=source,
            engine=engine,
            weights_digest=digest,
            weight_files=list(weight_files or []),
            label=self._clearance(label) if label else None,
            status=CANDIDATE,
            submitted_by=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        async with self._writing(
            f"model {name!r} already has a version {version!r}", "duplicate_model_version"
        ) as s:
            s.add(row)
        await self._record(
            actor,
            "model.submit",
            f"model_version:{row.id}",
            {**version_view(row), "reason": reason, "to": CANDIDATE},
        )
        return version_view(row)

    # ------------------------------------------------------------------ evaluating

    async def save_evaluation(
        self,
        actor: Principal,
        version_id: str,
        *,
        evaluation_id: str | None,
        suites: dict[str, Any],
        seed: int,
        settings: dict[str, Any],
        items: dict[str, Any],
        metrics: dict[str, Any],
        finished: bool,
    ) -> dict[str, Any]:
        """Create or update an evaluation run (its items so far: a run resumes from them).
        Finishing one moves a candidate to evaluated."""
        self._require(actor, Role.PLATFORM_ADMIN, Role.APPROVER, what="record an evaluation")
        moved: str | None = None
        async with self.sessions.begin() as s:
            version = await self._version(s, version_id, lock=True)
            if version.status == RETIRED:
                raise Conflict(f"model version {version_id} is retired", "model_retired")
            row = await s.get(ModelEvaluation, evaluation_id) if evaluation_id else None
            if row is None:
                row = ModelEvaluation(
                    id=evaluation_id or "ev_" + uuid.uuid4().hex[:24],
                    model_version_id=version_id,
                    status="running",
                    run_by=actor.user_id,
                    started_at=self.now(),
                )
                s.add(row)
            elif row.model_version_id != version_id or row.status != "running":
                raise Conflict(
                    f"evaluation {evaluation_id} is not a running evaluation of {version_id}",
                    "evaluation_not_running",
                )
            row.suites, row.seed, row.settings = dict(suites), seed, dict(settings)
            row.items, row.metrics = dict(items), dict(metrics)
            if finished:
                row.status = "finished"
                row.finished_at = self.now()
                if version.status == CANDIDATE:
                    moved = self._move(version, EVALUATED)
        view = evaluation_view(row)
        if finished:
            await self._record(
                actor,
                "model.evaluate",
                f"model_version:{version_id}",
                {
                    "evaluation_id": row.id,
                    "suites": row.suites,
                    "seed": row.seed,
                    "metrics": row.metrics,
                    "from": moved,
                    "to": EVALUATED if moved else None,
                },
            )
        return view

    async def evaluation(self, evaluation_id: str) -> dict[str, Any]:
        async with self.sessions() as s:
            row = await s.get(ModelEvaluation, evaluation_id)
        if row is None:
            raise NotFound(f"no evaluation {evaluation_id!r}", "evaluation_not_found")
        return evaluation_view(row, items=True)

    async def _latest_evaluation(self, s: AsyncSession, version_id: str) -> ModelEvaluation | None:
        rows = await s.execute(
            select(ModelEvaluation)
            .where(
                ModelEvaluation.model_version_id == version_id,
                ModelEvaluation.status == "finished",
            )
            .order_by(ModelEvaluation.finished_at.desc())
            .limit(1)
        )
        return rows.scalars().first()

    # ------------------------------------------------------------------ reading

    async def list_versions(
        self, name: str | None = None, actor: Principal | None = None
    ) -> list[dict[str, Any]]:
        stmt = select(ModelVersion).order_by(ModelVersion.name, ModelVersion.created_at)
        if name:
            stmt = stmt.where(ModelVersion.name == name)
        async with self.sessions() as s:
            rows = list((await s.execute(stmt)).scalars())
            approvals = list(
                (
                    await s.execute(select(ModelApproval).where(ModelApproval.revoked_at.is_(None)))
                ).scalars()
            )
        by_version: dict[str, list[dict[str, Any]]] = {}
        for a in approvals:
            by_version.setdefault(a.model_version_id, []).append(
                {"deployment": a.deployment, "label": a.label, "kind": a.kind}
            )
        return [
            {**version_view(r), "approved_for": by_version.get(r.id, [])}
            for r in rows
            if actor is None or self.may_see(actor, r.name, r.label)
        ]

    async def resolve(self, ref: str, actor: Principal | None = None) -> str:
        """A version id from an id, ``NAME@VERSION``, or a name (its newest version); one
        above ``actor``'s clearance is not found."""
        async with self.sessions() as s:
            by_id = await s.get(ModelVersion, ref) if ref.startswith("mv_") else None
            if by_id is not None:
                rows = [by_id]
            else:
                name, _, version = ref.partition("@")
                stmt = select(ModelVersion).where(ModelVersion.name == name)
                if version:
                    stmt = stmt.where(ModelVersion.version == version)
                rows = list(
                    (await s.execute(stmt.order_by(ModelVersion.created_at.desc()))).scalars()
                )
        if actor is not None:
            rows = [r for r in rows if self.may_see(actor, r.name, r.label)]
        if not rows:
            raise NotFound(
                f"no model version {ref!r}; 'labgate models list' shows them",
                "model_version_not_found",
            )
        return rows[0].id

    async def show(self, version_id: str) -> dict[str, Any]:
        async with self.sessions() as s:
            row = await self._version(s, version_id)
            evals = list(
                (
                    await s.execute(
                        select(ModelEvaluation)
                        .where(ModelEvaluation.model_version_id == version_id)
                        .order_by(ModelEvaluation.started_at)
                    )
                ).scalars()
            )
            signoffs = list(
                (
                    await s.execute(
                        select(ModelSignoff)
                        .where(ModelSignoff.model_version_id == version_id)
                        .order_by(ModelSignoff.at)
                    )
                ).scalars()
            )
            approvals = list(
                (
                    await s.execute(
                        select(ModelApproval).where(ModelApproval.model_version_id == version_id)
                    )
                ).scalars()
            )
            latest = await self._latest_evaluation(s, version_id)
        checks = check_thresholds(self.config, latest.metrics if latest else {})
        return {
            **version_view(row),
            "evaluations": [evaluation_view(e) for e in evals],
            "signoffs": [signoff_view(x) for x in signoffs],
            "approvals": [approval_view(a) for a in approvals],
            "thresholds": {
                "deployment": self.config.deployment,
                "evaluation_id": latest.id if latest else None,
                "checks": [asdict(c) for c in checks],
                "all_met": all(c.met for c in checks),
            },
        }

    # ------------------------------------------------------------------ approving

    async def sign_off(
        self,
        actor: Principal,
        version_id: str,
        *,
        deployment: str,
        label: str | None,
        reason: str,
    ) -> dict[str, Any]:
        """One approver's sign-off; the second (a different person) approves the version.

        Not :meth:`ApprovalOps.approve` (deciding a pending action by its id), which this
        registry inherits unchanged: that one refuses a model sign-off (``model_signoff``)."""
        self._require(actor, Role.APPROVER, what="sign off a model version")
        reason = (reason or "").strip()
        if len(reason) < 3:
            raise InvalidInput("a sign-off needs a reason (what you checked)", "reason_required")
        if deployment != self.config.deployment:
            raise InvalidInput(
                f"this gateway is deployment {self.config.deployment!r}; its thresholds are "
                f"the ones checked: sign off for it (not {deployment!r}) on its own gateway",
                "wrong_deployment",
            )
        marking = self._clearance(label) if label else None
        async with self.sessions.begin() as s:
            version = await self._version(s, version_id, lock=True)
            if version.submitted_by == actor.user_id:
                raise Forbidden(
                    f"you submitted model version {version_id}; two other approvers sign it off",
                    "submitter_signoff",
                )
            if version.status not in (EVALUATED, APPROVED, SERVING):
                raise Conflict(
                    f"model version {version_id} is {version.status}: only an evaluated version "
                    "is approved ('labgate eval run' first)",
                    "not_evaluated",
                )
            if label is None:
                marking = version.label  # no label named: the one the version is accredited for
            if marking != version.label:
                raise InvalidInput(
                    f"model version {version_id} is accredited for {version.label!r}, not "
                    f"{marking!r}; the sign-off names its label",
                    "label_mismatch",
                )
            latest = await self._latest_evaluation(s, version_id)
            checks = check_thresholds(self.config, latest.metrics if latest else {})
            unmet = [c for c in checks if not c.met]
            if latest is None or unmet:
                said = "; ".join(f"{c.metric} = {c.value} (needs {c.bound})" for c in unmet)
                raise Conflict(
                    f"model version {version_id} does not meet the thresholds of deployment "
                    f"{deployment!r}: {said or 'no finished evaluation'}",
                    "thresholds_not_met",
                )
            pending = await self._pending_signoff(s, version_id, deployment, marking)
            if pending is None:
                row = await self._file_signoff(s, actor, version, deployment, marking, reason)
                self._signoff(s, version_id, deployment, marking, actor, reason, row.id)
                done: ModelApproval | None = None
            else:
                self._check_approver(actor, pending)
                await self._check_not_made_by_requester(s, actor, pending)
                if self.now() >= (aware(pending.expires_at) or self.now()):
                    raise Conflict(
                        f"the first sign-off ({pending.id}) lapsed; sign off again",
                        "pending_expired",
                    )
                pending.status = PA_APPROVED
                pending.decided_by = actor.user_id
                pending.decided_at = self.now()
                self._signoff(s, version_id, deployment, marking, actor, reason, pending.id)
                done = ModelApproval(
                    id="ap_" + uuid.uuid4().hex[:24],
                    model_version_id=version_id,
                    deployment=deployment,
                    label=marking,
                    weights_digest=version.weights_digest,
                    approved_by=[pending.requested_by, actor.user_id],
                    kind="two_person",
                    evaluation_id=latest.id,
                    at=self.now(),
                )
                s.add(done)
                before = version.status
                if before == EVALUATED:
                    self._move(version, APPROVED)
            target = f"model_version:{version_id}"
            pid = row.id if pending is None else pending.id
        details = {
            "deployment": deployment,
            "label": marking,
            "reason": reason,
            "weights_digest": version.weights_digest,
            "evaluation_id": latest.id,
            "thresholds": [asdict(c) for c in checks],
            "pending_action_id": pid,
        }
        if done is None:
            await self._record(
                actor, "pending.request", f"pending:{pid}", {"kind": KIND, "target": target}
            )
            await self._record(actor, "model.sign", target, details)
            return {"status": "awaiting_second_signoff", "pending_action_id": pid, **details}
        await self._record(
            actor, "pending.approve", f"pending:{pid}", {"kind": KIND, "target": target}
        )
        approval = approval_view(done)
        await self._record(
            actor,
            "model.approve",
            target,
            {
                **details,
                "approval_id": done.id,
                "approved_by": approval["approved_by"],
                "from": before,
                "to": version.status,
            },
        )
        return {"status": "approved", "approval": approval, **details}

    async def _pending_signoff(
        self, s: AsyncSession, version_id: str, deployment: str, label: str | None
    ) -> PendingAction | None:
        rows = await s.execute(
            select(PendingAction)
            .where(
                PendingAction.kind == KIND,
                PendingAction.status == PENDING,
                PendingAction.target_user_id == f"model:{version_id}",
            )
            .with_for_update()
        )
        for row in rows.scalars():
            d = row.details or {}
            if d.get("deployment") == deployment and d.get("label") == label:
                return row
        return None

    async def _file_signoff(
        self,
        s: AsyncSession,
        actor: Principal,
        version: ModelVersion,
        deployment: str,
        label: str | None,
        reason: str,
    ) -> PendingAction:
        now = self.now()
        row = PendingAction(
            id="pa_" + uuid.uuid4().hex,
            kind=KIND,
            status=PENDING,
            requested_by=actor.user_id,
            requester_lab=actor.lab,
            target_user_id=f"model:{version.id}",
            project_id=None,
            approver_lab=None,
            details={
                "model_version_id": version.id,
                "name": version.name,
                "version": version.version,
                "deployment": deployment,
                "label": label,
                "reason": reason,
            },
            created_at=now,
            expires_at=now + self.approval_ttl,
        )
        s.add(row)
        return row

    def _signoff(
        self,
        s: AsyncSession,
        version_id: str,
        deployment: str,
        label: str | None,
        actor: Principal,
        reason: str,
        pending_id: str | None,
        kind: str = "signature",
    ) -> None:
        s.add(
            ModelSignoff(
                model_version_id=version_id,
                deployment=deployment,
                label=label,
                signer=actor.user_id,
                reason=reason,
                kind=kind,
                pending_action_id=pending_id,
                at=self.now(),
            )
        )

    # ------------------------------------------------------------------ serving, retiring

    async def retire(self, actor: Principal, version_id: str, *, reason: str) -> dict[str, Any]:
        """Retire a version: its approvals end, the gateway stops routing to it (one person
        may always take power away)."""
        self._require(actor, Role.PLATFORM_ADMIN, Role.APPROVER, what="retire a model version")
        if len((reason or "").strip()) < 3:
            raise InvalidInput("retiring a model version needs a reason", "reason_required")
        async with self.sessions.begin() as s:
            row = await self._version(s, version_id, lock=True)
            if row.status == RETIRED:
                raise Conflict(f"model version {version_id} is already retired", "model_retired")
            before = self._move(row, RETIRED)
            approvals = await s.execute(
                select(ModelApproval).where(
                    ModelApproval.model_version_id == version_id,
                    ModelApproval.revoked_at.is_(None),
                )
            )
            ended = []
            for a in approvals.scalars():
                a.revoked_at = self.now()
                ended.append(a.id)
        await self._record(
            actor,
            "model.retire",
            f"model_version:{version_id}",
            {"reason": reason, "from": before, "to": RETIRED, "approvals_ended": ended},
        )
        return version_view(row)

    async def mark_serving(self, version_ids: list[str]) -> None:
        """The gateway routes to these approved versions now: approved → serving."""
        moved = []
        async with self.sessions.begin() as s:
            for vid in version_ids:
                row = await s.get(ModelVersion, vid, with_for_update=True)
                if row is not None and row.status == APPROVED:
                    self._move(row, SERVING)
                    moved.append(vid)
        for vid in moved:
            await self._record(
                GATEWAY_PRINCIPAL,
                "model.serving",
                f"model_version:{vid}",
                {
                    "from": APPROVED,
                    "to": SERVING,
                    "deployment": self.config.deployment,
                    "reason": "an approved version is routed to by this deployment's gateway",
                },
            )

    async def approved(self, deployment: str | None = None) -> dict[str, list[ApprovedVersion]]:
        """Model name → its versions approved (and not retired) for ``deployment``."""
        deployment = deployment or self.config.deployment
        async with self.sessions() as s:
            rows = (
                await s.execute(
                    select(ModelApproval, ModelVersion)
                    .join(ModelVersion, ModelVersion.id == ModelApproval.model_version_id)
                    .where(
                        ModelApproval.deployment == deployment,
                        ModelApproval.revoked_at.is_(None),
                        ModelVersion.status != RETIRED,
                    )
                    .order_by(ModelApproval.at, ModelApproval.id)  # the newest last (its card)
                )
            ).all()
        out: dict[str, list[ApprovedVersion]] = {}
        for a, v in rows:
            out.setdefault(v.name, []).append(
                ApprovedVersion(v.id, v.name, v.version, a.weights_digest, a.label, a.kind, a.id)
            )
        return out

    # ------------------------------------------------------------------ bootstrap

    async def bootstrap(
        self,
        *,
        name: str,
        version: str,
        source: str,
        engine: str,
        weights_digest: str,
        evaluation: dict[str, Any],
    ) -> str | None:
        """Record the embedded default's version, its shipped evaluation and a bootstrap
        approval for this deployment, once. Returns the new approval's id (None: it exists,
        or an operator retired that version).

        The version and its approval carry the lowest label of the deployment's scheme
        (:func:`bootstrap_label`: UNCLASSIFIED with labels off): a small public model
        approved by nobody in particular serves open work only; anything above is refused
        ``model_not_approved`` until two approvers approve a version for it."""
        now = self.now()
        marking = bootstrap_label(self.labels)
        async with self.sessions.begin() as s:
            found = (
                (
                    await s.execute(
                        select(ModelVersion).where(
                            ModelVersion.name == name, ModelVersion.version == version
                        )
                    )
                )
                .scalars()
                .first()
            )
            if found is not None:
                if found.status == RETIRED or found.weights_digest != weights_digest:
                    return None
                has = (
                    (
                        await s.execute(
                            select(ModelApproval).where(
                                ModelApproval.model_version_id == found.id,
                                ModelApproval.deployment == self.config.deployment,
                            )
                        )
                    )
                    .scalars()
                    .first()
                )
                if has is not None:
                    return None
                row = found
            else:
                row = ModelVersion(
                    id="mv_" + uuid.uuid4().hex[:24],
                    name=name,
                    version=version,
                    source=source,
                    engine=engine,
                    weights_digest=weights_digest,
                    weight_files=[{"path": source.rsplit("/", 1)[-1], "sha256": weights_digest}],
                    label=marking,
                    status=EVALUATED,
                    submitted_by=BOOTSTRAP,
                    created_at=now,
                    updated_at=now,
                )
                s.add(row)
            ev = ModelEvaluation(
                id="ev_" + uuid.uuid4().hex[:24],
                model_version_id=row.id,
                suites=evaluation.get("suites", {}),
                seed=int(evaluation.get("seed", 0)),
                settings={**evaluation.get("settings", {}), "shipped": True},
                metrics=evaluation.get("metrics", {}),
                items={},
                status="finished",
                run_by=str(evaluation.get("run_by", "labgate maintainers")),
                started_at=now,
                finished_at=now,
            )
            s.add(ev)
            reason = (
                "bootstrap: the embedded default model as packaged (digest checked against "
                "the package's published sha256), with the evaluation shipped in the package; "
                "not a two-person approval: re-approve with two approvers (docs/evaluation.md)"
            )
            self._signoff(
                s,
                row.id,
                self.config.deployment,
                marking,
                BOOTSTRAP_PRINCIPAL,
                reason,
                None,
                kind=BOOTSTRAP,
            )
            approval = ModelApproval(
                id="ap_" + uuid.uuid4().hex[:24],
                model_version_id=row.id,
                deployment=self.config.deployment,
                label=marking,
                weights_digest=weights_digest,
                approved_by=[BOOTSTRAP],
                kind=BOOTSTRAP,
                evaluation_id=ev.id,
                at=now,
            )
            s.add(approval)
            self._move(row, APPROVED)
        await self._record(
            BOOTSTRAP_PRINCIPAL,
            "model.approve",
            f"model_version:{row.id}",
            {
                "deployment": self.config.deployment,
                "label": marking,
                "kind": BOOTSTRAP,
                "approved_by": [BOOTSTRAP],
                "weights_digest": weights_digest,
                "evaluation_id": ev.id,
                "reason": reason,
                "to": APPROVED,
            },
        )
        return approval.id
