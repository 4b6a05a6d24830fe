"""The embedder's segment cache, the head's recorded precision and ensembles, without the model.

A double encoder records every text it is asked to embed, so the tests can see exactly what is
embedded again and what is served from the cache. The real model (int8, one text at a time) is
tested in ``test_real_model.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from labgate.safety.categories import HEAD_CLASSES
from labgate.safety.embedder import EMBEDDING_DIM, Embedder, as_precision, text_key
from labgate.safety.head import ClassifierHead, HeadFormatError
from labgate.safety.policy import SafetyPolicy, StreamConfig
from labgate.safety.screen import SafetyScreen
from labgate.safety.training import TrainSettings, encode_labels, fit, fit_ensemble


class RecordingEncoder:
    """A deterministic stand-in for the model: a vector derived from the text's digest."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        out = np.empty((len(texts), EMBEDDING_DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            seed = int.from_bytes(text_key(text)[:8], "big")
            v = np.random.default_rng(seed).normal(size=EMBEDDING_DIM)
            out[row] = v / np.linalg.norm(v)
        return out


def test_the_cache_is_off_unless_asked_for() -> None:
    encoder = RecordingEncoder()
    embedder = Embedder(encoder)
    embedder.encode(["a", "b"])
    embedder.encode(["a", "b"])
    assert encoder.seen == ["a", "b", "a", "b"]
    assert embedder.cache_hits == 0


def test_cached_segments_are_not_embedded_again_and_vectors_are_unchanged() -> None:
    encoder = RecordingEncoder()
    embedder = Embedder(encoder, cache_size=8)
    first = embedder.encode(["alpha", "beta"])
    mixed = embedder.encode(["gamma", "alpha", "beta"])
    assert encoder.seen == ["alpha", "beta", "gamma"]
    assert embedder.cache_hits == 2 and embedder.encoded == 3
    assert np.array_equal(mixed[1:], first)
    assert np.array_equal(mixed[0], encoder(["gamma"])[0])


def test_the_cache_forgets_the_least_recently_used_and_holds_no_text() -> None:
    encoder = RecordingEncoder()
    embedder = Embedder(encoder, cache_size=2)
    embedder.encode(["one", "two"])
    embedder.encode(["one"])  # "one" is now the most recent
    embedder.encode(["three"])  # evicts "two"
    encoder.seen.clear()
    embedder.encode(["one", "two", "three"])
    assert encoder.seen == ["two"]
    assert all(isinstance(k, bytes) and len(k) == 16 for k in embedder._cache)


async def test_async_path_uses_the_cache_and_skips_the_worker_when_all_hit() -> None:
    encoder = RecordingEncoder()
    embedder = Embedder(encoder, cache_size=8)
    try:
        first = await embedder.aencode(["x", "y"])
        again = await embedder.aencode(["y", "x"])
        assert encoder.seen == ["x", "y"]
        assert np.array_equal(again, first[::-1])
        await embedder.aencode(["y", "z"])
        assert encoder.seen == ["x", "y", "z"]
    finally:
        embedder.close()


def pinned_head() -> ClassifierHead:
    return ClassifierHead(
        weights=[np.zeros((EMBEDDING_DIM, len(HEAD_CLASSES)), dtype=np.float32)],
        biases=[np.zeros(len(HEAD_CLASSES), dtype=np.float32)],
        classes=HEAD_CLASSES,
        embedding="int8",
    )


SENTENCE = "The reactor's primary loop stays liquid at about one hundred and fifty five bar. "


async def test_a_multi_turn_conversation_embeds_earlier_turns_once() -> None:
    encoder = RecordingEncoder()
    screen = SafetyScreen(SafetyPolicy(), Embedder(encoder, cache_size=64), pinned_head())
    turns = [{"role": "user", "content": "How does a pressurised water reactor stay stable?"}]
    await screen.check_input(turns)
    turns += [
        {"role": "assistant", "content": SENTENCE * 2},
        {"role": "user", "content": "And what does the boron in the coolant do?"},
    ]
    await screen.check_input(turns)
    assert len(encoder.seen) == len(set(encoder.seen))  # nothing embedded twice
    screen.embedder.close()


async def test_overlapping_stream_windows_reuse_shared_segments() -> None:
    encoder = RecordingEncoder()
    policy = SafetyPolicy(stream=StreamConfig(every_tokens=24, window_tokens=96))
    screen = SafetyScreen(policy, Embedder(encoder, cache_size=256), pinned_head())
    stream = screen.stream_screener(model="m")
    for i in range(40):
        await stream.feed(f"Sentence number {i} says something plain about reactors today. ")
    await stream.finish()
    embedder = screen.embedder
    assert stream.screens > 10
    assert embedder.cache_hits > 0
    assert len(encoder.seen) == len(set(encoder.seen)) == embedder.encoded
    embedder.close()


def test_head_records_its_precision_and_an_old_file_means_float32(tmp_path: Path) -> None:
    head = pinned_head()
    head.save(tmp_path / "int8.npz")
    assert ClassifierHead.load(tmp_path / "int8.npz").embedding == "int8"

    arrays = dict(np.load(tmp_path / "int8.npz", allow_pickle=False))
    del arrays["embedding"]
    np.savez(tmp_path / "old.npz", allow_pickle=False, **arrays)
    assert ClassifierHead.load(tmp_path / "old.npz").embedding == "float32"

    arrays["embedding"] = np.array("int4")
    np.savez(tmp_path / "odd.npz", allow_pickle=False, **arrays)
    with pytest.raises(HeadFormatError, match="int4"):
        ClassifierHead.load(tmp_path / "odd.npz")
    with pytest.raises(ValueError, match="int4"):
        as_precision("int4")


def _problem(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(HEAD_CLASSES), EMBEDDING_DIM)).astype(np.float32)
    labels = [HEAD_CLASSES[i % len(HEAD_CLASSES)] for i in range(300)]
    y = encode_labels(labels)
    x = centres[y] + 0.3 * rng.normal(size=(300, EMBEDDING_DIM)).astype(np.float32)
    return x, y


def test_an_ensemble_averages_its_members_and_round_trips(tmp_path: Path) -> None:
    x, y = _problem()
    settings = TrainSettings(epochs=5, hidden=16, seed=7, ensemble=3, embedding="int8")
    head = fit_ensemble(x, y, settings)
    assert head.members == 3 and head.embedding == "int8"
    singles = [
        fit(x, y, TrainSettings(epochs=5, hidden=16, seed=7 + k, embedding="int8"))
        for k in range(3)
    ]
    expected = np.mean([s.probabilities(x[:10]) for s in singles], axis=0)
    assert np.allclose(head.probabilities(x[:10]), expected, atol=1e-6)
    assert not np.allclose(singles[0].probabilities(x[:10]), singles[1].probabilities(x[:10]))

    head.save(tmp_path / "ens.npz")
    loaded = ClassifierHead.load(tmp_path / "ens.npz")
    assert loaded.members == 3
    assert np.allclose(loaded.probabilities(x[:10]), expected, atol=1e-6)
    assert np.allclose(loaded.probabilities(x[:10]).sum(axis=1), 1.0, atol=1e-5)


def test_an_ensemble_of_one_is_a_plain_head() -> None:
    x, y = _problem(1)
    head = fit_ensemble(x, y, TrainSettings(epochs=3, hidden=8, seed=3, ensemble=1))
    assert head.members == 1 and head.weights[0].ndim == 2
