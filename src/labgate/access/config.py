"""The ``[labels]`` section of the config: levels, compartments, range, accreditations.

An example (``docs/labels.md`` explains every key)::

    [labels]
    levels = ["UNCLASSIFIED", "CUI", "CONFIDENTIAL", "SECRET", "TOP SECRET"]
    enclave = "nuclear-security"
    default_request_label = "SECRET"

    [labels.compartments]
    NUC = "Nuclear weapons effects program"

    [labels.range]
    min = "SECRET"
    max = "SECRET//NUC"

    [labels.models]
    "o1-nuc" = "SECRET//NUC"

    [labels.issuers."https://idp.example-lab.gov"]
    levels = { Q = "SECRET", L = "CONFIDENTIAL" }

    [[labels.allowances]]
    compartment = "NUC"
    categories = ["cbrn_nuclear"]
    action = "allow"

With no ``levels`` the section is off: everything is UNCLASSIFIED and every check passes (the
open deployment). Pydantic checks the shape here; whether the values agree with each other
(levels defined, compartments defined, models inside the range…) is checked by
:mod:`labgate.access.check`, which this model runs when it is validated, so a gateway never
starts on an inconsistent section. ``labgate config check`` runs the same checks and lists every
problem instead of stopping at the first.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

# Pass ``context={SKIP_CONSISTENCY: True}`` to validate only the shape (used by the checker).
SKIP_CONSISTENCY = "labels_skip_consistency"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BannerConfig(_Section):
    """The colours of one level's banner bar."""

    background: str = Field(pattern=r"^#[0-9a-fA-F]{6}$", description="Bar colour, #rrggbb.")
    foreground: str = Field(pattern=r"^#[0-9a-fA-F]{6}$", description="Text colour, #rrggbb.")


class RangeConfig(_Section):
    """The labels this deployment (enclave) serves: from ``min`` up to ``max``."""

    min: str | None = Field(default=None, description="Lowest label; default: the lowest level.")
    max: str | None = Field(
        default=None,
        description="Highest label; default: the highest level with every compartment.",
    )


class IssuerLabelsConfig(_Section):
    """How one identity provider's clearance claims map onto this deployment's labels."""

    levels: dict[str, str] = Field(
        default_factory=dict,
        description="Clearance claim value -> level (e.g. Q -> SECRET). Unmapped values give "
        "no clearance.",
    )
    compartments: dict[str, str] = Field(
        default_factory=dict,
        description="Compartment claim value -> compartment; unmapped values are used as they "
        "are if they name a defined compartment.",
    )


class AllowanceConfig(_Section):
    """A safety category relaxed for work inside one compartment (every use is audited)."""

    compartment: str = Field(min_length=1, description="The compartment that earns it.")
    categories: list[str] = Field(min_length=1, description="Safety categories it relaxes.")
    action: Literal["allow", "flag"] = Field(
        default="allow", description="What those categories do instead of their usual action."
    )
    min_level: str | None = Field(
        default=None, description="Only for request labels at or above this level."
    )
    models: list[str] = Field(default_factory=list, description="Only these models; empty: all.")
    note: str = ""


class LabelsConfig(_Section):
    """Clearance labels: the lattice, the enclave's range, accreditations, banners."""

    levels: list[str] = Field(
        default_factory=list,
        description="Classification levels, lowest first. Empty: labels are off (everything "
        "is UNCLASSIFIED).",
    )
    compartments: dict[str, str] = Field(
        default_factory=dict, description="Compartment name -> what the program is."
    )
    enclave: str = Field(default="", description="This deployment's name, shown on pages.")
    range: RangeConfig = Field(default_factory=RangeConfig)
    default_request_label: str | None = Field(
        default=None,
        description="Label of requests that state none; default: the range's minimum.",
    )
    default_clearance: str | None = Field(
        default=None,
        description="Clearance of users who carry none; default: the lowest level.",
    )
    banners: dict[str, BannerConfig] = Field(
        default_factory=dict, description="Level -> banner colours (default: the US scheme)."
    )
    models: dict[str, str] = Field(
        default_factory=dict,
        description="Model name -> accreditation label (the highest it may process); models "
        "not listed get the range's minimum.",
    )
    issuers: dict[str, IssuerLabelsConfig] = Field(
        default_factory=dict, description="OIDC issuer -> mapping of its clearance claims."
    )
    allowances: list[AllowanceConfig] = Field(default_factory=list)

    @property
    def enabled(self) -> bool:
        return bool(self.levels)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> LabelsConfig:
        if info.context and info.context.get(SKIP_CONSISTENCY):
            return self
        from labgate.access.check import labels_problems

        errors = [p for p in labels_problems(self) if p.severity == "error"]
        if errors:
            raise ValueError(
                "inconsistent [labels] section:\n" + "\n".join(f"  {p}" for p in errors)
            )
        return self
