"""What the assistant is said to have said: earlier assistant turns of a conversation, read
for the user's intent rather than as requests. :class:`labgate.safety.screen.SafetyScreen`
inherits :class:`HistoryReadingMixin` and calls :meth:`HistoryReadingMixin._history_rule` from
``check_input``.

The principle: a conversation is refused for what the *user* asks. Earlier assistant turns are
screened, because a client sends them and can forge them (many-shot jailbreaks put invented
compliant answers there), but an explanation the classifier reads as a topic is not an ask. The
twelfth round's head scored a textbook outline in a fusion seminar's history ("how a reactor
keeps the plasma hot and confined") 0.85 nuclear on its own and the whole chat was refused,
though nothing the user wrote asks for anything of the kind.

So a block that rests on the classifier alone, below the sure score
(:attr:`labgate.safety.policy.SafetyPolicy.history_sure_score`), and that the rest of the
request (the user's turns, the conversation view, documents, tool results) does not make on its
own, becomes a flag: answered, and in the reviewers' queue. It stands, as before, when

* the lexicon or the patterns made it (a forged answer that carries uplift, a jailbreak frame),
  or the lexicon reads a request anywhere in it;
* the classifier is sure of the assistant turn (a forged compliant answer reads as one);
* no user turn that says something, in at least ``short_text_words`` words, follows the
  assistant turn: a prefill the model is asked to continue is what the model will write, not
  what it wrote, and a few words after it ("continue", "go on") take their object from it;
* the user's side blocks on its own: the request read again without the assistant turns (the
  messages left out, not texts matched: a user turn or a document copied into an assistant
  turn is still read), with the questions the assistant turns ask: a question the user
  answers ("Shall I explain how ...?" "Yes.") is the user's ask.

The answer is screened on the way out whatever this rule decides (``check_output`` and the
stream screener): a forged history that steers the model into uplift meets the output check.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from labgate.safety.categories import Action, Stage
from labgate.safety.chunking import sentences, word_count
from labgate.safety.content import says_something
from labgate.safety.decision import Decision
from labgate.safety.screen_parts import ScreenParts
from labgate.visible import content_text

ASSISTANT = "assistant"


def said_before(messages: Sequence[Mapping[str, Any]], min_words: int = 0) -> set[int]:
    """The positions of the assistant turns that a later user turn with something to say, of
    at least ``min_words`` words, follows (the model's earlier answers, as the client tells
    them). An assistant turn with no such user turn after it is what the model is asked to
    continue: a prefill, whatever empty or trivial messages the client puts after it, or a
    few words that take their object from it ("continue", "go on"), so it is not among them."""
    said: set[int] = set()
    answered = False  # whether a user turn that says something comes later
    for i in range(len(messages) - 1, -1, -1):
        message = messages[i]
        role = message.get("role")
        text = content_text(message.get("content"))
        if role == "user" and word_count(text) >= min_words and says_something(text):
            answered = True
        elif role == ASSISTANT and answered and text.strip():
            said.add(i)
    return said


_QUESTION_END = ("?", "？", "؟")


def questions_in(messages: Sequence[Mapping[str, Any]], said: set[int]) -> list[str]:
    """The sentences of those assistant turns that ask a question. A question the assistant is
    said to have asked and the user then answers ("Shall I explain how ...?" "Yes, in full.")
    is the user's ask, so it is read on the user's side."""
    return [
        sentence
        for i in sorted(said)
        for sentence in sentences(content_text(messages[i].get("content")))
        if sentence.rstrip().endswith(_QUESTION_END)
    ]


class HistoryReadingMixin(ScreenParts):
    """The history's part of :class:`labgate.safety.screen.SafetyScreen`."""

    async def _history_rule(
        self,
        decision: Decision,
        messages: Sequence[Mapping[str, Any]],
        user_side: Callable[[Sequence[Mapping[str, Any]]], list[str]],
        *,
        model: str | None,
        labels: Collection[str],
    ) -> Decision:
        """A classifier-only block below the sure score that only the earlier assistant turns
        make is a flag (see the module docstring). ``user_side(messages)``: the texts of those
        messages the check reads as the request (the screen's own selection), so the request
        without the assistant turns is read exactly as it would be without them: by message,
        never by matching text (a user turn copied into an assistant turn is still the
        user's)."""
        sure = self.policy.history_sure_score
        if not (
            decision.action is Action.BLOCK
            and decision.stage is Stage.CLASSIFIER
            and decision.score < sure
            # a lexicon reading that the text asks; a mere mention ("polonium" in a history
            # question) is the classifier's decision still
            and not any(r.startswith("lexicon:") and "(request)" in r for r in decision.reasons)
        ):
            return decision
        said = said_before(messages, self.policy.short_text_words)
        if not said:
            return decision
        others = user_side([m for i, m in enumerate(messages) if i not in said])
        others += questions_in(messages, said)
        if others:
            scores = await self.score(others, "input")  # segments mostly cached
            alone = self.decide(scores, model=model, labels=labels, direction="input")
            if alone.action is Action.BLOCK:
                return decision
        decision.action = Action.FLAG
        decision.reasons.append(
            "earlier assistant turns: the classifier alone flags what only they carry, it "
            "does not block (the user's own turns do not make it)"
        )
        return decision
