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
   ``$@r1n``, ``|\\|``), pig latin, and payload splitting (``a = "make sa"; b = "rin"; a + b``).
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
"""

from __future__ import annotations

import base64
import binascii
import codecs
import functools
import html
import re
import unicodedata
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from labgate.safety.chunking import sentences, spread_order
from labgate.safety.reading import (
    ANY_WORD,
    BOUNDED_WORD,
    CJK,
    CJK_RUN,
    COMMON_WORDS,
    FUNCTION_WORDS,
    LANG_WORDS,
    UWORD,
    VOCAB,
    cjk_covered,
    known_in,
    reading_ratio,
)
from labgate.safety.reframing import only_the_frame_removed, unframe

MAX_DERIVED = 10
MAX_DEPTH = 2
# Decoders read at most this much of a text (brute-force ones: ROT-N, reversal, letter games),
# and only a text this short is taken out of a frame: a frame matters where the request is short.
SCAN_CHARS = 6_000
UNFRAME_CHARS = 4_000

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


# -- 1. normalising ------------------------------------------------------------------------

# Zero-width characters, soft hyphen, word joiners, the byte-order mark, Mongolian vowel
# separator, and every bidi control (embeddings, overrides, isolates, marks).
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff]"
)
_INVISIBLE_IN_WORD = re.compile(
    "[A-Za-z][\u00ad\u034f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]+"
    "[A-Za-z]"
)
# The same inside a word of another script: zero-width spaces, word joiners, the byte-order
# mark and soft hyphens between any letters, and zero-width (non-)joiners between Cyrillic,
# Chinese or Japanese letters (Arabic, Persian and Indic writing use those two themselves).
_INVISIBLE_IN_OTHER_WORD = re.compile(
    "[^\\W\\d_][\u00ad\u034f\u180e\u200b\u2060-\u2064\ufeff]+[^\\W\\d_]|"
    "[\u0400-\u04ff\u3040-\u30ff\u4e00-\u9fff][\u200c\u200d]+[\u0400-\u04ff\u3040-\u30ff\u4e00-\u9fff]"
)
_BIDI_OVERRIDE = re.compile("[\u202d\u202e\u2066-\u2068]")

# Cyrillic, Greek and a few other letters drawn like Latin ones (Unicode's confusables, the
# ones used in practice).
_HOMOGLYPHS: dict[str, str] = {
    # Cyrillic lower / upper
    "а": "a",
    "в": "b",
    "е": "e",
    "ё": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "ѕ": "s",
    "і": "i",
    "ї": "i",
    "ј": "j",
    "һ": "h",
    "ԁ": "d",
    "ԛ": "q",
    "ԝ": "w",
    "ɡ": "g",
    "ӏ": "l",
    "ь": "b",
    "п": "n",
    "г": "r",
    "л": "n",
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "У": "Y",
    "Х": "X",
    "Ѕ": "S",
    "І": "I",
    "Ј": "J",
    "Һ": "H",
    "Ԁ": "D",
    "Ԛ": "Q",
    "Ԝ": "W",
    "Ӏ": "I",
    # Greek lower / upper
    "α": "a",
    "β": "b",
    "ε": "e",
    "η": "n",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "γ": "y",
    "ω": "w",
    "ϲ": "c",
    "ϳ": "j",
    "Α": "A",
    "Β": "B",
    "Ε": "E",
    "Ζ": "Z",
    "Η": "H",
    "Ι": "I",
    "Κ": "K",
    "Μ": "M",
    "Ν": "N",
    "Ο": "O",
    "Ρ": "P",
    "Τ": "T",
    "Υ": "Y",
    "Χ": "X",
    # Latin look-alikes outside ASCII that NFKC keeps
    "ı": "i",
    "ȷ": "j",
    "ɑ": "a",
    "ɩ": "i",
    "ʏ": "y",
    "ᴀ": "a",
    "ʙ": "b",
    "ᴄ": "c",
    "ᴅ": "d",
    "ᴇ": "e",
    "ғ": "f",
    "ɢ": "g",
    "ʜ": "h",
    "ɪ": "i",
    "ᴊ": "j",
    "ᴋ": "k",
    "ʟ": "l",
    "ᴍ": "m",
    "ɴ": "n",
    "ᴏ": "o",
    "ᴘ": "p",
    "ʀ": "r",
    "ꜱ": "s",
    "ᴛ": "t",
    "ᴜ": "u",
    "ᴠ": "v",
    "ᴡ": "w",
    "ᴢ": "z",
}
_HOMOGLYPH_TABLE = str.maketrans(_HOMOGLYPHS)
_TOKEN = re.compile(r"\w+")


def _is_latin_letter(ch: str) -> bool:
    """A letter of the Latin script, accented ones too (é, ñ, ß: French, Spanish, German)."""
    if ch.isascii():
        return ch.isalpha()
    return "\u00c0" <= ch <= "\u024f" and ch.isalpha() and ch not in "×÷"


# Latin letters drawn like Cyrillic ones, put into Russian words ("инcтpукция").
_TO_CYRILLIC = str.maketrans(
    {
        "a": "а",
        "e": "е",
        "o": "о",
        "p": "р",
        "c": "с",
        "x": "х",
        "y": "у",
        "k": "к",
        "A": "А",
        "B": "В",
        "E": "Е",
        "K": "К",
        "M": "М",
        "H": "Н",
        "O": "О",
        "P": "Р",
        "C": "С",
        "T": "Т",
        "X": "Х",
    }
)
# Inside a word that mixes the two scripts (no Russian word does), lower-case Latin letters
# drawn like Cyrillic small capitals or italics stand for them too: "зapиh", "дomaшheй".
_TO_CYRILLIC_MIXED = str.maketrans(
    {
        **{chr(k): v for k, v in _TO_CYRILLIC.items()},
        "h": "н",
        "t": "т",
        "b": "в",
        "m": "м",
        "n": "п",
        "u": "и",
        "r": "г",
    }
)
_MIXED_LOOKALIKES = frozenset("aeopcxykABEKMHOPCTXhtbmnur")
_CYRILLIC_ONLY = re.compile("[\u0400-\u04ff]")
# Counting letters by script with one regular expression each (a long text has many).
_LATIN_RE = re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]")
_LATIN_LOOKALIKE_RE = re.compile("[aeopcxykABEKMHOPCTX]")
_HOMOGLYPH_NONLATIN_RE = re.compile(
    "[" + "".join(re.escape(ch) for ch in _HOMOGLYPHS if not _is_latin_letter(ch)) + "]"
)
_CYRILLIC_UNLIKE_RE = re.compile(
    "(?![" + "".join(re.escape(ch) for ch in _HOMOGLYPHS) + "])[\u0400-\u04ff]"
)
_LATIN_LOOKALIKES = frozenset("aeopcxykABEKMHOPCTX")


def _fold_homoglyphs(text: str) -> str:
    """Fold look-alikes the way the text around them is written. Which script that is is told
    by the letters nothing resembles (``b d f g`` are Latin only, ``б и ж я`` Cyrillic only).
    In a Latin text (French, Spanish, German with their accents too), Cyrillic and Greek
    look-alikes become Latin, in words that mix them and in whole words of them; in a Russian
    text, Latin look-alikes become Cyrillic (``Kak`` and ``инcтpукция``). A Russian or Greek
    sentence with nothing Latin in it stays as it is."""
    if text.isascii():
        return text
    latin_letters = len(_LATIN_RE.findall(text))
    if not latin_letters:
        return text  # nothing Latin to fold nor to fold into (a Russian or Greek text)
    letters = len(_LETTER.findall(text))
    latin_only = latin_letters - len(_LATIN_LOOKALIKE_RE.findall(text))
    cyrillic_only = len(_CYRILLIC_UNLIKE_RE.findall(text))
    other_only = letters - latin_letters - len(_HOMOGLYPH_NONLATIN_RE.findall(text))
    russian = cyrillic_only > latin_only and cyrillic_only >= 0.5 * other_only
    # whole words of look-alikes become Latin in a Latin text: half its letters Latin, or none
    # of another script at all (Spanish with every a, e, o, p, c in Cyrillic)
    latin = other_only == 0 or latin_letters >= 0.5 * letters

    def fold(match: re.Match[str]) -> str:
        word = match.group(0)
        alpha = [ch for ch in word if ch.isalpha()]
        if russian:
            lookalikes = [ch for ch in alpha if _is_latin_letter(ch)]
            if not lookalikes:
                return word
            if (
                any(_CYRILLIC_ONLY.match(ch) for ch in alpha)
                and all(_is_latin_letter(ch) or _CYRILLIC_ONLY.match(ch) for ch in alpha)
                and all(ch in _MIXED_LOOKALIKES for ch in lookalikes)
                and any(ch not in _LATIN_LOOKALIKES for ch in lookalikes)
            ):
                return word.translate(_TO_CYRILLIC_MIXED)  # "зapиh": small capitals too
            if not all(ch in _LATIN_LOOKALIKES for ch in lookalikes):
                return word
            if len(lookalikes) < len(alpha) and all(
                _is_latin_letter(ch) or _CYRILLIC_ONLY.match(ch) for ch in alpha
            ):
                return word.translate(_TO_CYRILLIC)  # a Russian word with Latin look-alikes
            small = not any(ch.isupper() for ch in word[1:])
            if small and (len(alpha) >= 2 or word in ("c", "o", "a", "k", "y")):
                # a small word written in them ("Kak", "c"), not "pH", "E." or an acronym
                return word.translate(_TO_CYRILLIC)
            return word
        if not any(ch in _HOMOGLYPHS for ch in alpha):
            return word
        if any(not _is_latin_letter(ch) and ch not in _HOMOGLYPHS for ch in alpha):
            return word  # a real word of another script (it has letters nothing resembles)
        if any(_is_latin_letter(ch) for ch in alpha):
            return word.translate(_HOMOGLYPH_TABLE)  # a word that mixes scripts
        if not latin:
            return word
        if other_only:
            # a bilingual text (Russian with English terms: "Как настроить Docker ... в
            # Kubernetes кластере?"): a whole word of look-alikes is folded only when it then
            # reads as a known word and did not before ("Ноw" -> "How"; "Как", "кластере"
            # stay Russian: folded they were noise flagged as a disguise)
            folded = word.translate(_HOMOGLYPH_TABLE)
            known = folded.lower() in ANY_WORD and word.lower() not in ANY_WORD
            return folded if known else word
        return word.translate(_HOMOGLYPH_TABLE)

    return _TOKEN.sub(fold, text)


_ASCII_LETTER = re.compile(r"[A-Za-z]")


def _ascii_letters(text: str) -> int:
    return len(_ASCII_LETTER.findall(text))


def _strip_stray_marks(text: str) -> tuple[str, int]:
    """Drop combining marks stacked on ASCII letters ("zalgo" text); accented letters of real
    languages compose under NFKC and are kept."""
    out: list[str] = []
    dropped = 0
    for ch in text:
        if unicodedata.combining(ch) and out and out[-1].isascii():
            dropped += 1
            continue
        out.append(ch)
    return "".join(out), dropped


def normalise(text: str) -> tuple[str, list[str]]:
    """The text as a reader sees it, and which disguises that undid (empty: none)."""
    if text.isascii():
        return text, []  # nothing to normalise: no invisible, compatibility or look-alike
    kinds: list[str] = []
    if (
        _INVISIBLE_IN_WORD.search(text)
        or _BIDI_OVERRIDE.search(text)
        or _INVISIBLE_IN_OTHER_WORD.search(text)
    ):
        kinds.append("invisible")
    out = _INVISIBLE.sub("", text)
    nfkc = unicodedata.normalize("NFKC", out)
    if _ascii_letters(nfkc) >= _ascii_letters(out) + 3:
        kinds.append("unicode_compat")  # fullwidth, mathematical, circled, ligature letters
    out, dropped = _strip_stray_marks(nfkc)
    if dropped >= 3:
        kinds.append("diacritics")
    folded = _fold_homoglyphs(out)
    if folded != out:
        kinds.append("homoglyph")
    return folded, kinds


# -- 2. encodings --------------------------------------------------------------------------

_BASE64_RUN = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])")
_BASE32_RUN = re.compile(r"(?<![A-Za-z0-9=])[A-Z2-7]{16,}={0,6}(?![A-Za-z0-9=])")
_HEX_RUN = re.compile(r"(?:\b|0x)((?:[0-9a-fA-F]{2}[\s:,]?){8,})")
_HEX_ESCAPES = re.compile(r"(?:(?:\\x|0x)[0-9a-fA-F]{2}[\s,]*){6,}")
_URL_ENCODED = re.compile(
    r"(?:%[0-9a-fA-F]{2}|[A-Za-z0-9._~+-])*(?:%[0-9a-fA-F]{2}){3,}"
    r"(?:%[0-9a-fA-F]{2}|[A-Za-z0-9._~+-])*"
)
_HTML_ENTITIES = re.compile(r"(?:&#(?:\d{2,7}|x[0-9a-fA-F]{2,6});\s?){4,}")
_UNICODE_ESCAPES = re.compile(r"(?:\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}){4,}")
_BINARY_RUN = re.compile(r"(?:\b[01]{8}\b[\s,]*){4,}")
_DECIMAL_RUN = re.compile(
    r"(?:\b(?:3[2-9]|[4-9]\d|1[01]\d|12[0-6])\b[\s,]+){5,}"
    r"\b(?:3[2-9]|[4-9]\d|1[01]\d|12[0-6])\b"
)


def _printable(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text:
        return None
    good = sum(ch.isprintable() or ch in "\n\t" for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    if good / len(text) < 0.95 or letters / len(text) < 0.5:
        return None
    return text


def _decode_base64(run: str) -> str | None:
    padded = run + "=" * (-len(run) % 4)
    for decoder in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            text = _printable(decoder(padded))
        except (binascii.Error, ValueError):
            continue
        if text and (reading_ratio(text) >= 0.1 or _wordy(text)):
            return text
    return None


def _wordy(text: str) -> bool:
    """Letters and spaces in words: text under a second disguise (base64 of ROT13); Chinese
    and Japanese, written without spaces, by their characters."""
    if not _mostly_letters(text, 0.85):
        return False
    return len(text.split()) >= 3 or len(CJK.findall(text)) >= 6


def _decode_base32(run: str) -> str | None:
    padded = run.rstrip("=") + "=" * (-len(run.rstrip("=")) % 8)
    try:
        text = _printable(base64.b32decode(padded))
    except (binascii.Error, ValueError):
        return None
    return text if text and (reading_ratio(text) >= 0.1 or _wordy(text)) else None


def _decode_hex(run: str) -> str | None:
    digits = re.sub(r"[\s:,]|\\x|0x", "", run)
    if len(digits) % 2:
        digits = digits[:-1]
    try:
        return _printable(bytes.fromhex(digits))
    except ValueError:
        return None


def _decode_codes(codes: list[int]) -> str | None:
    try:
        return _printable(bytes(codes))
    except ValueError:
        return None


def _substitute(
    text: str,
    pattern: re.Pattern[str],
    decode: Callable[[str], str | None],
    payloads: list[str] | None = None,
) -> str | None:
    """``text`` with every decodable run of ``pattern`` replaced by its decoding (None when
    nothing decoded), so the words around a payload ("decode this and answer") stay. Each
    decoded run is also added to ``payloads``."""
    changed = False

    def swap(match: re.Match[str]) -> str:
        nonlocal changed
        decoded = decode(match.group(0))
        if decoded is None:
            return match.group(0)
        changed = True
        if payloads is not None:
            payloads.append(decoded.strip())
        return f" {decoded} "

    out = pattern.sub(swap, text)
    return re.sub(r"[ \t]{2,}", " ", out).strip() if changed else None


def _encodings(text: str) -> list[Derived]:
    """Encoded runs decoded in place (the whole text, ``whole``), and each decoded run alone
    (the classifier reads a request best without "decode this" around it)."""
    out: list[Derived] = []
    for kind, pattern, decode in (
        ("base64", _BASE64_RUN, _decode_base64),
        ("base32", _BASE32_RUN, _decode_base32),
        ("hex", _HEX_RUN, _decode_hex),
    ):
        payloads: list[str] = []
        found = _substitute(text, pattern, decode, payloads)
        if found:
            out.append(Derived(kind, found, whole=True))
            out.extend(Derived(kind, p) for p in payloads[:2] if p != found)
    escaped = _substitute(text, _HEX_ESCAPES, _decode_hex)
    if escaped:
        out.append(Derived("hex", escaped, whole=True))
    if "%" in text:
        url = _substitute(
            text,
            _URL_ENCODED,
            lambda s: _printable(urllib.parse.unquote_to_bytes(s.replace("+", " "))),
        )
        if url:
            out.append(Derived("url", url, whole=True))
    if "&#" in text:
        entities = _substitute(text, _HTML_ENTITIES, lambda s: html.unescape(s.replace("; ", ";")))
        if entities:
            out.append(Derived("html_entities", entities, whole=True))
    if "\\u" in text or "\\U" in text:
        escapes = _substitute(text, _UNICODE_ESCAPES, lambda s: codecs.decode(s, "unicode_escape"))
        if escapes:
            out.append(Derived("unicode_escapes", escapes, whole=True))
    binary = _substitute(
        text, _BINARY_RUN, lambda s: _decode_codes([int(b, 2) for b in re.findall(r"[01]{8}", s)])
    )
    if binary:
        out.append(Derived("binary", binary, whole=True))
    decimal = _substitute(
        text, _DECIMAL_RUN, lambda s: _decode_codes([int(n) for n in re.findall(r"\d+", s)])
    )
    if decimal and _reads_better(decimal, text, floor=0.2, gain=0.1):
        out.append(Derived("char_codes", decimal, whole=True))
    return out


# -- 3. ciphers and letter games -------------------------------------------------------------

_MORSE = {
    ".-": "a",
    "-...": "b",
    "-.-.": "c",
    "-..": "d",
    ".": "e",
    "..-.": "f",
    "--.": "g",
    "....": "h",
    "..": "i",
    ".---": "j",
    "-.-": "k",
    ".-..": "l",
    "--": "m",
    "-.": "n",
    "---": "o",
    ".--.": "p",
    "--.-": "q",
    ".-.": "r",
    "...": "s",
    "-": "t",
    "..-": "u",
    "...-": "v",
    ".--": "w",
    "-..-": "x",
    "-.--": "y",
    "--..": "z",
    ".----": "1",
    "..---": "2",
    "...--": "3",
    "....-": "4",
    ".....": "5",
    "-....": "6",
    "--...": "7",
    "---..": "8",
    "----.": "9",
    "-----": "0",
    ".-.-.-": ".",
    "--..--": ",",
    "..--..": "?",
}
_MORSE_CHARS = str.maketrans({"·": ".", "•": ".", "∙": ".", "−": "-", "–": "-", "—": "-", "_": "-"})
_MORSE_RUN = re.compile(r"(?:[.\-]{1,6}(?:[ \t]+|\s*[/|]\s*)){4,}[.\-]{1,6}")


def _decode_morse(text: str) -> str | None:
    if not any(ch in text for ch in ".-·•−–—_"):
        return None
    plain = text.translate(_MORSE_CHARS)

    def decode(run: str) -> str | None:
        words = re.split(r"\s*[/|]\s*|\s{3,}", run.strip())
        out_words: list[str] = []
        for word in words:
            letters = [_MORSE.get(code) for code in word.split()]
            if any(letter is None for letter in letters):
                return None
            out_words.append("".join(letters))  # type: ignore[arg-type]
        decoded = " ".join(w for w in out_words if w)
        return decoded if sum(ch.isalpha() for ch in decoded) >= 4 else None

    return _substitute(plain, _MORSE_RUN, decode)


_ROT_TABLES = {
    n: str.maketrans(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "abcdefghijklmnopqrstuvwxyz"[n:]
        + "abcdefghijklmnopqrstuvwxyz"[:n]
        + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n:]
        + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:n],
    )
    for n in range(1, 26)
}
_ROT_HINT = re.compile(
    r"\brot[\s-]?(\d{1,2})\b|\bcaesar\b|\bshift(?:ed)? (?:by |of )?(\d{1,2})\b", re.IGNORECASE
)
_REVERSE_HINT = re.compile(
    r"\b(?:written|spelled|spelt|read(?: it)?|typed|text is) backwards?\b|"
    r"\breversed? (?:text|order|string|letters|words)\b|\bin reverse\b|"
    # "read it backwards" as the other seven languages say it
    r"\bà l[’']envers\b|\binvers[ée]e?s?\b|\brückwärts\b|\bumgedreht\b|"
    r"\bal rev[ée]s\b|\binvertid[oa]s?\b|\bнаоборот\b|\bзадом наперёд\b|"
    r"\bзадом наперед\b|\bв обратном порядке\b|倒着|倒过来|反过来|反着|逆から|逆さ|逆順|"
    r"بالعكس|معكوس|مقلوب",
    re.IGNORECASE,
)
# Chunks: sentences, lines, and what quotes, brackets and colons set apart.
_CHUNK = re.compile(r"([.!?:;\n\"“”«»()\[\]{}]+)")


_PLAIN_TOKEN = re.compile(r"[^\w]*[^\W\d_]+(?:[-'’][^\W\d_]+)*[^\w]*")


@functools.lru_cache(maxsize=2048)
def _cipher_candidate(chunk: str) -> bool:
    """A chunk worth trying letter games on: two words or more, mostly letters, and not
    already English (by the larger vocabulary). Cached: three decoders ask of each chunk."""
    words = [w.lower() for w in UWORD.findall(chunk) if len(w) > 1]
    if len(words) < 2 or not _mostly_letters(chunk):
        return False
    # words, not data: a base64 run, a hash or an id is one long token of letters mixed with
    # digits or capitals, and a rotation of its fragments can make short words by chance
    tokens = chunk.split()
    if sum(_PLAIN_TOKEN.fullmatch(t) is not None for t in tokens) < 0.7 * len(tokens):
        return False
    known = sum(w in VOCAB for w in words)
    return known < 0.3 * len(words) and reading_ratio(chunk, 2) < 0.3


def _chunkwise(text: str, transform: Callable[[str], str | None]) -> str | None:
    """Apply ``transform`` to each chunk that then reads better; None if no chunk did."""
    parts = _CHUNK.split(text[:SCAN_CHARS])
    changed = False
    for i in range(0, len(parts), 2):
        chunk = parts[i]
        if not _cipher_candidate(chunk):
            continue
        new = transform(chunk)
        if new is not None and _reads_better(new, chunk, floor=0.3, gain=0.2, min_len=2):
            parts[i] = new
            changed = True
    return "".join(parts) if changed else None


def _vocab_ratio(text: str) -> float:
    words = [w.lower() for w in _WORD.findall(text) if len(w) > 1]
    return sum(w in VOCAB for w in words) / len(words) if words else 0.0


@functools.lru_cache(maxsize=2048)
def _best_rotation(chunk: str) -> str | None:
    # a chunk that already reads as English (by the larger vocabulary) is not tried 25 ways,
    # nor one mostly in another script (a rotation moves only the 26 Latin letters)
    if 2 * _ascii_letters(chunk) < len(_LETTER.findall(chunk)):
        return None
    if reading_ratio(chunk, 2) >= 0.3 or _vocab_ratio(chunk) >= 0.3:
        return None
    best, best_ratio = None, 0.0
    for table in _ROT_TABLES.values():
        rotated = chunk.translate(table)
        ratio = reading_ratio(rotated, 2)
        if ratio > best_ratio:
            best, best_ratio = rotated, ratio
    return best if best is not None and _reads_as_words(best, best_ratio) else None


def _reads_as_words(rotated: str, ratio: float) -> bool:
    """Whether the best of 25 blind rotations reads as language rather than by chance.

    Tried 25 ways, a short chunk of ordinary words makes a short word somewhere by chance:
    "Weekend shift log" rotates to "Emmsmvl apqnb two", "Sign log" to "Aqov two", and one
    known word in three passed the ratio test, so a long lab note with such a heading was
    read as a ROT-N disguise (an obfuscation signal, and a block beside any other weak one).
    A real rotated ask reads as language in most of its words ("Tell me how to make a virus
    more transmissible between human": 8 of 10; a French or Spanish one 5 or 6 of 6). So a
    blind rotation counts when at least three of its words are known, or two and most of
    them (a short ask: "Ubj gb znxr" → "how to make"). A rotation the text names ("rot13",
    "Caesar shift 3") is not held to this: it was not found by trying."""
    words = [w for w in _WORD.findall(rotated) if len(w) >= 2]
    known = round(ratio * len(words))
    return known >= 3 or (known >= 2 and ratio >= 0.6)


def _rot(text: str) -> list[Derived]:
    out: list[Derived] = []
    hinted: set[int] = set()
    for match in _ROT_HINT.finditer(text):
        digits = match.group(1) or match.group(2)
        n = int(digits) % 26 if digits else 3
        if n:
            hinted.add(n)
    if hinted:
        # A named shift: decode the chunks that then read better (in place: ``whole``), or
        # failing that the whole text (kept beside the original).
        for n in sorted(hinted):
            table = _ROT_TABLES[n]
            kind = "rot13" if n == 13 else "rot_n"
            rotated = _chunkwise(text, lambda c, t=table: c.translate(t))  # type: ignore[misc]
            if rotated:
                out.append(Derived(kind, rotated, whole=True))
            else:
                out.append(Derived(kind, text[:SCAN_CHARS].translate(table)))
    found = _chunkwise(text, _best_rotation)
    if found and all(found != d.text for d in out):
        rotated_13 = _chunkwise(text, lambda c: c.translate(_ROT_TABLES[13]))
        out.append(Derived("rot13" if found == rotated_13 else "rot_n", found, whole=True))
    return out


def _reverse_words(chunk: str) -> str:
    return _TOKEN.sub(lambda m: m.group(0)[::-1], chunk)


def _reverse_each_word(chunk: str) -> str | None:
    flipped = _reverse_words(chunk)
    return flipped if _reversal_plausible(chunk, flipped) else None


_SENTENCE_END = ".?!。？！؟"


def _sentence_shape(text: str) -> int:
    """How much ``text`` looks like a sentence written forwards: it opens with a capital (or a
    letter of a script without case) and ends with a full stop or question mark, not the
    other way round. Reading by common words cannot tell a text reversed whole from one with
    each word reversed (the same words come out, in another order); this can."""
    stripped = text.strip()
    if not stripped:
        return 0
    letters = [ch for ch in stripped if ch.isalpha()]
    score = 0
    if letters and not letters[0].islower():
        score += 1
    if letters and letters[-1].isupper() and not letters[0].isupper():
        score -= 1
    if stripped[-1] in _SENTENCE_END:
        score += 1
    if stripped[0] in _SENTENCE_END:
        score -= 1
    return score


def _known_words(text: str) -> float:
    """How many words of ``text`` are known words of any of the eight languages (a
    Chinese/Japanese run counts its known words, one per two characters)."""
    known = sum(cjk_covered(run) for run in CJK_RUN.findall(text)) / 2
    for word in BOUNDED_WORD.findall(text):
        lower = word.lower()
        if not CJK.search(lower) and (lower in ANY_WORD or known_in(lower, LANG_WORDS["ar"])):
            known += 1
    return known


def _reversal_plausible(text: str, reversed_text: str) -> bool:
    """A text is taken for reversed only when its reversal holds two known words or more:
    with eight languages' function words, one word made by chance ("nur" in ".nur gniniarT",
    "der" in ".acirtcéle deR", "los" in "osO y los.") had turned short benign texts into
    noise the classifier refused, or flagged as a disguise ("Oso y sol.", Spanish words no
    list holds). One known word in a short text is chance, not a reading clearly better."""
    return _known_words(reversed_text) >= 2


def _reverse_chunk(chunk: str) -> str | None:
    flipped = chunk[::-1]
    return flipped if _reversal_plausible(chunk, flipped) else None


def _reverse_chunk_told(chunk: str) -> str | None:
    """A chunk reversed where the text itself says it is written backwards ("read it
    backwards and answer:", "اقرأها بالعكس"): one known word is enough there. The two-word
    bar is against chance readings of ordinary text; a text that asks to be read reversed
    has given the reading, and the lists hold few words of some languages (Arabic)."""
    flipped = chunk[::-1]
    return flipped if _known_words(flipped) >= 1 > _known_words(chunk) else None


def _reversals(text: str) -> list[Derived]:
    out: list[Derived] = []
    whole = text[:SCAN_CHARS][::-1]
    reads = _reads_better(whole, text) and _reversal_plausible(text, whole)
    if reads or (_REVERSE_HINT.search(text) and "\u202e" not in text):
        # a text that reads better reversed whole is reversed whole: the reversal replaces it
        # (in any language; its surface is noise to the classifier)
        out.append(Derived("reversed", whole, whole=reads and len(text) <= SCAN_CHARS))
    words = _chunkwise(text, _reverse_each_word)
    if reads and len(text) <= SCAN_CHARS:
        # the same words come out reversed whole or word by word: keep the reading that is
        # shaped like a sentence (the chunks reversed one by one only move the punctuation)
        if words and _sentence_shape(words) > _sentence_shape(whole):
            out[0] = Derived("reversed_words", words, whole=True)
        elif words and _sentence_shape(words) == _sentence_shape(whole):
            out.append(Derived("reversed_words", words, whole=True))  # no telling: both
        return out
    chunks = _chunkwise(text, _reverse_chunk)
    if chunks is None and _REVERSE_HINT.search(text):
        chunks = _chunkwise(text, _reverse_chunk_told)
    if chunks and all(chunks != d.text for d in out):
        out.append(Derived("reversed", chunks, whole=True))
    if words and all(words != d.text for d in out):
        out.append(Derived("reversed_words", words, whole=True))
    return out


def _segment(letters: str) -> str:
    """Split run-together letters into words ("howtomakeit" -> "how to make it"): the fewest
    known words, unknown stretches kept whole."""
    n = len(letters)
    if n > 200:
        return letters
    lower = letters.lower()
    best: list[tuple[float, int]] = [(0.0, 0)] + [(float("inf"), 0)] * n
    for end in range(1, n + 1):
        for start in range(max(0, end - 20), end):
            piece = lower[start:end]
            cost = 1.0 if piece in VOCAB else 2.0 + 0.75 * len(piece)
            total = best[start][0] + cost
            if total < best[end][0]:
                best[end] = (total, start)
    words: list[str] = []
    end = n
    while end > 0:
        start = best[end][1]
        words.append(letters[start:end])
        end = start
    return " ".join(reversed(words))


# A run of at least four single letters (or digits) each followed by one separator: spaces,
# dots, hyphens, underscores, asterisks, slashes, pipes, commas, plus signs.
_SPACED_RUN = re.compile(
    r"(?<![\w])(?:\w[ \t]*[ .\-_*/|,+~·・‧•･．][ \t]*){3,}\w(?![\w])"  # ・ ‧ ･: CJK middle dots
)
# letters joined by a sign inside words ("s.a.b.o.t.i.e.r.e"): then a space is a word break
_JOINED_LETTERS = re.compile(r"\w[.\-_*+~·・‧•･．]\w[.\-_*+~·・‧•･．]\w")


def _unspace(run: str) -> str:
    if " " in run.strip() and len(_JOINED_LETTERS.findall(run)) >= 2:
        words = run.split()
        return " ".join(re.sub(r"[^\w]", "", w) for w in words if re.sub(r"[^\w]", "", w))
    words = re.split(r"\s{2,}|\s*[/|]\s*|\t", run.strip())
    if len(words) > 1:
        return " ".join(re.sub(r"[^\w]", "", w) for w in words if re.sub(r"[^\w]", "", w))
    if CJK.search(run):
        return re.sub(r"[^\w]", "", run)  # Chinese and Japanese are written without spaces
    return _segment(re.sub(r"[^\w]", "", run))


def _spaced(text: str) -> Derived | None:
    """Letters spaced out joined into words. Chinese and Japanese characters spaced out are
    joined too (the lexicon's words need their characters together) but are no disguise: each
    character is a word piece of its own to the model, spaced or not, and a text written so
    ("我 们 今 天 去 公 园") reads as what it is. Joined, they are kind ``cjk_joined``, which
    the patterns do not count as an obfuscation (it was flagged as one)."""
    changed = False
    disguised = False

    def join(match: re.Match[str]) -> str:
        nonlocal changed, disguised
        run = match.group(0)
        if sum(ch.isalpha() for ch in run) < 4:
            return run
        joined = _unspace(run)
        cjk_only = all(CJK.match(ch) for ch in joined if ch.isalpha())
        known = any(len(w) >= 3 and w.lower() in ANY_WORD for w in UWORD.findall(joined))
        lower = sum(ch.islower() for ch in joined) >= 5
        # Arabic, Chinese, Japanese letters have no case: four of them spaced out are words
        caseless = sum(ch.isalpha() and not ch.isupper() and not ch.islower() for ch in joined)
        if not known and not lower and caseless < 4:
            return run  # a DNA sequence, an acronym, a list of grades: not words
        changed = True
        disguised = disguised or not cjk_only
        return joined

    out = _SPACED_RUN.sub(join, text[:SCAN_CHARS])
    if not changed:
        return None
    return Derived("spaced" if disguised else "cjk_joined", out, whole=True)


_LEET_WORD = re.compile(
    r"(?<![\w@$|!+€£/\\])(?=[\w@$|!+€£/\\]*[A-Za-z])"
    r"(?=[\w@$|!+€£/\\]*[0-9@$|!+€£])[\w@$|!+€£/\\]{2,}"
)
_LEET_MULTI = (
    ("|\\/|", "m"),
    ("/\\/\\", "m"),
    ("|\\|", "n"),
    ("/\\/", "n"),
    ("|_|", "u"),
    ("\\/\\/", "w"),
    ("\\/", "v"),
    ("/\\", "a"),
    ("|2", "r"),
    ("ph", "f"),
)
_LEET_ONE = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "8": "b",
    "9": "g",
    "6": "g",
    "2": "z",
    "@": "a",
    "$": "s",
    "!": "i",
    "|": "l",
    "+": "t",
    "€": "e",
    "£": "l",
}
# Characters that read two ways; the reading that makes a known word wins.
_LEET_ALTERNATIVES = {"1": "l", "|": "i", "!": "l", "6": "b", "9": "q", "0": "o", "2": "r"}


def _unleet_word(word: str) -> str:
    base = word
    for seq, letter in _LEET_MULTI[:-1]:
        base = base.replace(seq, letter)
    first = "".join(_LEET_ONE.get(ch, ch) for ch in base)
    if first.lower() in ANY_WORD:
        return first
    # try the second reading of the ambiguous characters, one kind at a time
    for ch, alt in _LEET_ALTERNATIVES.items():
        if ch in base:
            other = "".join(alt if c == ch else _LEET_ONE.get(c, c) for c in base)
            if other.lower() in ANY_WORD:
                return other
    return first


# Russian leetspeak: digits and signs drawn like Cyrillic letters, inside Cyrillic words.
_CYRILLIC_LEET_WORD = re.compile(
    r"(?<![\w@])(?=[\w@]*[а-яё])(?=[\w@]*[0-9@])[\w@]{2,}(?![\w@])", re.IGNORECASE
)
_CYRILLIC_LEET_ONE = {"0": "о", "3": "з", "4": "ч", "6": "б", "8": "в", "@": "а"}
_CYRILLIC_LEET_ALTERNATIVES = {"3": "е", "4": "а"}


def _unleet_cyrillic(word: str) -> str:
    if re.search(r"[A-Za-z]", word):
        return word  # mixed with Latin letters: not this game
    first = "".join(_CYRILLIC_LEET_ONE.get(ch, ch) for ch in word)
    if first.lower() in LANG_WORDS["ru"]:
        return first
    for ch, alt in _CYRILLIC_LEET_ALTERNATIVES.items():
        if ch in word:
            other = "".join(alt if c == ch else _CYRILLIC_LEET_ONE.get(c, c) for c in word)
            if other.lower() in LANG_WORDS["ru"]:
                return other
    return first


def _word_like(word: str) -> bool:
    """A leetspeak candidate that reads like a disguised word, not a formula or an id: letters
    on both sides of a substitute, some vowels, no long runs of one letter."""
    plain = _unleet_word(word).lower()
    vowels = sum(ch in "aeiouy" for ch in plain)
    return (
        4 <= len(plain) <= 20
        and plain.isalpha()
        and 0.2 <= vowels / len(plain) <= 0.6
        and not re.search(r"(.)\1\1", plain)
        and re.search(r"[a-z][^A-Za-z][a-z]", word) is not None
    )


def _plain_word(word: str) -> bool:
    """Leetspeak for a word, not a blob: undone it is 2 to 20 letters, with no capital after
    a small letter (base64 and ids are both long and mixed)."""
    plain = _unleet_word(word)
    return 2 <= len(plain) <= 20 and plain.isalpha() and not re.search(r"[a-z][A-Z]", plain)


def _leetspeak(text: str) -> Derived | None:
    candidates = _LEET_WORD.findall(text[:SCAN_CHARS])
    # Scientific names mix letters and digits too (H5N1, U235, CO2, SMILES): leetspeak has a
    # lower-case letter and is not letters followed by a number.
    real = [
        w
        for w in candidates
        if not re.fullmatch(r"[A-Z][A-Za-z]?-?\d+|[A-Z0-9-]+", w)  # U235, Cs-137, CO2
        and not (len(w) >= 8 and re.fullmatch(r"[0-9a-fA-F]+", w))  # a hash, an id
        and any(ch.islower() for ch in w)
    ]
    known = [w for w in real if len(w) >= 3 and _unleet_word(w).lower() in VOCAB]
    disguised = [w for w in real if _word_like(w)]
    fires = (
        len(known) >= 2
        or (known and len(real) >= 2 and len(real) >= 0.1 * max(1, len(_WORD.findall(text))))
        or (disguised and english_ratio(text) >= 0.2)
    )

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        if word not in real:
            return word
        plain = _unleet_word(word)
        return plain if len(word) > 2 or plain.lower() in ANY_WORD else word

    out = _LEET_WORD.sub(swap, text[:SCAN_CHARS]) if real else text[:SCAN_CHARS]
    cyrillic = len(_CYRILLIC_LEET_WORD.findall(out))
    if cyrillic:
        out = _CYRILLIC_LEET_WORD.sub(lambda m: _unleet_cyrillic(m.group(0)), out)
    # In another language the English tests above see no known word: leetspeak is clear when
    # two words or more are undone and the text then reads as language where it did not.
    if not fires and not (
        sum(_plain_word(w) for w in real) + cyrillic >= 2
        and reading_ratio(out, 2) >= max(0.3, reading_ratio(text, 2, bounded=False) + 0.15)
    ):
        return None
    # a word drawn like a name ("W13" for "Wie", as "U235" or "CO2" are) once leetspeak is
    # clear: swapped only when it reads as a function word of three letters or more (names
    # do not: U235 "Uzes", H5N1 "HsNi", B12 "Biz"; T4, D3 are too short to tell)
    out = _LEET_WORD.sub(
        lambda m: (
            plain
            if m.group(0) not in real
            and len(plain := _unleet_word(m.group(0))) >= 3
            and plain.lower() in FUNCTION_WORDS
            else m.group(0)
        ),
        out,
    )
    # digits and signs standing alone for short words ("70" to, "15" is, "@" a, "!" i)
    # once leetspeak is clear
    out = re.sub(
        r"(?<![\w.,:/@$!+-])[0-9@$!+]{1,3}(?![\w.,:/@$!+-])",
        lambda m: (
            plain
            if (plain := _unleet_word(m.group(0))) in COMMON_WORDS
            or (len(plain) >= 2 and plain in FUNCTION_WORDS)
            else m.group(0)
        ),
        out,
    )
    return Derived("leetspeak", out, whole=True) if out != text else None


_PIG_WORD = re.compile(r"\b([A-Za-z]+?)-?(w?ay|yay)\b", re.IGNORECASE)


def _unpig(word: str) -> str:
    match = _PIG_WORD.fullmatch(word)
    if match is None:
        return word
    core = match.group(1)
    if core.lower() in VOCAB:
        return core
    for k in (1, 2, 3):
        if len(core) > k:
            candidate = core[-k:] + core[:-k]
            if candidate.lower() in VOCAB:
                return candidate
    return core[-1:] + core[:-1]


def _pig_latin(text: str) -> Derived | None:
    words = _WORD.findall(text[:SCAN_CHARS])
    pig = [w for w in words if _PIG_WORD.fullmatch(w)]
    if len(pig) < 3 or len(pig) < 0.5 * len(words):
        return None
    out = _WORD.sub(lambda m: _unpig(m.group(0)), text[:SCAN_CHARS])
    return Derived("pig_latin", out) if _reads_better(out, text, gain=0.2) else None


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
    """The brute-force decoders (ROT-N, reversal, spacing, leetspeak, pig latin), which read
    the first :data:`SCAN_CHARS` characters of ``text``."""
    out = [*_rot(text), *_reversals(text)]
    for found in (_spaced(text), _leetspeak(text), _pig_latin(text)):
        if found:
            out.append(found)
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
    return out
