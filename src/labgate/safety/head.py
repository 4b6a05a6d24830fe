"""The trained classifier head: a small MLP over sentence embeddings, run in numpy.

It is trained by :mod:`labgate.safety.training` (with torch) and saved as an ``.npz`` of plain
arrays, so loading it executes no code (unlike a pickle) and inference needs only numpy: a
384x128 and a 128xC matrix product, a few microseconds. The file ships with the package under
``labgate/safety/data/head.npz``; ``manifest.json`` beside it records the data and metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from labgate.safety.categories import HEAD_CLASSES

HEAD_FILE = "head.npz"
MANIFEST_FILE = "manifest.json"


def data_path(name: str) -> Path:
    """Path of a file shipped in ``labgate/safety/data``."""
    return Path(str(resources.files("labgate.safety").joinpath("data", name)))


class HeadFormatError(ValueError):
    """The head file does not match this version of labgate (classes or shapes differ)."""


@dataclass(slots=True)
class ClassifierHead:
    """``probabilities(x)``: softmax over :data:`HEAD_CLASSES` for each row of ``x``."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    classes: tuple[str, ...]
    version: str = ""

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        h = np.asarray(x, dtype=np.float32)
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = h @ w + b
            if i < last:
                h = np.maximum(h, 0.0)
        h = h - h.max(axis=1, keepdims=True)
        e = np.exp(h)
        return e / e.sum(axis=1, keepdims=True)

    def save(self, path: Path) -> None:
        arrays: dict[str, np.ndarray] = {
            "classes": np.array(self.classes),
            "version": np.array(self.version),
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
        if classes != HEAD_CLASSES:
            raise HeadFormatError(
                f"head at {path} predicts {classes}, this labgate expects {HEAD_CLASSES}; "
                "retrain it with `labgate safety train`"
            )
        return cls(weights=weights, biases=biases, classes=classes, version=version)
