"""``labgate config check``: find unsafe or inconsistent label configurations before they run.

Each :class:`Problem` names the config key it is about and says what to change. Errors make a
configuration unusable (the gateway refuses to start on it); warnings point at something that
works but is probably not what was meant. What is checked:

* levels: present, distinct, well formed; a banner colour for each (or a default one);
* compartments: well formed, distinct, and every compartment referenced anywhere is defined;
* every label in the section (range, default request label, default clearance, accreditations)
  is well formed, names configured levels only, and lies where it must: the default request
  label inside the range, each model's accreditation no higher than the range's top and not so
  low that the model can serve nothing in the range;
* issuers: each clearance claim maps to a configured level (and each compartment claim to a
  defined compartment); with the whole config at hand, also that the issuers are configured
  under ``[oidc]`` and that each issuer with a clearance claim has a mapping;
* allowances: a defined compartment, known safety categories, a configured ``min_level``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from labgate.access.banners import DEFAULT_BANNER_COLOURS
from labgate.access.config import SKIP_CONSISTENCY, LabelsConfig
from labgate.access.labels import (
    Label,
    LabelError,
    Lattice,
    is_valid_compartment_name,
    is_valid_level_name,
    normalise_compartment,
    normalise_level,
)

Severity = Literal["error", "warning", "unsafe"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a configuration, naming its key."""

    key: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.severity}: {self.key}: {self.message}"


def _key(*parts: str | int) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z0-9_-]+", part):
            out += ("." if out else "") + part
        else:
            out += f'."{part}"' if out else f'"{part}"'
    return out


class _Checker:
    """Collects the problems of one ``[labels]`` section."""

    def __init__(self, cfg: LabelsConfig) -> None:
        self.cfg = cfg
        self.problems: list[Problem] = []
        self.lattice = self._lattice()

    def add(self, key: str, message: str, severity: Severity = "error") -> None:
        self.problems.append(Problem(key, message, severity))

    # -- the lattice itself -----------------------------------------------------------------

    def _lattice(self) -> Lattice:
        names: list[str] = []
        for i, raw in enumerate(self.cfg.levels):
            name = normalise_level(raw)
            if not is_valid_level_name(name):
                self.add(
                    _key("labels", "levels", i),
                    f"{raw!r} is not a usable level name: use letters, digits, spaces, '-' or "
                    "'_' (no '//' or ',')",
                )
            elif name in names:
                self.add(
                    _key("labels", "levels", i),
                    f"level {name!r} is listed twice; list each level once, lowest first",
                )
            else:
                names.append(name)
        seen: set[str] = set()
        for raw in self.cfg.compartments:
            name = normalise_compartment(raw)
            if not is_valid_compartment_name(name):
                self.add(
                    _key("labels", "compartments", raw),
                    f"{raw!r} is not a usable compartment name: 1-32 letters, digits, '-' or "
                    "'_', starting with a letter or digit",
                )
            elif name in seen:
                self.add(
                    _key("labels", "compartments", raw),
                    f"compartment {name!r} is defined twice (names ignore case)",
                )
            seen.add(name)
        valid = [c for c in seen if is_valid_compartment_name(c)]
        return Lattice(names or ["UNCLASSIFIED"], valid)

    def parse(self, key: str, text: str) -> Label | None:
        try:
            return self.lattice.parse(text)
        except LabelError as exc:
            self.add(key, str(exc))
            return None

    # -- the section ------------------------------------------------------------------------

    def run(self) -> list[Problem]:
        cfg = self.cfg
        if not cfg.enabled:
            self._check_off()
            return self.problems
        self._check_banners()
        low, high = self._check_range()
        self._check_defaults(low, high)
        self._check_models(low, high)
        self._check_issuers()
        self._check_allowances(high)
        return self.problems

    def _check_off(self) -> None:
        cfg = self.cfg
        used = {
            "compartments": bool(cfg.compartments),
            "range": cfg.range.min is not None or cfg.range.max is not None,
            "default_request_label": cfg.default_request_label is not None,
            "default_clearance": cfg.default_clearance is not None,
            "models": bool(cfg.models),
            "issuers": bool(cfg.issuers),
            "allowances": bool(cfg.allowances),
            "banners": bool(cfg.banners),
        }
        for name, present in used.items():
            if present:
                self.add(
                    _key("labels", name),
                    "is set but labels.levels is empty, so labels are off and this is ignored; "
                    "list the levels (lowest first) in labels.levels, or remove this key",
                )

    def _check_banners(self) -> None:
        levels = set(self.lattice.levels)
        for raw in self.cfg.banners:
            if normalise_level(raw) not in levels:
                self.add(
                    _key("labels", "banners", raw),
                    f"banner colours for {raw!r}, which is not a level in labels.levels",
                )
        configured = {normalise_level(k) for k in self.cfg.banners}
        for level in self.lattice.levels:
            if level not in configured and level not in DEFAULT_BANNER_COLOURS:
                self.add(
                    _key("labels", "banners", level),
                    f"level {level!r} has no banner colour; pages show it on a grey bar. Set "
                    "background and foreground for it",
                    "warning",
                )

    def _check_range(self) -> tuple[Label, Label]:
        cfg, lat = self.cfg, self.lattice
        low = lat.bottom
        high = lat.top
        if cfg.range.min is not None:
            low = self.parse(_key("labels", "range", "min"), cfg.range.min) or low
        if cfg.range.max is not None:
            high = self.parse(_key("labels", "range", "max"), cfg.range.max) or high
        if not lat.dominates(high, low):
            self.add(
                _key("labels", "range"),
                f"the range is empty: max {high} does not dominate min {low}; raise max or "
                "lower min",
            )
        return low, high

    def _check_defaults(self, low: Label, high: Label) -> None:
        cfg, lat = self.cfg, self.lattice
        if cfg.default_request_label is not None:
            key = _key("labels", "default_request_label")
            default = self.parse(key, cfg.default_request_label)
            if default is not None and not lat.within(default, low, high):
                self.add(
                    key,
                    f"{default} is outside the deployment's range {low} .. {high}; every request "
                    "that states no label would be refused. Pick a label inside the range",
                )
        if cfg.default_clearance is not None:
            self.parse(_key("labels", "default_clearance"), cfg.default_clearance)

    def _check_models(self, low: Label, high: Label) -> None:
        lat = self.lattice
        for model, text in self.cfg.models.items():
            key = _key("labels", "models", model)
            accreditation = self.parse(key, text)
            if accreditation is None:
                continue
            if not lat.dominates(high, accreditation):
                self.add(
                    key,
                    f"model {model!r} is accredited {accreditation}, above the deployment's "
                    f"range (max {high}); a model may not be accredited beyond the enclave it "
                    "runs in. Lower its accreditation or raise labels.range.max",
                )
            elif not lat.dominates(accreditation, low):
                self.add(
                    key,
                    f"model {model!r} is accredited {accreditation}, below the range's minimum "
                    f"{low}, so it could serve no request here; raise its accreditation",
                )

    def _check_issuers(self) -> None:
        levels = set(self.lattice.levels)
        for issuer, mapping in self.cfg.issuers.items():
            for claim, level in mapping.levels.items():
                key = _key("labels", "issuers", issuer, "levels", claim)
                name = normalise_level(level)
                if "//" in level:
                    self.add(
                        key,
                        f"maps to {level!r}, a full label; map each clearance claim value to a "
                        "level only (compartments come from the compartments claim)",
                    )
                elif name not in levels:
                    self.add(
                        key,
                        f"clearance claim {claim!r} maps to {level!r}, which is not a level in "
                        f"labels.levels ({', '.join(self.lattice.levels)})",
                    )
            for claim, compartment in mapping.compartments.items():
                if normalise_compartment(compartment) not in self.lattice.compartments:
                    self.add(
                        _key("labels", "issuers", issuer, "compartments", claim),
                        f"compartment claim {claim!r} maps to {compartment!r}, which is not "
                        "defined in labels.compartments",
                    )

    def _check_allowances(self, high: Label) -> None:
        from labgate.safety.categories import Category

        categories = {c.value for c in Category}
        for i, allowance in enumerate(self.cfg.allowances):
            key = _key("labels", "allowances", i)
            name = normalise_compartment(allowance.compartment)
            if name not in self.lattice.compartments:
                self.add(
                    key + ".compartment",
                    f"compartment {allowance.compartment!r} is referenced but not defined in "
                    "labels.compartments",
                )
            elif name not in high.compartments:
                self.add(
                    key + ".compartment",
                    f"compartment {name!r} is outside the range (max {high}), so this "
                    "allowance can never apply",
                    "warning",
                )
            for category in allowance.categories:
                if category not in categories:
                    self.add(
                        key + ".categories",
                        f"{category!r} is not a safety category; choose from "
                        f"{', '.join(sorted(categories))}",
                    )
            if allowance.min_level is not None:
                level = normalise_level(allowance.min_level)
                if level not in self.lattice.levels:
                    self.add(
                        key + ".min_level",
                        f"{allowance.min_level!r} is not a level in labels.levels",
                    )


def labels_problems(
    cfg: LabelsConfig,
    *,
    models: Collection[str] | None = None,
    issuers: Mapping[str, str | None] | None = None,
) -> list[Problem]:
    """The problems of one ``[labels]`` section.

    ``models`` (the configured model names) and ``issuers`` (OIDC issuer -> its clearance
    claim name, or None) enable the checks that need the rest of the config.
    """
    checker = _Checker(cfg)
    problems = checker.run()
    if not cfg.enabled:
        return problems
    if models is not None:
        problems += _cross_models(cfg, set(models), checker.lattice)
    if issuers is not None:
        problems += _cross_issuers(cfg, issuers)
    return problems


def _cross_models(cfg: LabelsConfig, models: set[str], lattice: Lattice) -> list[Problem]:
    out: list[Problem] = []
    for name in cfg.models:
        if name not in models:
            out.append(
                Problem(
                    _key("labels", "models", name),
                    f"accreditation for model {name!r}, which is not configured; check the "
                    "name against [[models]] (or [embedded] model_name)",
                    "warning",
                )
            )
    low = cfg.range.min or lattice.bottom.marking
    for name in sorted(models - set(cfg.models)):
        out.append(
            Problem(
                _key("labels", "models", name),
                f"model {name!r} has no accreditation, so it serves only the range's minimum "
                f"({low}); add it to [labels.models] if it may process more",
                "warning",
            )
        )
    return out


def _cross_issuers(cfg: LabelsConfig, issuers: Mapping[str, str | None]) -> list[Problem]:
    out: list[Problem] = []
    for issuer in cfg.issuers:
        if issuer not in issuers:
            out.append(
                Problem(
                    _key("labels", "issuers", issuer),
                    f"mapping for issuer {issuer!r}, which is not configured under "
                    "[[oidc.issuers]]; check the exact 'iss' value",
                    "warning",
                )
            )
    for issuer, claim in issuers.items():
        if claim and issuer not in cfg.issuers:
            out.append(
                Problem(
                    _key("labels", "issuers", issuer),
                    f"issuer {issuer!r} sends a clearance claim ({claim!r}) but has no mapping "
                    "here, so its values are read as label markings as they are: whoever can "
                    "set that attribute at the identity provider grants clearances. Map the "
                    "values the lab's security office assigns in labels.issuers",
                    "unsafe",
                )
            )
    return out


def check_config(settings: Mapping[str, Any] | BaseModel) -> list[Problem]:
    """The problems in a whole configuration (the TOML file's tables, or a Settings model).

    Only the label rules are checked here; the rest of the file is validated by loading it.
    A configuration without a ``[labels]`` table has no problems (labels are off).
    """
    data: Mapping[str, Any] = (
        settings.model_dump(mode="json") if isinstance(settings, BaseModel) else settings
    )
    raw = data.get("labels")
    if raw is None:
        return []
    if not isinstance(raw, Mapping):
        return [Problem("labels", "must be a table ([labels]), not a single value")]
    try:
        cfg = LabelsConfig.model_validate(raw, context={SKIP_CONSISTENCY: True})
    except ValidationError as exc:
        return [_shape_problem(e) for e in exc.errors()]
    return labels_problems(cfg, models=_model_names(data), issuers=_issuers(data))


def _shape_problem(error: Mapping[str, Any]) -> Problem:
    key = _key("labels", *(p for p in error.get("loc", ()) if isinstance(p, str | int)))
    return Problem(key, str(error.get("msg", "is not valid")))


def _model_names(data: Mapping[str, Any]) -> set[str] | None:
    from labgate.config import EmbeddedConfig

    names: set[str] = set()
    models = data.get("models", [])
    if not isinstance(models, list):
        return None
    for model in models:
        if isinstance(model, Mapping) and isinstance(model.get("name"), str):
            names.add(model["name"])
    embedded = data.get("embedded", {})
    if isinstance(embedded, Mapping) and embedded.get("enabled", True):
        names.add(str(embedded.get("model_name") or EmbeddedConfig().model_name))
    return names


def _issuers(data: Mapping[str, Any]) -> dict[str, str | None] | None:
    oidc = data.get("oidc")
    if oidc is None:
        return {}
    if not isinstance(oidc, Mapping):
        return None
    out: dict[str, str | None] = {}
    for issuer in oidc.get("issuers", []) or []:
        if isinstance(issuer, Mapping) and isinstance(issuer.get("issuer"), str):
            claim = issuer.get("clearance_claim")
            out[issuer["issuer"]] = claim if isinstance(claim, str) else None
    return out


def errors_only(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


_ALL_INTERFACES = {"0.0.0.0", "::", "", "*", "[::]"}
_LOOPBACK = {"localhost", "::1", "[::1]"}


def unsafe_settings(settings: Any) -> list[Problem]:
    """Every setting of a valid configuration that weakens what labgate promises: each works,
    and each is a choice to make knowingly (``labgate config check --allow-unsafe``).
    ``settings`` is a loaded :class:`labgate.config.Settings`."""
    out: list[Problem] = []

    def add(key: str, message: str) -> None:
        out.append(Problem(key, message, "unsafe"))

    host = settings.host.strip()
    behind_tls = (settings.public_url or "").startswith("https://")
    if not behind_tls and (host in _ALL_INTERFACES or not _is_loopback(host)):
        where = "on all interfaces" if host in _ALL_INTERFACES else f"on {host}"
        add(
            "host",
            f"listens {where} with no TLS in front: labgate speaks plain HTTP, so keys, "
            "prompts and answers cross the network readable. Bind 127.0.0.1 behind a TLS "
            "proxy and set public_url to its https:// address",
        )
    approval = getattr(settings, "approval", None)
    if approval is not None and not approval.enforce:
        add(
            "approval.enforce",
            "the model gate is off: every configured model is served whether or not two "
            "approvers signed off an evaluated version, and whatever weights its workers "
            "loaded (keep it off only on an evaluation deployment, docs/evaluation.md)",
        )
    if settings.policy.show_reasoning_to_users:
        add(
            "policy.show_reasoning_to_users",
            "every user is shown the model's reasoning, which the guardrail screens only as "
            "it streams and which may repeat what the answer withholds",
        )
    audit = settings.audit
    if not audit.store_transcripts:
        add(
            "audit.store_transcripts",
            "no transcripts are kept: the audit log holds digests only, and no auditor can "
            "ever read what was asked or answered",
        )
    if audit.sqlite_synchronous != "FULL" and settings.database_url is None:
        add(
            "audit.sqlite_synchronous",
            "NORMAL: an answered request's audit record can be lost in a power cut (its "
            "fsync follows the answer); FULL keeps it on disk before the answer is sent",
        )
    keys = audit.master_keys_file
    from labgate.audit.keyring import MASTER_KEYS_ENV, MASTER_KEYS_FILE_ENV

    env_keys = os.environ.get(MASTER_KEYS_FILE_ENV) or os.environ.get(MASTER_KEYS_ENV)
    if keys is None and not env_keys or keys is not None and _inside(keys, settings.data_dir):
        add(
            "audit.master_keys_file",
            "the transcript master keys are kept in the data directory, beside the encrypted "
            "transcripts they open (development keys: whoever copies the directory reads "
            "them). Keep them elsewhere (another disk or a secrets store) and set "
            "master_keys_file",
        )
    safety = settings.safety
    if not safety.enabled:
        add("safety.enabled", "the guardrail is off: no input or answer is screened")
    else:
        for name, override in sorted(safety.models.items()):
            if override.enabled is False:
                add(
                    _key("safety", "models", name, "enabled"),
                    f"the guardrail is off for model {name!r}: its inputs and answers are "
                    "not screened",
                )
    for i, issuer in enumerate(settings.oidc.issuers):
        if issuer.allow_http:
            add(
                _key("oidc", "issuers", i, "allow_http"),
                f"the signing keys of {issuer.issuer} may be fetched over plain http, where "
                "anyone on the path can swap them and sign tokens for any user",
            )
    return out


def _is_loopback(host: str) -> bool:
    return host in _LOOPBACK or host.startswith("127.")


def _inside(path: Any, directory: Any) -> bool:
    try:
        path.resolve().relative_to(directory.resolve())
    except ValueError:
        return False
    return True
