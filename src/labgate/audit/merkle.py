"""RFC 6962 / RFC 9162 Merkle tree hashing, proof shapes and proof verification.

Everything here is pure and synchronous: no storage, no I/O. The log uses it to build proofs
from stored hashes, and anyone holding a checkpoint can use it to check them.

* A leaf is ``SHA-256(0x00 || data)`` and an interior node ``SHA-256(0x01 || left || right)``;
  the tree over ``n`` leaves splits at the largest power of two below ``n`` (RFC 6962 §2.1).
* Proofs are described as lists of leaf ranges ``[start, end)``: each element of a proof is the
  Merkle Tree Hash of one such range. :mod:`labgate.audit.tree` turns a range into the stored
  perfect subtrees that cover it.
* Verification follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) step by step,
  so a proof with one hash too many or too few is rejected: a proof must be consumed exactly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The Merkle Tree Hash of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1)."""

Range = tuple[int, int]


class ProofError(ValueError):
    """A proof that does not verify; the message says which check failed."""


def leaf_hash(data: bytes) -> bytes:
    """The hash of one leaf: ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n`` must be at least 2)."""
    if n < 2:
        raise ValueError(f"a tree of {n} leaves does not split")
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of the given leaf hashes, by the RFC 6962 recursion.

    Meant for tests and small trees; the log itself keeps a compact range instead.
    """
    if not leaf_hashes:
        return EMPTY_ROOT
    if len(leaf_hashes) == 1:
        return leaf_hashes[0]
    k = split_point(len(leaf_hashes))
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The leaf ranges whose hashes make up ``PATH(index, D[0:size])``, lowest level first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    top_down: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + split_point(hi - lo)
        if index < mid:
            top_down.append((mid, hi))
            hi = mid
        else:
            top_down.append((lo, mid))
            lo = mid
    top_down.reverse()
    return top_down


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The leaf ranges whose hashes make up ``PROOF(first, D[0:second])`` (RFC 6962 §2.1.2).

    Requires ``0 < first <= second``; equal sizes give the empty proof.
    """
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    top_down: list[Range] = []
    lo, hi, m, complete = 0, second, first, True
    while m != hi - lo:
        k = split_point(hi - lo)
        if m <= k:
            top_down.append((lo + k, hi))
            hi = lo + k
        else:
            top_down.append((lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    if not complete:
        top_down.append((lo, hi))
    top_down.reverse()
    return top_down


def _check_hash(name: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{name} is {len(value)} bytes, not a {HASH_SIZE}-byte SHA-256 hash")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` implies for ``leaf`` at ``index`` (RFC 9162 §2.1.3.2 steps 1-4)."""
    if index < 0 or index >= size:
        raise ProofError(f"leaf index {index} is not below the tree size {size}")
    _check_hash("the leaf hash", leaf)
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        _check_hash("a proof hash", p)
        if sn == 0:
            raise ProofError("the proof has more hashes than the tree has levels")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof has fewer hashes than the path to the root needs")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf`` is at ``index`` in the tree of ``size`` leaves with ``root``.

    Raises :class:`ProofError` unless the proof is consumed exactly and lands on ``root``.
    """
    if root_from_inclusion_proof(index, size, leaf, proof) != root:
        raise ProofError("the inclusion proof does not lead to the expected root")


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``second`` leaves extends the tree of ``first`` leaves.

    RFC 9162 §2.1.4.2, preceded by the cases that section leaves to the caller: sizes that go
    backwards, a first tree that is empty (a proof from nothing proves nothing), and equal sizes
    (the proof must be empty and the roots equal).
    """
    if first > second:
        raise ProofError(f"the first size {first} is larger than the second size {second}")
    if first == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if first == second:
        if proof:
            raise ProofError("equal tree sizes need an empty proof")
        if first_root != second_root:
            raise ProofError("equal tree sizes but different roots")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    for p in proof:
        _check_hash("a proof hash", p)
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the proof has more hashes than the trees need")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof has fewer hashes than the trees need")
    if fr != first_root:
        raise ProofError("the proof does not reproduce the first root")
    if sr != second_root:
        raise ProofError("the proof does not reproduce the second root")


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """An inclusion proof computed from all leaf hashes in memory (tests, small trees)."""
    return [root_of(leaf_hashes[a:b]) for a, b in inclusion_ranges(index, len(leaf_hashes))]


def consistency_proof(first: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """A consistency proof from ``first`` to ``len(leaf_hashes)`` computed in memory."""
    return [root_of(leaf_hashes[a:b]) for a, b in consistency_ranges(first, len(leaf_hashes))]
