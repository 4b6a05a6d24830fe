"""Security labels and the lattice they form.

A label is a classification *level* from an ordered list (lowest first, set in the config) plus
a set of *compartments* (need-to-know programs). Label A *dominates* B when A's level is at
least B's and A's compartments include all of B's; that partial order is a lattice, whose join
(:meth:`Lattice.lub`) is the high-water mark of several labels and whose meet
(:meth:`Lattice.glb`) is what two accreditations have in common.

Labels are written in the usual marking syntax: ``LEVEL`` or ``LEVEL//COMP1,COMP2``
(``"SECRET//NUC,SIGMA"``). Parsing is forgiving about case, spaces and ``/`` between
compartments (``"secret // nuc/sigma"``) and strict about everything else, because a label
that is misread is a label that is not enforced. :meth:`Lattice.format` writes the one
canonical form (upper case, compartments sorted, joined by ``,``).

The ordering depends on the configured levels, so every comparison goes through a
:class:`Lattice`; a :class:`Label` on its own is only a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

MAX_LABEL_CHARS = 256
_COMPARTMENT_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")
_COMPARTMENT_SPLIT_RE = re.compile(r"\s*[,/]\s*")
_LEVEL_RE = re.compile(r"^[A-Z0-9][A-Z0-9 _-]{0,63}$")


class LabelError(ValueError):
    """A label that cannot be used; subclasses say why (the policy maps each to a rule)."""


class MalformedLabel(LabelError):
    """The text is not in the marking syntax at all."""


class UnknownLevel(LabelError):
    """The level is not one of the configured levels."""

    def __init__(self, message: str, level: str) -> None:
        super().__init__(message)
        self.level = level


class UnknownCompartment(LabelError):
    """A compartment is not defined in the config."""

    def __init__(self, message: str, compartments: frozenset[str]) -> None:
        super().__init__(message)
        self.compartments = compartments


@dataclass(frozen=True, slots=True)
class Label:
    """A level and a set of compartments; compare labels with a :class:`Lattice`."""

    level: str
    compartments: frozenset[str] = field(default_factory=frozenset)

    @property
    def marking(self) -> str:
        """The canonical marking string, e.g. ``SECRET//NUC,SIGMA``."""
        if not self.compartments:
            return self.level
        return f"{self.level}//{','.join(sorted(self.compartments))}"

    def __str__(self) -> str:
        return self.marking


def normalise_level(text: str) -> str:
    """Upper case with inner runs of whitespace folded to one space (``top  secret``)."""
    return " ".join(text.split()).upper()


def normalise_compartment(text: str) -> str:
    return text.strip().upper()


def is_valid_level_name(name: str) -> bool:
    return bool(_LEVEL_RE.match(name)) and "//" not in name


def is_valid_compartment_name(name: str) -> bool:
    return bool(_COMPARTMENT_RE.match(name))


def split_marking(text: str) -> tuple[str, frozenset[str]]:
    """The level and compartment names a marking string names, normalised but not checked
    against any config. Raises :class:`MalformedLabel` for anything outside the syntax."""
    if not isinstance(text, str):
        raise MalformedLabel("a label must be a string such as SECRET//NUC")
    raw = text.strip()
    shown = _shown(raw)
    if not raw:
        raise MalformedLabel("the label is empty; write LEVEL or LEVEL//COMP1,COMP2")
    if len(raw) > MAX_LABEL_CHARS or not raw.isascii() or not raw.isprintable():
        raise MalformedLabel(
            f"the label {shown} is not a marking; write LEVEL or LEVEL//COMP1,COMP2 in plain "
            f"ASCII, at most {MAX_LABEL_CHARS} characters"
        )
    parts = raw.split("//")
    if len(parts) > 2:
        raise MalformedLabel(
            f"the label {shown} has more than one '//'; write LEVEL//COMP1,COMP2 "
            "(compartments separated by commas)"
        )
    level = normalise_level(parts[0])
    if not is_valid_level_name(level):
        raise MalformedLabel(
            f"the label {shown} does not start with a level; write LEVEL or LEVEL//COMP1,COMP2, "
            "for example SECRET//NUC"
        )
    if len(parts) == 1:
        return level, frozenset()
    names = [normalise_compartment(n) for n in _COMPARTMENT_SPLIT_RE.split(parts[1].strip())]
    if not all(is_valid_compartment_name(n) for n in names):
        raise MalformedLabel(
            f"the compartments of {shown} are not a comma-separated list of names (letters, "
            "digits, '-' and '_'); write LEVEL//COMP1,COMP2 or drop the '//'"
        )
    return level, frozenset(names)


def _shown(raw: str) -> str:
    """A caller's text, quoted and cut short, safe to put back into a message."""
    printable = "".join(ch if ch.isascii() and ch.isprintable() else "?" for ch in raw)
    return repr(printable[:40] + ("…" if len(printable) > 40 else ""))


class Lattice:
    """The configured levels (lowest first) and compartments, and the order they induce."""

    def __init__(self, levels: Sequence[str], compartments: Iterable[str] = ()) -> None:
        names = [normalise_level(level) for level in levels]
        if not names:
            raise ValueError("a lattice needs at least one level")
        if len(set(names)) != len(names):
            raise ValueError(f"levels must be distinct; got {names}")
        self.levels: tuple[str, ...] = tuple(names)
        self.compartments: frozenset[str] = frozenset(
            normalise_compartment(c) for c in compartments
        )
        self._rank = {name: i for i, name in enumerate(self.levels)}

    # -- building labels --------------------------------------------------------------------

    @property
    def bottom(self) -> Label:
        """The least label: the lowest level, no compartments."""
        return Label(self.levels[0])

    @property
    def top(self) -> Label:
        """The greatest label: the highest level with every defined compartment."""
        return Label(self.levels[-1], self.compartments)

    def rank(self, level: str) -> int:
        try:
            return self._rank[level]
        except KeyError:
            raise UnknownLevel(self._unknown_level_message(level), level) from None

    def label(self, level: str, compartments: Iterable[str] = ()) -> Label:
        """A checked label: the level must be configured and every compartment defined."""
        name = normalise_level(level)
        self.rank(name)
        comps = frozenset(normalise_compartment(c) for c in compartments)
        unknown = comps - self.compartments
        if unknown:
            listed = ", ".join(sorted(unknown))
            noun = "compartment" if len(unknown) == 1 else "compartments"
            raise UnknownCompartment(
                f"{noun} {listed} {'is' if len(unknown) == 1 else 'are'} not defined on this "
                "deployment; check the spelling, or ask your lab admin which compartments exist",
                frozenset(unknown),
            )
        return Label(name, comps)

    def parse(self, text: str) -> Label:
        """Read a marking string into a checked label (see the module docstring)."""
        level, compartments = split_marking(text)
        return self.label(level, compartments)

    def format(self, label: Label) -> str:
        return label.marking

    # -- the order --------------------------------------------------------------------------

    def dominates(self, a: Label, b: Label) -> bool:
        """True when ``a`` is at least as high as ``b`` and holds all of ``b``'s compartments."""
        return self.rank(a.level) >= self.rank(b.level) and a.compartments >= b.compartments

    def lub(self, *labels: Label) -> Label:
        """The least upper bound (join): highest level, union of compartments.

        The high-water mark of a set of labels; of no labels, the bottom.
        """
        if not labels:
            return self.bottom
        level = max(labels, key=lambda lab: self.rank(lab.level)).level
        return Label(level, frozenset().union(*(lab.compartments for lab in labels)))

    def glb(self, *labels: Label) -> Label:
        """The greatest lower bound (meet): lowest level, common compartments."""
        if not labels:
            return self.top
        level = min(labels, key=lambda lab: self.rank(lab.level)).level
        return Label(level, frozenset.intersection(*(lab.compartments for lab in labels)))

    def within(self, label: Label, low: Label, high: Label) -> bool:
        """True when ``low <= label <= high`` in the dominance order."""
        return self.dominates(label, low) and self.dominates(high, label)

    def _unknown_level_message(self, level: str) -> str:
        return (
            f"{level!r} is not a classification level on this deployment; the levels, lowest "
            f"first, are: {', '.join(self.levels)}"
        )
