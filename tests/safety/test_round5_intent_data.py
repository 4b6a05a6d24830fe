"""Issue 21's fifth intent round: the data's shape, its dev split, and the dev measurement.

The round's families (``r5_*``) were written in every language, Arabic and Russian most, with
harmful asks of each attack family the guard meets and matched benign lines on the same topics;
a quarter of the first 24 (three of each label, named ``*_dev``) were fixed as dev families in
``corpus.INTENT_DEV_FAMILIES`` before any training. ``bench/safety_dev.py`` measures a head on
those dev families through the real input screen; its selection and its check that a head
never trained on a dev family are tested here on the shipped files.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from labgate.safety.categories import BENIGN_CLASS, Category
from labgate.safety.corpus import INTENT_DEV_FAMILIES, INTENT_GROUPS
from labgate.safety.corpus_files import INTENT_LANGUAGES, read_intent
from labgate.safety.head import data_path

BENIGN = {BENIGN_CLASS, Category.ALLOWED_DUAL_USE.value}
BENCH = Path(__file__).resolve().parents[2] / "bench"


def _round5() -> dict[str, dict[str, int]]:
    """family group -> language -> rows, for the fifth round's families."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for lang in INTENT_LANGUAGES:
        for item in read_intent(lang):
            if item.group.rsplit("/", 1)[1].startswith("r5_"):
                out[item.group][lang] += 1
    return out


def _safety_dev():  # the bench script, imported as a module
    sys.path.insert(0, str(BENCH))
    try:
        import safety_dev
    finally:
        sys.path.remove(str(BENCH))
    return safety_dev


def test_round5_covers_arabic_and_russian_in_every_harmful_family() -> None:
    families = _round5()
    harmful = [g for g in families if g.split("/")[2] not in BENIGN]
    benign = [g for g in families if g.split("/")[2] in BENIGN]
    assert len(harmful) >= 12 and len(benign) >= 12
    for group in harmful:
        langs = families[group]
        assert langs.get("ar", 0) >= 1 and langs.get("ru", 0) >= 1, group
    # the matched benign side is written in every language
    for lang in INTENT_LANGUAGES:
        assert sum(families[g].get(lang, 0) for g in benign) >= 15, lang


# fixed before the first training of the round: 6 of its first 24 families; the families
# added after the first candidate was measured (r5_hpc_jobs, r5_source_security, ...) all
# train, so the dev split never moved
ROUND5_DEV = {
    INTENT_GROUPS + f
    for f in (
        "allowed_dual_use/r5_defence_mix_dev",
        "allowed_dual_use/r5_medicine_dev",
        "allowed_dual_use/r5_grid_cyber_dev",
        "cbrn_chemical/r5_reframed_mix_dev",
        "cbrn_biological/r5_terse_dev",
        "cbrn_radiological/r5_covert_poisoning_dev",
    )
}


def test_round5_dev_families_are_fixed_with_both_labels_and_recorded() -> None:
    families = _round5()
    dev = {g for g in families if g in INTENT_DEV_FAMILIES}
    assert dev == ROUND5_DEV
    assert all(g.endswith("_dev") == (g in dev) for g in families)
    labels = {g.removeprefix(INTENT_GROUPS).split("/")[0] in BENIGN for g in dev}
    assert labels == {True, False}
    recorded = json.loads(data_path("splits.json").read_text())["groups"]
    for group in families:
        assert recorded[group] == ("val" if group in dev else "train"), group


def test_safety_dev_measures_exactly_the_dev_families() -> None:
    bench = _safety_dev()
    items = bench.dev_items()
    assert {i.group for i in items} == set(INTENT_DEV_FAMILIES)
    assert {i.source.rsplit("_", 1)[1] for i in items} == set(INTENT_LANGUAGES)
    # the shipped head never trained on a dev family
    assert bench.trained_on(data_path("head.npz")) == []


def test_safety_dev_reports_a_head_that_trained_on_a_dev_family(tmp_path: Path) -> None:
    bench = _safety_dev()
    groups = json.loads(data_path("splits.json").read_text())["groups"]
    leaked = sorted(INTENT_DEV_FAMILIES)[0]
    (tmp_path / "splits.json").write_text(json.dumps({"groups": {**groups, leaked: "train"}}))
    assert bench.trained_on(tmp_path / "head.npz") == [leaked]


async def test_safety_dev_counts_a_head_through_the_input_screen() -> None:
    """A few dev rows through ``measure``: a conversation row is sent as its user turns, and
    the counts per family and language add up to the rows measured."""
    bench = _safety_dev()
    items = [i for i in bench.dev_items() if " || " in i.text][:2]
    items += [i for i in bench.dev_items() if i.label not in BENIGN][:3]
    result = await bench.measure(data_path("head.npz"), items)
    assert [i for i, _ in result.rows] == items
    assert all(a in ("allow", "flag", "block") for _, a in result.rows)
    for key in ("family", "language"):
        assert sum(c.n for c in result.table(key).values()) == len(items)
    totals = result.totals()
    assert sum(c.n for c in totals.values()) == len(items)
