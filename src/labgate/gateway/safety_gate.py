"""The guardrails on the request path: the input before a worker sees it, the reasoning and
answer as they stream, and the final answer.

Every decision goes into the request's record (and so the audit log); flagged and blocked
decisions, and every use of a label's allowance, are also written to the reviewers' list.
A blocked input is answered with a refusal (``finish_reason: "content_filter"``) or a 400
``content_policy_violation``, as the policy's ``input_block_mode`` says; a blocked stream ends
with a refusal chunk; a blocked plain answer is replaced by the refusal.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from labgate.access.policy import AccessPolicy
from labgate.safety.decision import Decision
from labgate.safety.flags import FlagContext, record_decision, should_record
from labgate.safety.responses import input_block_error, refusal_chunk, refusal_completion
from labgate.safety.screen import SafetyScreen
from labgate.safety.stream import StreamScreener

if TYPE_CHECKING:
    from labgate.gateway.prepared import Prepared

log = logging.getLogger("labgate.safety")


class InputRefused(Exception):
    """The input was blocked and the policy answers with a refusal rather than an error."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.category)
        self.decision = decision


class SafetyGate:
    def __init__(
        self,
        screen: SafetyScreen,
        sessions: async_sessionmaker[AsyncSession],
        access: AccessPolicy | None = None,
    ) -> None:
        self.screen = screen
        self.policy = screen.policy
        self.sessions = sessions
        self.access = access

    def _labels(self, p: Prepared) -> list[str]:
        """Allowances the caller's compartments grant at this request's label (audited)."""
        if self.access is None or p.label is None:
            return []
        allowances = self.access.safety_allowances(p.record.principal, p.label, p.model.name)
        return [a.key for a in allowances]

    async def note(self, p: Prepared, decision: Decision, text: str | None = None) -> None:
        p.record.safety.append(decision.to_audit())
        if should_record(decision):
            try:
                async with self.sessions.begin() as s:
                    await record_decision(
                        s,
                        decision,
                        FlagContext(
                            request_id=p.record.request_id,
                            principal=p.record.principal,
                            model=p.model.name,
                            text=text,
                        ),
                    )
            except Exception:  # noqa: BLE001 - the audit record still carries the decision
                log.exception("could not add request %s to the review list", p.record.request_id)

    async def check_input(self, p: Prepared, messages: Sequence[dict[str, Any]]) -> None:
        """Raise :class:`InputRefused` or a 400 when the input is blocked."""
        decision = await self.screen.check_input(
            messages,
            model=p.model.name,
            labels=self._labels(p),
            definitions=p.definitions,
            documents=p.documents,
        )
        await self.note(p, decision, p.record.prompt_text)
        if decision.blocked:
            if self.policy.input_block_mode == "error":
                raise input_block_error(self.policy, decision, p.record.request_id)
            raise InputRefused(decision)

    def stream_screener(self, p: Prepared) -> StreamScreener:
        return self.screen.stream_screener(model=p.model.name, labels=self._labels(p))

    async def check_output(self, p: Prepared) -> Decision:
        text = "\n".join(t for t in (p.record.reasoning_text, p.record.response_text) if t)
        decision = await self.screen.check_output(text, model=p.model.name, labels=self._labels(p))
        await self.note(p, decision, text)
        return decision

    def refusal(self, p: Prepared, decision: Decision) -> dict[str, Any]:
        return refusal_completion(
            self.policy,
            decision,
            model=p.model.name,
            request_id=p.record.request_id,
            prompt_tokens=p.record.prompt_tokens,
        )

    def refusal_chunk(self, p: Prepared, decision: Decision, completion_id: str) -> dict[str, Any]:
        return refusal_chunk(
            self.policy,
            decision,
            model=p.model.name,
            completion_id=completion_id,
            request_id=p.record.request_id,
        )
