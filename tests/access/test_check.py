"""``labgate config check``: each unsafe or inconsistent configuration, one problem at a time."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from pydantic import ValidationError

from labgate.access.check import Problem, check_config, errors_only
from labgate.access.config import LabelsConfig

from .conftest import labels_table

ISSUER = "https://idp.lab.example"


def whole_config(**label_overrides: Any) -> dict[str, Any]:
    """A complete config: models o1-open/o1-cui/o1-nuc, one OIDC issuer, a [labels] table."""
    labels = labels_table(models={"open": "UNCLASSIFIED", "cui": "CUI", "nuc": "SECRET//NUC"})
    labels.update(label_overrides)
    return {
        "embedded": {"enabled": False},
        "models": [
            {"name": n, "workers": ["http://127.0.0.1:1/v1"]} for n in ("open", "cui", "nuc")
        ],
        "oidc": {"issuers": [{"issuer": ISSUER, "audience": "labgate", "lab": "lanl",
                              "clearance_claim": "clearance"}]},
        "labels": labels,
    }


def only_problem(config: dict[str, Any]) -> Problem:
    problems = check_config(config)
    assert len(problems) == 1, problems
    return problems[0]


def test_a_consistent_config_has_no_problems() -> None:
    assert check_config(whole_config()) == []


def test_no_labels_table_means_no_problems() -> None:
    assert check_config({"models": []}) == []


def test_a_model_accredited_above_the_range() -> None:
    p = only_problem(whole_config(models={"open": "UNCLASSIFIED", "cui": "CUI",
                                          "nuc": "TOP SECRET//NUC"}))
    assert p.severity == "error" and p.key == "labels.models.nuc"
    assert "above the deployment's range" in p.message


def test_a_model_accredited_with_a_compartment_outside_the_range() -> None:
    cfg = whole_config(range={"min": "UNCLASSIFIED", "max": "SECRET//NUC"},
                       models={"open": "UNCLASSIFIED", "cui": "CUI", "nuc": "SECRET//SIGMA"})
    problems = errors_only(check_config(cfg))
    assert [p.key for p in problems] == ["labels.models.nuc"]


def test_a_model_accredited_below_the_range() -> None:
    cfg = whole_config(range={"min": "CUI", "max": "SECRET//NUC,SIGMA"},
                       default_request_label="CUI")
    p = only_problem(cfg)
    assert p.key == "labels.models.open" and "could serve no request" in p.message


def test_a_compartment_referenced_but_not_defined() -> None:
    p = only_problem(whole_config(models={"open": "UNCLASSIFIED", "cui": "CUI",
                                          "nuc": "SECRET//OMEGA"}))
    assert p.key == "labels.models.nuc" and "OMEGA" in p.message


def test_an_allowance_for_an_undefined_compartment() -> None:
    cfg = whole_config(allowances=[{"compartment": "OMEGA", "categories": ["cbrn_nuclear"]}])
    p = only_problem(cfg)
    assert p.key == "labels.allowances[0].compartment"
    assert "referenced but not defined" in p.message


def test_an_allowance_for_an_unknown_safety_category() -> None:
    cfg = whole_config(allowances=[{"compartment": "NUC", "categories": ["weapons"]}])
    p = only_problem(cfg)
    assert p.key == "labels.allowances[0].categories" and "cbrn_nuclear" in p.message


def test_a_level_not_in_the_ordered_list() -> None:
    p = only_problem(whole_config(range={"min": "UNCLASSIFIED", "max": "RESTRICTED"}))
    assert p.key == "labels.range.max" and "RESTRICTED" in p.message
    assert "UNCLASSIFIED, CUI, SECRET, TOP SECRET" in p.message


def test_an_issuer_clearance_claim_mapped_to_an_undefined_level() -> None:
    cfg = whole_config(issuers={ISSUER: {"levels": {"Q": "SECRET", "Z": "COSMIC"}}})
    p = only_problem(cfg)
    assert p.key == f'labels.issuers."{ISSUER}".levels.Z' and "COSMIC" in p.message


def test_an_issuer_claim_mapped_to_a_full_label() -> None:
    cfg = whole_config(issuers={ISSUER: {"levels": {"Q": "SECRET//NUC"}}})
    assert "map each clearance claim value to a level only" in only_problem(cfg).message


def test_an_issuer_compartment_claim_mapped_to_an_undefined_compartment() -> None:
    cfg = whole_config(issuers={ISSUER: {"levels": {"Q": "SECRET"},
                                         "compartments": {"x": "OMEGA"}}})
    assert only_problem(cfg).key == f'labels.issuers."{ISSUER}".compartments.x'


def test_duplicate_levels() -> None:
    cfg = whole_config(levels=["UNCLASSIFIED", "CUI", "SECRET", "secret", "TOP SECRET"])
    p = only_problem(cfg)
    assert p.key == "labels.levels[3]" and "listed twice" in p.message


def test_default_label_outside_the_range() -> None:
    p = only_problem(whole_config(default_request_label="TOP SECRET"))
    assert p.key == "labels.default_request_label" and "outside" in p.message


def test_an_empty_range() -> None:
    cfg = whole_config(range={"min": "SECRET", "max": "CUI"}, default_request_label=None,
                       models={"nuc": "CUI", "cui": "CUI", "open": "CUI"})
    keys = [p.key for p in errors_only(check_config(cfg))]
    assert "labels.range" in keys


def test_labels_settings_without_levels_are_flagged() -> None:
    problems = check_config({"labels": {"models": {"open": "SECRET"}}})
    assert [p.key for p in problems] == ["labels.models"]
    assert "labels.levels is empty" in problems[0].message


def test_shape_errors_name_the_key() -> None:
    problems = check_config({"labels": {"levels": ["U"], "banners": {"U": {"background": "red",
                                                                          "foreground": "#fff"}}}})
    keys = {p.key for p in problems}
    assert keys == {"labels.banners.U.background", "labels.banners.U.foreground"}
    assert check_config({"labels": "SECRET"})[0].key == "labels"


def test_warnings_point_at_likely_mistakes() -> None:
    cfg = whole_config(models={"open": "UNCLASSIFIED", "cui": "CUI", "nuc": "SECRET//NUC",
                               "typo": "CUI"})
    cfg["models"].append({"name": "extra", "workers": []})
    cfg["oidc"]["issuers"].append({"issuer": "https://idp.other.example", "audience": "x",
                                   "lab": "ornl", "clearance_claim": "lvl"})
    cfg["labels"]["levels"] = ["UNCLASSIFIED", "CUI", "SECRET", "TOP SECRET", "COSMIC"]
    problems = check_config(cfg)
    assert errors_only(problems) == []
    keys = {p.key for p in problems}
    assert keys == {
        "labels.models.typo",  # accreditation for a model that does not exist
        "labels.models.extra",  # a model with no accreditation
        'labels.issuers."https://idp.other.example"',  # clearance claim read verbatim
        "labels.banners.COSMIC",  # a level without banner colours
    }
    verbatim = next(p for p in problems if p.key == 'labels.issuers."https://idp.other.example"')
    assert verbatim.severity == "unsafe"  # config check exits non-zero for it (issue 28)


def test_a_settings_like_model_is_accepted() -> None:
    from pydantic import BaseModel

    class Settings(BaseModel):
        labels: LabelsConfig
        models: list[dict[str, Any]] = []

    settings = Settings(labels=LabelsConfig.model_validate(labels_table()), models=[
        {"name": n} for n in ("open", "cui", "nuc")
    ])
    problems = check_config(settings)
    assert errors_only(problems) == []


def test_the_gateway_refuses_an_inconsistent_section_at_load() -> None:
    with pytest.raises(ValidationError) as err:
        LabelsConfig.model_validate(labels_table(default_request_label="TOP SECRET"))
    assert "labels.default_request_label" in str(err.value)


def test_the_documented_example_checks_clean() -> None:
    """The example in docs/labels.md is a config that passes the check."""
    from tests.conftest import REPO

    text = (REPO / "docs" / "labels.md").read_text()
    block = text.split("```toml\n", 1)[1].split("```", 1)[0]
    config = tomllib.loads(block)
    assert errors_only(check_config(config)) == []
    LabelsConfig.model_validate(config["labels"])
