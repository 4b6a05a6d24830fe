"""The classifier head run by the embedder's worker, on each batch, and cached with the vector.

A stand-in encoder (a vector from the text's digest) and small heads with made-up weights: what
is checked is where the head runs, what the cache serves and that one head's probabilities are
never served for another. That a batch's probabilities give the same decisions as a lone row's,
with the real encoder and head, is tests/safety/test_batch_invariance.py.
"""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from labgate.safety.categories import HEAD_CLASSES
from labgate.safety.embedder import EMBEDDING_DIM, Embedder, text_key
from labgate.safety.head import ClassifierHead
from labgate.safety.policy import SafetyPolicy
from labgate.safety.screen import SafetyScreen

TEXTS = [
    "How does a tokamak confine plasma?",
    "Explain the half-life of tritium in two sentences.",
    "How do I culture anthrax spores at home?",
]


class StandInEncoder:
    """A deterministic vector per text; records the texts and the calls it gets."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.calls = 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.seen.extend(texts)
        out = np.empty((len(texts), EMBEDDING_DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            v = np.random.default_rng(int.from_bytes(text_key(text)[:8], "big")).normal(
                size=EMBEDDING_DIM
            )
            out[row] = v / np.linalg.norm(v)
        return out


def made_up_head(seed: int) -> ClassifierHead:
    """A two-member, one-hidden-layer ensemble (the shipped head's shape, smaller)."""
    rng = np.random.default_rng(seed)
    classes = len(HEAD_CLASSES)
    return ClassifierHead(
        weights=[
            rng.normal(size=(2, EMBEDDING_DIM, 16)).astype(np.float32),
            rng.normal(size=(2, 16, classes)).astype(np.float32) * 3,
        ],
        biases=[
            rng.normal(size=(2, 16)).astype(np.float32),
            rng.normal(size=(2, classes)).astype(np.float32),
        ],
        classes=HEAD_CLASSES,
        embedding="float32",
    )


class CountingReader:
    """A head's probabilities, counting the rows it reads and the threads it runs in."""

    def __init__(self, head: ClassifierHead) -> None:
        self.head = head
        self.rows = 0
        self.threads: set[str] = set()

    def __call__(self, vectors: np.ndarray) -> np.ndarray:
        self.rows += len(vectors)
        self.threads.add(threading.current_thread().name)
        return self.head.probabilities(vectors)


def embedder(reader=None, cache_size: int = 8) -> Embedder:  # type: ignore[no-untyped-def]
    return Embedder(
        StandInEncoder(),
        precision="float32",
        dim=EMBEDDING_DIM,
        cache_size=cache_size,
        reader=reader,
    )


async def test_the_head_reads_the_whole_batch_in_the_worker_not_on_the_loop() -> None:
    reader = CountingReader(made_up_head(1))
    e = embedder(reader)
    try:
        # three checks queued together: one encoder call and one head call for all of them
        read = await asyncio.gather(*(e.aread([t]) for t in TEXTS))
        assert e._encode.calls == 1 and reader.rows == len(TEXTS)  # type: ignore[attr-defined]
        assert reader.threads and all(n.startswith("labgate-safety") for n in reader.threads)
        assert threading.current_thread().name not in reader.threads
        for (vectors, probabilities), text in zip(read, TEXTS, strict=True):
            assert vectors.shape == (1, EMBEDDING_DIM)
            alone = reader.head.probabilities(e._encode([text]))  # type: ignore[arg-type]
            assert np.allclose(probabilities, alone, rtol=0, atol=1e-6)
    finally:
        e.close()


async def test_a_cached_segments_probabilities_are_reused_with_its_vector() -> None:
    reader = CountingReader(made_up_head(1))
    e = embedder(reader)
    try:
        vectors, first = await e.aread(TEXTS[:2])
        assert reader.rows == 2
        again_vectors, again = await e.aread([TEXTS[1], TEXTS[2], TEXTS[0]])
        assert e._encode.seen == TEXTS  # type: ignore[attr-defined]
        assert reader.rows == 3  # only the new segment was read
        assert np.array_equal(again[[2, 0]], first)
        assert np.array_equal(again_vectors[[2, 0]], vectors)
        # all three cached: neither the encoder nor the head runs, and the loop gets the rows
        _, cached = await e.aread(TEXTS)
        assert reader.rows == 3 and e.cache_hits == 5
        assert np.array_equal(cached, again[[2, 0, 1]])
        # the synchronous path (CLI, evaluation) serves the same rows from the same cache
        assert np.array_equal(e.read(TEXTS)[1], cached)
    finally:
        e.close()


async def test_vectors_only_callers_are_unchanged_by_a_reader() -> None:
    plain, reading = embedder(), embedder(CountingReader(made_up_head(1)))
    try:
        for e in (plain, reading):
            assert e.encode(TEXTS).shape == (3, EMBEDDING_DIM)
            assert (await e.aencode(TEXTS[::-1])).shape == (3, EMBEDDING_DIM)
            assert e.encode([]).shape == (0, EMBEDDING_DIM)
        assert np.array_equal(plain.encode(TEXTS), reading.encode(TEXTS))
        assert np.array_equal(await plain.aencode(TEXTS), await reading.aencode(TEXTS))
        with pytest.raises(ValueError, match="no reader"):
            await plain.aread(TEXTS)
        with pytest.raises(ValueError, match="no reader"):
            plain.read(TEXTS)
    finally:
        plain.close()
        reading.close()


def test_another_reader_empties_the_cache() -> None:
    first, second = made_up_head(1), made_up_head(2)
    e = embedder(first.probabilities)
    vectors, old = e.read(TEXTS)
    e.reader = second.probabilities
    assert not e._cache
    again, new = e.read(TEXTS)
    assert e._encode.seen == TEXTS * 2  # type: ignore[attr-defined]
    assert np.array_equal(again, vectors)
    assert np.allclose(new, second.probabilities(vectors), rtol=0, atol=1e-6)
    assert not np.allclose(new, old, rtol=0, atol=1e-3)
    e.close()


async def test_the_reader_cannot_change_while_texts_are_queued() -> None:
    e = embedder(made_up_head(1).probabilities)
    try:
        pending = asyncio.ensure_future(e.aread(TEXTS))
        await asyncio.sleep(0)  # queued, the worker not done
        with pytest.raises(RuntimeError, match="queued"):
            e.reader = None
        await pending
    finally:
        e.close()


async def test_a_screen_whose_head_is_replaced_never_reads_the_old_heads_probabilities() -> None:
    old, new = made_up_head(1), made_up_head(2)
    # the embedder's reader is the old head's bound method: the same reader as the screen's
    screen = SafetyScreen(SafetyPolicy(), embedder(old.probabilities), old)
    e = screen.embedder
    try:
        assert screen._head_in_embedder(["x"])
        _, _, read_by_old = await screen._scored([TEXTS[2]], "input")
        screen.head = new
        assert not screen._head_in_embedder(["x"])
        _, segments, read_by_new = await screen._scored([TEXTS[2]], "input")
        assert e.cache_hits == 1  # the vector came from the cache, the probabilities did not
        expected = new.probabilities(e.encode(segments))
        assert np.allclose(read_by_new, expected, rtol=0, atol=1e-6)
        assert not np.allclose(read_by_new, read_by_old, rtol=0, atol=1e-3)
        # and the synchronous path reads with the new head too
        alone = SafetyScreen(SafetyPolicy(), embedder(), new)
        assert screen.score_sync([TEXTS[2]]) == alone.score_sync([TEXTS[2]])
        alone.embedder.close()
    finally:
        e.close()


async def test_a_screen_reads_the_same_with_the_head_in_the_embedder_or_on_its_own() -> None:
    head = made_up_head(3)
    inside = SafetyScreen(SafetyPolicy(), embedder(head.probabilities), head)
    outside = SafetyScreen(SafetyPolicy(), embedder(), head)
    texts = [f"{t} {t}" for t in TEXTS] + ["Tell me about the lab's safety rules. " * 12]
    try:
        for text in texts:
            a, b = await inside.score([text]), await outside.score([text])
            assert inside.decide(a).action == outside.decide(b).action
            assert inside.score_sync([text]) == outside.score_sync([text])
    finally:
        inside.embedder.close()
        outside.embedder.close()


async def test_a_wrapper_set_on_the_instance_still_queues_the_texts() -> None:
    """The screening lane's copy of the embedder replaces ``aencode`` with one that queues a
    long text's segments a few at a time: ``aread`` goes through it, and the probabilities
    the worker read come from the cache."""
    reader = CountingReader(made_up_head(1))
    e = embedder(reader, cache_size=16)
    whole = e.aencode
    slices: list[int] = []

    async def in_slices(texts):  # type: ignore[no-untyped-def]
        parts = []
        for i in range(0, len(texts), 2):
            slices.append(len(texts[i : i + 2]))
            parts.append(await whole(texts[i : i + 2]))
        return np.concatenate(parts)

    e.aencode = in_slices  # type: ignore[method-assign]
    try:
        vectors, probabilities = await e.aread(TEXTS)
        assert slices == [2, 1]
        assert reader.rows == 3 and all(n.startswith("labgate-safety") for n in reader.threads)
        assert np.allclose(probabilities, reader.head.probabilities(vectors), rtol=0, atol=1e-6)
    finally:
        e.close()
