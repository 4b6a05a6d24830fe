"""The guardrail the gateway calls: screen inputs, outputs and streams against the policy.

``SafetyScreen.load(policy)`` loads the embedding model and the trained head once, at start-up.
Then, per request:

* ``await screen.check_input(messages, model=..., labels=...)`` before the request reaches a
  worker;
* ``screener = screen.stream_screener(model=...)`` for the response, with
  ``await screener.feed(delta, channel=...)`` per streamed delta and ``await screener.finish()``;
* ``await screen.check_output(text, model=...)`` for a non-streamed response.

Each returns a :class:`~labgate.safety.decision.Decision` whose ``to_audit()`` goes into the
audit record. ``labels`` are the caller's clearance labels or compartments; allowances the
policy grants for them are applied and recorded in the decision.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from labgate.safety import rules
from labgate.safety.calls import CALL_ROLE, DATA_ROLE
from labgate.safety.categories import SEVERITY, Action, Stage
from labgate.safety.chunking import message_texts, word_count
from labgate.safety.content import says_something
from labgate.safety.decision import Decision, decide
from labgate.safety.decoding import derived_texts
from labgate.safety.directed_reading import DirectedReadingMixin
from labgate.safety.embedder import Embedder
from labgate.safety.head import ClassifierHead
from labgate.safety.history_reading import HistoryReadingMixin
from labgate.safety.instruction_grouping import InstructionGroupingMixin
from labgate.safety.instruction_reading import (
    RULE_ROLES,
    RULES_OF_REFUSING,
    InstructionReadingMixin,
    _one_sentence_each,
)
from labgate.safety.judge import JudgeVerdict, LlamaGuardJudge
from labgate.safety.judging import JudgingMixin
from labgate.safety.policy import SafetyPolicy
from labgate.safety.scoring import Prepared, Scores, combine, prepare
from labgate.safety.second import Reading, SecondReader
from labgate.safety.second_reading import SecondReadingMixin
from labgate.safety.stream import StreamScreener
from labgate.safety.text_memo import TextMemo

# a client application's own instructions, and each tool call of the history and each JSON
# result read alone (labgate.safety.calls), screened apart (SafetyScreen._definitions_rule)
INSTRUCTION_ROLES = frozenset({"system", "developer", CALL_ROLE, DATA_ROLE})
# the messages where a deployment writes its own rules


def _words_read(text: str) -> int:
    """:func:`_words_in_readings`, remembered per text (a system prompt's sentences come back
    with every request: :mod:`labgate.safety.text_memo`)."""
    return _words_read_memo(text)


def _words_in_readings(text: str) -> int:
    """Words in ``text``, or in its longest decoding: "hex: 4465…" is two words written and a
    whole request read (:mod:`labgate.safety.decoding`). Chinese and Japanese, written without
    spaces, count a word per two characters (:func:`~labgate.safety.chunking.word_count`):
    counted by spaces, every such turn was one "word", so the short-input rule turned every
    classifier block of a Chinese or Japanese request below the sure score into a flag."""
    written = word_count(text)
    if written > 64:
        return written
    return max([written, *(word_count(d.text) for d in derived_texts(text))])


_words_read_memo = TextMemo(_words_in_readings)


class SafetyScreen(
    JudgingMixin,
    SecondReadingMixin,
    DirectedReadingMixin,
    InstructionGroupingMixin,
    InstructionReadingMixin,
    HistoryReadingMixin,
):
    """Stage one (patterns + embedding head) and the optional stage two (LLM judge); the
    judge's plumbing is :mod:`labgate.safety.judging`, the second reader's
    :mod:`labgate.safety.second_reading`, the reading of the tasks a client's instructions and
    tools give the model :mod:`labgate.safety.directed_reading`."""

    def __init__(
        self,
        policy: SafetyPolicy,
        embedder: Embedder,
        head: ClassifierHead,
        judge: LlamaGuardJudge | None = None,
        second: SecondReader | None = None,
    ) -> None:
        self.policy = policy
        self.embedder = embedder
        self.head = head
        self.judge = judge
        self.second = second
        # the instructions' own decision, by text (_instructions_alone); shared with the
        # screening lane's sibling (a plain dict: each get and set is atomic)
        self._alone_cache: dict[str, Decision] = {}
        # the judge's verdict on an instruction text, by its digest (_judged_instructions)
        self._instruction_verdicts: dict[bytes, JudgeVerdict] = {}

    @classmethod
    def load(cls, policy: SafetyPolicy | None = None) -> SafetyScreen:
        """Load the packaged embedding model and the head; call once, at start-up.

        The model is prepared in the precision the head was trained on (bfloat16 for the
        shipped head: cast and traced here, once), so the head reads the embeddings it learned
        from.
        """
        policy = policy or SafetyPolicy()
        head = ClassifierHead.load(policy.head_path)
        # the head runs in the embedder's worker, on each batch's vectors (see _scored)
        embedder = Embedder.load(
            threads=policy.torch_threads,
            precision=head.embedding,
            cache_size=policy.embedding_cache_size,
            reader=head.probabilities,
        )
        judge = LlamaGuardJudge(policy.judge) if policy.judge.enabled else None
        cfg = policy.second_reader
        second = (
            SecondReader.load(
                cfg.head_path,
                threads=policy.torch_threads,
                cache_size=cfg.cache_size,
                max_segments=cfg.max_segments,
            )
            if cfg.enabled
            else None
        )
        return cls(policy, embedder, head, judge, second)

    # -- scoring ----------------------------------------------------------------------------

    def _prepare(self, texts: list[str], direction: str) -> Prepared:
        return prepare(texts, direction=direction, max_segments=self.policy.max_segments)

    def _probabilities(self, vectors: np.ndarray) -> np.ndarray:
        if vectors.shape[0] == 0:
            return np.zeros((0, len(self.head.classes)), dtype=np.float32)
        return self.head.probabilities(vectors)

    def _head_in_embedder(self, segments: list[str]) -> bool:
        """Whether the embedder reads ``segments`` with this screen's head: its reader is this
        head's (a screen whose head was replaced, or built around another embedder, runs its
        own head on the vectors, and no probabilities of another head are used)."""
        reader = getattr(self.embedder, "reader", None)
        return bool(segments) and reader is not None and reader == self.head.probabilities

    async def score(self, texts: list[str], direction: str = "input") -> Scores:
        """Per-category scores for ``texts`` (embedding off the event loop)."""
        return (await self._scored(texts, direction))[0]

    async def _scored(
        self, texts: list[str], direction: str
    ) -> tuple[Scores, list[str], np.ndarray]:
        """The scores, and the segments read with the head's probabilities for each (what
        the second reader needs to read the segments that made a block)."""
        prepared = self._prepare(texts, direction)
        if self._head_in_embedder(prepared.segments):
            # the head ran in the embedder's thread, on the whole batch this check was part
            # of (or its probabilities came from the cache with the vector): not on the loop
            _, probabilities = await self.embedder.aread(prepared.segments)
        else:
            probabilities = self._probabilities(await self.embedder.aencode(prepared.segments))
        return combine(prepared, probabilities), prepared.segments, probabilities

    def score_sync(self, texts: list[str], direction: str = "input") -> Scores:
        """The same as :meth:`score`, in the calling thread (evaluation, benchmarks, CLI)."""
        prepared = self._prepare(texts, direction)
        if self._head_in_embedder(prepared.segments):
            return combine(prepared, self.embedder.read(prepared.segments)[1])
        return combine(prepared, self._probabilities(self.embedder.encode(prepared.segments)))

    def decide(
        self,
        scores: Scores,
        *,
        model: str | None = None,
        labels: Collection[str] = (),
        direction: str = "input",
    ) -> Decision:
        """Apply the policy in force for ``model`` and ``labels`` to stage-one scores."""
        return decide(
            scores.values,
            self.policy.rules_for(model),
            allowances=self.policy.allowances_for(labels),
            stages=scores.stages,
            reasons=scores.reasons,
            direction=direction,
        )

    # -- checks -----------------------------------------------------------------------------

    async def check_input(
        self,
        messages: Iterable[Mapping[str, Any]],
        *,
        model: str | None = None,
        labels: Collection[str] = (),
        definitions: str = "",
        documents: Sequence[str] = (),
        prose: Sequence[str] = (),
    ) -> Decision:
        """Screen a chat request before it is sent to a worker: everything the model will
        read of it (:mod:`labgate.visible`). The messages and retrieval ``documents`` are
        screened together; the tools and schemas offered (``definitions``) apart, where the
        classifier alone flags and does not block (:meth:`_definitions_rule`). The more
        severe decision of the two is the request's."""
        listed = list(messages)
        found = message_texts(listed, documents)
        texts = [text for role, text in found if role not in INSTRUCTION_ROLES]
        sent_apart = [(role, text) for role, text in found if role in INSTRUCTION_ROLES]
        decision = await self.check_texts(texts, model=model, labels=labels, direction="input")
        # what only the earlier assistant turns carry (labgate.safety.history_reading)
        decision = await self._history_rule(
            decision,
            listed,
            lambda kept: [
                text
                for role, text in message_texts(kept, documents)
                if role not in INSTRUCTION_ROLES
            ],
            model=model,
            labels=labels,
        )
        asked = decision  # what the user's own turns (and documents) make, read alone
        if decision.blocked:
            return decision
        decision = await self._read_instructions(
            asked, sent_apart, found, definitions, prose, model=model, labels=labels
        )
        decision = await self._rules_of_refusing(
            decision, asked, sent_apart, found, definitions, prose, model=model, labels=labels
        )
        decision = await self._judged_instructions(
            decision, asked, sent_apart, model=model, labels=labels
        )
        unrecorded = [a for a in asked.allowances_used if a not in decision.allowances_used]
        if unrecorded:
            # a more severe reading of the instructions or tools took the place of the user's
            # turns' decision: the clearance allowance those turns used is still a use to
            # review (flags.should_record), and a request that used one is never grouped
            decision = dataclasses.replace(
                decision, allowances_used=[*decision.allowances_used, *unrecorded]
            )
        if decision.action is Action.FLAG and asked.action is Action.ALLOW:
            decision.instructions_sha256 = await self._instruction_trigger(
                decision,
                sent=[(role, text) for role, text in found if role in RULE_ROLES],
                read=[text for role, text in sent_apart if role in RULE_ROLES and text.strip()],
                others=[
                    t
                    for t in (
                        _one_sentence_each(definitions),
                        *(text for role, text in sent_apart if role not in RULE_ROLES),
                    )
                    if t.strip()
                ],
                prose=[t for t in prose if t.strip()],
                model=model,
                labels=labels,
                # the instructions alone block; the flag is the rules of refusing's
                alone_action=(
                    Action.BLOCK if RULES_OF_REFUSING in decision.reasons else Action.FLAG
                ),
            )
        return decision

    async def check_output(
        self, text: str, *, model: str | None = None, labels: Collection[str] = ()
    ) -> Decision:
        """Screen a complete (non-streamed) response or reasoning text."""
        return await self.check_texts([text], model=model, labels=labels, direction="output")

    async def check_texts(
        self,
        texts: list[str],
        *,
        model: str | None = None,
        labels: Collection[str] = (),
        direction: str = "input",
        use_judge: bool = True,
    ) -> Decision:
        """Screen ``texts`` (one request's or one response's); the judge is asked when
        ``use_judge`` and stage one is unsure. Stream windows pass ``use_judge=False``: a
        network round trip every few tokens would stall the stream."""
        decision, _ = await self._check(
            texts, model=model, labels=labels, direction=direction, use_judge=use_judge
        )
        return decision

    async def _check(
        self,
        texts: list[str],
        *,
        model: str | None,
        labels: Collection[str],
        direction: str,
        use_judge: bool,
    ) -> tuple[Decision, Reading | None]:
        """:meth:`check_texts`, and the second reader's reading when it was asked."""
        started = time.perf_counter()
        reading: Reading | None = None
        if not self.policy.enabled_for(model):
            decision = Decision.allow(direction, "screening off for this model")
        elif not any(t.strip() for t in texts):
            decision = Decision.allow(direction)
        elif not any(says_something(t) for t in texts):
            # a greeting or near-empty text is never flagged (labgate.safety.content)
            decision = Decision.allow(direction, "no content words")
        else:
            scores, segments, probabilities = await self._scored(texts, direction)
            decision = self.decide(scores, model=model, labels=labels, direction=direction)
            decision = self._long_prose_rule(decision, scores, model, labels, direction)
            decision = self._short_text_rule(decision, texts, direction)
            decision = await self._short_turns_rule(
                decision, texts, model=model, labels=labels, direction=direction
            )
            decision = self._purpose_rule(decision, texts, direction)
            decision = self._answer_rule(decision, direction)
            if use_judge:
                decision = await self._maybe_judge(
                    decision, scores, texts, model, labels, direction
                )
            # after the judge: a block the judge read is its own (a safe verdict makes it a
            # flag, never an allow), so the second reader reads only what no judge read
            reading = await self._second_reading(decision, segments, probabilities, direction)
            # after the judge, who reads the newest turn, not the rest of a long input
            decision = self._unread_rule(decision, scores, direction)
        decision.latency_ms = (time.perf_counter() - started) * 1000
        return decision, reading

    def _long_prose_rule(
        self,
        decision: Decision,
        scores: Scores,
        model: str | None,
        labels: Collection[str],
        direction: str,
    ) -> Decision:
        """In a long text (more than a dozen sentences: a report, a review, a tool's log), a
        decision the classifier alone makes on sentences that ask nothing goes one step down
        (a block is a flag, a flag is allowed, unless what asks flags it too). The head is
        trained on requests, and a research reactor's annual safety report ("Collective dose
        to staff was 4.1 person-millisieverts …") scored 0.92 chemical, a toxicology review
        0.95 and a BSL-3 audit 0.89, so a pasted or retrieved report was refused. A request in
        such a text asks (a question, a word of asking, an imperative, in eight languages:
        :func:`labgate.safety.scoring.asks`), and each such sentence is also read alone, so
        its block stands; so do the lexicon's and the patterns'. The same reading as the
        answers' (:meth:`_answer_rule`): explanatory prose is the topic, not the ask."""
        if not (
            direction == "input"
            and scores.asked is not None
            and decision.action in (Action.BLOCK, Action.FLAG)
            and decision.stage is Stage.CLASSIFIER
        ):
            return decision
        asked = self.decide(
            Scores(values=scores.asked, stages=scores.stages, reasons=[]),
            model=model,
            labels=labels,
            direction=direction,
        )
        if SEVERITY[asked.action] >= SEVERITY[decision.action]:
            return decision
        # one step down: a block becomes a flag, and a flag (the head's noise on a page of a
        # freezer log, 0.56 chemical) is allowed, unless what asks flags it on its own
        was = decision.action
        decision.action = Action.FLAG if was is Action.BLOCK else asked.action
        decision.reasons.append(
            f"long text: prose that asks nothing, the classifier alone "
            f"{'flags' if was is Action.BLOCK else 'does not flag'} it"
        )
        return decision

    _unread_rule = staticmethod(rules.unread_rule)
    _answer_rule = staticmethod(rules.answer_rule)
    _purpose_rule = staticmethod(rules.purpose_rule)

    def _short_text_rule(self, decision: Decision, texts: list[str], direction: str) -> Decision:
        """A classifier-only block of a very short input, below the sure score, becomes a flag
        (see the policy); a short request the classifier is sure of is still blocked."""
        limit = self.policy.short_text_words
        if (
            limit
            and direction == "input"
            and decision.action is Action.BLOCK
            and decision.stage is Stage.CLASSIFIER
            and decision.score < self.policy.short_text_sure_score
            and sum(_words_read(t) for t in texts) < limit
            # a named operation ("weaponizeSmallpoxVirus") is the lexicon's request, not the
            # classifier's guess on a few words
            and not any(r.startswith("lexicon:") and "(request)" in r for r in decision.reasons)
        ):
            decision.action = Action.FLAG
            decision.reasons.append(
                f"short input (< {limit} words): the classifier alone flags, it does not block"
            )
        return decision

    async def _short_turns_rule(
        self,
        decision: Decision,
        texts: list[str],
        *,
        model: str | None,
        labels: Collection[str],
        direction: str,
    ) -> Decision:
        """The short-input rule for a request of several texts (turns, views, calls): a
        classifier-only block below the sure score that the request's longer texts do not make
        on their own rests on its short ones, and is a flag, as the same short text alone
        would be. Counted over all texts together, a lab agent's conversation whose short
        opener ("Run the lab agent.") the head scored 0.61 was refused once the user said
        "Thanks!". The longer texts include the conversation view (the user's turns read
        together), so a request that needs its context is still read with it."""
        limit = self.policy.short_text_words
        if not (
            limit
            and direction == "input"
            and decision.action is Action.BLOCK
            and decision.stage is Stage.CLASSIFIER
            and decision.score < self.policy.short_text_sure_score
            and not any(r.startswith("lexicon:") and "(request)" in r for r in decision.reasons)
        ):
            return decision
        longer = [t for t in texts if _words_read(t) >= limit]
        if len(longer) == len(texts):
            return decision
        if longer:
            scores = await self.score(longer, direction)  # segments mostly cached
            alone = self.decide(scores, model=model, labels=labels, direction=direction)
            if alone.action is Action.BLOCK:
                return decision
        decision.action = Action.FLAG
        decision.reasons.append(
            f"short turns (< {limit} words each): the classifier alone flags what only they "
            "carry, it does not block"
        )
        return decision

    def stream_screener(
        self, *, model: str | None = None, labels: Collection[str] = ()
    ) -> StreamScreener:
        """A screener for one streamed response (reasoning and content channels)."""
        return StreamScreener(self, model=model, labels=labels, config=self.policy.stream)

    async def aclose(self) -> None:
        if self.judge is not None:
            await self.judge.close()
        if self.second is not None:
            self.second.close()
        self.embedder.close()
