"""Who a request is charged to, which priority class it is in, and what its tokens cost.

These are the scheduler's vocabulary; nothing here knows about HTTP or the database.
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple, Protocol

from labgate.identity.principal import Principal

#: Stand-in name for a principal without a lab or project, so it still has a place in the tree.
UNASSIGNED = "(none)"


class RequestClass(IntEnum):
    """Priority class. The value is the index the scheduler keeps per-class state under."""

    INTERACTIVE = 0
    BATCH = 1

    @property
    def label(self) -> str:
        """``"interactive"`` or ``"batch"``: the member's name in lower case (looked up, not
        made again: the dispatch of every request names its class in the metrics)."""
        return _LABELS[self._value_]

    @classmethod
    def parse(cls, value: RequestClass | str) -> RequestClass:
        """Accept an enum member or its name (``"interactive"``, ``"batch"``)."""
        if isinstance(value, RequestClass):
            return value
        try:
            return cls[value.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown request class {value!r}; use 'interactive' or 'batch'"
            ) from None


_LABELS = tuple(member.name.lower() for member in RequestClass)


class ClientPath(NamedTuple):
    """The place of a client in the fair-share tree: lab ▸ project ▸ user."""

    lab: str
    project: str
    user: str

    @classmethod
    def of(cls, principal: Principal) -> ClientPath:
        """The path a principal's requests are charged to."""
        return cls(principal.lab or UNASSIGNED, principal.project or UNASSIGNED, principal.user_id)

    def key(self, depth: int) -> str:
        """The share-table key of the first ``depth`` levels, e.g. ``"ornl/fusion"``."""
        return "/".join(self[:depth])


class TokenWeights(Protocol):
    """Per-model price of each kind of token (``labgate.config.TokenWeights`` fits)."""

    @property
    def input(self) -> float: ...

    @property
    def output(self) -> float: ...

    @property
    def reasoning(self) -> float: ...


class UnitWeights(NamedTuple):
    """Every token costs 1: the weights used when a caller supplies none."""

    input: float = 1.0
    output: float = 1.0
    reasoning: float = 1.0


def token_cost(
    weights: TokenWeights, input_tokens: int = 0, output_tokens: int = 0, reasoning_tokens: int = 0
) -> float:
    """Weighted service of some tokens: w_in·input + w_out·output + w_reasoning·reasoning."""
    if input_tokens < 0 or output_tokens < 0 or reasoning_tokens < 0:
        raise ValueError("token counts cannot be negative")
    return (
        weights.input * input_tokens
        + weights.output * output_tokens
        + weights.reasoning * reasoning_tokens
    )
