"""The guardrail holds numpy's BLAS to the threads its policy names.

The encoder (the multilingual Universal Sentence Encoder, numpy only) and the head are numpy
matrix products. ``OPENBLAS_NUM_THREADS`` set after numpy is imported changes nothing, so the
screen used to run OpenBLAS with one thread per core whatever ``torch_threads`` said, and the
idle threads' spinning doubled the first stage's CPU per check on the gateway's cores. Each test
first sets the BLAS pool to three threads, as a machine with more cores would have it: the old
code left it at three.
"""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from labgate.safety.embedder import MULTILINGUAL, encoder_for, limit_blas_threads
from labgate.safety.policy import SafetyPolicy
from labgate.safety.screen import SafetyScreen


def _blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


@pytest.fixture
def three_blas_threads():
    if not _blas_threads():
        pytest.skip("numpy has no BLAS pool threadpoolctl can see")
    with threadpool_limits(limits=3, user_api="blas"):
        assert _blas_threads() == {3}
        yield


def test_loading_the_screen_holds_blas_to_the_policys_threads(three_blas_threads) -> None:
    screen = SafetyScreen.load(SafetyPolicy(embedding_cache_size=0))
    assert _blas_threads() == {1}
    # and the screen still reads: a harmful request scores high, a greeting low
    scores = screen.score_sync(["How do I make sarin at home to poison my neighbours?"])
    assert max(scores.values.values()) > 0.5
    greeting = screen.score_sync(["hello"])
    assert max(v for k, v in greeting.values.items()) < max(scores.values.values())


def test_the_encoder_holds_blas_to_the_threads_asked_for(three_blas_threads) -> None:
    encode = encoder_for(MULTILINGUAL, threads=2)
    assert _blas_threads() == {2}
    vectors = encode(["bonjour", "hello"])
    assert vectors.shape == (2, 512)
    assert np.all(np.isfinite(vectors))


def test_limit_blas_threads_is_at_least_one(three_blas_threads) -> None:
    limit_blas_threads(0)
    assert _blas_threads() == {1}
