"""Labels: the marking syntax, and the lattice laws checked exhaustively on a small lattice."""

from __future__ import annotations

import itertools

import pytest

from labgate.access.labels import (
    Label,
    Lattice,
    MalformedLabel,
    UnknownCompartment,
    UnknownLevel,
)

LATTICE = Lattice(["UNCLASSIFIED", "CUI", "SECRET", "TOP SECRET"], ["NUC", "SIGMA", "SI"])


@pytest.mark.parametrize(
    ("text", "level", "compartments", "canonical"),
    [
        ("UNCLASSIFIED", "UNCLASSIFIED", set(), "UNCLASSIFIED"),
        ("SECRET//NUC,SIGMA", "SECRET", {"NUC", "SIGMA"}, "SECRET//NUC,SIGMA"),
        ("SECRET//SIGMA,NUC", "SECRET", {"NUC", "SIGMA"}, "SECRET//NUC,SIGMA"),
        ("  secret // nuc / sigma ", "SECRET", {"NUC", "SIGMA"}, "SECRET//NUC,SIGMA"),
        ("top   secret//SI", "TOP SECRET", {"SI"}, "TOP SECRET//SI"),
        ("cui", "CUI", set(), "CUI"),
        ("SECRET//NUC,NUC", "SECRET", {"NUC"}, "SECRET//NUC"),
    ],
)
def test_markings_parse_and_format_canonically(
    text: str, level: str, compartments: set[str], canonical: str
) -> None:
    label = LATTICE.parse(text)
    assert label == Label(level, frozenset(compartments))
    assert LATTICE.format(label) == canonical == str(label)
    assert LATTICE.parse(canonical) == label


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", MalformedLabel),
        ("   ", MalformedLabel),
        ("SECRET//", MalformedLabel),
        ("SECRET//NUC//NOFORN", MalformedLabel),
        ("//NUC", MalformedLabel),
        ("SECRET//NUC;SIGMA", MalformedLabel),
        ("SECRET//,NUC", MalformedLabel),
        ("SECRÉT", MalformedLabel),
        ("S" * 300, MalformedLabel),
        ("RESTRICTED", UnknownLevel),
        ("SECRET//GAMMA", UnknownCompartment),
    ],
)
def test_bad_markings_are_refused_with_the_right_error(text: str, error: type) -> None:
    with pytest.raises(error):
        LATTICE.parse(text)


def test_an_unknown_compartment_error_names_it_but_not_the_defined_ones() -> None:
    with pytest.raises(UnknownCompartment) as err:
        LATTICE.parse("SECRET//NUC,GAMMA")
    assert err.value.compartments == frozenset({"GAMMA"})
    assert "GAMMA" in str(err.value) and "SIGMA" not in str(err.value)


def test_an_unknown_level_error_lists_the_levels_in_order() -> None:
    with pytest.raises(UnknownLevel) as err:
        LATTICE.parse("RESTRICTED")
    assert "UNCLASSIFIED, CUI, SECRET, TOP SECRET" in str(err.value)


# -- the lattice laws, over every label of a small lattice ---------------------------------

SMALL = Lattice(["LOW", "MID", "HIGH"], ["A", "B"])
ALL = [
    Label(level, frozenset(comps))
    for level in SMALL.levels
    for n in range(3)
    for comps in itertools.combinations(["A", "B"], n)
]


def test_the_small_lattice_has_every_label() -> None:
    assert len(ALL) == 12 and len(set(ALL)) == 12


def test_dominance_is_a_partial_order() -> None:
    for a in ALL:
        assert SMALL.dominates(a, a)
    for a, b in itertools.product(ALL, ALL):
        if SMALL.dominates(a, b) and SMALL.dominates(b, a):
            assert a == b
    for a, b, c in itertools.product(ALL, ALL, ALL):
        if SMALL.dominates(a, b) and SMALL.dominates(b, c):
            assert SMALL.dominates(a, c)


def test_dominance_matches_its_definition() -> None:
    rank = {level: i for i, level in enumerate(SMALL.levels)}
    for a, b in itertools.product(ALL, ALL):
        expected = rank[a.level] >= rank[b.level] and a.compartments >= b.compartments
        assert SMALL.dominates(a, b) is expected


def test_dominance_is_not_total_when_compartments_differ() -> None:
    a, b = Label("HIGH", frozenset({"A"})), Label("LOW", frozenset({"B"}))
    assert not SMALL.dominates(a, b) and not SMALL.dominates(b, a)


def test_lub_is_the_least_upper_bound() -> None:
    for a, b in itertools.product(ALL, ALL):
        join = SMALL.lub(a, b)
        assert SMALL.dominates(join, a) and SMALL.dominates(join, b)
        for upper in ALL:
            if SMALL.dominates(upper, a) and SMALL.dominates(upper, b):
                assert SMALL.dominates(upper, join)


def test_glb_is_the_greatest_lower_bound() -> None:
    for a, b in itertools.product(ALL, ALL):
        meet = SMALL.glb(a, b)
        assert SMALL.dominates(a, meet) and SMALL.dominates(b, meet)
        for lower in ALL:
            if SMALL.dominates(a, lower) and SMALL.dominates(b, lower):
                assert SMALL.dominates(meet, lower)


def test_lub_is_commutative_associative_and_idempotent() -> None:
    for a, b in itertools.product(ALL, ALL):
        assert SMALL.lub(a, b) == SMALL.lub(b, a)
        assert SMALL.lub(a, a) == a
    for a, b, c in itertools.product(ALL, ALL, ALL):
        assert SMALL.lub(SMALL.lub(a, b), c) == SMALL.lub(a, SMALL.lub(b, c)) == SMALL.lub(a, b, c)


def test_bounds_of_nothing_are_bottom_and_top() -> None:
    assert SMALL.lub() == SMALL.bottom == Label("LOW")
    assert SMALL.glb() == SMALL.top == Label("HIGH", frozenset({"A", "B"}))
    for a in ALL:
        assert SMALL.dominates(SMALL.top, a) and SMALL.dominates(a, SMALL.bottom)


def test_within_a_range() -> None:
    low, high = Label("MID"), Label("HIGH", frozenset({"A"}))
    inside = {a for a in ALL if SMALL.within(a, low, high)}
    assert inside == {
        Label("MID"), Label("MID", frozenset({"A"})), Label("HIGH"), Label("HIGH", frozenset({"A"}))
    }
