"""A labelled deployment shared by the access tests.

Levels UNCLASSIFIED < CUI < SECRET < TOP SECRET; compartments NUC and SIGMA; the enclave serves
UNCLASSIFIED up to SECRET//NUC,SIGMA (so TOP SECRET is out of range). Models: ``open``
(UNCLASSIFIED), ``cui`` (CUI), ``nuc`` (SECRET//NUC), and ``plain``, which has no accreditation
and so gets the range's minimum.
"""

from __future__ import annotations

from typing import Any

import pytest

from labgate.access.config import LabelsConfig
from labgate.access.policy import AccessPolicy

LEVELS = ["UNCLASSIFIED", "CUI", "SECRET", "TOP SECRET"]


def labels_table(**overrides: Any) -> dict[str, Any]:
    table: dict[str, Any] = {
        "levels": list(LEVELS),
        "enclave": "test-enclave",
        "compartments": {"NUC": "nuclear weapons effects", "SIGMA": "a second program"},
        "range": {"min": "UNCLASSIFIED", "max": "SECRET//NUC,SIGMA"},
        "default_request_label": "UNCLASSIFIED",
        "models": {"open": "UNCLASSIFIED", "cui": "CUI", "nuc": "SECRET//NUC"},
        "issuers": {
            "https://idp.lab.example": {
                "levels": {"Q": "SECRET", "L": "CUI"},
                "compartments": {"weapons-effects": "NUC"},
            }
        },
        "allowances": [
            {"compartment": "NUC", "categories": ["cbrn_nuclear"], "action": "allow",
             "min_level": "SECRET"},
        ],
    }
    table.update(overrides)
    return table


@pytest.fixture
def policy() -> AccessPolicy:
    return AccessPolicy(LabelsConfig.model_validate(labels_table()))
