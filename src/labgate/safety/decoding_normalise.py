"""Normalising (:func:`normalise`): a text as a reader sees it. Zero-width and bidi control
characters and stray combining marks dropped, NFKC applied (fullwidth and mathematical letters
become plain ones), and Cyrillic and Greek look-alikes folded the way the text around them is
written (``ѕаrіn`` → ``sarin``; Latin look-alikes inside Russian words become Cyrillic). Part of
:mod:`labgate.safety.decoding`, whose decoders read the normalised text."""

from __future__ import annotations

import re
import unicodedata

from labgate.safety.decoding_base import _LETTER, _TOKEN, _ascii_letters
from labgate.safety.reading import ANY_WORD

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


# Letters drawn as emoji or enclosed letters that NFKC leaves as they are (it folds circled
# Ⓐ ⓐ, squared 🄰, ℹ and turns parenthesised ⒜ into "(a)"): negative circled 🅐, negative
# squared 🅰 (the 🅰️ 🅱️ 🅾️ 🅿️ emoji), parenthesised ⒜ 🄐, and regional indicators 🇸.
_ENCLOSED_LETTERS: dict[str, str] = {
    **{chr(0x1F150 + i): chr(ord("a") + i) for i in range(26)},  # 🅐 negative circled
    **{chr(0x1F170 + i): chr(ord("a") + i) for i in range(26)},  # 🅰 negative squared
    **{chr(0x1F110 + i): chr(ord("a") + i) for i in range(26)},  # 🄐 parenthesised capital
    **{chr(0x249C + i): chr(ord("a") + i) for i in range(26)},  # ⒜ parenthesised small
}
_ENCLOSED_TABLE = str.maketrans(_ENCLOSED_LETTERS)
_REGIONAL = "\U0001f1e6-\U0001f1ff"
_ENCLOSED_ANY = re.compile(
    f"[{_REGIONAL}\U0001f150-\U0001f169\U0001f170-\U0001f189\U0001f110-\U0001f129\u249c-\u24b5]"
)
# Regional indicators with what may stand between them: spaces, zero-width characters and
# emoji variation selectors.
_REGIONAL_RUN = re.compile(f"[{_REGIONAL}](?:[ \t\u200b-\u200d\u2060\ufe0f]*[{_REGIONAL}])*")
_REGIONAL_GROUP = re.compile(f"[{_REGIONAL}]+")


def _regional_letters(match: re.Match[str]) -> str:
    """A run of regional indicators as letters, or as it is when it is flags. A flag is two
    indicators side by side ("🇫🇷"); one spelling a word stands alone ("🇸 🇦 🇷 🇮 🇳",
    spaced so that no pair turns into a flag) or runs on for an odd count or a known word
    ("🇸🇦🇷🇮🇳"). Pairs of two (a list of flags, "🇺🇸", "🇮🇹" that a reader would take
    for "us", "it") are left as flags."""
    run = match.group(0)
    groups = [
        "".join(chr(ord(ch) - 0x1F1E6 + ord("a")) for ch in g) for g in _REGIONAL_GROUP.findall(run)
    ]
    if all(len(g) % 2 == 0 for g in groups) and not any(
        len(g) >= 4 and g in ANY_WORD for g in groups
    ):
        return run
    return "".join(
        chr(ord(ch) - 0x1F1E6 + ord("a")) if "\U0001f1e6" <= ch <= "\U0001f1ff" else ch
        for ch in run
    )


_SQUARED_OR_CIRCLED = re.compile(
    "[\U0001f150-\U0001f169\U0001f170-\U0001f189\U0001f110-\U0001f129\u249c-\u24b5]"
)


def _fold_enclosed(text: str) -> tuple[str, int]:
    """Letters written as emoji or enclosed letters NFKC keeps, as plain small letters, and
    how many of them spelled something: regional indicators taken for letters, and enclosed
    letters inside a word (a lone 🅿️ for parking or 🅾️ for a blood type is folded too, but
    is no disguise)."""
    if not _ENCLOSED_ANY.search(text):
        return text, 0
    spelled = 0

    def regional(match: re.Match[str]) -> str:
        nonlocal spelled
        letters = _regional_letters(match)
        if letters != match.group(0):
            spelled += sum("\U0001f1e6" <= ch <= "\U0001f1ff" for ch in match.group(0))
        return letters

    folded = _REGIONAL_RUN.sub(regional, text)
    visible = _INVISIBLE.sub("", folded)
    for match in _SQUARED_OR_CIRCLED.finditer(visible):
        neighbours = (
            visible[max(0, match.start() - 1) : match.start()]
            + visible[match.end() : match.end() + 1]
        )
        if any(ch.isalpha() or _SQUARED_OR_CIRCLED.match(ch) for ch in neighbours):
            spelled += 1
    return folded.translate(_ENCLOSED_TABLE), spelled


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
    out, enclosed = _fold_enclosed(text)
    out = _INVISIBLE.sub("", out)
    nfkc = unicodedata.normalize("NFKC", out)
    if _ascii_letters(nfkc) + enclosed >= _ascii_letters(out) + 3:
        # fullwidth, mathematical, circled, ligature letters, and emoji letters
        kinds.append("unicode_compat")
    out, dropped = _strip_stray_marks(nfkc)
    if dropped >= 3:
        kinds.append("diacritics")
    folded = _fold_homoglyphs(out)
    if folded != out:
        kinds.append("homoglyph")
    return folded, kinds
