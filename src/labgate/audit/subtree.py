"""Subtree inclusion and consistency proofs (draft-ietf-plants-merkle-tree-certs, §4).

A *subtree* ``[start, end)`` of a log is a node of some version of the tree: ``start`` is a
multiple of the smallest power of two not below ``end - start``. These proofs let a verifier who
trusts the hash of such a subtree check an entry in it, or check that the subtree sits at those
positions in a bigger tree. labgate does not serve them, but the public test vectors that pin its
RFC 9162 verifier include them, and they reduce to the same two RFC 9162 procedures.
"""

from __future__ import annotations

from collections.abc import Sequence

from labgate.audit.merkle import (
    EMPTY_ROOT,
    ProofError,
    node_hash,
    root_from_inclusion_proof,
)


def is_valid_subtree(start: int, end: int) -> bool:
    """Whether ``[start, end)`` is a subtree: ``start <= end`` and ``start`` suitably aligned."""
    if start < 0 or start > end:
        return False
    if start == 0 or start == end:
        return True
    width = end - start
    ceiling = 1 << (width - 1).bit_length()
    return start % ceiling == 0


def _check_subtree(start: int, end: int) -> None:
    if not is_valid_subtree(start, end):
        raise ProofError(f"[{start}, {end}) is not a subtree of any version of the tree")


def verify_subtree_inclusion(
    index: int,
    start: int,
    end: int,
    leaf: bytes,
    proof: Sequence[bytes],
    subtree_root: bytes,
) -> None:
    """Check that ``leaf`` is entry ``index`` of the subtree ``[start, end)`` with that hash."""
    _check_subtree(start, end)
    if not start <= index < end:
        raise ProofError(f"entry {index} is outside the subtree [{start}, {end})")
    got = root_from_inclusion_proof(index - start, end - start, leaf, proof)
    if got != subtree_root:
        raise ProofError("the subtree inclusion proof does not lead to the subtree hash")


def verify_subtree_consistency(
    start: int,
    end: int,
    size: int,
    proof: Sequence[bytes],
    subtree_root: bytes,
    root: bytes,
) -> None:
    """Check that the subtree ``[start, end)`` with ``subtree_root`` is in the tree ``root``.

    An empty subtree is in every tree: its hash must be the empty-tree hash and its proof empty.
    """
    _check_subtree(start, end)
    if size < end:
        raise ProofError(f"the subtree ends at {end}, past the tree size {size}")
    if start == end:
        if proof:
            raise ProofError("an empty subtree needs an empty proof")
        if subtree_root != EMPTY_ROOT:
            raise ProofError("an empty subtree's hash must be the empty-tree hash")
        return
    if start == 0 and end == size:
        if proof:
            raise ProofError("a subtree that is the whole tree needs an empty proof")
        if subtree_root != root:
            raise ProofError("the subtree is the whole tree but the hashes differ")
        return
    if not proof:
        raise ProofError("the subtree consistency proof is empty")
    if _root_from_subtree_consistency(start, end, size, proof, subtree_root) != root:
        raise ProofError("the subtree consistency proof does not lead to the tree root")


def _root_from_subtree_consistency(
    start: int, end: int, size: int, proof: Sequence[bytes], subtree_root: bytes
) -> bytes:
    height = ((end - 1) ^ start).bit_length()
    if end == size:
        # The subtree is on the right edge: one left sibling per level where it is a right child.
        wanted = (start >> height).bit_count()
        if len(proof) != wanted:
            raise ProofError(f"the proof has {len(proof)} hashes, not {wanted}")
        r = subtree_root
        for p in proof:
            r = node_hash(p, r)
        return r

    fork = ((end - 1) ^ (size - 1)).bit_length()
    shift = ((end - start) & -(end - start)).bit_length() - 1
    perfect = end - start == 1 << shift
    seed, first = (subtree_root, 0) if perfect else (proof[0], 1)
    wanted = first + (fork - shift) + ((end - 1) >> fork).bit_count()
    if len(proof) != wanted:
        raise ProofError(f"the proof has {len(proof)} hashes, not {wanted}")

    # Climb from the rightmost perfect subtree inside [start, end) to its top, computing the
    # subtree's hash as it is now (left siblings only) and as it has grown inside the bigger
    # tree (right siblings too, below the level where the two right edges part).
    old, grown, i = seed, seed, first
    for level in range(shift, height):
        if (end - 1) >> level & 1:
            old = node_hash(proof[i], old)
            grown = node_hash(proof[i], grown)
            i += 1
        elif level < fork:
            grown = node_hash(grown, proof[i])
            i += 1
    if old != subtree_root:
        raise ProofError("the proof does not reproduce the subtree hash")
    # The rest is an inclusion proof of the grown subtree, seen as a leaf at its own level.
    return root_from_inclusion_proof(start >> height, ((size - 1) >> height) + 1, grown, proof[i:])
