"""Rules that turn one screening decision into another, read from the decision, the texts and
the direction alone (no model, no policy): what the classifier's reading may decide on its own
in a tool definition, an answer, an input it could not read whole, and a request that states a
defensive purpose. :class:`labgate.safety.screen.SafetyScreen` applies them in order; the rules
that need the policy or a second scoring stay there."""

from __future__ import annotations

from labgate.safety.categories import CBRN, HARM, Action, Stage
from labgate.safety.decision import Decision
from labgate.safety.lexicon import PRODUCTION_MENTION, purpose_without_goal
from labgate.safety.patterns import PATTERNS
from labgate.safety.scoring import Scores

# the patterns that are a frame and no more (a hypothetical, a notebook to continue, an answer
# format): what they wrap decides, so they are not evidence of intent (purpose_rule)
FRAME_PATTERNS = frozenset(p.name for p in PATTERNS if p.weight < 0.3)


def evidence(reason: str) -> bool:
    """Whether a decision's reason is the rules' evidence of intent: the lexicon's, a decoder's,
    or a pattern that is more than a frame."""
    if reason.startswith("pattern:"):
        return reason.removeprefix("pattern:").split(" ", 1)[0] not in FRAME_PATTERNS
    return reason.startswith(("lexicon:", "obfuscation:"))


def definitions_rule(decision: Decision) -> Decision:
    """Tool definitions are terse and full of the words of the science they serve ("BSL-4",
    "spent fuel reprocessing", "toxic chemicals"), and the classifier, trained on requests,
    blocked 4 of 24 benign scientific tools (``bench/tools_screening.py``). A client
    application's own instructions (system and developer messages) are the same kind of
    text: Codex CLI's 17,000-character developer prompt ("I've explored the repo; now
    checking the API route definitions") scored 0.91 ``cbrn_biological``, so every Codex
    turn was refused. A block the classifier alone made there is a flag: recorded for
    review, the answer still screened. A block of the patterns, the lexicon or the judge
    stands, and the user's own turns are screened as before."""
    # an agent beside a word of making alone ("mutations of concern" in a pathogen
    # surveillance tool) is the topic of these tools, not evidence of an ask
    by_lexicon = any(
        r.startswith("lexicon:") and PRODUCTION_MENTION not in r for r in decision.reasons
    )
    if decision.blocked and decision.stage is Stage.CLASSIFIER and not by_lexicon:
        decision.action = Action.FLAG
        decision.reasons.append(
            "tool definitions and instructions: the classifier alone flags them, it does not block"
        )
    return decision


def unread_rule(decision: Decision, scores: Scores, direction: str) -> Decision:
    """An input too long for the classifier to read every sentence of within its budget
    (:func:`labgate.safety.scoring.prepare`) is not allowed unseen: what it allowed is
    flagged for review, with the reason. The lexicon and the patterns read all of it, and
    a block stands."""
    if direction == "input" and scores.unread and decision.action is Action.ALLOW:
        decision.action = Action.FLAG
        decision.category = max(HARM, key=lambda c: scores.values.get(c, 0.0))
        decision.score = scores.values.get(decision.category, 0.0)
        decision.reasons.append(
            f"long input: {scores.unread} sentences not read by the classifier; flagged for review"
        )
    return decision


def answer_rule(decision: Decision, direction: str) -> Decision:
    """In an answer, a CBRN block needs the uplift lexicon's evidence (a named agent with an
    uplift goal in one sentence, :mod:`labgate.safety.lexicon`); the classifier alone flags.

    The head is trained on *requests*; explanatory prose about the science (a textbook
    paragraph on critical mass, issue 21) reads to it like the topic of a harmful request
    and scored 0.96-1.0 nuclear, so streamed textbook answers were cut. An answer that
    turns into uplift names what it makes and what for, which the lexicon reads. The
    classifier's view is kept as a flag, for reviewers."""
    if (
        direction == "output"
        and decision.action is Action.BLOCK
        and decision.category in CBRN
        and not any(r.startswith(f"lexicon:{decision.category}:") for r in decision.reasons)
    ):
        decision.action = Action.FLAG
        decision.reasons.append(
            "answer: the classifier alone flags CBRN prose, a block needs the uplift lexicon"
        )
    return decision


def purpose_rule(decision: Decision, texts: list[str], direction: str) -> Decision:
    """A block the classifier alone makes on a request that states a defensive purpose and
    names no goal is a flag: intent, not topic. The head reads topic (a solvent, a pathogen,
    a PLC), and on a development set written blind to the guardrail it refused 74 of 480
    benign lab questions, 72 of them on its own reading; the lexicon, which reads intent,
    named a goal in 123 of the 165 harmful requests the classifier blocked there and in
    almost none of those benign ones. A request with a purpose of detection, treatment,
    protection, history, treaties or safeguards and no goal word in any of its texts (no
    making, no uplift, no sabotage, no covert acquisition or evasion:
    :func:`labgate.safety.lexicon.purpose_without_goal`) is recorded for review and
    answered. A block of the patterns, the decoders, the lexicon or the judge stands, and
    so does any block where a goal is named anywhere in the request."""
    if (
        direction == "input"
        and decision.action is Action.BLOCK
        and decision.stage is Stage.CLASSIFIER
        and not any(evidence(r) for r in decision.reasons)
        and purpose_without_goal(texts, purpose=texts[:1])
    ):
        decision.action = Action.FLAG
        decision.reasons.append(
            "defensive purpose and no goal named: the classifier alone flags, it does not block"
        )
    return decision
