"""Issue 21's sixth intent round, kept as data beside its script and applied to the intent files
(``round6.py write``) with the head shipped in the round (bench/safety_rounds/README.md). Its
rows must render as the screen reads them, hold its dev families in both labels and every
language, and those dev families must be held out of the shipped head's training."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from labgate.safety.calls import result_data
from labgate.safety.head import data_path
from labgate.safety.screen import _one_sentence_each
from labgate.visible import definitions_text

ROUNDS = Path(__file__).resolve().parents[2] / "bench" / "safety_rounds"


def _round6():
    sys.path.insert(0, str(ROUNDS))
    try:
        import round6
    finally:
        sys.path.remove(str(ROUNDS))
    return round6


def test_round6_rows_render_as_the_screen_reads_them() -> None:
    round6 = _round6()
    rows = round6.read_rows()
    kinds = {r.kind for r in rows}
    assert kinds == {"tool", "result", "line"}
    for row in rows:
        text = round6.rendered(row)
        assert text.strip() and "\n" not in text, row
        if row.kind == "tool":
            assert text == _one_sentence_each(definitions_text({"tools": [row.raw]}))
        elif row.kind == "result":
            assert text == result_data(row.raw)


def test_round6_dev_families_have_both_labels_in_every_language() -> None:
    round6 = _round6()
    rows = round6.read_rows()
    dev = {f"{r.label}/{r.family}" for r in rows if r.dev}
    assert dev == set(round6.DEV_FAMILIES)
    for kind in ("tool", "result"):
        for benign in (True, False):
            assert any(r.dev and r.kind == kind and r.benign is benign for r in rows)
    for lang in round6.LANGS:
        assert any(r.dev and r.benign and r.lang == lang for r in rows), lang
        assert any(r.dev and not r.benign and r.lang == lang for r in rows), lang


def test_the_shipped_head_holds_the_round6_dev_families_out() -> None:
    """The head shipped with round 6 (and its blind r6b lines) trained on the round's other
    families, never on its dev families: each is in the shipped split's held-out part."""
    round6 = _round6()
    groups = json.loads(data_path("splits.json").read_text())["groups"]
    dev = {g: split for g, split in groups.items() if "/r6_" in g}
    held = {g for g in dev if g.endswith("_dev")}
    assert {g.split("/intent/", 1)[1] for g in held} == set(round6.DEV_FAMILIES)
    assert all(groups[g] == "val" for g in held)
    assert all(split == "train" for g, split in dev.items() if g not in held)
    assert any("/r6b_" in g and split == "train" for g, split in groups.items())
