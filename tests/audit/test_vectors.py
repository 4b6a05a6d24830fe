"""Every public RFC 6962 / RFC 9162 test vector gives its expected verdict.

The vectors (transparency-dev/merkle testdata) live in ``shared/vectors/rfc6962`` beside the
repository. Happy paths must verify; every mutation (flipped bits, sizes off by one, proofs with
a hash too many or too few, swapped roots) must be rejected.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from labgate.audit.merkle import ProofError, verify_consistency, verify_inclusion
from labgate.audit.subtree import verify_subtree_consistency, verify_subtree_inclusion

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors" / "rfc6962"
FILES = sorted(VECTORS.rglob("*.json")) if VECTORS.is_dir() else []

pytestmark = pytest.mark.skipif(
    not VECTORS.is_dir(), reason=f"the public test vectors are not checked out at {VECTORS}"
)


def _b(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _proof(vector: dict[str, Any]) -> list[bytes]:
    return [_b(p) for p in vector["proof"] or []]


def check(vector: dict[str, Any]) -> None:
    """Run the verifier the vector is for; raise ProofError if it rejects."""
    if "treeSize" in vector:
        verify_inclusion(vector["leafIdx"], vector["treeSize"], _b(vector["leafHash"]),
                         _proof(vector), _b(vector["root"]))
    elif "leafIdx" in vector:
        verify_subtree_inclusion(vector["leafIdx"], vector["start"], vector["end"],
                                 _b(vector["leafHash"]), _proof(vector), _b(vector["root"]))
    elif "size1" in vector:
        verify_consistency(vector["size1"], vector["size2"], _b(vector["root1"]),
                           _b(vector["root2"]), _proof(vector))
    else:
        verify_subtree_consistency(vector["start"], vector["end"], vector["size"],
                                   _proof(vector), _b(vector["root1"]), _b(vector["root2"]))


@pytest.mark.parametrize("path", FILES, ids=[str(f.relative_to(VECTORS)) for f in FILES])
def test_vector_gives_expected_verdict(path: Path) -> None:
    vector = json.loads(path.read_text())
    if vector["wantErr"]:
        with pytest.raises(ProofError):
            check(vector)
    else:
        check(vector)


def test_every_kind_of_vector_is_walked() -> None:
    kinds = {f.relative_to(VECTORS).parts[0] for f in FILES}
    assert {"inclusion", "consistency", "subtreeinclusion", "subtreeconsistency"} <= kinds
    verdicts = {json.loads(f.read_text())["wantErr"] for f in FILES}
    assert verdicts == {True, False}
