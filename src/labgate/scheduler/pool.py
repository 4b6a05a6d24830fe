"""One model's slots: capacity, the waiting requests, and the dispatch loop.

Dispatch runs synchronously inside whatever event frees a slot or adds a request (``enqueue``,
``release``, ``set_capacity``): while a slot is free and a request waits, pick the class, then
the user (:meth:`FairTree.select`), charge the prompt, and resolve the waiter's future. There is
no background task, so nothing can stall, and no slot is ever granted beyond ``capacity``.

Lab first, then class: the lab is chosen by its counter alone, whatever the class of its
waiting work, so a lab that honestly marks bulk work as batch keeps its share. Inside the
chosen lab, interactive goes first; while both of the lab's classes wait, each of its
dispatches adds ``batch_min_share`` to the lab's credit and a dispatch that brings the credit
to 1 goes to batch, so batch gets exactly that fraction of the lab's contended dispatches and
never starves. A lab's credit resets whenever its two classes stop competing, so an absent
class banks nothing.

The interactive hold (``interactive_hold_s``): when a lab's interactive request gives its slot
back, the slot is held for that lab's next interactive request for a short while. The lab's
batch work may take a free slot only while more slots are free than the lab holds, so a client
that sends again at once finds its slot instead of waiting behind a batch item that took it
in the instant between two of its requests. A hold ends when it expires (the pool dispatches
again then) or when the lab's next interactive request takes it. Holds bind only the lab's own
batch work, and only while nothing of another lab waits: another lab's work is never held back,
and the lab's batch never starves (its interactive request coming back to a held slot takes it
outright while some of the lab's batch runs, and is a contended dispatch like any other while
none does).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from labgate.scheduler.config import ClassLimits, SchedulerConfig
from labgate.scheduler.decay import DecayClock
from labgate.scheduler.errors import QueueFull, QueueTimeout
from labgate.scheduler.metrics import SchedulerMetrics
from labgate.scheduler.path import ClientPath, RequestClass, TokenWeights
from labgate.scheduler.ticket import Ticket, Waiter, WaiterState
from labgate.scheduler.tree import FairTree, Node

_INTERACTIVE, _BATCH = RequestClass.INTERACTIVE, RequestClass.BATCH
_EPSILON = 1e-9
_RATE_SMOOTHING = 0.1  # weight of the newest interval in the dispatch-interval average
_MAX_RETRY_AFTER_S = 300.0


class Pool:
    """The capacity and queue of one model; see :class:`labgate.scheduler.FairScheduler`."""

    def __init__(
        self,
        name: str,
        config: SchedulerConfig,
        clock: Callable[[], float],
        share_of: Callable[[ClientPath, int], float],
        metrics: SchedulerMetrics | None,
    ) -> None:
        self.name = name
        self.capacity = 0
        self.running = 0
        self.decisions = 0
        self.tree = FairTree(DecayClock(config.half_life_s, clock), share_of)
        self._clock = clock
        self._limits: tuple[ClassLimits, ClassLimits] = (config.interactive, config.batch)
        self._batch_min_share = config.batch_min_share
        self._hold_s = config.interactive_hold_s
        self._hold_timer: asyncio.TimerHandle | None = None
        self._hold_wake = 0.0  # when the armed timer fires (pool clock)
        self._metrics = metrics
        self._last_dispatch: float | None = None
        self._interval: float | None = None  # smoothed seconds between dispatches

    def limits(self, request_class: RequestClass) -> ClassLimits:
        return self._limits[request_class]

    def queued(self, request_class: RequestClass) -> int:
        return self.tree.root.queued[request_class]

    # -- requests arriving and leaving --------------------------------------------------------

    def enqueue(
        self,
        path: ClientPath,
        request_class: RequestClass,
        prompt_tokens: int,
        weights: TokenWeights,
        future: asyncio.Future[Ticket],
    ) -> Waiter:
        """Queue a request (or refuse it with :class:`QueueFull`) and dispatch what fits."""
        limits = self._limits[request_class]
        if self.tree.root.queued[request_class] >= limits.max_queued:
            self._refuse(path, request_class)
            retry = self.retry_after(request_class)
            raise QueueFull(
                f"model {self.name!r} already has {limits.max_queued} {request_class.label} "
                f"requests waiting, the most it queues; retry after {retry:.0f} s",
                pool=self.name,
                request_class=request_class.label,
                retry_after_s=retry,
            )
        nodes = self.tree.nodes_for(path)
        user = nodes[2]
        if user.queued[request_class] >= limits.max_queued_per_user:
            self._refuse(path, request_class)
            raise QueueFull(
                f"you already have {limits.max_queued_per_user} {request_class.label} requests "
                f"waiting for model {self.name!r}, the most one user may queue; wait for some "
                "of them to finish before sending more",
                pool=self.name,
                request_class=request_class.label,
                retry_after_s=self.retry_after(request_class),
            )
        waiter = Waiter(path, request_class, nodes, weights, prompt_tokens, future, self._clock())
        self.tree.join(nodes, request_class, waiter)
        self.pump()
        return waiter

    def grant_now(
        self,
        path: ClientPath,
        request_class: RequestClass,
        prompt_tokens: int,
        weights: TokenWeights,
    ) -> Ticket | None:
        """The uncontended case, most requests on a pool that is not saturated: a slot is free
        and nothing waits in either class. The request gets its slot at once, with the same
        lift, charge and counters as :meth:`enqueue` followed by its dispatch, but without a
        future or a trip through the backlog heaps. None: the request must queue (or be
        refused) by :meth:`enqueue`."""
        root = self.tree.root
        if self.running >= self.capacity or root.queued[0] or root.queued[1]:
            return None
        limits = self._limits[request_class]
        if limits.max_queued <= 0 or limits.max_queued_per_user <= 0:
            return None  # a class that queues nothing: enqueue refuses it, with its message
        nodes = self.tree.nodes_for(path)
        if request_class is _BATCH and self._held(nodes[0]):
            return None  # the free slots are held for the lab's interactive work: queue
        self.tree.pass_through(nodes)
        now = self._clock()
        waiter = Waiter(path, request_class, nodes, weights, prompt_tokens, None, now)
        return self._grant(waiter, now)

    def withdraw(self, waiter: Waiter, reason: str) -> bool:
        """Take a still-waiting request out of the queue; False if it was no longer waiting."""
        if waiter.state is not WaiterState.QUEUED:
            return False
        waiter.state = WaiterState.GONE
        if waiter.timer is not None:
            waiter.timer.cancel()
        self.tree.leave(waiter.nodes, waiter.request_class, served=False)
        if self._metrics is not None:
            self._metrics.not_admitted(waiter.path.lab, waiter.request_class.label, reason)
        return True

    def expire(self, waiter: Waiter) -> None:
        """Timer callback: the request waited its class's limit; fail it with a retry hint."""
        future = waiter.future
        assert future is not None, "only a queued request can expire"
        if not self.withdraw(waiter, "timeout") or future.done():
            return
        cls = waiter.request_class
        limit = self._limits[cls].max_wait_s
        retry = self.retry_after(cls)
        future.set_exception(
            QueueTimeout(
                f"model {self.name!r} is at capacity: your {cls.label} request waited "
                f"{limit:g} s without getting a slot, the most {cls.label} requests wait; "
                f"retry after {retry:.0f} s",
                pool=self.name,
                request_class=cls.label,
                retry_after_s=retry,
            )
        )

    def abandon(self, waiter: Waiter) -> None:
        """The waiting task was cancelled (client gone): leave the queue or give the slot back."""
        if waiter.state is WaiterState.QUEUED:
            self.withdraw(waiter, "cancelled")
        elif waiter.state is WaiterState.GRANTED and waiter.ticket is not None:
            waiter.ticket.release()

    def release(self, nodes: tuple[Node, ...], request_class: RequestClass = _BATCH) -> None:
        """A slot was given back (by :meth:`Ticket.release`); an interactive one is held for
        its lab's next interactive request for ``interactive_hold_s``."""
        self.running -= 1
        for node in nodes:
            node.running -= 1
        if request_class is _BATCH:
            nodes[0].batch_running -= 1
        elif self._hold_s > 0.0:
            lab = nodes[0]
            if lab.holds is None:
                lab.holds = deque()
            lab.holds.append(self._clock() + self._hold_s)
            while len(lab.holds) > self.capacity:
                lab.holds.popleft()
        self.pump()

    def set_capacity(self, capacity: int) -> None:
        """Change the number of slots; a lower value takes effect as running requests finish."""
        if capacity < 0:
            raise ValueError(f"capacity must be 0 or more, not {capacity}")
        self.capacity = capacity
        self.pump()

    # -- dispatch ------------------------------------------------------------------------------

    def pump(self) -> None:
        """Grant slots while one is free and a request waits."""
        root = self.tree.root
        while self.running < self.capacity and (root.queued[0] or root.queued[1]):
            if not self._dispatch_one():
                break

    def _dispatch_one(self) -> bool:
        """Grant one slot; False if only the lab served next has work waiting, all of it batch,
        and every free slot is held for its interactive work (the hold's timer dispatches
        again)."""
        lab = self.tree.select_lab()
        if not lab.queued[_INTERACTIVE]:
            root = self.tree.root
            others = root.queued[0] + root.queued[1] - lab.queued[_BATCH]
            # Never when another lab's work waits: holds bind the lab only. Checked before
            # the class, so the lab's batch credit survives the hold: with none of the lab's
            # batch running, the interactive request that comes back to its held slot
            # competes with the batch as if it had waited.
            if not others and self._held(lab):
                return False
            request_class = self._choose_class(lab)
        elif lab.batch_running and self._holding(lab):
            # The lab's interactive request comes back to the slot held for it while the
            # lab's batch runs elsewhere: it takes its slot, not a contended turn (batch is
            # not starving; counting it would hand every tenth returning request's slot to
            # batch and make that request wait a whole batch item). With none of the lab's
            # batch running, the turn is contended as usual, so batch never starves.
            request_class = _INTERACTIVE
        else:
            request_class = self._choose_class(lab)
        user = self.tree.select(request_class, lab)
        assert user.waiting is not None
        waiting = user.waiting[request_class]
        while waiting[0].state is not WaiterState.QUEUED:
            waiting.popleft()  # withdrawn earlier, left in place to keep withdrawal O(depth)
        waiter = waiting.popleft()
        assert waiter.future is not None, "a queued request has a future"
        if waiter.future.done():  # its task was cancelled and has not run its handler yet
            self.withdraw(waiter, "cancelled")
            return True
        if waiter.timer is not None:
            waiter.timer.cancel()
        ticket = self._grant(waiter, self._clock())  # charged first: leave files the new key
        self.tree.leave(waiter.nodes, request_class, served=True)
        waiter.future.set_result(ticket)
        return True

    def _holding(self, lab: Node) -> bool:
        """Does ``lab`` hold an unexpired slot for its interactive work?"""
        holds = lab.holds
        if not holds:
            return False
        now = self._clock()
        while holds and holds[0] <= now:
            holds.popleft()
        return bool(holds)

    def _held(self, lab: Node) -> bool:
        """Are all free slots held for ``lab``'s interactive work? Drops expired holds; when
        held, arms the timer that dispatches again as the oldest hold expires."""
        holds = lab.holds
        if not holds:
            return False
        now = self._clock()
        while holds and holds[0] <= now:
            holds.popleft()
        if len(holds) < self.capacity - self.running:
            return False
        self._wake_at(holds[0])
        return True

    def _wake_at(self, when: float) -> None:
        if self._hold_timer is not None and self._hold_wake <= when:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous caller): the next event dispatches
            return
        if self._hold_timer is not None:
            self._hold_timer.cancel()
        self._hold_wake = when
        self._hold_timer = loop.call_later(max(0.0, when - self._clock()), self._hold_over)

    def _hold_over(self) -> None:
        self._hold_timer = None
        self.pump()

    def _grant(self, waiter: Waiter, now: float) -> Ticket:
        """Give ``waiter`` its slot: the ticket, the prompt charged (VTC charges the prompt at
        dispatch), the running counts, the dispatch rate and metrics."""
        waiter.state = WaiterState.GRANTED
        if waiter.request_class is _INTERACTIVE and waiter.nodes[0].holds:
            waiter.nodes[0].holds.popleft()  # the lab's interactive work takes back a held slot
        ticket = Ticket(self, waiter, now - waiter.enqueued_at)
        waiter.ticket = ticket
        ticket.charge(input_tokens=waiter.prompt_tokens)
        self.running += 1
        for node in waiter.nodes:
            node.running += 1
        if waiter.request_class is _BATCH:
            waiter.nodes[0].batch_running += 1
        self.decisions += 1
        self._note_dispatch(now)
        if self._metrics is not None:
            self._metrics.dispatched(waiter.path.lab, waiter.request_class.label, ticket.waited_s)
        return ticket

    def _choose_class(self, lab: Node) -> RequestClass:
        """The class served inside ``lab``: interactive first, batch its minimum share."""
        interactive, batch = lab.queued[_INTERACTIVE] > 0, lab.queued[_BATCH] > 0
        if interactive and batch:
            lab.batch_credit += self._batch_min_share
            if lab.batch_credit >= 1.0 - _EPSILON:
                lab.batch_credit -= 1.0
                return _BATCH
            return _INTERACTIVE
        lab.batch_credit = 0.0
        return _INTERACTIVE if interactive else _BATCH

    # -- retry hints ---------------------------------------------------------------------------

    def _note_dispatch(self, now: float) -> None:
        if self._last_dispatch is not None:
            gap = max(0.0, now - self._last_dispatch)
            self._interval = (
                gap
                if self._interval is None
                else self._interval + _RATE_SMOOTHING * (gap - self._interval)
            )
        self._last_dispatch = now

    def retry_after(self, request_class: RequestClass) -> float:
        """Seconds until the queue ahead of a new request of this class has likely drained."""
        if self._interval is None:  # nothing dispatched yet: no rate to go by
            estimate = self._limits[request_class].max_wait_s
        else:
            ahead = self.tree.root.queued[_INTERACTIVE]
            if request_class is _BATCH:
                ahead += self.tree.root.queued[_BATCH]
            estimate = ahead * self._interval
        return min(_MAX_RETRY_AFTER_S, max(1.0, estimate))

    def _refuse(self, path: ClientPath, request_class: RequestClass) -> None:
        if self._metrics is not None:
            self._metrics.not_admitted(path.lab, request_class.label, "queue_full")
