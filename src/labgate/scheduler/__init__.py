"""Fair-share admission of model requests: hierarchical Virtual Token Counter with decay.

The formula (``docs/scheduling.md`` explains it; :mod:`labgate.scheduler.tree` implements the
counters, :mod:`labgate.scheduler.pool` the classes and slots). Per model pool:

* Tree root ▸ lab ▸ project ▸ user. Every node n below the root has a share w_n (configured,
  default 1), a virtual counter c_n and a usage U_n, all starting at 0.
* Cost of tokens, with the model's weights: s = a_in·input + a_out·output + a_r·reasoning.
* Charge s to user u (the prompt when its request is dispatched, output and reasoning as they
  stream, the rest at settle): for every node n on the path from u's lab down to u,
  c_n += s / w_n and U_n += s.
* Decay: every c_n and U_n halves every H seconds (half_life_s; no decay if it is 0).
* Backlogged: B_k(n) when n's subtree has a request of class k waiting; B(n) = B_i(n) or B_b(n).
* Lift: when B(n) turns true, c_n = max(c_n, min{c_m : m a sibling of n with B(m)}); if no
  sibling is backlogged, c_n = max(c_n, c_l), l the sibling that last stopped being backlogged.
* Lab: serve the lab L with B(L) and the lowest (c_L, q_L), whatever its work's class.
* Class, inside L: interactive if only interactive waits in L, batch if only batch; if both
  wait, κ_L += f (f = batch_min_share) and the dispatch is batch when κ_L ≥ 1 (then
  κ_L −= 1); κ_L = 0 whenever L's two classes are not both waiting. So marking work as batch
  orders it inside the lab's share and never costs the lab its share.
* Select in class k, from L: while n is not a user, n = the child m of n with B_k(m) and the
  lowest (c_m, q_m), where q_m is when m last joined its parent's queue of class k (became
  backlogged in k, or was served and stays backlogged: ties take turns). Serve u's oldest
  waiting request of class k.
* Dispatch whenever a slot is free (running < capacity) and a request waits.
"""

from labgate.scheduler.config import ClassLimits, SchedulerConfig
from labgate.scheduler.errors import AdmissionRejected, QueueFull, QueueTimeout, UnknownPool
from labgate.scheduler.path import ClientPath, RequestClass, TokenWeights, UnitWeights
from labgate.scheduler.scheduler import FairScheduler
from labgate.scheduler.ticket import Ticket

__all__ = [
    "AdmissionRejected",
    "ClassLimits",
    "ClientPath",
    "FairScheduler",
    "QueueFull",
    "QueueTimeout",
    "RequestClass",
    "SchedulerConfig",
    "Ticket",
    "TokenWeights",
    "UnitWeights",
    "UnknownPool",
]
