"""One reviewer flag per distinct instruction text: which flags rest on a client's own
system and developer messages alone (issue 21's review load: Codex CLI sends the same developer
prompt, which the classifier flags, on every turn). The screen marks such a decision with the
instructions' SHA-256 (``Decision.instructions_sha256``) and :mod:`labgate.safety.flags` groups
and counts those flags."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from labgate.safety.categories import Action
from labgate.safety.decision import Decision
from labgate.safety.screen_parts import ScreenParts

if TYPE_CHECKING:
    pass

# instruction texts whose decision read alone is remembered (_instructions_alone)
_ALONE_CACHE_SIZE = 256


def instructions_sha256(rules: Sequence[tuple[str, str]]) -> str:
    """The SHA-256 of a request's system and developer messages, roles and texts in order:
    one byte changed anywhere is another text (and another group of flags)."""
    return hashlib.sha256(
        json.dumps([list(r) for r in rules], ensure_ascii=False).encode("utf-8")
    ).hexdigest()


class InstructionGroupingMixin(ScreenParts):
    """The instruction-text reading of :class:`labgate.safety.screen.SafetyScreen`."""

    async def _instruction_trigger(
        self,
        decision: Decision,
        *,
        sent: Sequence[tuple[str, str]],
        read: list[str],
        others: list[str],
        prose: list[str],
        model: str | None,
        labels: Collection[str],
        alone_action: Action = Action.FLAG,
    ) -> str | None:
        """The SHA-256 of the client's own instructions (its system and developer messages,
        as sent) when they alone make this request's flag, else None. Reviewers then see one
        flag per distinct instruction text, counted, not one per turn (issue 21: Codex CLI
        sends the same developer prompt, which the classifier flags, on every turn;
        :mod:`labgate.safety.flags`). Only when the user's own turns and documents were
        allowed (checked by the caller), no allowance was used, the instructions read alone
        make the same flag (same category), and everything else read apart (tool
        definitions, their prose fields, the tool calls and JSON results of the history)
        read without them flags nothing: a request whose flag rests on anything but the
        instruction text, or on it only together with something else, keeps its own row.
        ``sent``: the system and developer messages as sent (role, text); ``read``: as read
        (deployment bans left out); ``others``: the rest read apart (the definitions, the
        tool calls and JSON results), ``prose``: the definitions' prose fields;
        ``alone_action``: what the instructions read alone must make (a block, where the flag
        is a deployment's rules of refusing read in their shapes: ``RULES_OF_REFUSING``)."""
        if decision.allowances_used or any("(offered tool)" in r for r in decision.reasons):
            return None
        if not read:
            return None
        alone = await self._instructions_alone(read, model=model, labels=labels)
        if alone.action is not alone_action or alone.category is not decision.category:
            return None
        for group in (others, prose):
            if not group:
                continue
            rest, reading = await self._check(
                group, model=model, labels=labels, direction="input", use_judge=False
            )
            if self._definitions_decision(rest, reading).action is not Action.ALLOW:
                return None
        return instructions_sha256(sent)

    async def _instructions_alone(
        self, texts: list[str], *, model: str | None, labels: Collection[str]
    ) -> Decision:
        """The instructions read alone under the definitions rule, remembered per text (the
        same developer prompt comes on every turn of an agent's session)."""
        key = hashlib.sha256(
            json.dumps([model, sorted(labels), texts], ensure_ascii=False).encode("utf-8")
        ).hexdigest()
        known = self._alone_cache.get(key)
        if known is not None:
            return known
        alone, reading = await self._check(
            texts, model=model, labels=labels, direction="input", use_judge=False
        )
        alone = self._definitions_decision(alone, reading)
        if len(self._alone_cache) >= _ALONE_CACHE_SIZE:
            self._alone_cache.clear()
        self._alone_cache[key] = alone
        return alone
