"""Proof generation and verification agree, and every off-by-one or altered hash is caught."""

from __future__ import annotations

import hashlib

import pytest

from labgate.audit.merkle import (
    EMPTY_ROOT,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from labgate.audit.tree import CompactRange, fold, range_nodes

LEAVES = [leaf_hash(f"entry {i}".encode()) for i in range(70)]


def test_hashes_use_the_rfc6962_prefixes() -> None:
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    left, right = b"a" * 32, b"b" * 32
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert root_of([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()
    # a tree of three leaves splits 2 + 1
    assert root_of(LEAVES[:3]) == node_hash(node_hash(LEAVES[0], LEAVES[1]), LEAVES[2])


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 64, 70])
def test_every_inclusion_proof_verifies_and_no_altered_one_does(size: int) -> None:
    leaves = LEAVES[:size]
    root = root_of(leaves)
    for index in range(size):
        proof = inclusion_proof(index, leaves)
        verify_inclusion(index, size, leaves[index], proof, root)
        with pytest.raises(ProofError):
            verify_inclusion(index, size, leaves[index], [*proof, LEAVES[0]], root)
        if proof:
            with pytest.raises(ProofError):
                verify_inclusion(index, size, leaves[index], proof[:-1], root)
            flipped = bytes([proof[0][0] ^ 1]) + proof[0][1:]
            with pytest.raises(ProofError):
                verify_inclusion(index, size, leaves[index], [flipped, *proof[1:]], root)
        other = (index + 1) % size
        if other != index:
            with pytest.raises(ProofError):
                verify_inclusion(other, size, leaves[index], proof, root)


def test_every_consistency_proof_verifies_and_no_altered_one_does() -> None:
    for second in range(1, 34):
        root2 = root_of(LEAVES[:second])
        for first in range(1, second + 1):
            root1 = root_of(LEAVES[:first])
            proof = consistency_proof(first, LEAVES[:second])
            verify_consistency(first, second, root1, root2, proof)
            with pytest.raises(ProofError):
                verify_consistency(first, second, root1, root2, [*proof, LEAVES[0]])
            if proof:
                with pytest.raises(ProofError):
                    verify_consistency(first, second, root1, root2, proof[1:])
                with pytest.raises(ProofError):
                    verify_consistency(first, second, root2, root1, proof)
            if first < second:
                with pytest.raises(ProofError):
                    verify_consistency(first, second, root_of(LEAVES[1:first + 1]), root2, proof)


def test_compact_range_matches_the_recursive_definition() -> None:
    edge = CompactRange()
    stored: dict[tuple[int, int], bytes] = {(0, i): h for i, h in enumerate(LEAVES)}
    for i, leaf in enumerate(LEAVES):
        for level, index, h in edge.append(leaf):
            assert h == root_of(LEAVES[index << level:(index + 1) << level])
            stored[(level, index)] = h
        assert edge.size == i + 1
        assert edge.root() == root_of(LEAVES[: i + 1])
        rebuilt = CompactRange.load(i + 1, stored)
        assert rebuilt.root() == edge.root()


def test_range_nodes_tile_rfc_subtrees() -> None:
    stored = {(0, i): h for i, h in enumerate(LEAVES)}
    edge = CompactRange()
    for leaf in LEAVES:
        for level, index, h in edge.append(leaf):
            stored[(level, index)] = h
    for start, end in [(0, 70), (64, 70), (32, 45), (0, 1), (8, 14), (48, 64)]:
        nodes = range_nodes(start, end)
        covered = sorted(
            i for level, index in nodes for i in range(index << level, (index + 1) << level)
        )
        assert covered == list(range(start, end))
        assert fold([stored[n] for n in nodes]) == root_of(LEAVES[start:end])
