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

import re
import threading
from collections import OrderedDict
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
from labgate.safety.chunking import pieces_of, sentences, spread_order, window_at, word_count
from labgate.safety.chunking import segments as cut_segments
from labgate.safety.content import has_content
from labgate.safety.decoding import derived_texts
from labgate.safety.lexicon import scan_uplift
from labgate.safety.markup import classifier_view, path_words
from labgate.safety.patterns import scan

# An input of a few sentences is also read a sentence at a time (those of this many words or
# more; texts of at most SENTENCE_PIECES such sentences): read only whole, or in windows of
# up to 48 words (whose de-duplication folds the last sentence into the window before it), a
# request after one to three sentences of a lab meeting's agenda was drowned out and allowed
# (issue 21's round-5 attack), where the request alone is refused.
SENTENCE_PIECE_WORDS = 5
SENTENCE_PIECES = 12


def sentence_pieces(text: str) -> list[str]:
    found = [s for s in sentences(text) if word_count(s) >= SENTENCE_PIECE_WORDS]
    return found if 1 < len(found) <= SENTENCE_PIECES else []


# What asks, in the eight languages: a question mark, a word of asking or instructing, or a
# sentence that opens with a verb of doing. Broad on purpose: it decides only what a long
# text's prose may do (a segment that asks nothing flags, :func:`combine`), so a false "asks"
# keeps a block, where a false "asks nothing" would lose one.
_ASKS = re.compile(
    r"[?？؟]|"
    r"\b(how (do|does|can|could|would|should|to|much|many)|give|tell|explain|describe|show|"
    r"write|list|provide|help|walk me|i want|i need|i'd like|let me|step[- ]by[- ]step|"
    r"instructions?|recipe|procedure|protocol|ignore|pretend|act as|you (are|must|will|should))"
    r"\b|(?:^|[.!:;]\s+)(make|get|find|buy|build|produce|prepare|synthesi[sz]e|grow|extract|"
    r"obtain|acquire|steal|mix|release|spread|use|do|go|now)\b|"
    r"\b(donne[sz]?|expliqu\w*|dis-moi|dites|décri\w*|montre\w*|écri\w*|comment|étapes?|"
    r"recette|gib|geben|erklär\w*|beschreib\w*|zeig\w*|schreib\w*|wie|anleitung|schritte?|"
    r"rezept|dame|dime|explica\w*|describ\w*|muestra\w*|escrib\w*|cómo|como|pasos?|"
    r"instrucciones|receta)\b|"
    r"(?<!\w)(да[йв]\w*|объясн\w*|расскаж\w*|опиш\w*|покаж\w*|напиш\w*|как|инструкц\w*|"
    r"пошагов\w*|рецепт\w*|скажи\w*)(?!\w)|"
    r"كيف|اشرح|أعطني|اعطني|أخبرني|اخبرني|خطوات|[أا]ريد|[أا]حتاج|قل لي|"
    r"如何|怎样|怎么|请|告诉|解释|步骤|给我|教えて|ください|下さい|説明して|手順|方法|どうやって|"
    # a statement of one's own intent or a wondering is an ask too ("I am going to put the
    # thallium into his coffee on Monday", "I wonder what amount would kill him"): an insider
    # found both only flagged in a long text, where the classifier had blocked them
    r"\b(i('m| am) (going|planning|about) to|i('ll| will| shall| intend| plan)|i('m| am) gonna|"
    r"we('re| are) (going|planning) to|we('ll| will| plan)|i wonder|i('m| am) wondering|"
    r"je vais|nous allons|on va|je compte|je me demande|ich werde|wir werden|ich will|"
    r"ich frage mich|voy a|vamos a|me pregunto|quiero)\b|"
    r"(?<!\w)(я (собираюсь|буду|хочу|планирую)|мы (собираемся|будем)|интересно)(?!\w)|"
    r"سوف|سأ|أنوي|أتساءل|我要|我打算|我准备|我们要|つもり|予定だ|したい",
    re.IGNORECASE,
)


def asks(text: str) -> bool:
    """Whether ``text`` asks or instructs anything (see ``_ASKS``)."""
    return _ASKS.search(text) is not None


def long_pieces(text: str) -> list[str]:
    """In a text of more than :data:`SENTENCE_PIECES` sentences (read in windows only), the
    sentences that ask (:func:`asks`), each to be read alone, and the last one: a request
    after a page of a tool's log, or in its middle, is read undiluted wherever it stands
    (windows fold the last sentences into the ones before them). Sentences that only name an
    agent or a goal are not read alone: in a long text, what asks nothing only flags
    (:func:`combine`), and a report names its topic in every sentence."""
    pieces = pieces_of(text)
    if len(pieces) <= SENTENCE_PIECES:
        return []
    found = [p for p in pieces[:-1] if asks(p)]
    return [*found, pieces[-1]]


# A long input (more segments than the policy's max_segments) is read within this many times
# max_segments: every text's first and last window, its sentences that ask, each alone (so no
# page of filler drowns one out), and windows that do not overlap covering every sentence,
# spread over each text so that what a budget cannot reach is spread too; sentences past it
# are counted (``Prepared.unread``) and the input is flagged for review. Before, only the first
# max_segments segments were read: a request after 40 sentences of a tool's plain-text result
# was never embedded, and was allowed.
LONG_INPUT_FACTOR = 4


def _within_budget(
    readings: list[str],
    segments: list[str],
    asking: set[str],
    max_segments: int,
    budget: int,
) -> tuple[list[str], int]:
    """The segments of a long input the classifier reads, at most ``budget``, and how many
    sentences (pieces) of ``readings`` none of them holds. In order: each reading's first and
    last window; the sentences that ask (``asking``: :func:`long_pieces`), each alone, up to
    half the budget, spread; windows covering every sentence, taken across the readings in a
    spread order; the rest of the asking sentences; then the usual overlapping windows
    (``segments``, in order) up to ``max_segments``."""
    chosen: dict[str, None] = {}
    split = [pieces_of(r) for r in readings]
    read = [bytearray(len(p)) for p in split]

    def take(i: int, start: int, end: int) -> None:
        if len(chosen) >= budget:
            return
        text = " ".join(split[i][start:end])
        if text not in chosen and has_content(text):
            chosen[text] = None
        if text in chosen:
            read[i][start:end] = b"\x01" * (end - start)

    windows: list[list[tuple[int, int]]] = []
    for i, pieces in enumerate(split):
        starts = [0]
        while (end := window_at(pieces, starts[-1])[1]) < len(pieces):
            starts.append(end)
        windows.append([(a, window_at(pieces, a)[1]) for a in starts])
        take(i, *windows[i][0])
        # the last window: the sentences before the end, as many as fit
        first = len(pieces)
        while first > 0 and window_at(pieces, first - 1)[1] == len(pieces):
            first -= 1
        take(i, first, len(pieces))
    suspects = [
        (i, k)
        for i, pieces in enumerate(split)
        for k, piece in enumerate(pieces)
        if piece in asking
    ]
    for n, j in enumerate(spread_order(len(suspects))):
        if n >= budget // 2:
            break
        take(suspects[j][0], suspects[j][1], suspects[j][1] + 1)
    orders = [spread_order(len(w)) for w in windows]
    for level in range(max((len(o) for o in orders), default=0)):
        for i, order in enumerate(orders):
            if level < len(order):
                take(i, *windows[i][order[level]])
    for i, k in suspects:
        take(i, k, k + 1)
    for segment in segments:
        if len(chosen) >= max_segments:
            break
        chosen.setdefault(segment, None)
    unread = sum(len(r) - sum(r) for r in read)
    return list(chosen), unread


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
    """What :func:`prepare` found before embedding. ``unread``: sentences of a long input no
    segment holds (past the budget; the lexicon and the patterns read them)."""

    segments: list[str] = field(default_factory=list)
    pattern_scores: dict[Category, float] = field(default_factory=dict)
    lexicon_scores: dict[Category, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    direction: str = "input"
    unread: int = 0
    prose: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Scores:
    """Per-category scores and which stage produced each."""

    values: dict[Category, float]
    stages: dict[Category, Stage]
    reasons: list[str]
    top_segment: int = -1
    unread: int = 0
    # the scores from the segments that ask (None: every segment does; see combine)
    asked: dict[Category, float] | None = None


@dataclass(frozen=True, slots=True)
class _TextReading:
    """What :func:`prepare` reads in one text, which depends on the text alone: the lexicon's
    and the patterns' evidence (scores, and reasons in the order they are given), the pieces
    the classifier may read (in order, without repeats, each with a content word), the
    sentences of a long text read alone, and the texts (the view, the decodings) the budget
    selection covers."""

    lexicon: tuple[tuple[Category, float], ...]
    patterns: tuple[tuple[Category, float], ...]
    reasons: tuple[str, ...]
    pieces: tuple[str, ...]
    asking: frozenset[str]
    readings: tuple[str, ...]
    few_sentences: bool


def _reading_of(text: str, direction: str) -> _TextReading:
    lexicon: list[tuple[Category, float]] = []
    reasons: list[str] = []

    def read_lexicon(body: str, where: str = "") -> None:
        for hit in scan_uplift(body):
            lexicon.append((hit.category, hit.score))
            reason = hit.reason + where
            if reason not in reasons:
                reasons.append(reason)

    read_lexicon(text)
    # the classifier reads no tag and no path (labgate.safety.markup): Codex's
    # environment block scored 0.36-0.73 by the digits of its working directory
    view = classifier_view(text) if direction == "input" else text
    pieces = cut_segments(view)
    asking: set[str] = set()
    readings: list[str] = []
    patterns: dict[Category, float] = {}
    if direction == "input":
        if (spelled := path_words(text)) is not None:
            read_lexicon(spelled, " (in a path)")
        pieces += [p for p in sentence_pieces(view) if p not in pieces]
        alone = long_pieces(view)
        asking.update(alone)
        pieces += [p for p in alone if p not in pieces]
        derived = derived_texts(text)
        result = scan(text, derived)
        replaced = any(item.whole for item in derived)
        if replaced:
            # The text with its disguise undone in place keeps every readable word, and
            # the classifier reads an encoded surface as noise (a base64 blob scored 0.77
            # radiological): embed the decoded text instead (patterns still read both).
            pieces = []
        for item in derived:
            pieces.extend(cut_segments(item.text))
            alone = long_pieces(item.text)
            asking.update(alone)
            pieces.extend(alone)
            read_lexicon(item.text, f" (in {item.kind})")
            inner = scan(item.text)
            for category, score in inner.scores.items():
                result.scores[category] = max(result.scores.get(category, 0.0), score)
            result.reasons.extend(f"{r} (in {item.kind})" for r in inner.reasons)
        patterns = dict(result.scores)
        reasons.extend(r for r in result.reasons if r not in reasons)
        if not replaced:
            readings.append(view)
        readings.extend(item.text for item in derived)
    else:
        readings.append(text)
    # a segment with no content word (a greeting, "?") is never read by the classifier:
    # it can carry no request, and the head scored "hi" 0.6 as a jailbreak
    return _TextReading(
        lexicon=tuple(lexicon),
        patterns=tuple(patterns.items()),
        reasons=tuple(reasons),
        pieces=tuple(p for p in dict.fromkeys(pieces) if has_content(p)),
        asking=frozenset(asking),
        readings=tuple(readings),
        few_sentences=len(sentences(view)) <= SENTENCE_PIECES,
    )


class _ReadingCache:
    """The readings of recent texts, bounded by their characters (:data:`READING_CACHE_CHARS`).

    A chat resends its whole history every turn, and a coding agent its long instructions:
    read again, each turn's regular expressions over the history cost more than the new
    message's (a five-message conversation's preparation 5 ms on the event loop). A text's
    reading depends on the text alone, so it is kept and the next turn reads only what is
    new. Texts longer than :data:`READING_CACHE_TEXT` are read each time."""

    def __init__(self, chars: int) -> None:
        self.chars = chars
        self._used = 0
        self._items: OrderedDict[tuple[str, str], _TextReading] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str, direction: str) -> _TextReading:
        if len(text) > READING_CACHE_TEXT or self.chars <= 0:
            return _reading_of(text, direction)
        key = (text, direction)
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        reading = _reading_of(text, direction)
        with self._lock:
            if key not in self._items:
                self._items[key] = reading
                self._used += len(text)
                while self._used > self.chars and self._items:
                    (old, _), _ = self._items.popitem(last=False)
                    self._used -= len(old)
        return reading

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._used = 0


# texts up to this long are kept, up to this many characters of them in all (a few MB of
# text and its pieces: the instructions and histories of the chats in flight)
READING_CACHE_TEXT = 64_000
READING_CACHE_CHARS = 2_000_000
_READINGS = _ReadingCache(READING_CACHE_CHARS)


def _read_text(text: str, direction: str) -> _TextReading:
    return _READINGS.get(text, direction)


def prepare(
    texts: list[str],
    *,
    direction: str = "input",
    max_segments: int = 48,
    long_segments: int = 0,
) -> Prepared:
    """Segments to embed for ``texts`` (most important first), plus pattern evidence.

    Inputs are decoded and pattern-scanned; outputs are not (a model's answer that contains
    base64 or quotes an instruction is not an attack), only segmented. The lexicon and the
    patterns read every text whole; when the texts have more segments than ``max_segments``,
    the classifier reads a selection that covers every sentence, up to ``long_segments``
    (default :data:`LONG_INPUT_FACTOR` times ``max_segments``; :func:`_within_budget`).
    """
    prepared = Prepared(direction=direction)
    readings: list[str] = []  # each text, and each decoding, whose segments are read
    seen: set[str] = set()
    short: set[str] = set()  # the segments of texts of a few sentences
    asking: set[str] = set()  # the sentences of long texts read alone (long_pieces)
    pattern_scores: dict[Category, float] = {}
    reasons: list[str] = []
    lexicon: dict[Category, float] = {}
    for text in texts:
        read = _read_text(text, direction)
        for category, score in read.lexicon:
            if score > lexicon.get(category, 0.0):
                lexicon[category] = score
        for category, score in read.patterns:
            pattern_scores[category] = max(pattern_scores.get(category, 0.0), score)
        reasons.extend(r for r in read.reasons if r not in reasons)
        asking.update(read.asking)
        readings.extend(read.readings)
        kept = [p for p in read.pieces if p not in seen]
        seen.update(kept)
        prepared.segments.extend(kept)
        if len(kept) <= 1 or read.few_sentences:
            short.update(kept)
    if len(prepared.segments) > max_segments:
        prepared.segments, prepared.unread = _within_budget(
            readings,
            prepared.segments,
            asking,
            max_segments,
            long_segments or LONG_INPUT_FACTOR * max_segments,
        )
        if prepared.unread:
            reasons.append(
                f"long input: {prepared.unread} sentences past the classifier's budget "
                f"({len(prepared.segments)} segments; the lexicon and the patterns read them)"
            )
    if direction == "input":
        # what a long text says without asking (a report's, a review's sentences): the head,
        # trained on requests, reads such prose as the topic of a harmful request
        prepared.prose = {s for s in prepared.segments if s not in short and not asks(s)}
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


def _values(
    prepared: Prepared, probs: np.ndarray, matrix: np.ndarray
) -> tuple[dict[Category, float], dict[Category, Stage], int]:
    values: dict[Category, float] = {}
    stages: dict[Category, Stage] = {}
    top_segment = -1
    # each category's maximum over the segments, in one pass (a maximum is exact in any order)
    most = matrix.max(axis=0).tolist() if matrix.shape[0] else []
    if matrix.shape[0]:
        harm_mass = probs[:, _HARM_IDX].sum(axis=1)
        top_segment = int(np.argmax(harm_mass))
        for category in HARM:
            head = most[_INDEX[category.value]]
            rule = prepared.lexicon_scores.get(category, 0.0)
            values[category] = 1.0 - (1.0 - head) * (1.0 - rule)
            stages[category] = Stage.LEXICON if rule > head else Stage.CLASSIFIER
        allowed = _INDEX[Category.ALLOWED_DUAL_USE.value]
        values[Category.ALLOWED_DUAL_USE] = float(probs[top_segment, allowed])
        stages[Category.ALLOWED_DUAL_USE] = Stage.CLASSIFIER
    if prepared.direction == "input":
        for category in ATTACK:
            head = most[_INDEX[category.value]] if matrix.shape[0] else 0.0
            head *= HEAD_ATTACK_WEIGHT
            pattern = prepared.pattern_scores.get(category, 0.0)
            values[category] = 1.0 - (1.0 - pattern) * (1.0 - head)
            stages[category] = Stage.PATTERNS if pattern >= head else Stage.CLASSIFIER
    return values, stages, top_segment


def combine(prepared: Prepared, probs: np.ndarray) -> Scores:
    """Per-category scores from the head's per-segment probabilities and the patterns; and,
    when some segments are prose of a long text that asks nothing (``prepared.prose``), the
    same scores from the other segments alone (``Scores.asked``)."""
    matrix = category_matrix(probs)
    values, stages, top_segment = _values(prepared, probs, matrix)
    asked = None
    if prepared.prose and matrix.shape[0]:
        rows = [i for i, s in enumerate(prepared.segments) if s not in prepared.prose]
        if len(rows) < matrix.shape[0]:
            asked, _, _ = _values(prepared, probs[rows], matrix[rows])
            if not rows:  # no segment asks: the lexicon's and the patterns' evidence alone
                for category in HARM:
                    asked[category] = prepared.lexicon_scores.get(category, 0.0)
                asked[Category.ALLOWED_DUAL_USE] = values.get(Category.ALLOWED_DUAL_USE, 0.0)
    return Scores(
        values=values,
        stages=stages,
        reasons=list(prepared.reasons),
        top_segment=top_segment,
        unread=prepared.unread,
        asked=asked,
    )
