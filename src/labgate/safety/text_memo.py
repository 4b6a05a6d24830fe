"""A reading of a text remembered per text, keyed by the text's digest (issue 25).

A deployment's system prompt and a conversation's earlier turns come back with every request,
and the first stage's regular-expression readings of them (the lexicon's hits, its goal and
defensive words, a turn's words as decoded) were most of its CPU on such a request. Those
readings are pure functions of their strings, so they are kept, per text, in a bounded
least-recently-used table.

The key is a 16-byte BLAKE2b digest of the text (as :func:`labgate.safety.embedder.text_key`
keys the vector cache), never the text: the table holds no prompt, whatever its clearance,
and its size is bounded by the number of entries alone (a few hundred bytes each), not by how
long the texts were. Reading is done outside the lock; two callers reading the same new text
at once both compute it, and the result is the same.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


def digest(text: str) -> bytes:
    """The 16-byte key of ``text`` (lone surrogates, which JSON can carry, are encoded as is)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class TextMemo(Generic[T]):
    """``read(text, *extra)`` remembered per (digest of text, extra), ``maxsize`` entries.

    ``extra`` must be hashable and small (a flag); the value must not be changed by callers
    (return frozen values, or copy them at the call site)."""

    def __init__(self, read: Callable[..., T], maxsize: int = 8192) -> None:
        self._read = read
        self._maxsize = maxsize
        self._table: OrderedDict[tuple[bytes, tuple[Hashable, ...]], T] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __call__(self, text: str, *extra: Hashable) -> T:
        key = (digest(text), extra)
        with self._lock:
            if key in self._table:
                self._table.move_to_end(key)
                self.hits += 1
                return self._table[key]
            self.misses += 1
        value = self._read(text, *extra)
        with self._lock:
            self._table[key] = value
            if len(self._table) > self._maxsize:
                self._table.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._table)

    def clear(self) -> None:
        with self._lock:
            self._table.clear()
            self.hits = self.misses = 0
