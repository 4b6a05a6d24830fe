"""Exponential decay of every counter at once, without touching any of them.

Slurm halves past usage every ``PriorityDecayHalfLife``. Multiplying every counter by a decay
factor on every decision would cost O(clients); instead the scheduler stores counters in
*inflated* units: the true value at time t is ``stored / G(t)`` with

    G(t) = 2 ** ((t - t0) / H)

and a charge of s at time t adds ``s · G(t)`` to the stored value. Between charges the true
value then falls by half every H seconds, as required, and because every stored counter shares
the same G(t), comparing stored values orders the true values correctly: no decision ever needs
the true value. G grows without bound, so once it passes ``RENORMALISE_AT`` the owner divides
every stored value by G and restarts at G = 1 (one pass over the tree every 40 half-lives, or
at the first use after a longer idle time).
"""

from __future__ import annotations

import math
from collections.abc import Callable

#: log2 of G(t) above which stored values are rescaled, far below where floats lose precision.
RENORMALISE_EXPONENT = 40.0
RENORMALISE_AT = 2.0**RENORMALISE_EXPONENT


class DecayClock:
    """The growing factor G(t); a half-life of ``None`` or 0 means no decay (G is always 1)."""

    __slots__ = ("_clock", "_inv_half_life", "_t0")

    def __init__(self, half_life_s: float | None, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._inv_half_life = 1.0 / half_life_s if half_life_s else 0.0
        self._t0 = clock()

    def now(self) -> float:
        return self._clock()

    def exponent(self) -> float:
        """log2 of G now: the number of half-lives since G was last 1."""
        if self._inv_half_life == 0.0:
            return 0.0
        return (self._clock() - self._t0) * self._inv_half_life

    def factor(self) -> float:
        """G now; the owner renormalises before the exponent can overflow a float."""
        return math.exp2(self.exponent())

    def restart(self) -> float:
        """Reset G to 1 now; returns 1/G, the factor every stored value must be multiplied by.

        After a very long idle time 1/G underflows to 0.0: everything has decayed away.
        """
        scale = math.exp2(-self.exponent())
        self._t0 = self._clock()
        return scale
