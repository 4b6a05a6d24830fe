"""Building the HPC controller from the ``[hpc]`` settings and the ``[[deployments]]`` specs.

The gateway calls :func:`build_controller` once at start-up, passing its own worker registry
(which issues tokens and knows the registered workers) through the two small protocols of
:mod:`labgate.hpc.gateway`, then ``await controller.start()``; on shutdown
``await controller.stop()`` (jobs keep running and are adopted at the next start).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from labgate.hpc.controller import HpcController
from labgate.hpc.gateway import GatewayLink, WorkerTokens
from labgate.hpc.render import RenderContext
from labgate.hpc.settings import HpcSettings
from labgate.hpc.slurm import SlurmBackend, SlurmCLI
from labgate.hpc.spec import DeploymentSpec
from labgate.hpc.store import JobStore


def build_controller(
    settings: HpcSettings,
    deployments: Iterable[DeploymentSpec],
    *,
    data_dir: Path,
    public_url: str,
    sessions: async_sessionmaker[AsyncSession],
    gateway: GatewayLink,
    tokens: WorkerTokens,
    backend: SlurmBackend | None = None,
) -> HpcController:
    """An :class:`HpcController` over ``sbatch``/``squeue``/``scancel`` (or ``backend``)."""
    context = RenderContext(
        gateway_url=(settings.gateway_url or public_url).rstrip("/"),
        python=settings.python,
        spool_dir=settings.spool_for(data_dir),
        job_name_prefix=settings.job_name_prefix,
    )
    return HpcController(
        deployments,
        backend=backend or SlurmCLI(timeout_s=settings.slurm_timeout_s),
        store=JobStore(sessions),
        gateway=gateway,
        tokens=tokens,
        context=context,
        settings=settings,
    )
