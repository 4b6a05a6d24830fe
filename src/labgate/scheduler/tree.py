"""The fair-share tree of one model pool: virtual counters, backlog heaps, lift and selection.

This module is the formula of ``docs/scheduling.md`` and nothing else (no futures, no limits,
no capacity). Per pool there is one tree root ▸ lab ▸ project ▸ user. Each node n below the
root has a share w_n, a virtual counter c_n and a usage U_n; counters are stored inflated by
the decay factor G(t) of :mod:`labgate.scheduler.decay`.

* Charge s weighted tokens to a user: every node n on its path gets c_n += s / w_n and
  U_n += s (both times G(t) in stored units).
* Backlogged in class k: the node's subtree has a request of class k waiting.
* Lift: a node whose subtree had nothing waiting and now has gets
  c_n = max(c_n, min c_m over its backlogged siblings m), or, if no sibling is backlogged,
  max(c_n, c_l) with l the sibling that most recently stopped being backlogged (VTC's rule).
* Select: the lab backlogged in either class with the lowest (c, seq) (class-blind); then, in
  the class k the pool picks inside that lab, repeatedly take the child backlogged in k with
  the lowest (c, seq); seq orders ties first-in-first-out: a child gets a fresh seq when it
  becomes backlogged and again each time it is served, so equal counters take turns.

Every internal node keeps, per class, a binary heap of entries ``[c, seq, child, alive]`` for
its backlogged children. A counter only ever grows between renormalisations, so an entry's key
may be stale only by being too low; :meth:`FairTree._top` re-files such an entry when it
reaches the top, which keeps a charge O(depth) and a selection O(depth · log children).
Removed entries are marked dead and skipped (and compacted when they pile up).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from labgate.scheduler.decay import RENORMALISE_EXPONENT, DecayClock
from labgate.scheduler.path import ClientPath

CLASSES = (0, 1)
# Entry layout; a list so an entry can be re-keyed or killed in place while in a heap.
_KEY, _SEQ, _NODE, _ALIVE = 0, 1, 2, 3
Entry = list[Any]


class Node:
    """One lab, project or user (or the root) of a pool's tree."""

    __slots__ = (
        "name",
        "parent",
        "depth",
        "share",
        "counter",
        "usage",
        "children",
        "heaps",
        "live",
        "entries",
        "waiting",
        "queued",
        "running",
        "last_left",
        "batch_credit",
        "holds",
        "batch_running",
    )

    def __init__(self, name: str, parent: Node | None, share: float, *, user: bool) -> None:
        self.name = name
        self.parent = parent
        self.depth: int = 0 if parent is None else parent.depth + 1
        self.share = share
        self.counter = 0.0  # stored (inflated) virtual counter
        self.usage = 0.0  # stored (inflated) weighted tokens served
        self.children: dict[str, Node] = {}
        # Per class: entries of backlogged children (labs, projects and the root only).
        self.heaps: tuple[list[Entry], list[Entry]] | None = None if user else ([], [])
        self.live = [0, 0]  # alive entries in each class heap
        self.entries: list[Entry | None] = [None, None]  # own entry in the parent's heaps
        # Per class: a user's waiting requests, oldest first; only while it has some, since a
        # pool may know tens of thousands of users and most of them wait for nothing.
        self.waiting: tuple[deque[Any], deque[Any]] | None = None
        self.queued = [0, 0]  # waiting requests of each class in this subtree
        self.running = 0  # requests of this subtree holding a slot
        self.last_left: Node | None = None  # child that most recently stopped being backlogged
        self.batch_credit = 0.0  # a lab's κ: its share of dispatches owed to its batch work
        # A lab's slots held for its interactive requests just answered (expiry times, oldest
        # first): its batch work may not take them until they expire (Pool's interactive hold).
        self.holds: deque[float] | None = None
        self.batch_running = 0  # a lab's batch requests holding a slot

    @property
    def backlogged(self) -> bool:
        return self.queued[0] + self.queued[1] > 0

    def walk(self) -> Iterator[Node]:
        """This node and every node below it, parents first."""
        yield self
        for child in self.children.values():
            yield from child.walk()


def _heaps(node: Node) -> tuple[list[Entry], list[Entry]]:
    assert node.heaps is not None, "a user has no children to keep heaps of"
    return node.heaps


class FairTree:
    """Counters and backlog of one pool; the caller keeps the waiting requests' objects."""

    def __init__(self, decay: DecayClock, share_of: Callable[[ClientPath, int], float]) -> None:
        self.root = Node("", None, 1.0, user=False)
        self.decay = decay
        self._share_of = share_of
        self._seq = itertools.count()
        self._paths: dict[ClientPath, tuple[Node, Node, Node]] = {}
        """Each path's nodes, found once: nodes are never removed from the tree."""

    # -- tree shape ---------------------------------------------------------------------------

    def nodes_for(self, path: ClientPath) -> tuple[Node, Node, Node]:
        """The lab, project and user nodes of ``path``, created with their shares if new."""
        nodes = self._paths.get(path)
        if nodes is None:
            nodes = self._paths[path] = self._walk_to(path)
        return nodes

    def _walk_to(self, path: ClientPath) -> tuple[Node, Node, Node]:
        node = self.root
        found: list[Node] = []
        for depth, name in enumerate(path, start=1):
            child = node.children.get(name)
            if child is None:
                child = Node(name, node, self._share_of(path, depth), user=depth == 3)
                node.children[name] = child
            found.append(child)
            node = child
        return found[0], found[1], found[2]

    def find(self, names: tuple[str, ...]) -> Node | None:
        node: Node | None = self.root
        for name in names:
            node = node.children.get(name) if node is not None else None
        return node

    # -- charging and decay --------------------------------------------------------------------

    def charge(self, nodes: tuple[Node, ...], cost: float) -> None:
        """Add ``cost`` weighted tokens of service to every node on a user's path: O(depth)."""
        if cost <= 0.0:
            return
        inflated = cost * self.factor()
        for node in nodes:
            node.counter += inflated / node.share
            node.usage += inflated
        self.root.usage += inflated

    def factor(self) -> float:
        """G(t) now, renormalising first if it has grown past ``RENORMALISE_AT``."""
        exponent = self.decay.exponent()
        if exponent > RENORMALISE_EXPONENT:
            self.renormalise()
            return 1.0
        return math.exp2(exponent)

    def renormalise(self) -> None:
        """Divide every stored value by G(t) and restart G at 1 (rare: every 40 half-lives)."""
        scale = self.decay.restart()
        for node in self.root.walk():
            node.counter *= scale
            node.usage *= scale
            for heap in node.heaps or ():
                for entry in heap:
                    entry[_KEY] *= scale
                heapq.heapify(heap)  # rounding (or underflow to 0) can turn keys into ties

    # -- backlog ---------------------------------------------------------------------------------

    def join(self, nodes: tuple[Node, ...], k: int, request: Any) -> None:
        """``request`` of class ``k`` starts waiting at user ``nodes[-1]``: lift, file its path."""
        user = nodes[-1]
        if user.waiting is None:
            user.waiting = (deque(), deque())
        user.waiting[k].append(request)
        for node in nodes:
            if not node.backlogged:
                self._lift(node)
            if node.queued[k] == 0:
                self._file(node, k)
            node.queued[k] += 1
        self.root.queued[k] += 1

    def leave(self, nodes: tuple[Node, ...], k: int, *, served: bool) -> None:
        """A waiting request of class ``k`` at ``nodes[-1]`` was served or withdrawn."""
        self.root.queued[k] -= 1
        for node in reversed(nodes):
            node.queued[k] -= 1
            if node.queued[k] == 0:
                self._unfile(node, k)
                if node.waiting is not None:
                    node.waiting[k].clear()  # only withdrawn (dead) requests can be left in it
                if not node.backlogged:
                    node.waiting = None
                    node.parent.last_left = node  # type: ignore[union-attr]
            elif served:
                self._unfile(node, k)  # served and still waiting: to the back of its ties
                self._file(node, k)

    def pass_through(self, nodes: tuple[Node, ...]) -> None:
        """A request at ``nodes[-1]`` served the moment it arrives, with nothing else waiting
        anywhere in the tree: what :meth:`join` then :meth:`leave` (served) would leave behind,
        without filing the path in the backlog heaps only to take it out again. Each node is
        lifted as it would be on becoming backlogged, then becomes its parent's most recent
        leaver. (The caller charges the request, as for any dispatch.)"""
        assert not self.root.backlogged, "pass_through is for an empty backlog only"
        for node in nodes:
            self._lift(node)
        for node in nodes:
            node.parent.last_left = node  # type: ignore[union-attr]

    def select_lab(self) -> Node:
        """The lab served next: the backlogged lab (in either class) with the lowest (c, seq).
        Class plays no part here, so marking work as batch never costs a lab its share."""
        best: Entry | None = None
        for k in CLASSES:
            if self.root.live[k]:
                top = self._top(self.root, k)
                if best is None or (top[_KEY], top[_SEQ]) < (best[_KEY], best[_SEQ]):
                    best = top
        assert best is not None, "select_lab needs a backlogged lab"
        node: Node = best[_NODE]
        return node

    def select(self, k: int, start: Node | None = None) -> Node:
        """The user whose oldest waiting request of class ``k`` is served next, in the subtree
        of ``start`` (default: the whole tree)."""
        node = start or self.root
        while node.heaps is not None:
            node = self._top(node, k)[_NODE]
        return node

    def _lift(self, node: Node) -> None:
        parent = node.parent
        assert parent is not None
        floor = self._min_backlogged_counter(parent)
        if floor is None and parent.last_left is not None:
            floor = parent.last_left.counter
        if floor is not None and floor > node.counter:
            node.counter = floor

    def _min_backlogged_counter(self, parent: Node) -> float | None:
        best: float | None = None
        for k in CLASSES:
            if parent.live[k]:
                key: float = self._top(parent, k)[_KEY]
                best = key if best is None or key < best else best
        return best

    def _file(self, node: Node, k: int) -> None:
        parent = node.parent
        assert parent is not None
        entry: Entry = [node.counter, next(self._seq), node, True]
        heapq.heappush(_heaps(parent)[k], entry)
        node.entries[k] = entry
        parent.live[k] += 1

    def _unfile(self, node: Node, k: int) -> None:
        parent = node.parent
        entry = node.entries[k]
        assert parent is not None and entry is not None
        entry[_ALIVE] = False
        node.entries[k] = None
        parent.live[k] -= 1
        heap = _heaps(parent)[k]
        if len(heap) > 2 * parent.live[k] + 32:
            heap[:] = [e for e in heap if e[_ALIVE]]
            heapq.heapify(heap)

    def _top(self, parent: Node, k: int) -> Entry:
        """The live entry with the lowest current (counter, seq); the heap must have one."""
        heap = _heaps(parent)[k]
        while True:
            entry = heap[0]
            if not entry[_ALIVE]:
                heapq.heappop(heap)
            elif entry[_KEY] != entry[_NODE].counter:  # charged since filed: key only grew
                entry[_KEY] = entry[_NODE].counter
                heapq.heapreplace(heap, entry)
            else:
                return entry
