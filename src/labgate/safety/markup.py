"""What the classifier reads of a text that carries markup and file paths.

Clients wrap context in markup a person never types: Codex CLI sends every turn with an
``<environment_context>`` block (its working directory twice, the shell, the date, a
permission profile in nested tags). The sentence encoder reads tags and paths as words of no
language, and its reading of them is noise: that block scored from 0.36 to 0.73
``cbrn_biological`` depending only on the digits of its working directory
(``/tmp/pytest-of-root/pytest-0/...`` blocked, ``pytest-1`` flagged, ``/home/alice/project``
allowed), so the same harmless turn was refused in one directory and answered in the next.

:func:`classifier_view` is the text the classifier's segments are cut from: each element
whose content is one token (``<shell>bash</shell>``: a field's value, not a sentence) removed,
each tag replaced by those of its attribute values that are phrases (a tag's name is not prose;
a quoted sentence inside it may be), each path of two or more separators (``/a/b``, ``~/x/y``,
``C:\\a\\b``, a URL) removed. Field values glued to the ask were noise too: Codex's
``on-request workspace-write restricted bash`` before "Add a unit test for the parse_config
function." blocked that turn at 0.735 ``cbrn_chemical``. The
lexicon, the patterns and the decoders still read the text as sent, and also
:func:`path_words`, the text with each path's names as words, so an ask written as a path
(``/how/to/make/<agent>/at/home``) is read as the words it spells.
"""

from __future__ import annotations

import re

# A tag: <name ...>, </name>, <name/>; attributes in single or double quotes or bare.
_TAG = re.compile(r"</?[A-Za-z_][\w:.-]*((?:\s+[^<>]*?)?)\s*/?>")
_ATTRIBUTE_VALUE = re.compile(r"""=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>/]+))""")
# A path: a scheme's "//", or a root ("/", "~/", "./", "C:\"), or a first name, then two or
# more separators each followed by a name; no spaces inside.
_PATH = re.compile(
    r"(?<![\w/\\.~:-])"
    r"(?:[A-Za-z][\w+.-]*://[^\s/<>\"'`]+|[A-Za-z]:|~|\.{1,2}|[\w.@%+-]+)?"
    r"(?:[/\\][\w.@%+~:=-]+){2,}[/\\]?"
)
_NAME_PARTS = re.compile(r"[/\\_.:=+~@%-]+")
# An element whose content is one token (``<shell>bash</shell>``,
# ``<approval_policy>on-request</approval_policy>``): a field's value, not a sentence.
_FIELD = re.compile(r"<([A-Za-z_][\w:.-]*)(?:\s[^<>]*)?>\s*[^\s<>]{0,120}\s*</\1\s*>")


def _attribute_values(match: re.Match[str]) -> str:
    values = [
        next(v for v in m.groups() if v is not None)
        for m in _ATTRIBUTE_VALUE.finditer(match.group(1))
    ]
    return " " + " ".join(v for v in values if v and len(v.split()) > 1) + " "


def has_markup(text: str) -> bool:
    """Whether ``text`` holds a tag or a path (the common case, plain prose, costs one scan
    for each)."""
    return ("<" in text and _TAG.search(text) is not None) or _PATH.search(text) is not None


def classifier_view(text: str) -> str:
    """``text`` with tags replaced by their attribute values and paths removed; ``text``
    itself when it has neither."""
    if "<" in text:
        text = _TAG.sub(_attribute_values, _FIELD.sub(" ", text))
    if "/" in text or "\\" in text:
        text = _PATH.sub(" ", text)
    return text


def path_words(text: str) -> str | None:
    """``text`` with each path's names as words (``/how/to/go`` -> ``how to go``), or None
    when it holds no path."""
    if "/" not in text and "\\" not in text:
        return None
    changed = _PATH.sub(lambda m: " " + " ".join(_NAME_PARTS.split(m.group(0))).strip() + " ", text)
    return changed if changed != text else None
