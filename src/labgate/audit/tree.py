"""The log's tree as stored: perfect subtrees, the compact range, and proofs built from them.

Every hash the log ever needs is the hash of a *perfect* subtree (``2**level`` leaves starting at
``index * 2**level``), or a right-to-left fold of a few of them. The log stores each perfect
subtree's hash once, when its last leaf arrives, so a proof at any tree size is a handful of
point lookups: about ``2 * log2(n)`` hashes, whatever ``n`` is.

:class:`CompactRange` is the right edge of the tree (one perfect subtree per set bit of the size):
all the state needed to append leaves and to compute the current root.
"""

from __future__ import annotations

import hashlib
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from labgate.audit.merkle import (
    EMPTY_ROOT,
    NODE_PREFIX,
    Range,
    consistency_ranges,
    inclusion_ranges,
    node_hash,
)

NodeId = tuple[int, int]
"""A perfect subtree: ``(level, index)`` covers leaves ``[index << level, (index+1) << level)``."""


def range_nodes(start: int, end: int) -> list[NodeId]:
    """The perfect subtrees that tile ``[start, end)``, left to right, each as large as it can be.

    For the ranges that occur in RFC 6962 trees (``start`` aligned to the range's width) the
    sizes strictly decrease, and the range's hash is the right-to-left fold of theirs.
    """
    nodes: list[NodeId] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """Combine perfect-subtree hashes right to left into the hash of the range they tile."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def nodes_completed_by(index: int) -> Iterable[NodeId]:
    """The perfect subtrees of level >= 1 whose last leaf is ``index`` (lowest first)."""
    level, i = 0, index
    while i & 1:
        level += 1
        i >>= 1
        yield (level, i)


@dataclass(slots=True)
class CompactRange:
    """The hashes of the perfect subtrees covering ``[0, size)``, largest first."""

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    @classmethod
    def load(cls, size: int, lookup: Mapping[NodeId, bytes]) -> CompactRange:
        """Rebuild the edge of a tree of ``size`` leaves from stored perfect-subtree hashes."""
        return cls(size, [lookup[n] for n in range_nodes(0, size)])

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; return the ``(level, index, hash)`` of subtrees it completed."""
        completed: list[tuple[int, int, bytes]] = []
        h, level, i = leaf, 0, self.size
        while i & 1:
            h = node_hash(self.hashes.pop(), h)
            level += 1
            i >>= 1
            completed.append((level, i, h))
        self.hashes.append(h)
        self.size += 1
        return completed

    def extend(
        self, leaves: Iterable[bytes], roots_at: Container[int] = ()
    ) -> tuple[dict[NodeId, bytes], dict[int, bytes]]:
        """Append many leaf hashes (the verifier's hot loop).

        Returns the perfect subtrees completed on the way, and the root at every size in
        ``roots_at`` that was passed.
        """
        completed: dict[NodeId, bytes] = {}
        roots: dict[int, bytes] = {}
        hashes, size, sha256 = self.hashes, self.size, hashlib.sha256
        for h in leaves:
            level, i = 0, size
            while i & 1:
                h = sha256(NODE_PREFIX + hashes.pop() + h).digest()
                level += 1
                i >>= 1
                completed[(level, i)] = h
            hashes.append(h)
            size += 1
            if size in roots_at:
                roots[size] = fold(hashes)
        self.size = size
        return completed, roots

    def root(self) -> bytes:
        """The Merkle Tree Hash of the leaves appended so far."""
        return fold(self.hashes)

    def copy(self) -> CompactRange:
        return CompactRange(self.size, list(self.hashes))


@dataclass(frozen=True, slots=True)
class ProofPlan:
    """Which perfect subtrees a proof needs, and how to fold them into the proof's hashes."""

    elements: tuple[tuple[NodeId, ...], ...]

    @classmethod
    def from_ranges(cls, ranges: Iterable[Range]) -> ProofPlan:
        return cls(tuple(tuple(range_nodes(a, b)) for a, b in ranges))

    def needed(self) -> set[NodeId]:
        return {node for element in self.elements for node in element}

    def build(self, lookup: Mapping[NodeId, bytes]) -> list[bytes]:
        return [fold([lookup[n] for n in element]) for element in self.elements]


def inclusion_plan(index: int, size: int) -> ProofPlan:
    return ProofPlan.from_ranges(inclusion_ranges(index, size))


def consistency_plan(first: int, second: int) -> ProofPlan:
    return ProofPlan.from_ranges(consistency_ranges(first, second))


def root_plan(size: int) -> ProofPlan:
    """A one-element plan whose hash is the root of the tree of ``size`` leaves."""
    return ProofPlan((tuple(range_nodes(0, size)),))
