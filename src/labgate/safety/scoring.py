"""From texts to per-category scores: segmenting, decoding, patterns, and the head's output.

Scoring is split in two halves around the one expensive step (embedding), so the same logic
serves the asynchronous request path (embedding on the worker thread) and the synchronous
training, evaluation and benchmark code:

* :func:`prepare` cuts the texts into segments, decodes obfuscated payloads and runs the
  jailbreak patterns (microseconds);
* the caller embeds ``prepared.segments`` and runs the head;
* :func:`combine` turns the head's per-segment probabilities into per-category scores.

How segment probabilities become a category score: for a harm category, the maximum over
segments, so one harmful sentence anywhere counts. The four CBRN categories share their
probability mass (a segment that is 40% chemical and 40% biological is 80% CBRN), so a CBRN
category's score in a segment is the whole CBRN mass when it is the segment's leading CBRN
category. The allow-list score is read from the segment that carries the most harm, so benign
framing elsewhere in a long prompt cannot waive a harmful sentence. For the attack categories
the head's evidence and the patterns' combine as independent signals (see HEAD_ATTACK_WEIGHT),
and so do the head's and the uplift lexicon's for the CBRN categories
(:mod:`labgate.safety.lexicon`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from labgate.safety.categories import (
    ATTACK,
    CBRN,
    HARM,
    HEAD_CLASSES,
    Category,
    Stage,
)
from labgate.safety.chunking import segments as cut_segments
from labgate.safety.chunking import sentences
from labgate.safety.content import has_content
from labgate.safety.decoding import derived_texts
from labgate.safety.lexicon import scan_uplift
from labgate.safety.patterns import scan

# An input of a few sentences is also read a sentence at a time (those of this many words or
# more; texts of at most SENTENCE_PIECES such sentences): read only whole, or in windows of
# up to 48 words (whose de-duplication folds the last sentence into the window before it), a
# request after one to three sentences of a lab meeting's agenda was drowned out and allowed
# (issue 21's round-5 attack), where the request alone is refused.
SENTENCE_PIECE_WORDS = 5
SENTENCE_PIECES = 12


def sentence_pieces(text: str) -> list[str]:
    found = [s for s in sentences(text) if len(s.split()) >= SENTENCE_PIECE_WORDS]
    return found if 1 < len(found) <= SENTENCE_PIECES else []


_INDEX = {name: i for i, name in enumerate(HEAD_CLASSES)}

# The head's jailbreak/injection probability counts as one more piece of evidence, capped: it
# has seen only attack templates and benign *questions*, so other benign prose (a pasted
# paragraph, a word problem) can look "unlike anything benign" to it. Alone it can flag a
# request for review; it blocks only together with a pattern.
HEAD_ATTACK_WEIGHT = 0.6
_CBRN_IDX = [_INDEX[c.value] for c in CBRN]
_HARM_IDX = [_INDEX[c.value] for c in HARM]


@dataclass(slots=True)
class Prepared:
    """What :func:`prepare` found before embedding."""

    segments: list[str] = field(default_factory=list)
    pattern_scores: dict[Category, float] = field(default_factory=dict)
    lexicon_scores: dict[Category, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    direction: str = "input"


@dataclass(slots=True)
class Scores:
    """Per-category scores and which stage produced each."""

    values: dict[Category, float]
    stages: dict[Category, Stage]
    reasons: list[str]
    top_segment: int = -1


def prepare(texts: list[str], *, direction: str = "input", max_segments: int = 48) -> Prepared:
    """Segments to embed for ``texts`` (most important first), plus pattern evidence.

    Inputs are decoded and pattern-scanned; outputs are not (a model's answer that contains
    base64 or quotes an instruction is not an attack), only segmented.
    """
    prepared = Prepared(direction=direction)
    pattern_scores: dict[Category, float] = {}
    reasons: list[str] = []
    lexicon: dict[Category, float] = {}

    def read_lexicon(text: str, where: str = "") -> None:
        for hit in scan_uplift(text):
            if hit.score > lexicon.get(hit.category, 0.0):
                lexicon[hit.category] = hit.score
            reason = hit.reason + where
            if reason not in reasons:
                reasons.append(reason)

    for text in texts:
        pieces = cut_segments(text)
        read_lexicon(text)
        if direction == "input":
            pieces += [p for p in sentence_pieces(text) if p not in pieces]
        if direction == "input":
            derived = derived_texts(text)
            result = scan(text, derived)
            if any(item.whole for item in derived):
                # The text with its disguise undone in place keeps every readable word, and
                # the classifier reads an encoded surface as noise (a base64 blob scored 0.77
                # radiological): embed the decoded text instead (patterns still read both).
                pieces = []
            for item in derived:
                pieces.extend(cut_segments(item.text))
                read_lexicon(item.text, f" (in {item.kind})")
                inner = scan(item.text)
                for category, score in inner.scores.items():
                    result.scores[category] = max(result.scores.get(category, 0.0), score)
                result.reasons.extend(f"{r} (in {item.kind})" for r in inner.reasons)
            for category, score in result.scores.items():
                pattern_scores[category] = max(pattern_scores.get(category, 0.0), score)
            reasons.extend(r for r in result.reasons if r not in reasons)
        for piece in pieces:
            # a segment with no content word (a greeting, "?") is never read by the
            # classifier: it can carry no request, and the head scored "hi" 0.6 as a jailbreak
            if piece not in prepared.segments and has_content(piece):
                prepared.segments.append(piece)
    if len(prepared.segments) > max_segments:
        reasons.append(f"screened the first {max_segments} of {len(prepared.segments)} segments")
        prepared.segments = prepared.segments[:max_segments]
    prepared.pattern_scores = pattern_scores
    prepared.lexicon_scores = lexicon
    prepared.reasons = reasons
    return prepared


def category_matrix(probs: np.ndarray) -> np.ndarray:
    """Per-segment category scores (n_segments x len(HEAD_CLASSES)), CBRN mass pooled."""
    scores = probs.copy()
    if probs.shape[0] == 0:
        return scores
    cbrn = probs[:, _CBRN_IDX]
    mass = cbrn.sum(axis=1)
    lead = np.argmax(cbrn, axis=1)
    for row, col in enumerate(lead):
        scores[row, _CBRN_IDX[col]] = mass[row]
    return scores


def combine(prepared: Prepared, probs: np.ndarray) -> Scores:
    """Per-category scores from the head's per-segment probabilities and the patterns."""
    values: dict[Category, float] = {}
    stages: dict[Category, Stage] = {}
    matrix = category_matrix(probs)
    top_segment = -1
    if matrix.shape[0]:
        harm_mass = probs[:, _HARM_IDX].sum(axis=1)
        top_segment = int(np.argmax(harm_mass))
        for category in HARM:
            head = float(matrix[:, _INDEX[category.value]].max())
            rule = prepared.lexicon_scores.get(category, 0.0)
            values[category] = 1.0 - (1.0 - head) * (1.0 - rule)
            stages[category] = Stage.LEXICON if rule > head else Stage.CLASSIFIER
        allowed = _INDEX[Category.ALLOWED_DUAL_USE.value]
        values[Category.ALLOWED_DUAL_USE] = float(probs[top_segment, allowed])
        stages[Category.ALLOWED_DUAL_USE] = Stage.CLASSIFIER
    if prepared.direction == "input":
        for category in ATTACK:
            head = float(matrix[:, _INDEX[category.value]].max()) if matrix.shape[0] else 0.0
            head *= HEAD_ATTACK_WEIGHT
            pattern = prepared.pattern_scores.get(category, 0.0)
            values[category] = 1.0 - (1.0 - pattern) * (1.0 - head)
            stages[category] = Stage.PATTERNS if pattern >= head else Stage.CLASSIFIER
    return Scores(
        values=values, stages=stages, reasons=list(prepared.reasons), top_segment=top_segment
    )
