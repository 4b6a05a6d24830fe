"""The access policy: which labelled work may run, where, and who may read it afterwards.

Four rules, one method each, all pure and cheap (labels are parsed once and cached):

* **admission** (:meth:`AccessPolicy.decide_request`): a request's label is the one the caller
  states (``X-Labgate-Label`` header or ``labgate_label`` body field) or the deployment's
  default. It must parse; lie inside the enclave's range; be dominated by the caller's
  clearance; be dominated by the model's accreditation; and, when the request continues a
  conversation, dominate that conversation's high-water mark (nothing is written down). Each
  refusal names the rule it broke.
* **routing** (:meth:`AccessPolicy.may_route`): a request goes only to a worker whose
  accreditation dominates its label.
* **reading** (:meth:`AccessPolicy.may_read`): no read-up; an object (transcript, audit record,
  report row) is shown only to a reader whose clearance dominates its label.
* **safety allowances** (:meth:`AccessPolicy.safety_allowances`): the configured exceptions
  that apply to a request, handed to the safety screen, which records each use.

With labels off (no ``levels`` in the config) the lattice has the one level UNCLASSIFIED:
requests that state nothing or UNCLASSIFIED pass every rule and any other label is refused,
since an open deployment must not take classified work.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from labgate.access.allowances import LabelAllowance, build_allowances
from labgate.access.banners import Banner, BannerColours, banner_for, colours_for
from labgate.access.config import LabelsConfig
from labgate.access.decision import (
    LABEL_FIELD,
    LABEL_HEADER,
    Decision,
    LabelSource,
    Rule,
    clip,
)
from labgate.access.labels import (
    Label,
    LabelError,
    Lattice,
    MalformedLabel,
    UnknownCompartment,
    UnknownLevel,
    normalise_compartment,
    normalise_level,
)
from labgate.identity.principal import Principal

if TYPE_CHECKING:
    from labgate.safety.policy import Allowance

OPEN_LEVEL = "UNCLASSIFIED"
T = TypeVar("T")


class AccessPolicy:
    """Admission, routing, reading and allowances under one deployment's label config."""

    def __init__(self, config: LabelsConfig | None = None) -> None:
        cfg = config or LabelsConfig()
        self.config = cfg
        self.enabled = cfg.enabled
        levels = cfg.levels if cfg.enabled else [OPEN_LEVEL]
        self.lattice = Lattice(levels, cfg.compartments if cfg.enabled else ())
        self._parse = functools.lru_cache(maxsize=4096)(self.lattice.parse)
        lat = self.lattice
        self.range_min = self._parse(cfg.range.min) if cfg.range.min else lat.bottom
        self.range_max = self._parse(cfg.range.max) if cfg.range.max else lat.top
        self.default_request_label = (
            self._parse(cfg.default_request_label) if cfg.default_request_label else self.range_min
        )
        self.default_clearance = (
            self._parse(cfg.default_clearance) if cfg.default_clearance else lat.bottom
        )
        self._accreditations = {name: self._parse(text) for name, text in cfg.models.items()}
        # decide_for_request's answers by (clearance, model, header, body field)
        self._decisions: dict[tuple[str | None, str, str | None, str | None], Decision] = {}
        self.allowances = build_allowances(cfg.allowances)
        self._banners = {
            normalise_level(level): BannerColours(b.background.lower(), b.foreground.lower())
            for level, b in cfg.banners.items()
        }

    # -- labels -----------------------------------------------------------------------------

    def parse(self, text: str) -> Label:
        """A checked label from a marking string (raises :class:`LabelError`)."""
        return self._parse(text)

    def dominates(self, a: Label | str, b: Label | str) -> bool:
        return self.lattice.dominates(self._as_label(a), self._as_label(b))

    def lub(self, *labels: Label | str) -> Label:
        return self.lattice.lub(*(self._as_label(x) for x in labels))

    def high_water(self, labels: Iterable[Label | str | None]) -> Label:
        """The high-water mark: the least label dominating every one given.

        An unlabelled item counts as the range's minimum (everything on this deployment is
        at least that). Of no items: the range's minimum.
        """
        return self.lattice.lub(self.range_min, *(self._object_label(x) for x in labels))

    def may_write(self, object_label: Label | str, data_label: Label | str) -> bool:
        """Whether data at ``data_label`` may be stored under ``object_label``: only upward or
        level, never down. (To add to an object, raise its label to :meth:`high_water`.)"""
        return self.dominates(object_label, data_label)

    def accreditation(self, model: str) -> Label:
        """The highest label ``model`` may process; unlisted models get the range's minimum."""
        if not self.enabled:
            return self.lattice.top
        return self._accreditations.get(model, self.range_min)

    def clearance_of(self, principal: Principal) -> Label | None:
        """The caller's clearance as a label; None when it does not parse (nothing is
        admitted for such a caller). Callers with no clearance get ``default_clearance``."""
        if not self.enabled:
            return self.lattice.top
        if principal.clearance is None:
            return self.default_clearance
        try:
            return self._parse(principal.clearance)
        except LabelError:
            return None

    def banner(self, label: Label | str | None = None) -> Banner:
        """The banner for ``label`` (default: the deployment's default request label)."""
        shown = self.default_request_label if label is None else self._as_label(label)
        return banner_for(shown, self._banners)

    def banner_colours(self) -> dict[str, BannerColours]:
        """Every level's banner colours, lowest level first."""
        return {level: colours_for(level, self._banners) for level in self.lattice.levels}

    # -- admission --------------------------------------------------------------------------

    def decide_request(
        self,
        principal: Principal,
        requested_label: str | None,
        model_name: str,
        *,
        source: LabelSource | None = None,
        context_label: Label | str | None = None,
    ) -> Decision:
        """Admit or refuse a request for ``model_name`` at ``requested_label`` (see the module
        docstring for the order of the rules). ``context_label``: the high-water mark of the
        conversation this request continues, if labgate stores it."""
        stated = requested_label.strip() if requested_label is not None else None
        if stated == "":
            stated = None
        src = source or (LabelSource.HEADER if stated is not None else LabelSource.DEFAULT)
        if stated is None:
            src = LabelSource.DEFAULT

        def refuse(rule: Rule, message: str, label: Label | None = None) -> Decision:
            return Decision(False, label, rule, message, src, model_name, stated, context)

        context: Label | None = None
        if context_label is not None:
            try:
                context = self._as_label(context_label)
            except LabelError as exc:
                return refuse(
                    Rule.MALFORMED,
                    f"the conversation this request continues carries a label labgate cannot "
                    f"read ({exc}); start a new conversation",
                )
        if context is not None and self.lattice.dominates(self.range_min, context):
            context = None  # unlabelled turns: the minimum, which raises and forbids nothing
        raised = False
        if stated is None:
            label = self.default_request_label
            if context is not None:
                label = self.lattice.lub(label, context)
                raised = label != self.default_request_label
                if raised:
                    src = LabelSource.CONVERSATION
        else:
            try:
                label = self._parse(stated)
            except LabelError as exc:
                return refuse(_rule_for(exc), self._explain_parse_error(exc))
        lat = self.lattice
        if not lat.within(label, self.range_min, self.range_max):
            return refuse(
                Rule.ENCLAVE_RANGE,
                f"this deployment{self._enclave_name()} serves labels from {self.range_min} "
                f"to {self.range_max}; {label} work is outside that range. State a label in "
                f"the range with the {LABEL_HEADER} header, or use the deployment for {label}",
                label,
            )
        clearance = self.clearance_of(principal)
        if clearance is None:
            return refuse(
                Rule.CLEARANCE,
                f"your clearance {clip(principal.clearance)!r} is not a label this deployment "
                "recognises, so no labelled work can be admitted for you; ask your lab admin to "
                "correct your clearance",
                label,
            )
        if not lat.dominates(clearance, label):
            if raised:
                return refuse(
                    Rule.CLEARANCE,
                    f"this conversation's earlier turns are labelled up to {context}, so "
                    f"continuing it is {label} work, which your clearance {clearance} does not "
                    "cover; start a new conversation",
                    label,
                )
            return refuse(Rule.CLEARANCE, _above_clearance(lat, clearance, label), label)
        accreditation = self.accreditation(model_name)
        if not lat.dominates(accreditation, label):
            if raised:
                return refuse(
                    Rule.ACCREDITATION,
                    f"this conversation's earlier turns are labelled up to {context}, so "
                    f"continuing it is {label} work, and model {model_name!r} is accredited "
                    f"only for {accreditation}; continue it on a model accredited for {label}, "
                    "or start a new conversation (a lower label would write it down)",
                    label,
                )
            return refuse(
                Rule.ACCREDITATION,
                f"model {model_name!r} is accredited for {accreditation} and may not process "
                f"{label} work; choose a model accredited for {label} or state a lower label",
                label,
            )
        if context is not None and not lat.dominates(label, context):
            return refuse(
                Rule.WRITE_DOWN,
                f"this conversation already holds {context} material (the labels of its "
                f"earlier turns); a {label} request would write it down to a lower label. "
                f"State {lat.lub(label, context)}, or state no label (the conversation's then "
                "applies), or start a new conversation",
                label,
            )
        return Decision(True, label, None, "admitted", src, model_name, stated, context)

    def decide_for_request(
        self,
        principal: Principal,
        model_name: str,
        *,
        header: str | None,
        body_field: Any = None,
        context_label: Label | str | None = None,
    ) -> Decision:
        """:meth:`decide_request` with the label taken from the header or the body field.

        Both may be given only if they name the same label; a non-string body field is
        malformed. Without a conversation label the decision depends only on the caller's
        clearance, the model and the stated label (the policy is fixed at start-up), so it is
        remembered: most requests state the same few labels, or none.
        """
        if context_label is not None or not (body_field is None or isinstance(body_field, str)):
            return self._decide_for_request(
                principal, model_name, header, body_field, context_label
            )
        key = (principal.clearance, model_name, header, body_field)
        decision = self._decisions.get(key)
        if decision is None:
            decision = self._decide_for_request(principal, model_name, header, body_field, None)
            if len(self._decisions) >= _REMEMBERED_DECISIONS:
                self._decisions.clear()  # stated labels are the client's text: keep it bounded
            self._decisions[key] = decision
        return decision

    def _decide_for_request(
        self,
        principal: Principal,
        model_name: str,
        header: str | None,
        body_field: Any,
        context_label: Label | str | None,
    ) -> Decision:
        if body_field is not None and not isinstance(body_field, str):
            return Decision(
                allowed=False,
                label=None,
                rule=Rule.MALFORMED,
                message=f'{LABEL_FIELD} must be a string such as "SECRET//NUC"',
                source=LabelSource.BODY,
                model=model_name,
            )
        header = header.strip() if header and header.strip() else None
        field = body_field.strip() if body_field and body_field.strip() else None
        if header is not None and field is not None and not self._same_label(header, field):
            return Decision(
                allowed=False,
                label=None,
                rule=Rule.MALFORMED,
                message=f"the {LABEL_HEADER} header and the {LABEL_FIELD} field state different "
                "labels; state the label once",
                source=LabelSource.HEADER,
                model=model_name,
                stated=header,
            )
        if header is not None:
            return self.decide_request(
                principal,
                header,
                model_name,
                source=LabelSource.HEADER,
                context_label=context_label,
            )
        return self.decide_request(
            principal, field, model_name, source=LabelSource.BODY, context_label=context_label
        )

    def conversation_label(
        self, message_labels: Iterable[tuple[int, Any]], recorded: Iterable[str] = ()
    ) -> Label | Decision | None:
        """The high-water mark of a conversation's earlier turns: the join of the labels the
        client gave its messages (``messages[i].labgate_label``) and of the recorded answers
        its assistant turns repeat (``recorded``, markings from :mod:`labgate.access.answers`).

        None when nothing is above the range's minimum (the request's decision is then the
        remembered one); a refusal :class:`Decision` when a message's label cannot be read (a
        turn whose label is unknown cannot be placed below anything)."""
        labels: list[Label] = []
        for index, value in message_labels:
            if value is None:
                continue
            param = f"messages.{index}.{LABEL_FIELD}"
            try:
                if not isinstance(value, str):
                    raise MalformedLabel('a label must be a string such as "SECRET//NUC"')
                labels.append(self._parse(value))
            except LabelError as exc:
                return Decision(
                    allowed=False,
                    label=None,
                    rule=_rule_for(exc),
                    message=f"messages[{index}].{LABEL_FIELD}: {self._explain_parse_error(exc)}",
                    source=LabelSource.MESSAGE,
                    stated=value if isinstance(value, str) else None,
                    param=param,
                )
        for marking in recorded:
            try:
                labels.append(self._parse(marking))
            except LabelError:
                labels.append(self.range_max)  # a stored label no longer in the config: high
        if not labels:
            return None
        mark = self.lattice.lub(self.range_min, *labels)
        return None if self.lattice.dominates(self.range_min, mark) else mark

    def decide_for_conversation(
        self,
        principal: Principal,
        model_name: str,
        *,
        header: str | None,
        body_field: Any = None,
        message_labels: Iterable[tuple[int, Any]] = (),
        recorded: Iterable[str] = (),
    ) -> Decision:
        """:meth:`decide_for_request` with the conversation's high-water mark as its context:
        with no label stated the mark governs (the request is raised to it); a stated label
        that does not dominate it is refused (``write_down``)."""
        context = self.conversation_label(message_labels, recorded)
        if isinstance(context, Decision):
            return replace(context, model=model_name)
        return self.decide_for_request(
            principal, model_name, header=header, body_field=body_field, context_label=context
        )

    # -- routing ----------------------------------------------------------------------------

    def worker_accreditation(self, model: str, registered: str | None = None) -> Label | None:
        """A worker's accreditation: its model's, narrowed by what the worker registered with
        (the meet of the two). None when the registered label does not parse: such a worker
        gets no labelled work at all."""
        model_label = self.accreditation(model)
        if registered is None or not self.enabled:
            return model_label
        try:
            return self.lattice.glb(model_label, self._parse(registered))
        except LabelError:
            return None

    def may_route(self, label: Label | str, worker_accreditation: Label | str | None) -> bool:
        """True when a worker accredited ``worker_accreditation`` may process ``label``."""
        if worker_accreditation is None:
            return False
        try:
            return self.dominates(worker_accreditation, label)
        except LabelError:
            return False

    def excluded_workers(self, label: Label | str, model: str, workers: Iterable[Any]) -> set[str]:
        """Ids of the workers of ``model`` that may not take ``label`` work (pass them to
        ``WorkerPool.choose(exclude=...)``). Reads each worker's optional ``accreditation``
        attribute (a marking string set at registration)."""
        out = set()
        for worker in workers:
            registered = getattr(worker, "accreditation", None)
            if not self.may_route(label, self.worker_accreditation(model, registered)):
                out.add(str(worker.worker_id))
        return out

    # -- reading ----------------------------------------------------------------------------

    def may_read(
        self, principal_clearance: Principal | Label | str | None, object_label: Label | str | None
    ) -> bool:
        """No read-up: True only when the reader's clearance dominates the object's label.

        A principal, a clearance label or marking, or None (no clearance: the default). An
        unlabelled object counts as the range's minimum. Anything unreadable is refused.
        """
        if not self.enabled:
            return True
        try:
            if isinstance(principal_clearance, Principal):
                clearance = self.clearance_of(principal_clearance)
            elif principal_clearance is None:
                clearance = self.default_clearance
            else:
                clearance = self._as_label(principal_clearance)
            if clearance is None:
                return False
            return self.lattice.dominates(clearance, self._object_label(object_label))
        except LabelError:
            return False

    def highest_stated(self, *stated: Any) -> str | None:
        """The join of the labels among ``stated`` that parse (None if none does): what a
        refused request whose label could not be settled is recorded at, so its record and
        usage row are not readable below what the caller asked for."""
        labels = []
        for text in stated:
            if isinstance(text, str) and text.strip():
                try:
                    labels.append(self._parse(text))
                except LabelError:
                    continue
        return self.lattice.lub(*labels).marking if labels else None

    def sees_model(self, principal: Principal, model: str) -> bool:
        """Whether a model's name and state may be shown to ``principal``: their clearance
        dominates its accreditation (a model list, a worker or scheduler view; no read-down)."""
        return self.may_read(principal, self.accreditation(model))

    def reader_may_see(self, principal: Principal, label: str | None) -> bool:
        """:meth:`may_read` in the shape of ``labgate.audit.access.LabelCheck``."""
        return self.may_read(principal, label)

    def readable(
        self, principal: Principal, items: Iterable[T], label_of: Callable[[T], str | None]
    ) -> list[T]:
        """The items ``principal`` may read, for list, export and report routes."""
        return [item for item in items if self.may_read(principal, label_of(item))]

    # -- safety -----------------------------------------------------------------------------

    def safety_allowances(
        self, principal: Principal, label: Label | str, model: str | None = None
    ) -> list[LabelAllowance]:
        """The configured allowances that apply to this caller's request at ``label``."""
        if not self.allowances:
            return []
        clearance = self.clearance_of(principal)
        if clearance is None:
            return []
        request_label = self._as_label(label)
        return [
            a for a in self.allowances if a.applies(self.lattice, clearance, request_label, model)
        ]

    def safety_policy_allowances(self) -> list[Allowance]:
        """Every configured allowance as the safety screen's objects, to add to
        ``SafetyPolicy.allowances`` once at start-up; per request, pass the keys of
        :meth:`safety_allowances` as the screen's ``labels``."""
        return [a.to_safety() for a in self.allowances]

    # -- identity ---------------------------------------------------------------------------

    def clearance_from_claims(
        self, issuer: str, level_claim: str | None, compartment_claims: Iterable[str] = ()
    ) -> str | None:
        """A user's clearance marking from their identity provider's claims.

        The level claim goes through the issuer's mapping in ``[labels.issuers]`` (an
        unmapped value gives no clearance); without a mapping for the issuer the claim must be
        a marking itself. Compartment claims are mapped likewise; values that name no defined
        compartment are dropped. None: no clearance (the user gets ``default_clearance``).
        """
        if not self.enabled or not level_claim:
            return None
        mapping = self.config.issuers.get(issuer)
        try:
            if mapping is None:
                base = self._parse(level_claim)
            else:
                level = mapping.levels.get(level_claim)
                if level is None:
                    return None
                base = self.lattice.label(level)
        except LabelError:
            return None
        comp_map = mapping.compartments if mapping is not None else {}
        names = set(base.compartments)
        for claim in compartment_claims:
            name = normalise_compartment(comp_map.get(claim, claim))
            if name in self.lattice.compartments:
                names.add(name)
        return Label(base.level, frozenset(names)).marking

    # -- helpers ----------------------------------------------------------------------------

    def _as_label(self, value: Label | str) -> Label:
        return value if isinstance(value, Label) else self._parse(value)

    def _object_label(self, value: Label | str | None) -> Label:
        return self.range_min if value is None else self._as_label(value)

    def _same_label(self, a: str, b: str) -> bool:
        try:
            return self._parse(a) == self._parse(b)
        except LabelError:
            return a.strip().upper() == b.strip().upper()

    def _enclave_name(self) -> str:
        return f" ({self.config.enclave})" if self.config.enclave else ""

    def _explain_parse_error(self, exc: LabelError) -> str:
        if isinstance(exc, UnknownLevel) and not self.enabled:
            return (
                f"labels are not configured here: this deployment handles {OPEN_LEVEL} work "
                f"only, not {exc.level!r}. Use a deployment accredited for it"
            )
        return str(exc)


_REMEMBERED_DECISIONS = 4096


def _rule_for(exc: LabelError) -> Rule:
    if isinstance(exc, UnknownLevel):
        return Rule.UNKNOWN_LEVEL
    if isinstance(exc, UnknownCompartment):
        return Rule.UNKNOWN_COMPARTMENT
    if isinstance(exc, MalformedLabel):
        return Rule.MALFORMED
    return Rule.MALFORMED


def _above_clearance(lattice: Lattice, clearance: Label, label: Label) -> str:
    reasons = []
    if lattice.rank(clearance.level) < lattice.rank(label.level):
        reasons.append(f"its level {label.level} is above yours")
    missing = sorted(label.compartments - clearance.compartments)
    if missing:
        noun = "compartment" if len(missing) == 1 else "compartments"
        reasons.append(f"you are not read into {noun} {', '.join(missing)}")
    return (
        f"the request label {label} is not covered by your clearance {clearance}: "
        f"{' and '.join(reasons)}. State a label your clearance covers with the {LABEL_HEADER} "
        "header, or ask your lab admin about your clearance"
    )


def policy_for(settings: Any) -> AccessPolicy:
    """The policy for a Settings object (``settings.labels`` once the integrator adds it)."""
    labels = getattr(settings, "labels", None)
    return AccessPolicy(labels if isinstance(labels, LabelsConfig) else None)
