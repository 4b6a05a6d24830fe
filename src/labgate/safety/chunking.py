"""Cut texts into the segments the embedder scores.

The sentence-embedding model reads at most 256 word pieces and averages meaning over all of
them, so a harmful request at the end of a 600-word jailbreak template is both cut off and
drowned out. Scoring overlapping windows of a few sentences and taking the maximum per harm
category keeps one harmful sentence visible wherever it sits. Training uses the same cutter,
so the head learns on the kind of segments it is later shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from labgate.safety.calls import (
    CALL_PROSE_WORDS,
    CALL_ROLE,
    CALL_VIEW_ROLE,
    DATA_ROLE,
    RESULT_ROLES,
    call_prose,
    call_view,
    calls_of,
    exchange_calls,
    result_data,
    result_prose,
)
from labgate.visible import DOCUMENT_ROLE, content_text

# A sentence ends at a full stop and a space, a line break, or a full stop of Chinese or
# Japanese (。！？, written without a space after them) or Arabic (؟).
_SENTENCE_END = re.compile(r"(?<=[.!?:;؟])\s+|(?<=[。！？])\s*|\n+")
_TOKEN = re.compile(r"\w+|[^\w\s]")
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

SEGMENT_WORDS = 48
STRIDE_SENTENCES = 1
# The conversation view: the newest user turn read together with up to this many earlier user
# turns (newest first), and at most this many words of them in all.
CONTEXT_TURNS = 3
CONTEXT_WORDS = 64
CONVERSATION_ROLE = "conversation"
TURN_SEPARATOR = " || "


def count_tokens(text: str) -> int:
    """Approximate tokens: words and punctuation marks (close to word pieces for English)."""
    return len(_TOKEN.findall(text))


def tail_tokens(text: str, n: int) -> str:
    """The last ``n`` approximate tokens of ``text``, cut at a token boundary."""
    matches = list(_TOKEN.finditer(text))
    if len(matches) <= n:
        return text
    return text[matches[-n].start() :]


def sentences(text: str) -> list[str]:
    parts = [p.strip() for p in _SENTENCE_END.split(text)]
    return [p for p in parts if p]


def word_count(text: str) -> int:
    """Words for cutting: words between spaces, and a Chinese or Japanese run (written without
    spaces) as one word per two characters, so a page of Chinese is as long as it reads (as
    one word it was embedded whole, and the model reads only its first 256 word pieces)."""
    cjk = len(_CJK.findall(text))
    if not cjk:
        return len(text.split())
    return len(_CJK.sub(" ", text).split()) + (cjk + 1) // 2


def _long_sentence_windows(sentence: str, max_words: int) -> list[str]:
    """A sentence longer than a window, cut into windows of ``max_words`` words (half
    overlapping); one written without spaces (Chinese, Japanese), into windows of twice as
    many characters."""
    step = max_words // 2
    sw = sentence.split()
    if len(sw) * 2 >= word_count(sentence):
        return [" ".join(sw[i : i + max_words]) for i in range(0, len(sw), step)]
    size = 2 * max_words
    return [sentence[i : i + size] for i in range(0, len(sentence), size // 2)]


def pieces_of(text: str, max_words: int = SEGMENT_WORDS) -> list[str]:
    """The sentences of ``text``, a sentence longer than ``max_words`` cut into windows."""
    pieces: list[str] = []
    for sentence in sentences(text):
        if word_count(sentence) <= max_words:
            pieces.append(sentence)
        else:
            pieces.extend(_long_sentence_windows(sentence, max_words))
    return pieces


def window_at(pieces: list[str], start: int, max_words: int = SEGMENT_WORDS) -> tuple[str, int]:
    """The window of whole pieces that starts at ``start``, and the index after its end."""
    window: list[str] = []
    count = 0
    end = start
    for piece in pieces[start:]:
        n = word_count(piece)
        if window and count + n > max_words:
            break
        window.append(piece)
        count += n
        end += 1
    return " ".join(window), end


def segments(text: str, max_words: int = SEGMENT_WORDS) -> list[str]:
    """The whole text when short; else windows of whole sentences up to ``max_words`` words.

    Windows start at every sentence, so each sentence appears at the start of one window and
    a sentence longer than the window is itself cut into word windows.
    """
    text = text.strip()
    if not text:
        return []
    if word_count(text) <= max_words:
        return [text]
    pieces = pieces_of(text, max_words)
    out: list[str] = []
    for i in range(0, len(pieces), STRIDE_SENTENCES):
        joined, _ = window_at(pieces, i, max_words)
        if not out or joined not in out[-1]:
            out.append(joined)
    return out


def spread_order(n: int) -> list[int]:
    """``0 .. n-1`` in an order whose every prefix is spread over the range (0, n/2, n/4,
    3n/4, ...): a budget that runs out leaves gaps spread evenly, not one unread end."""
    order: list[int] = []
    taken: set[int] = set()
    step = 1
    while step < n:
        step *= 2
    while step >= 1:
        for k in range(0, n, step):
            if k not in taken:
                taken.add(k)
                order.append(k)
        step //= 2
    return order


def conversation_view(user_turns: list[str]) -> str | None:
    """The user's turns read as one request: the newest turn with the earlier ones before it as
    context, or None when there is only one turn.

    A harmless opener followed by "now how would I do that at scale without being noticed?"
    asks for uplift that neither turn asks for alone; the classifier reads this view like any
    text (trained on such conversations, :mod:`labgate.safety.training`), besides each turn
    alone. The last turn is kept whole; earlier turns fill what remains of
    :data:`CONTEXT_WORDS`, newest first, cut at the front.
    """
    turns = [" ".join(t.split()) for t in user_turns if t.strip()]
    if len(turns) < 2:
        return None
    last = turns[-1]
    budget = CONTEXT_WORDS - len(last.split())
    context: list[str] = []
    for turn in reversed(turns[-1 - CONTEXT_TURNS : -1]):
        if budget <= 0:
            break
        words = turn.split()
        context.insert(0, " ".join(words[-budget:]))
        budget -= len(words)
    return " ".join([*context, last])


def message_texts(
    messages: Iterable[Mapping[str, Any]], documents: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """``(role, text)`` of the messages and retrieval documents the model reads
    (:mod:`labgate.visible`): the latest user message first, then the documents, then the
    other turns in order.

    When the user has spoken more than once, the conversation view
    (:func:`conversation_view`) follows the newest turn: the intent of the whole exchange, as
    well as each turn alone.

    The caller's newest turn, and what it gives the model to read, are screened first so that
    when a long conversation exceeds the segment budget, it is older turns that are cut, never
    the request being made now. Earlier "assistant" turns are screened too (their tool calls
    included): the client sends them, so they can be fabricated (many-shot jailbreaks put
    invented compliant answers there). Tool definitions are screened apart
    (:meth:`labgate.safety.screen.SafetyScreen.check_input`).

    Tool calls are read as operations, in words (:mod:`labgate.safety.calls`): each call alone
    (role :data:`~labgate.safety.calls.CALL_ROLE`, screened apart under the definitions rule),
    and the calls of the newest turn's exchange together with that turn (role
    :data:`~labgate.safety.calls.CALL_VIEW_ROLE`, right after the conversation view, screened
    as a message: the intent is the user's, the call supplies its object). A tool's result
    that is JSON is read as its keys and values in words (role
    :data:`~labgate.safety.calls.DATA_ROLE`, apart too), and each of its string values that
    reads as prose is screened as a message, as any other result is
    (:func:`~labgate.safety.calls.result_prose`).
    """
    listed = list(messages)
    found: list[tuple[str, str]] = []
    for message in listed:
        role = str(message.get("role", "user"))
        text = content_text(message.get("content"))
        data = result_data(text) if role in RESULT_ROLES else None
        if data is None:
            found.append((role, text))
        else:  # the data apart; its prose strings as the messages they are
            found.append((DATA_ROLE, data))
            found += [(role, prose) for prose in result_prose(text)]
        for name, arguments in calls_of(message):
            found.append((CALL_ROLE, call_prose(name, arguments)))
            # an argument that reads as prose is text the client wrote, screened as a message
            # (padded with an agenda, a request in a call's "text" was read only inside the
            # call's one sentence, drowned out, and allowed)
            found += [(role, prose) for prose in result_prose(arguments, CALL_PROSE_WORDS)]
    found = [(role, text) for role, text in found if text.strip()]
    users = [text for role, text in found if role == "user"]
    last_user = max((i for i, (r, _) in enumerate(found) if r == "user"), default=None)
    first = [found.pop(last_user)] if last_user is not None else []
    view = conversation_view(users)
    if view is not None:
        first.append((CONVERSATION_ROLE, view))
    if first:
        with_calls = call_view(first[0][1], *exchange_calls(listed))
        if with_calls is not None:
            first.append((CALL_VIEW_ROLE, with_calls))
    first += [(DOCUMENT_ROLE, text) for text in documents if text.strip()]
    return first + found
