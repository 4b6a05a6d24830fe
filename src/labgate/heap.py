"""The cyclic garbage collector's settings for a long-running ``labgate serve``.

With CPython's defaults the collector cost labgate about 5% of its CPU under load (measured
with ``gc.callbacks`` at ~3,000 requests/s, 32 connections: 0.44 s of collections in 10 s):

* every full collection walked the ~215,000 objects the process holds from its start
  (modules, SQLAlchemy's and pydantic's tables, the app): ~90 ms each, a few every ten
  seconds. :func:`settle` moves them, once started, into the permanent generation
  (``gc.freeze``), which collections skip; they live as long as the process anyway.
* a young-generation collection ran whenever 700 more container objects were alive than at
  the last one, which the objects of 32 requests in flight reach by themselves: some hundred
  collections a second that found nothing to free (a request's objects are freed by their
  reference counts when it ends). At 10,000 they run when garbage accumulates, not on every
  burst of live requests.

Nothing here changes what is freed, only when cycles are looked for.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000


def settle() -> None:
    """Collect once, freeze what survives (the started process), raise the young threshold."""
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)
