"""``WorkerPool.choose`` in one pass (issue 25): the same worker as the old function for the same
state, and the same state afterwards (a cooled-off breaker turned half-open, excluded workers
included; the chosen half-open worker's probe marked in flight), over many random states."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterable

from labgate.router.workers import BreakerState, Worker, WorkerPool, affinity_digest


class OldPool(WorkerPool):
    """``choose`` as it was before, word for word (``usable`` is unchanged)."""

    def choose(self, affinity_key: str | None = None, exclude: Iterable[str] = ()) -> Worker | None:
        import hashlib

        def rendezvous(key: str, worker_id: str) -> int:
            digest = hashlib.blake2b(f"{key}|{worker_id}".encode(), digest_size=8).digest()
            return int.from_bytes(digest, "big")

        excluded = set(exclude)
        candidates = [w for w in self.usable() if w.worker_id not in excluded]
        if not candidates:
            return None
        least = min(candidates, key=lambda w: (w.outstanding, w.worker_id))
        chosen = least
        if affinity_key and len(candidates) > 1:
            digest = affinity_digest(affinity_key)
            preferred = max(candidates, key=lambda w: rendezvous(digest, w.worker_id))
            if preferred.outstanding <= least.outstanding + self.affinity_slack:
                chosen = preferred
        if chosen.breaker is BreakerState.HALF_OPEN:
            chosen.probe_in_flight = True
        return chosen


STATE = ("outstanding", "healthy", "draining", "breaker", "opened_at", "probe_in_flight")


def _random_pools(rng: random.Random) -> tuple[WorkerPool, OldPool, list[float]]:
    clock = [rng.choice([0.0, 5.0, 10.0, 50.0])]
    kwargs = {"affinity_slack": rng.choice([0, 1, 2, 5]), "breaker_cooldown_s": 10.0}
    new = WorkerPool("m", clock=lambda: clock[0], **kwargs)  # type: ignore[arg-type]
    ids = rng.sample(["w0", "w1", "w2", "w3", "w4", "a", "b", "c"], rng.randint(0, 6))
    for worker_id in ids:
        w = Worker(f"http://{worker_id}", "m", worker_id=worker_id)
        w.outstanding = rng.choice([0, 0, 1, 1, 2, 3, 4, 7])
        w.healthy = rng.random() > 0.15
        w.draining = rng.random() < 0.1
        w.breaker = rng.choice(list(BreakerState))
        w.opened_at = rng.choice([0.0, 1.0, 40.0, 45.0])
        w.probe_in_flight = rng.random() < 0.3
        new.add(w)
    old = OldPool("m", clock=lambda: clock[0], **kwargs)  # type: ignore[arg-type]
    old.workers = copy.deepcopy(new.workers)
    return new, old, clock


KINDS = (list, tuple, set, frozenset, iter, lambda _: ())


def _exclude(kind: object, picked: list[str]) -> Iterable[str]:
    return kind(picked)  # type: ignore[operator,no-any-return]


def _state(pool: WorkerPool) -> list[tuple[object, ...]]:
    return [(w.worker_id, *(getattr(w, f) for f in STATE)) for w in pool.workers.values()]


def test_the_same_worker_and_state_as_the_old_choose_over_random_states() -> None:
    rng = random.Random(25)
    chosen_some = affinity_moved = 0
    for _ in range(3000):
        new, old, clock = _random_pools(rng)
        for _ in range(rng.randint(1, 6)):  # a few choices in a row, the state evolving
            key = rng.choice([None, "", "hello", "conversation-a", f"c{rng.randint(0, 99)}"])
            picked = [i for i in [*new.workers, "zz"] if rng.random() < 0.25]
            kind = rng.choice(KINDS)
            a = old.choose(key, exclude=_exclude(kind, picked))
            b = new.choose(key, exclude=_exclude(kind, picked))
            assert (a and a.worker_id) == (b and b.worker_id)
            assert _state(old) == _state(new)
            if b is not None:
                chosen_some += 1
                least = min(
                    (w for w in new.usable() if w is not b), key=lambda w: w.outstanding, default=b
                )
                affinity_moved += b.outstanding > least.outstanding
                b.outstanding += rng.choice([0, 1])
                old.workers[b.worker_id].outstanding = b.outstanding
            clock[0] += rng.choice([0.0, 3.0, 11.0])
    assert chosen_some > 3000 and affinity_moved > 50  # the draws reach every branch


def test_an_iterator_to_exclude_is_read_once_as_before() -> None:
    pool = WorkerPool("m")
    for worker_id in ("w0", "w1"):
        pool.add(Worker(f"http://{worker_id}", "m", worker_id=worker_id))
    assert pool.choose(exclude=iter(["w0"])).worker_id == "w1"  # type: ignore[union-attr]
    assert pool.choose(exclude=(i for i in [""] if not i)).worker_id == "w0"  # type: ignore[union-attr]


def test_an_excluded_worker_past_its_cooldown_is_still_turned_half_open() -> None:
    now = [100.0]
    pool = WorkerPool("m", clock=lambda: now[0])
    w0 = pool.add(Worker("http://w0", "m", worker_id="w0"))
    w1 = pool.add(Worker("http://w1", "m", worker_id="w1"))
    w0.breaker, w0.opened_at = BreakerState.OPEN, 0.0
    assert pool.choose(exclude=["w0"]) is w1
    assert w0.breaker is BreakerState.HALF_OPEN and not w0.probe_in_flight
    assert pool.choose() is w0 and w0.probe_in_flight  # the probe: fewest outstanding, w0 < w1
    assert pool.choose() is w1
