"""Undo the disguises jailbreaks use, so the decoded text can be screened like any other.

An attacker who writes the harmful part of a request in a disguise (base64, letters spaced out,
leetspeak, Cyrillic look-alikes, ROT13 "decode this", reversed text, Morse…) hides it from a
classifier that reads only the surface. :func:`derived_texts` returns each plausible decoding;
the screen embeds them alongside the original (each is screened like the original: patterns,
uplift lexicon, classifier), and the disguise itself is weak jailbreak evidence
(:data:`labgate.safety.patterns.OBFUSCATION_WEIGHTS`).

Two steps:

1. **Normalise** (:func:`normalise`): drop zero-width and bidi control characters and stray
   combining marks, apply NFKC (fullwidth and mathematical letters become plain ones) and fold
   Cyrillic and Greek look-alikes inside Latin words (``ѕаrіn`` → ``sarin``). The decoders below
   read the normalised text.
2. **Decode**: base64, base32, hex (runs, ``\\x`` and ``0x`` escapes), url-encoding, HTML
   entities, ``\\u`` escapes, binary and decimal character codes, Morse, ROT-N (every shift,
   chosen by what reads as English), reversed text and reversed words, letters spaced, dotted or
   hyphenated out (``h o w  t o``, ``m-a-k-e``, ``s.a.r.i.n``), leetspeak (``m4k3``,
   ``$@r1n``, ``|\\|``), pig latin, upside-down text (``¿ʇı ǝʞɐɯ ı op ʍoɥ``), the spoken
   letter games (javanais ``bavonjavour``, Ubbi Dubbi, jerigonza ``hopolapa``,
   Rövarspråket), and payload splitting (``a = "make sa"; b = "rin"; a + b``). Letters written
   as emoji or enclosed letters (``🇸 🇦 🇷 🇮 🇳``, ``🅷🅾🆆``) are folded while normalising.
   One level of nesting is undone too (base64 of ROT13, reversed leetspeak).

A decoding is kept only when it reads better than what it came from (more common words of one
of eight languages, :func:`reading_ratio`: English, French, German, Spanish, Russian and Arabic
by word lists, Chinese and Japanese by known words of two characters or more, so a reversed
Arabic ask or base64 of UTF-8 Japanese counts as well as English), or is clearly an encoding of
printable text: a SHA-256, a DNA sequence, a SMILES string or a base64 blob of binary data yields
nothing, and benign encodings that do decode (a base64 config line) are screened as the benign
text they are. Every decoding costs one more
embedding, so decodings are capped (:data:`MAX_DERIVED`). Everything here is plain string work
(microseconds to a millisecond on a long text), no model.

The code is split by idea: :mod:`~labgate.safety.decoding_base` (what the decoders share),
:mod:`~labgate.safety.decoding_normalise`, :mod:`~labgate.safety.decoding_encodings` (and
Morse), :mod:`~labgate.safety.decoding_ciphers` (ROT-N, reversals) and
:mod:`~labgate.safety.decoding_games` (spacing, leetspeak, pig latin),
:mod:`~labgate.safety.decoding_playful` (upside-down text, javanais and the other spoken letter
games); this module holds
payload splitting and :func:`derived_texts`, which runs them all.
"""

from __future__ import annotations

import re

from labgate.safety.chunking import sentences, spread_order
from labgate.safety.decoding_base import (
    SCAN_CHARS,
    Derived,
    _reads_better,
    english_ratio,
)
from labgate.safety.decoding_ciphers import _reversals, _rot
from labgate.safety.decoding_encodings import _decode_morse, _encodings
from labgate.safety.decoding_games import _leetspeak, _pig_latin, _spaced
from labgate.safety.decoding_normalise import normalise
from labgate.safety.decoding_playful import _TURNED_CHAR, _playful
from labgate.safety.reading import reading_ratio
from labgate.safety.reframing import only_the_frame_removed, unframe

# Names other modules and the tests import from here.
__all__ = [
    "MAX_DEPTH",
    "MAX_DERIVED",
    "SCAN_CHARS",
    "UNFRAME_CHARS",
    "Derived",
    "derived_texts",
    "english_ratio",
    "normalise",
    "reading_ratio",
    "_reversals",
]

MAX_DERIVED = 10
MAX_DEPTH = 2
# Only a text this short is taken out of a frame: a frame matters where the request is short.
UNFRAME_CHARS = 4_000


_ASSIGNMENT = re.compile(
    r"(?:\b(?:let|var|const|set)\s+)?\b([A-Za-z_]\w{0,15})\s*(?:=|:=|is)\s*([\"'“”‘’])(.*?)[\"'“”‘’]"
)
_CONCAT = re.compile(r"\b([A-Za-z_]\w{0,15})(?:\s*\+\s*[A-Za-z_]\w{0,15})+")


_MARKUP_TAG = re.compile(r"<[A-Za-z_][^<>]{0,2000}>")


def _split_payload(text: str) -> str | None:
    """Fragments assigned to variables and then joined (``a = "how to"; b = "..."; a + b``).
    Attributes inside markup tags (``<entry access="read">``) are no assignments, and without
    a concatenation naming them, the fragments are joined only when they are phrases (two or
    more of them hold a space): one-word values (``type="managed"``, JSON, config) are data."""
    values: dict[str, str] = {}
    for name, _quote, value in _ASSIGNMENT.findall(_MARKUP_TAG.sub(" ", text)):
        values[name] = value
    if len(values) < 2:
        return None
    for match in _CONCAT.finditer(text):
        names = [n.strip() for n in match.group(0).split("+")]
        if all(n in values for n in names):
            return "".join(values[n] for n in names)
    if sum(" " in v.strip() for v in values.values()) < 2:
        return None
    return "".join(values.values())


def _decodings(text: str) -> list[Derived]:
    out = _encodings(text)
    morse = _decode_morse(text)
    if morse:
        out.append(Derived("morse", morse, whole=True))
    split = _split_payload(text)
    if split:
        out.append(Derived("payload_splitting", split))
    out.extend(_letter_games(text))
    return out


def _letter_games(text: str) -> list[Derived]:
    """The brute-force decoders (ROT-N, reversal, spacing, leetspeak, pig latin, upside-down
    text, javanais and the other spoken letter games), which read the first
    :data:`SCAN_CHARS` characters of ``text``."""
    out = [*_rot(text), *_reversals(text)]
    for found in (_spaced(text), _leetspeak(text), _pig_latin(text)):
        if found:
            out.append(found)
    out.extend(_playful(text))
    return out


def _far_candidates(text: str) -> str | None:
    """The sentences of a long text past its first :data:`SCAN_CHARS` characters that do not
    read as language (what a letter game leaves), one a line, at most ``SCAN_CHARS`` of them,
    spread over the text: so the brute-force decoders, bounded to that many characters, read
    a disguised ask wherever it stands. A reversed, spaced-out or leetspeak ask at the end of
    a 12,000-character tool result was read by nothing that could block it (allowed, or
    flagged as noise). Ordinary sentences (a log's, a report's) read as language and are left
    out; so is a text none of whose far sentences is a candidate."""
    if len(text) <= SCAN_CHARS:
        return None
    start = text.rfind("\n", 0, SCAN_CHARS - 400)
    far = sentences(text[max(start, SCAN_CHARS - 400) :])
    found = [
        i
        for i, s in enumerate(far)
        if sum(ch.isalpha() for ch in s) >= 8 and reading_ratio(s, 2) < 0.3
    ]
    if not found:
        return None
    taken: list[int] = []
    size = 0
    for j in spread_order(len(found)):
        if size + len(far[found[j]]) > SCAN_CHARS:
            continue
        taken.append(found[j])
        size += len(far[found[j]]) + 1
    return "\n".join(far[i] for i in sorted(taken)) or None


# Decodings whose output may hide a second layer worth one more pass.
_NESTABLE = frozenset(
    {
        "base64",
        "base32",
        "hex",
        "url",
        "html_entities",
        "unicode_escapes",
        "binary",
        "char_codes",
        "morse",
        "reversed",
        "spaced",
        "cjk_joined",
    }
)


def derived_texts(text: str, *, depth: int = MAX_DEPTH) -> list[Derived]:
    """Every plausible decoding of ``text`` (possibly none), most specific first, at most
    :data:`MAX_DERIVED`."""
    out: list[Derived] = []
    seen = {text}

    def keep(item: Derived) -> bool:
        if item.text in seen or not item.text.strip() or len(out) >= MAX_DERIVED:
            return False
        seen.add(item.text)
        out.append(item)
        return True

    normal, kinds = normalise(text)
    if kinds:
        keep(Derived("+".join(kinds), normal, whole=True))
    unframed = unframe(normal) if len(normal) <= UNFRAME_CHARS else None
    if unframed:
        # a request taken out of its frame (past tense, fiction, JSON only, a persona...)
        keep(Derived("unframed", unframed, whole=only_the_frame_removed(normal, unframed)))
    for item in _decodings(normal):
        if keep(item) and depth > 1 and item.kind.split("+")[0] in _NESTABLE:
            for inner in derived_texts(item.text, depth=depth - 1):
                # a second layer counts only when it reads better than the text itself
                if inner.kind != item.kind and _reads_better(inner.text, text, gain=0.1):
                    keep(
                        Derived(f"{item.kind}+{inner.kind}", inner.text, item.whole and inner.whole)
                    )
    far = _far_candidates(normal)
    if far:
        # past the first SCAN_CHARS: the sentences that do not read, decoded (never whole:
        # the rest of the text is read as written)
        for item in _letter_games(far):
            keep(Derived(item.kind, item.text, whole=False))
    return _without_half_turned(out)


def _without_half_turned(out: list[Derived]) -> list[Derived]:
    """Upside-down text read as such, the other readings that still hold its turned letters
    go: folding look-alikes ("ı" to "i") in a turned text leaves it turned, a string of
    letters no language writes, which the classifier scores as noise (turned "are you in the
    lab today?" folded read 0.65 radiological beside the obfuscation evidence)."""
    if not any(item.kind.startswith("upside_down") for item in out):
        return out
    return [
        item
        for item in out
        if item.kind.startswith("upside_down") or len(_TURNED_CHAR.findall(item.text)) < 3
    ]
