"""Playful disguises (part of :mod:`labgate.safety.decoding`): text written upside down
(``¿ʇı ǝʞɐɯ ı op ʍoɥ``), and the spoken letter games children and argot use to hide what is
said: javanais (French, ``av`` before each vowel group: ``bavonjavour`` = ``bonjour``; the
``ag`` and ``va`` variants too), Ubbi Dubbi and the "ob" language (English, ``ub``/``ob``
before each vowel group), jerigonza (Spanish, each vowel ``V`` said ``VpV``: ``hopolapa`` =
``hola``; the ``f`` and ``ch`` variants too) and Rövarspråket (Swedish, each consonant ``C``
said ``CoC``: ``sosarorinon`` = ``sarin``). Letters written as emoji or enclosed letters are
folded by :func:`~labgate.safety.decoding_normalise.normalise`.

Each decoder first checks cheaply that the text plays the game at all (a few characters of
upside-down writing; the game's infix before most vowel groups, or its doubling of most
vowels or consonants, in most words), and returns at once for ordinary text. A word counts as
played only when undoing the game accounts for (nearly) all its vowel groups, vowels or
consonants, so a French ``avion`` or ``lavabo``, a Spanish ``papa`` or ``pepino`` in an
ordinary sentence is no evidence; and a decoding is kept only when it reads better than the
text it came from (:func:`~labgate.safety.decoding_base._reads_better`). Each reads the first
:data:`~labgate.safety.decoding_base.SCAN_CHARS` characters."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from labgate.safety.decoding_base import SCAN_CHARS, Derived, _reads_better
from labgate.safety.reading import reading_ratio

# -- upside-down text --------------------------------------------------------------------------

# What each character written upside down stands for (the usual generators' choices, several
# per letter). Plain letters that are their own or another letter turned (o, s, x, z, l, u, n,
# d, p, q, b) are read turned too inside an upside-down stretch.
_FLIPPED: dict[str, str] = {
    "ɐ": "a",
    "q": "b",
    "ɔ": "c",
    "p": "d",
    "ǝ": "e",
    "ə": "e",
    "ɟ": "f",
    "ƃ": "g",
    "ᵷ": "g",
    "ɥ": "h",
    "ı": "i",
    "ᴉ": "i",
    "i": "i",
    "ɾ": "j",
    "ʞ": "k",
    "l": "l",
    "ɯ": "m",
    "u": "n",
    "o": "o",
    "d": "p",
    "b": "q",
    "ɹ": "r",
    "s": "s",
    "ʇ": "t",
    "n": "u",
    "ʌ": "v",
    "ʍ": "w",
    "x": "x",
    "ʎ": "y",
    "z": "z",
    "∀": "A",
    "ꓭ": "B",
    "Ɔ": "C",
    "Ↄ": "C",
    "ᗡ": "D",
    "ꓷ": "D",
    "Ǝ": "E",
    "Ⅎ": "F",
    "ꟻ": "F",
    "⅁": "G",
    "פ": "G",
    "H": "H",
    "I": "I",
    "ꓘ": "K",
    "˥": "L",
    "⅂": "L",
    "ꓶ": "L",
    "W": "M",
    "N": "N",
    "O": "O",
    "Ԁ": "P",
    "ꓤ": "R",
    "ᴚ": "R",
    "S": "S",
    "⊥": "T",
    "ꓕ": "T",
    "∩": "U",
    "ꓵ": "U",
    "Λ": "V",
    "ꓥ": "V",
    "M": "W",
    "X": "X",
    "⅄": "Y",
    "Z": "Z",
    "Ɩ": "1",
    "ᄅ": "2",
    "Ɛ": "3",
    "ㄣ": "4",
    "ϛ": "5",
    "9": "6",
    "ㄥ": "7",
    "6": "9",
    "¿": "?",
    "¡": "!",
    "˙": ".",
    "'": ",",
    ",": "'",
    "„": '"',
    "⅋": "&",
    "(": ")",
    ")": "(",
    "[": "]",
    "]": "[",
    "{": "}",
    "}": "{",
}
_FLIP_TABLE = str.maketrans(_FLIPPED)
# Characters only upside-down writing uses (IPA has a few: a transcription does not read
# better turned, and is left as it is). Spanish ¿ ¡ and Turkish ı are not among them.
_TURNED = "ɐɔǝɟƃᵷɥᴉɾʞɯɹʇʌʍʎ∀ꓭƆↃᗡꓷƎℲꟻ⅁פꓘ˥⅂ꓶԀꓤᴚ⊥ꓕ∩ꓵΛꓥ⅄"
_TURNED_CHAR = re.compile(f"[{_TURNED}]")
_TOKEN = re.compile(r"\S+")


def _flippable(token: str) -> bool:
    """A token that can stand in an upside-down stretch: every character one the table reads
    (digits and punctuation outside it pass too)."""
    return all(ch in _FLIPPED or not ch.isalpha() for ch in token)


def _sentence_like(text: str) -> int:
    """Ends with a sentence mark and not starts with one: the reading of a stretch that is
    the right way round (the words read the same in either order)."""
    stripped = text.strip()
    if not stripped:
        return 0
    return (stripped[-1] in ".?!") - (stripped[0] in ".?!")


def _unflip(span: str) -> list[str]:
    """A stretch of upside-down writing read back: turned round whole, word by word, or
    letter by letter where each stands (generators do all three). The reading that reads best
    comes first; one that reads as well (the same words in the other order, where no sentence
    mark tells which way round the text runs) second; none when no reading reads better than
    the stretch as written."""
    readings = (
        span[::-1].translate(_FLIP_TABLE),  # the text turned round whole (the usual way)
        _TOKEN.sub(lambda m: m.group(0)[::-1], span).translate(_FLIP_TABLE),  # word by word
        span.translate(_FLIP_TABLE),  # each letter turned where it stands
    )
    scores = {t: (reading_ratio(t), _sentence_like(t)) for t in readings}
    ranked = sorted(scores, key=lambda t: scores[t], reverse=True)  # stable: ties keep order
    if not _reads_better(ranked[0], span, floor=0.3, gain=0.2):
        return []
    return [t for t in ranked[:2] if scores[t] == scores[ranked[0]]]


def _upside_down(text: str) -> list[Derived]:
    head = text[:SCAN_CHARS]
    if head.isascii() or len(_TURNED_CHAR.findall(head)) < 3:
        return []  # no upside-down writing (the case of every ordinary text)
    tokens = list(_TOKEN.finditer(head))
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        if not _TURNED_CHAR.search(tokens[i].group(0)):
            i += 1
            continue
        # widen the stretch to the flippable tokens on either side ("op", "ı", "s")
        start = i
        while start > 0 and _flippable(tokens[start - 1].group(0)):
            start -= 1
        end = i
        while end + 1 < len(tokens) and (
            _TURNED_CHAR.search(tokens[end + 1].group(0)) or _flippable(tokens[end + 1].group(0))
        ):
            end += 1
        spans.append((tokens[start].start(), tokens[end].end()))
        i = end + 1
    best = other = head
    tied = False
    for begin, finish in reversed(spans):
        span = head[begin:finish]
        if len(_TURNED_CHAR.findall(span)) < 2:
            continue
        reads = _unflip(span)
        if reads:
            best = best[:begin] + reads[0] + best[finish:]
            other = other[:begin] + reads[-1] + other[finish:]
            tied = tied or len(reads) > 1
    if best == head:
        return []
    found = [Derived("upside_down", best, whole=True)]
    if tied:
        found.append(Derived("upside_down", other, whole=True))  # no telling which way round
    return found


# -- spoken letter games -----------------------------------------------------------------------

_VOWELS = "aeiouy"
# Accents dropped without changing a word's length, so a match on the folded word is a match
# on the word as written (Spanish and French vowels: está, élève).
_UNACCENT = str.maketrans(
    {
        ch: unicodedata.normalize("NFD", ch)[0]
        for ch in "àáâãäåèéêëìíîïòóôõöùúûüýÿÀÁÂÃÄÅÈÉÊËÌÍÎÏÒÓÔÕÖÙÚÛÜÝ"
    }
)
_WORD_RUN = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class _Game:
    kind: str
    # a cheap signal of the game in the whole text (lower case, accents dropped)
    signal: re.Pattern[str]
    # one played unit in a word; the group "keep" is what the unit stands for
    unit: re.Pattern[str]
    # how many units a word of the plain language needs (its vowel groups, vowels, consonants)
    needed: Callable[[str], int]


_VOWEL_GROUP = re.compile(f"[{_VOWELS}]+")
_CONSONANT = re.compile("[b-df-hj-np-tv-xz]")


def _vowel_groups_after_first(word: str) -> int:
    """Vowel groups, less one that opens the word (javanais and Ubbi Dubbi speakers often
    leave a word's opening vowel as it is: "et", "avet")."""
    groups = len(_VOWEL_GROUP.findall(word))
    return groups - 1 if word[:1] in _VOWELS else groups


def _vowel_groups(word: str) -> int:
    return len(re.findall("[aeiou]+", word))


def _consonants(word: str) -> int:
    return len(_CONSONANT.findall(word))


def _infix_game(kind: str, infix: str) -> _Game:
    return _Game(
        kind,
        re.compile(f"{infix}[{_VOWELS}]"),
        re.compile(f"{infix}(?P<keep>[{_VOWELS}]+)"),
        _vowel_groups_after_first,
    )


def _echo_game(consonant: str) -> _Game:
    return _Game(
        "jerigonza",
        re.compile(f"([aeiou]){consonant}\\1"),
        re.compile(f"(?P<keep>[aeiou]+){consonant}(?P=keep)"),
        _vowel_groups,
    )


_GAMES: tuple[_Game, ...] = (
    _infix_game("javanais", "av"),
    _infix_game("javanais", "ag"),
    _infix_game("javanais", "va"),
    _infix_game("ubbi_dubbi", "ub"),
    _infix_game("ubbi_dubbi", "ob"),
    _echo_game("p"),
    _echo_game("f"),
    _echo_game("ch"),
    _Game(
        "rovarspraket",
        re.compile("([b-df-hj-np-tv-xz])o\\1"),
        re.compile("(?P<keep>[b-df-hj-np-tv-xz])o(?P=keep)"),
        _consonants,
    ),
)


def _unplay(word: str, game: _Game) -> str | None:
    """``word`` with the game undone, or None when the word does not play it: undoing must
    account for every unit the plain word needs (a French "lavabo" undone is "labo", one
    "av" for two vowel groups: not javanais)."""
    folded = word.lower().translate(_UNACCENT)
    kept: list[str] = []
    plain: list[str] = []
    last = 0
    played = 0
    for match in game.unit.finditer(folded):
        kept.append(word[last : match.start()])
        plain.append(folded[last : match.start()])
        begin, end = match.span("keep")
        kept.append(word[begin:end])
        plain.append(folded[begin:end])
        last = match.end()
        played += 1
    if not played:
        return None
    kept.append(word[last:])
    plain.append(folded[last:])
    if played < game.needed("".join(plain)):
        return None
    out = "".join(kept)
    # keep a capital the game moved ("Gavivave" → "Give", "Avet" → "Et")
    return out[:1].upper() + out[1:] if word[:1].isupper() else out


def _play(text: str, game: _Game) -> Derived | None:
    words = _WORD_RUN.findall(text)
    # words that could play: two letters or more, with a vowel to play on
    voiced = [w for w in words if len(w) >= 2 and _VOWEL_GROUP.search(w.lower())]
    played = {w: plain for w in set(voiced) if (plain := _unplay(w, game)) is not None}
    count = sum(w in played for w in voiced)
    if count < 3 or count < 0.6 * len(voiced):
        return None
    out = _WORD_RUN.sub(lambda m: played.get(m.group(0), m.group(0)), text)
    return Derived(game.kind, out, whole=True) if _reads_better(out, text, gain=0.2) else None


# One cheap signal per family of games, read before any game's own: an infix before a vowel
# (javanais, Ubbi Dubbi), a vowel echoed round a consonant (jerigonza), a consonant echoed
# round an "o" (Rövarspråket).
_FAMILY_SIGNALS: tuple[tuple[re.Pattern[str], tuple[_Game, ...]], ...] = (
    (re.compile(f"(?:av|ag|va|ub|ob)[{_VOWELS}]"), _GAMES[:5]),
    (re.compile("([aeiou])(?:p|f|ch)\\1"), _GAMES[5:8]),
    (_GAMES[8].signal, _GAMES[8:]),
)


def _letter_play(text: str) -> list[Derived]:
    """Javanais, Ubbi Dubbi, jerigonza, Rövarspråket: each game whose signal is dense enough
    in the text (its unit in most words) is undone; what reads better is kept. Ordinary text
    costs three regular-expression scans."""
    head = text[:SCAN_CHARS]
    lower = head.lower()
    words = lower.count(" ") + 1
    floor = max(3, 0.4 * words)
    out: list[Derived] = []
    for signal, games in _FAMILY_SIGNALS:
        if len(signal.findall(lower)) < floor:
            continue  # ordinary text: the family's unit is rare
        folded = lower.translate(_UNACCENT)
        for game in games:
            if len(game.signal.findall(folded)) < floor:
                continue
            found = _play(head, game)
            if found is not None and all(found.text != d.text for d in out):
                out.append(found)
    return out


def _playful(text: str) -> list[Derived]:
    """Every playful disguise undone in ``text`` (most often none)."""
    return _upside_down(text) + _letter_play(text)
