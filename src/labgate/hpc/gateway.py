"""What the HPC controller needs from the rest of the gateway, as two small protocols.

The controller never imports the router or the scheduler. It asks, through
:class:`GatewayLink`, which workers of a model have registered (and how they are doing), when
the model last had a request, how many requests wait for it, and it asks the gateway to stop
routing to a worker (drain). Through :class:`WorkerTokens` it gets a worker token per job and
revokes it when the job ends. The gateway's worker registry implements both (its
``issue_token``/``revoke_job_tokens`` have these signatures); tests use in-memory versions.

Times are epoch seconds, on the same clock the controller is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """A registered worker as the gateway sees it."""

    worker_id: str
    model: str
    base_url: str
    job_id: str | None = None
    deployment: str | None = None
    healthy: bool = True
    draining: bool = False
    outstanding: int = 0
    launch_id: str | None = None
    """The launch its worker token was issued for; a worker counts as a job's only if it is
    that job's (None: not known, as with a gateway that does not say)."""


class GatewayLink(Protocol):
    """The gateway's view of workers and demand."""

    async def workers(self, model: str) -> list[WorkerInfo]:
        """Registered workers of ``model`` (draining ones included)."""
        ...

    async def last_request_at(self, model: str) -> float | None:
        """When a client last asked for ``model`` (epoch seconds), or ``None`` if never."""
        ...

    async def queue_depth(self, model: str) -> int:
        """Requests for ``model`` waiting for a worker right now."""
        ...

    async def drain(self, model: str, worker_id: str) -> None:
        """Stop routing new requests to the worker; requests in flight finish."""
        ...


class WorkerTokens(Protocol):
    """Issues and revokes the tokens jobs register with (only their SHA-256 is stored); one
    token per job, which registers that job's worker and nothing else.

    ``job_id`` here is labgate's launch id: the token must exist before ``sbatch`` returns the
    Slurm job id, and the launch id names the job in labgate's table.
    """

    async def issue_token(
        self,
        model: str,
        job_id: str | None = None,
        deployment: str | None = None,
        expires_at: datetime | None = None,
        *,
        ttl_s: int | None = None,
    ) -> str:
        """A token for one worker of ``model``: usable until ``expires_at`` and for ``ttl_s``
        seconds after its first registration, whichever ends first."""
        ...

    async def revoke_job_tokens(self, job_id: str) -> None: ...
