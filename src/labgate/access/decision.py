"""The outcome of admitting a request: its label, or the rule that refused it.

A refusal names its :class:`Rule`, which fixes the HTTP status (403 for the access rules, 400
for a label that cannot be read) and the error code (``label_<rule>``); its message says what
to do next. :meth:`Decision.audit_details` is what the audit record keeps of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from labgate.access.labels import Label

if TYPE_CHECKING:
    from labgate.api.errors import APIError

LABEL_HEADER = "X-Labgate-Label"
LABEL_FIELD = "labgate_label"


class Rule(StrEnum):
    """Which rule refused a request (also its error code, prefixed ``label_``)."""

    CLEARANCE = "clearance"
    ACCREDITATION = "accreditation"
    ENCLAVE_RANGE = "enclave_range"
    WRITE_DOWN = "write_down"
    UNKNOWN_LEVEL = "unknown_level"
    UNKNOWN_COMPARTMENT = "unknown_compartment"
    MALFORMED = "malformed"


_STATUS = {
    Rule.CLEARANCE: 403,
    Rule.ACCREDITATION: 403,
    Rule.ENCLAVE_RANGE: 403,
    Rule.WRITE_DOWN: 403,
    Rule.UNKNOWN_LEVEL: 400,
    Rule.UNKNOWN_COMPARTMENT: 400,
    Rule.MALFORMED: 400,
}


class LabelSource(StrEnum):
    HEADER = "header"
    BODY = "body"
    DEFAULT = "default"
    CONVERSATION = "conversation"  # none stated: the conversation's high-water mark governs
    MESSAGE = "message"  # a message's own labgate_label (refused: it could not be read)


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of admission: the request's label, or the rule that refused it."""

    allowed: bool
    label: Label | None
    rule: Rule | None
    message: str
    source: LabelSource = LabelSource.DEFAULT
    model: str | None = None
    stated: str | None = None
    context: Label | None = None  # the conversation's high-water mark, when above the minimum
    param: str | None = None  # the offending parameter, when it is not the stated label

    @property
    def status(self) -> int:
        return 200 if self.rule is None else _STATUS[self.rule]

    @property
    def marking(self) -> str | None:
        """The label to put in the record, the response header and the response field."""
        return self.label.marking if self.label is not None else None

    def audit_details(self) -> dict[str, Any]:
        """What the audit record of this decision holds (labels are not secrets)."""
        details: dict[str, Any] = {
            "rule": self.rule.value if self.rule else None,
            "label": self.marking,
            "stated": clip(self.stated),
            "source": self.source.value,
            "model": self.model,
        }
        if self.context is not None:  # the conversation's high-water mark
            details["conversation"] = self.context.marking
        return details

    def to_api_error(self) -> APIError:
        """The OpenAI-shaped error for a refusal (403 for the rules, 400 for bad labels)."""
        from labgate.api.errors import APIError

        if self.rule is None:
            raise ValueError("an allowed decision is not an error")
        param = self.param or {LabelSource.HEADER: LABEL_HEADER, LabelSource.BODY: LABEL_FIELD}.get(
            self.source
        )
        return APIError(self.status, self.message, code=f"label_{self.rule.value}", param=param)


def clip(text: str | None, limit: int = 64) -> str | None:
    if text is None:
        return None
    cleaned = "".join(ch if ch.isascii() and ch.isprintable() else "?" for ch in text)
    return cleaned[:limit]
