"""The trained classifier head: a small MLP over sentence embeddings, run in numpy.

It is trained by :mod:`labgate.safety.training` (with torch) and saved as an ``.npz`` of plain
arrays, so loading it executes no code (unlike a pickle) and inference needs only numpy: a
384x128 and a 128xC matrix product, a few microseconds. The file ships with the package under
``labgate/safety/data/head.npz``; ``manifest.json`` beside it records the data and metrics.

The file also records which embeddings the head was trained on (``embedding``: ``"int8"`` or
``"float32"``, see :mod:`labgate.safety.embedder`), so the screen loads the encoder that
matches it; a file from before that field existed was trained on float32 embeddings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from labgate.safety.categories import HEAD_CLASSES
from labgate.safety.embedder import LEGACY_PRECISION, Precision, as_precision

HEAD_FILE = "head.npz"
MANIFEST_FILE = "manifest.json"


def data_path(name: str) -> Path:
    """Path of a file shipped in ``labgate/safety/data``."""
    return Path(str(resources.files("labgate.safety").joinpath("data", name)))


class HeadFormatError(ValueError):
    """The head file does not match this version of labgate (classes or shapes differ)."""


@dataclass(slots=True)
class ClassifierHead:
    """``probabilities(x)``: softmax over :data:`HEAD_CLASSES` for each row of ``x``.

    One MLP has 2-D weights ``(in, out)`` and 1-D biases per layer. An *ensemble* of MLPs of the
    same shape (trained with different seeds) stacks them: 3-D weights ``(members, in, out)``
    and 2-D biases ``(members, out)``; its probabilities are the members' averaged.
    """

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    classes: tuple[str, ...]
    version: str = ""
    embedding: Precision = LEGACY_PRECISION
    # an ensemble's first layers side by side, one (in, members * hidden) matrix: one matrix
    # product for every member instead of one per member (made on first use)
    _fused: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False, compare=False)

    @property
    def members(self) -> int:
        return int(self.weights[0].shape[0]) if self.weights[0].ndim == 3 else 1

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        if self.members > 1 and len(self.weights) == 2:
            return self._ensemble_probabilities(np.asarray(x, dtype=np.float32))
        return self._layered_probabilities(x)

    def _layered_probabilities(self, x: np.ndarray) -> np.ndarray:
        """Any head: layer by layer, each member's product on its own."""
        h = np.asarray(x, dtype=np.float32)[None]  # (1, n, in): broadcast over the members
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            w3 = w if w.ndim == 3 else w[None]
            b3 = b[:, None, :] if b.ndim == 2 else b[None, None, :]
            h = h @ w3 + b3
            if i < last:
                h = np.maximum(h, 0.0)
        h = h - h.max(axis=2, keepdims=True)
        e = np.exp(h)
        return (e / e.sum(axis=2, keepdims=True)).mean(axis=0)

    def _ensemble_probabilities(self, x: np.ndarray) -> np.ndarray:
        """The members' averaged softmax for a one-hidden-layer ensemble: the first layers of
        all members as one matrix product (the cost of a check grows with the members less
        than in the general path's one product per member)."""
        members, _, hidden = self.weights[0].shape
        if self._fused is None:
            w = np.ascontiguousarray(
                self.weights[0].transpose(1, 0, 2).reshape(-1, members * hidden)
            )
            self._fused = (w, self.biases[0].reshape(-1))
        w1, b1 = self._fused
        h = np.maximum(x @ w1 + b1, 0.0).reshape(len(x), members, hidden).transpose(1, 0, 2)
        logits = h @ self.weights[1] + self.biases[1][:, None, :]  # (members, n, classes)
        logits -= logits.max(axis=2, keepdims=True)
        e = np.exp(logits)
        return (e / e.sum(axis=2, keepdims=True)).mean(axis=0)

    @classmethod
    def stack(cls, heads: list[ClassifierHead]) -> ClassifierHead:
        """One ensemble head from single heads of the same shape and embedding."""
        first = heads[0]
        return cls(
            weights=[np.stack([h.weights[i] for h in heads]) for i in range(len(first.weights))],
            biases=[np.stack([h.biases[i] for h in heads]) for i in range(len(first.biases))],
            classes=first.classes,
            version=first.version,
            embedding=first.embedding,
        )

    @classmethod
    def concat(cls, heads: list[ClassifierHead]) -> ClassifierHead:
        """One ensemble of every member of ``heads`` (single heads or ensembles of the same
        layer shapes and embedding): its probabilities are all their members' averaged."""
        if len(heads) == 1:
            return heads[0]
        first = heads[0]

        def members(arrays: list[np.ndarray], single_ndim: int) -> np.ndarray:
            return np.concatenate([a if a.ndim > single_ndim else a[None] for a in arrays])

        return cls(
            weights=[members([h.weights[i] for h in heads], 2) for i in range(len(first.weights))],
            biases=[members([h.biases[i] for h in heads], 1) for i in range(len(first.biases))],
            classes=first.classes,
            version=first.version,
            embedding=first.embedding,
        )

    def save(self, path: Path) -> None:
        arrays: dict[str, np.ndarray] = {
            "classes": np.array(self.classes),
            "version": np.array(self.version),
            "embedding": np.array(self.embedding),
            "layers": np.array(len(self.weights)),
        }
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            arrays[f"w{i}"] = w.astype(np.float32)
            arrays[f"b{i}"] = b.astype(np.float32)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            np.savez_compressed(fh, allow_pickle=False, **arrays)

    @classmethod
    def load(cls, path: Path | None = None) -> ClassifierHead:
        path = path or data_path(HEAD_FILE)
        if not path.exists():
            raise FileNotFoundError(
                f"no trained safety head at {path}; run `labgate safety train` to make one"
            )
        with np.load(path, allow_pickle=False) as data:
            classes = tuple(str(c) for c in data["classes"])
            layers = int(data["layers"])
            weights = [data[f"w{i}"] for i in range(layers)]
            biases = [data[f"b{i}"] for i in range(layers)]
            version = str(data["version"])
            recorded = str(data["embedding"]) if "embedding" in data.files else LEGACY_PRECISION
        try:
            embedding = as_precision(recorded)
        except ValueError as exc:
            raise HeadFormatError(
                f"head at {path} was trained on embeddings this labgate cannot compute: {exc}"
            ) from None
        if classes != HEAD_CLASSES:
            raise HeadFormatError(
                f"head at {path} predicts {classes}, this labgate expects {HEAD_CLASSES}; "
                "retrain it with `labgate safety train`"
            )
        return cls(
            weights=weights,
            biases=biases,
            classes=classes,
            version=version,
            embedding=embedding,
        )
