"""What the decoders of :mod:`labgate.safety.decoding` share: :class:`Derived` (one decoding),
whether a decoding reads better than what it came from, and a few ways of counting letters and
words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from labgate.safety.reading import COMMON_WORDS, reading_ratio

# Decoders read at most this much of a text (brute-force ones: ROT-N, reversal, letter games).
SCAN_CHARS = 6_000

_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True, slots=True)
class Derived:
    """One decoding of (part of) a text: ``kind`` says which disguise was undone ("+" joins
    several found at once, e.g. ``invisible+homoglyph``)."""

    kind: str
    text: str
    # The whole text with its disguise undone in place (every readable word kept): the screen
    # embeds this instead of the original, whose encoded surface the classifier cannot read.
    whole: bool = False


def english_ratio(text: str, min_len: int = 1) -> float:
    """Share of words that are common English words: a cheap 'does this read as English'.
    ``min_len`` 2 ignores one-letter words (a cipher makes "a" and "i" by chance)."""
    words = [w.lower() for w in _WORD.findall(text) if len(w) >= min_len]
    if not words:
        return 0.0
    return sum(w in COMMON_WORDS for w in words) / len(words)


def _reads_better(
    new: str, old: str, floor: float = 0.25, gain: float = 0.15, min_len: int = 1
) -> bool:
    ratio = reading_ratio(new, min_len)
    return ratio >= floor and ratio >= reading_ratio(old, min_len) + gain


_LETTER = re.compile(r"[^\W\d_]")
_SPACE = re.compile(r"\s")


def _mostly_letters(text: str, share: float = 0.75) -> bool:
    chars = len(text) - len(_SPACE.findall(text))
    return chars > 0 and len(_LETTER.findall(text)) >= share * chars


_TOKEN = re.compile(r"\w+")
_ASCII_LETTER = re.compile(r"[A-Za-z]")


def _ascii_letters(text: str) -> int:
    return len(_ASCII_LETTER.findall(text))
