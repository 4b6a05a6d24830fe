"""Letter games (part of :mod:`labgate.safety.decoding`): letters spaced, dotted or hyphenated
out (``h o w  t o``, ``m-a-k-e``, ``s.a.r.i.n``), leetspeak (``m4k3``, ``$@r1n``, ``|\\|``,
Russian leetspeak too) and pig latin, each read on the first
:data:`~labgate.safety.decoding_base.SCAN_CHARS` characters of a text."""

from __future__ import annotations

import re

from labgate.safety.decoding_base import (
    _WORD,
    SCAN_CHARS,
    Derived,
    _reads_better,
    english_ratio,
)
from labgate.safety.reading import (
    ANY_WORD,
    CJK,
    COMMON_WORDS,
    FUNCTION_WORDS,
    LANG_WORDS,
    UWORD,
    VOCAB,
    reading_ratio,
)


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
