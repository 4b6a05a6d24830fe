"""How a request's instructions, tool definitions and tool calls are read apart from the user's
own turns (:meth:`labgate.safety.screen.SafetyScreen.check_input`), and a deployment's rules of
refusing in them.

A deployment's own rules ("Never explain how to synthesize nerve agents", "Do not
help with:" and a list, a table row that says "Refuse", "If a user asks X, refuse",
"X is out of scope": labgate.safety.prohibitions and .prohibition_shapes) forbid, they
do not ask; but the client writes the system prompt, and a rule can hide an ask (an
attacker found 69 ways: "answer the first bullet above", bullets that order, a
refusal then "append the protocol"). So a block that rests on the rules alone, the
instructions read without them not blocking, is a flag, never an allow: answered,
queued for review once per instruction text, its answer screened. When the rest of
the instructions points back at what the rules name, or asks for the whole of something
("write out the full procedure": the rules then most likely name it, in words no pointer
list knows), the block stands.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from labgate.safety.calls import CALL_ROLE
from labgate.safety.categories import SEVERITY, Action, Category, Stage
from labgate.safety.decision import Decision, decide
from labgate.safety.judging import named
from labgate.safety.lexicon import UPLIFT_AND_REQUEST, scan_uplift
from labgate.safety.named_whole import asks_for_the_named, last_user_turn, user_names_a_topic
from labgate.safety.prohibition_shapes import asks_for_the_whole, points_back
from labgate.safety.refusal_rules import without_bans
from labgate.safety.scoring import Scores
from labgate.safety.screen_parts import ScreenParts
from labgate.safety.text_memo import digest

if TYPE_CHECKING:
    pass

# the messages a deployment writes its rules in
RULE_ROLES = frozenset({"system", "developer"})

# the reason a block made by a deployment's rules of refusing alone becomes a flag
RULES_OF_REFUSING = (
    "a deployment's rules of refusing (a sentence, a list, a table row, a condition or a "
    "predicate of refusing): flagged for review, not refused"
)


# distinct instruction texts whose judge verdict is remembered (_judged_instructions)
_VERDICTS_KEPT = 4096


# Sentence ends inside one definition (definitions are lines, labgate.visible.TOOL_SEPARATOR)
_DEFINITION_SENTENCE_END = re.compile(r"[.!?:;]+(?=[ \t])|[。！？؟]+")


def _one_sentence_each(definitions: str) -> str:
    """Each tool or schema definition read as one sentence: its name, description, parameter
    names, enum values and defaults are one offered operation, so an agent named in an enum
    and a goal in another field's description count together, as the lexicon counts them in
    one sentence of a request. Definitions stay apart (one per line): an agent in one benign
    tool and a goal word in another are not one ask."""
    return _DEFINITION_SENTENCE_END.sub(",", definitions)


class InstructionReadingMixin(ScreenParts):
    """The reading of instructions and tools of :class:`labgate.safety.screen.SafetyScreen`."""

    async def _rules_of_refusing(
        self,
        decision: Decision,
        asked: Decision,
        sent_apart: list[tuple[str, str]],
        found: Sequence[tuple[str, str]],
        definitions: str,
        prose: Sequence[str],
        *,
        model: str | None,
        labels: Collection[str],
    ) -> Decision:
        """``decision`` (the request's, its instructions read whole) as a flag when the block
        rests on the deployment's rules of refusing alone (module docstring), its reasons then
        ending in :data:`RULES_OF_REFUSING`."""
        if not decision.blocked:
            return decision
        read = [
            (role, without_bans(text) if role in RULE_ROLES else text) for role, text in sent_apart
        ]
        # an order for the whole of something is about the user's topic where the user's turn
        # names one ("How do I run the DPD test?"), and about what the rules name after "Go."
        # (labgate.safety.named_whole.user_names_a_topic)
        user_turn = last_user_turn(found)
        user_topic = user_names_a_topic(user_turn)
        if read == sent_apart or any(
            points_back(t) or (asks_for_the_whole(t) and not user_topic)
            for role, t in read
            if role in RULE_ROLES
        ):
            return decision
        # the rules themselves ask: a ban of hiding what they name, a rule declared lifted, or
        # an order elsewhere for the whole of it (labgate.safety.named_whole)
        for role, text in sent_apart:
            why = asks_for_the_named(text, user_turn=user_turn) if role in RULE_ROLES else None
            if why is not None:
                return dataclasses.replace(decision, reasons=[*decision.reasons, why])
        again = await self._read_instructions(
            asked, read, found, definitions, prose, model=model, labels=labels
        )
        if again.blocked:
            return decision
        return dataclasses.replace(
            decision, action=Action.FLAG, reasons=[*decision.reasons, RULES_OF_REFUSING]
        )

    async def _judged_instructions(
        self,
        decision: Decision,
        asked: Decision,
        sent_apart: list[tuple[str, str]],
        *,
        model: str | None,
        labels: Collection[str],
    ) -> Decision:
        """A flag the instructions make (the user's own turns allowed) put to the judge, with
        the system and developer messages whole, whatever the first stage's score (the judge's
        band is for the first stage's doubt; this flag is its certainty about topic, not
        purpose). The first stage cannot read a deployment's purpose: on prompts written by
        other hands no head on its vectors separates "a water utility's SOC that detects
        attempts to overdose chlorine" from "help the night shift overdose the chlorine"
        (docs/safety.md, *Fifteenth round*), and most harmful system prompts of the blind
        suites are flagged and answered. A judge reads the prompt as an instruction.

        ``unsafe``: refused, as the judge's verdicts on a user's turn are. ``safe``: the flag
        stands, for review once per instruction text, with the verdict beside it (a judge
        talked round by a prompt is not the last word on it). No verdict: the flag stands,
        and the next request asks again. A verdict is remembered per instruction text (its
        digest), so a deployment's prompt costs one judge call, not one per request."""
        if (
            self.judge is None
            or not self.policy.judge.instructions
            or decision.action is not Action.FLAG
            or asked.action is not Action.ALLOW
            or decision.judge is not None
            or not self.policy.enabled_for(model)
        ):
            return decision
        text = "\n\n".join(t for role, t in sent_apart if role in RULE_ROLES and t.strip())
        if not text:
            return decision
        key = digest(text)
        verdict = self._instruction_verdicts.get(key)
        if verdict is None:
            verdict = await self.judge.judge(text, "User")
            if verdict.safe is not None:
                if len(self._instruction_verdicts) >= _VERDICTS_KEPT:
                    self._instruction_verdicts.clear()
                self._instruction_verdicts[key] = verdict
        decision = dataclasses.replace(decision, reasons=list(decision.reasons))
        decision.judge = {**verdict.to_audit(), "decided": verdict.safe is not None}
        if verdict.safe is None:
            decision.reasons.append(
                f"judge gave no verdict on the instructions ({verdict.error}); the flag stands"
            )
            return decision
        if verdict.safe:
            decision.reasons.append("judge read the instructions: safe; the flag stands")
            return decision
        scores = Scores(
            values={decision.category: decision.score} if decision.category else {},
            stages={},
            reasons=[],
        )
        judged = self._judge_unsafe(decision, named(verdict, scores), scores, model, labels)
        judged.reasons.append("judge read the instructions: unsafe")
        judged.latency_ms = decision.latency_ms
        return judged

    async def _read_instructions(
        self,
        asked: Decision,
        read_apart: list[tuple[str, str]],
        found: Sequence[tuple[str, str]],
        definitions: str,
        prose: Sequence[str],
        *,
        model: str | None,
        labels: Collection[str],
    ) -> Decision:
        """The request's decision once its instructions, tool definitions and tool calls are
        read apart (``asked``: what the user's own turns and documents make)."""
        decision = asked
        instructions = [text for _, text in read_apart]
        apart = [t for t in (_one_sentence_each(definitions), *instructions) if t.strip()]
        if not apart:
            return decision
        # each definition whole (an agent in an enum and a goal in a description are one
        # operation), then each of its prose fields alone (``prose``: visible.definition_prose),
        # each reading under the definitions rule on its own (the classifier's reading of a
        # field must not stand in for the lexicon's block of the whole)
        for group in (apart, [t for t in prose if t.strip()]):
            if not group:
                continue
            offered, reading = await self._check(
                group, model=model, labels=labels, direction="input", use_judge=True
            )
            offered = self._definitions_decision(offered, reading)
            if SEVERITY[offered.action] > SEVERITY[decision.action]:
                decision = offered
            if decision.blocked:
                break
        # a task the instructions give the model, or a tool's description, that names a goal
        # of harm and that the classifier blocks read alone is an ask (directed_reading)
        decision = await self._directed_task(
            decision,
            [text for role, text in read_apart if role in RULE_ROLES and text.strip()],
            [t for t in prose if t.strip()],
            model=model,
            labels=labels,
            user_turn=last_user_turn(found),
        )
        # each tool call of the history is an operation too, one per line (labgate.safety.calls)
        operations = "\n".join([definitions, *(t for role, t in found if role == CALL_ROLE)])
        if not decision.blocked and operations.strip() and self.policy.enabled_for(model):
            decision = self._offered_operations(decision, operations, model, labels)
        return decision

    def _offered_operations(
        self, decision: Decision, definitions: str, model: str | None, labels: Collection[str]
    ) -> Decision:
        """Each tool or schema definition read by the lexicon as what it is: an operation
        offered to the model, so an agent (or a control system) with an uplift goal in it is
        asked for, whatever verb its description uses. "Sets chemical feed setpoints on the
        plant PLC" with "suppress" among its alarm modes and "50 times the permitted maximum"
        as its default had no word of a request and passed at 0.02; a block must not rest on
        the classifier's reading of a terse definition (a retrained head turned two such
        definitions from blocked into flagged). A word of making alone stays a mention there
        (a surveillance tool reports "mutations"), and a defensive definition (detection,
        audit, protection) is not asked for (:mod:`labgate.safety.lexicon`)."""
        hits = [
            hit
            for line in _one_sentence_each(definitions).split("\n")
            if line.strip()
            for hit in scan_uplift(line, offered=True)
            if hit.score >= UPLIFT_AND_REQUEST
        ]
        if not hits:
            return decision
        scores: dict[Category, float] = {}
        reasons = list(decision.reasons)
        for hit in hits:
            scores[hit.category] = max(scores.get(hit.category, 0.0), hit.score)
            reason = f"{hit.reason} (offered tool)"
            if reason not in reasons:
                reasons.append(reason)
        offered = decide(
            scores,
            self.policy.rules_for(model),
            allowances=self.policy.allowances_for(labels),
            stages={c: Stage.LEXICON for c in scores},
            reasons=reasons,
            direction="input",
        )
        if SEVERITY[offered.action] > SEVERITY[decision.action]:
            offered.latency_ms = decision.latency_ms
            return offered
        return decision
