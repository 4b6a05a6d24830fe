"""Admission: everything a request must pass before a worker is asked, and the settling of
what it was granted once it ends.

In order, cheapest first: the request's label (``docs/labels.md``); the guardrail's screen of
the input (``docs/safety.md``); a ready worker for the model; the project's allowed models,
per-minute limits and budget, whose worst case is reserved now and settled with the real usage
at the end (``docs/quotas.md``); and a fair turn on the model's workers, labs ▸ projects ▸
users (``docs/scheduling.md``). :meth:`Gatekeeper.finish` gives back, exactly once, what
:meth:`Gatekeeper.admit` took.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from labgate.access.policy import AccessPolicy
from labgate.api.errors import APIError, unavailable
from labgate.gateway.policies import ProjectPolicies
from labgate.gateway.prepared import missing_model
from labgate.quota import (
    Admission,
    BudgetExhausted,
    QuotaGate,
    QuotaUnavailable,
    RateLimited,
    TokenUsage,
    Weights,
)
from labgate.router.router import Router
from labgate.scheduler import AdmissionRejected, ClientPath, FairScheduler
from labgate.scheduler.routes import admission_error

if TYPE_CHECKING:
    from labgate.access.answers import AnswerLabels
    from labgate.gateway.prepared import Prepared
    from labgate.gateway.safety_gate import SafetyGate
    from labgate.hpc.controller import HpcController
    from labgate.hpc.router_link import RouterGatewayLink

log = logging.getLogger("labgate.admission")


def prompt_token_bound(prompt_text: str, messages: int) -> int:
    """An upper bound on a prompt's tokens without its tokenizer, for the budget's worst case.

    A BPE token covers at least one byte, so the UTF-8 length bounds the text's tokens; each
    message adds its chat-template markers (a few special tokens; 16 is generous). The bound is
    only held while the request runs: the real count is what gets charged.
    """
    return len(prompt_text.encode("utf-8")) + 16 * messages + 16


def answers_of(payload: dict[str, Any]) -> int:
    """How many answers a request asks for (``n``; a completion's ``best_of`` generates that
    many), each up to ``max_tokens``: the multiple its budget reservation is made of."""
    most = 1
    for count in (payload.get("n"), payload.get("best_of")):
        if type(count) is not bool and isinstance(count, int) and count > most:
            most = count
    return most


def output_cap(payload: dict[str, Any]) -> int:
    """The most output and reasoning tokens a request's reservation pays for."""
    return int(payload.get("max_tokens") or 0) * answers_of(payload)


class Gatekeeper:
    def __init__(
        self,
        router: Router,
        *,
        scheduler: FairScheduler | None = None,
        quota: QuotaGate | None = None,
        projects: ProjectPolicies | None = None,
        access: AccessPolicy | None = None,
        safety: SafetyGate | None = None,
    ) -> None:
        self.router = router
        self.scheduler = scheduler
        self.quota = quota
        self.projects = projects
        self.access = access
        self.safety = safety
        self.hpc: HpcController | None = None  # Slurm-launched models (set at start-up)
        self.answers: AnswerLabels | None = None  # labelled answers by digest (labels on)
        self.hpc_link: RouterGatewayLink | None = None

    async def admit(self, p: Prepared) -> None:
        """The checks before a worker is asked, cheapest first.

        The model must have a ready worker; the project must allow the model; the caller's and
        project's per-minute limits must hold and the request's worst case must fit in the
        project's budget (reserved now, settled with the real usage at the end); and then the
        request waits for a fair turn on the model's workers (labs ▸ projects ▸ users).
        """
        await self._decide_label(p)
        gate = self.router.gate
        if gate is not None:
            # no approved version (at this label): refused now, before the screen, a Slurm
            # job started for it, a budget reservation or a place in the queue; the weights
            # digests are checked when a worker is chosen (Router.open)
            gate.check(p.model.name, (), p.label)
        if self.safety is not None:
            messages = p.payload.get("messages") or [
                {"role": "user", "content": p.record.prompt_text}
            ]
            await self.safety.check_input(p, messages)
        pool = self.router.pools.get(p.model.name)
        if self.hpc_link is not None:
            self.hpc_link.note_request(p.model.name)  # demand keeps its Slurm jobs alive
        ready = pool is not None and pool.any_usable()
        if not ready and await self._start_cold(p):
            pool = self.router.pools.get(p.model.name)
            ready = pool is not None and pool.any_usable()
        if not ready:
            why = (
                "it has no workers running (none started or registered yet)"
                if pool is None or not pool.workers
                else "none of its workers is ready (down, draining, or cooling off after failures)"
            )
            raise unavailable(
                f"model {p.model.name!r} is not available right now: {why}. Try again shortly.",
                retry_after_s=5,
                code="model_unavailable",
            )
        principal = p.record.principal
        if self.projects is not None and principal.project is not None:
            policy = await self.projects.get(principal.project)
            if policy is not None:
                if not policy.allows(p.model.name):
                    # as for a model that does not exist (the route's Preparer says so first)
                    raise missing_model(p.model.name)
                if self.quota is not None and policy.limited:
                    p.quota = await self._reserve(p, policy)
        if self.scheduler is None:
            return
        try:
            p.ticket = await self.scheduler.acquire(
                p.model.name,
                ClientPath.of(principal),
                p.request_class,
                prompt_tokens=len(p.record.prompt_text) // 4,
                weights=p.model.weights,
            )
        except AdmissionRejected as exc:
            await self.finish(p, produced=False)
            raise admission_error(exc) from None
        except BaseException:
            await self.finish(p, produced=False)
            raise

    async def _start_cold(self, p: Prepared) -> bool:
        """A model with no usable worker that labgate launches as Slurm jobs: start it.

        The client gets 503 with Retry-After saying the model is starting, or, if it sent
        ``X-Labgate-Wait: <seconds>``, waits up to that long (capped by the configuration)
        for a worker to register. True when a worker is ready now."""
        if self.hpc is None or not self.hpc.manages(p.model.name):
            return False
        if p.wait_s > 0:
            status = await self.hpc.wait_ready(p.model.name, p.wait_s)
        else:
            status = await self.hpc.ensure_started(p.model.name)
        if status.ready:
            return True
        raise unavailable(status.message, retry_after_s=status.retry_after_s, code="model_starting")

    async def _decide_label(self, p: Prepared) -> None:
        """The request's classification: stated (header or ``labgate_label``) or the user's
        default, joined with the conversation's high-water mark (the labels of its earlier
        turns, and of labgate's own answers they repeat); a stated label below that mark is
        refused. It must be within the enclave's range and dominated by the user's clearance
        and the model's accreditation (``docs/labels.md``). The fields never reach a worker."""
        body_field = p.payload.pop("labgate_label", None)
        if self.access is None:
            return
        principal = p.record.principal
        recorded: set[str] = set()
        if self.answers is not None and p.answer_digests and self.access.enabled:
            try:
                recorded = await self.answers.labels_for(principal.user_id, p.answer_digests)
            except Exception:  # noqa: BLE001 - fail closed: an unchecked turn could be high
                log.warning(
                    "could not look up the labels of request %s's earlier turns",
                    p.record.request_id,
                )
                raise unavailable(
                    "labgate cannot check the labels of this conversation's earlier turns "
                    "right now; try again shortly",
                    retry_after_s=5,
                    code="labels_unavailable",
                ) from None
        if p.message_labels or recorded:
            decision = self.access.decide_for_conversation(
                principal,
                p.model.name,
                header=p.label_header,
                body_field=body_field,
                message_labels=p.message_labels,
                recorded=recorded,
            )
        else:
            decision = self.access.decide_for_request(
                principal, p.model.name, header=p.label_header, body_field=body_field
            )
        p.record.label = decision.marking
        if p.record.label is None and not decision.allowed:
            # refused before its label was settled (two labels that disagree, a turn's label
            # that cannot be read): recorded at the highest label it stated that parses
            p.record.label = self.access.highest_stated(
                p.label_header, body_field, *(v for _, v in p.message_labels)
            )
        if not decision.allowed:
            raise decision.to_api_error()
        p.label = decision.label

    async def _reserve(self, p: Prepared, policy: Any) -> Admission:
        assert self.quota is not None
        principal = p.record.principal
        try:
            return await self.quota.admit(
                user_id=principal.user_id,
                project_id=policy.project_id,
                weights=Weights.of(p.model.weights),
                prompt_tokens=prompt_token_bound(p.record.prompt_text, p.messages),
                max_tokens=int(p.payload.get("max_tokens") or p.model.max_output_tokens),
                answers=answers_of(p.payload),
                budget=policy.budget,
                rate_limits=policy.rate_limits,
            )
        except (BudgetExhausted, RateLimited) as exc:
            code = getattr(exc, "code", None) or "budget_exhausted"
            raise APIError(
                429,
                str(exc),
                "rate_limit_error",
                code,
                headers={"Retry-After": exc.retry_after_header},
            ) from None
        except QuotaUnavailable:
            raise unavailable(
                "labgate cannot check this project's quota right now; try again shortly",
                retry_after_s=5,
                code="quota_unavailable",
            ) from None

    async def finish(self, p: Prepared, *, produced: bool) -> None:
        """Settle what the request used (or release it if it produced nothing), exactly once:
        the project's budget reservation, and the fair-share slot."""
        rec = p.record
        ticket, p.ticket = p.ticket, None
        if ticket is not None:
            ticket.settle(rec.prompt_tokens, rec.completion_tokens, rec.reasoning_tokens)
            ticket.release()
        admission, p.quota = p.quota, None
        if admission is not None:
            try:
                if produced:
                    await admission.settle(
                        TokenUsage(
                            prompt=rec.prompt_tokens,
                            output=rec.completion_tokens,
                            reasoning=rec.reasoning_tokens,
                        )
                    )
                else:
                    await admission.release()
            except QuotaUnavailable:
                log.warning(
                    "could not settle request %s; its reservation will expire", rec.request_id
                )
