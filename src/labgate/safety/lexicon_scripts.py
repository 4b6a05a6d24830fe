"""How the lexicon's words (:mod:`labgate.safety.lexicon_terms`) are compiled and searched: one
role's fragments in every language, a regex per script, so a text is searched only with the
scripts it is written in. :mod:`labgate.safety.lexicon` builds its terms with :class:`Terms`
once, at import, and reads them; what counts as a hit stays there."""

from __future__ import annotations

import re

from labgate.safety.categories import Category
from labgate.safety.lexicon_terms import LANGUAGES, UNSPACED

_I = re.IGNORECASE

HAS_ARABIC = re.compile("[\u0600-\u06ff]")
HAS_CYRILLIC = re.compile("[\u0400-\u04ff]")
HAS_CJK = re.compile("[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


def role_fragments(role: str, category: Category | None = None) -> dict[str, list[str]]:
    """Every language's fragments for ``role``, by how their script is matched: ``spaced``
    (whole words: en fr de es ru), ``ar`` (after an attached article, preposition or verb
    prefix), ``cjk`` (anywhere: zh ja)."""
    out: dict[str, list[str]] = {"spaced": [], "cyrillic": [], "ar": [], "cjk": []}
    for lang, terms in LANGUAGES.items():
        listed = terms.get(role)
        if isinstance(listed, dict):
            listed = listed.get(category, [])
        script = {"ar": "ar", "ru": "cyrillic"}.get(lang, "cjk" if lang in UNSPACED else "spaced")
        out[script].extend(f"(?:{fragment})" for fragment in listed or ())
    return out


class Terms:
    """One role's fragments in every language, compiled once: a regex per script, so a text
    is searched only with the scripts it is written in (a Latin text never pays for the
    Chinese or Arabic alternatives, which have no word boundary to anchor them)."""

    def __init__(self, english: re.Pattern[str] | None, *roles: str, category=None) -> None:
        parts: dict[str, list[str]] = {"spaced": [], "cyrillic": [], "ar": [], "cjk": []}
        for role in roles:
            for script, fragments in role_fragments(role, category).items():
                parts[script].extend(fragments)
        # German compounds (Nervenkampfstoff, Milzbrandsporen) are written as "\w*kampfstoff\w*":
        # searched as the inner word alone, since a leading \w* backtracks through every word.
        infix = ["(?:" + f[6:] for f in parts["spaced"] if f.startswith("(?:\\w*")]
        whole = [f for f in parts["spaced"] if not f.startswith("(?:\\w*")]
        self.english = english
        # \b in front, which the engine tests before trying any alternative: only word starts
        # are tried (a lookbehind there costs ten times as much on a long text).
        self.whole = re.compile(rf"\b(?:{'|'.join(whole)})(?!\w)", _I) if whole else None
        self.infix = re.compile(f"(?:{'|'.join(infix)})", _I) if infix else None
        cyrillic = "|".join(parts["cyrillic"])
        self.cyrillic = re.compile(rf"\b(?:{cyrillic})(?!\w)", _I) if cyrillic else None
        self.ar = (
            re.compile(rf"(?<!\w)(?:[وفبلكس]?(?:ال|[أايتن])?|لل)?(?:{'|'.join(parts['ar'])})")
            if parts["ar"]
            else None
        )
        self.cjk = re.compile("|".join(parts["cjk"]), _I) if parts["cjk"] else None

    def sub(self, text: str) -> str:
        """``text`` with every match blanked."""
        for pattern in (self.english, self.whole, self.cyrillic, self.infix, self.ar, self.cjk):
            if pattern is not None:
                text = pattern.sub(" ", text)
        return text

    def finditer(self, text: str) -> list[re.Match[str]]:
        """Every match of every script's pattern that ``text`` is written in."""
        found: list[re.Match[str]] = []
        for pattern, script in (
            (self.english, None),
            (self.whole, None),
            (self.cyrillic, HAS_CYRILLIC),
            (self.infix, None),
            (self.ar, HAS_ARABIC),
            (self.cjk, HAS_CJK),
        ):
            if pattern is not None and (script is None or script.search(text)):
                found.extend(pattern.finditer(text))
        return found

    def search(self, text: str) -> re.Match[str] | None:
        found = self.english.search(text) if self.english else None
        if found is None and self.whole is not None:
            found = self.whole.search(text)
        if found is None and self.cyrillic is not None and HAS_CYRILLIC.search(text):
            found = self.cyrillic.search(text)
        if found is None and self.infix is not None:
            found = self.infix.search(text)
        if found is None and self.ar is not None and HAS_ARABIC.search(text):
            found = self.ar.search(text)
        if found is None and self.cjk is not None and HAS_CJK.search(text):
            found = self.cjk.search(text)
        return found
