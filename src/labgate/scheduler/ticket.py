"""A request's place in the queue (:class:`Waiter`) and, once admitted, its slot (:class:`Ticket`).

The streaming path charges the ticket as tokens arrive (:meth:`Ticket.charge`, O(depth)) and
reconciles with the worker's final usage report at the end (:meth:`Ticket.settle`). Releasing
the ticket frees the slot; charging after release is allowed, because a worker's final usage
can arrive after the stream closed.
"""

from __future__ import annotations

import asyncio
from enum import Enum
from typing import TYPE_CHECKING

from labgate.scheduler.path import ClientPath, RequestClass, TokenWeights, token_cost

if TYPE_CHECKING:
    from asyncio import TimerHandle

    from labgate.scheduler.pool import Pool
    from labgate.scheduler.tree import Node


class WaiterState(Enum):
    QUEUED = "queued"
    GRANTED = "granted"
    GONE = "gone"  # timed out or cancelled


class Waiter:
    """A request waiting for a slot; the scheduler resolves ``future`` with its :class:`Ticket`
    (no future: granted the moment it arrived, see :meth:`Pool.grant_now`)."""

    __slots__ = (
        "path",
        "request_class",
        "nodes",
        "weights",
        "prompt_tokens",
        "future",
        "enqueued_at",
        "state",
        "timer",
        "ticket",
    )

    def __init__(
        self,
        path: ClientPath,
        request_class: RequestClass,
        nodes: tuple[Node, Node, Node],
        weights: TokenWeights,
        prompt_tokens: int,
        future: asyncio.Future[Ticket] | None,
        enqueued_at: float,
    ) -> None:
        self.path = path
        self.request_class = request_class
        self.nodes = nodes
        self.weights = weights
        self.prompt_tokens = prompt_tokens
        self.future = future
        self.enqueued_at = enqueued_at
        self.state = WaiterState.QUEUED
        self.timer: TimerHandle | None = None
        self.ticket: Ticket | None = None


class Ticket:
    """A held slot and the account its tokens are charged to."""

    __slots__ = (
        "pool",
        "path",
        "request_class",
        "waited_s",
        "input_tokens",
        "output_tokens",
        "reasoning_tokens",
        "charged",
        "_pool",
        "_nodes",
        "_weights",
        "_released",
    )

    def __init__(self, pool: Pool, waiter: Waiter, waited_s: float) -> None:
        self.pool: str = pool.name
        self.path = waiter.path
        self.request_class = waiter.request_class
        self.waited_s = waited_s
        self.input_tokens = 0
        self.output_tokens = 0
        self.reasoning_tokens = 0
        self.charged = 0.0  # weighted tokens charged so far
        self._pool = pool
        self._nodes = waiter.nodes
        self._weights = waiter.weights
        self._released = False

    @property
    def released(self) -> bool:
        return self._released

    def charge(
        self, output_tokens: int = 0, reasoning_tokens: int = 0, input_tokens: int = 0
    ) -> None:
        """Charge tokens just produced (call per streamed chunk); counts are increments."""
        cost = token_cost(self._weights, input_tokens, output_tokens, reasoning_tokens)
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens
        self.reasoning_tokens += reasoning_tokens
        self._charge_cost(cost)

    def settle(self, prompt_tokens: int, output_tokens: int, reasoning_tokens: int = 0) -> None:
        """Reconcile with the final usage (totals): charge whatever the chunks did not.

        Counters never go down (that is what keeps each charge O(depth)), so an over-estimate
        at admission is not refunded; admit with the tokenizer's count, not a guess from above.
        """
        total = token_cost(self._weights, prompt_tokens, output_tokens, reasoning_tokens)
        self.input_tokens = max(self.input_tokens, prompt_tokens)
        self.output_tokens = max(self.output_tokens, output_tokens)
        self.reasoning_tokens = max(self.reasoning_tokens, reasoning_tokens)
        self._charge_cost(total - self.charged)

    def release(self) -> None:
        """Free the slot (idempotent); the next waiting request is dispatched at once."""
        if not self._released:
            self._released = True
            self._pool.release(self._nodes, self.request_class)

    def _charge_cost(self, cost: float) -> None:
        if cost > 0.0:
            self.charged += cost
            self._pool.tree.charge(self._nodes, cost)
