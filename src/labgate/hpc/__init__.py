"""Model workers as Slurm jobs on GPU nodes: rendered, submitted, registered, renewed, retired.

The pieces, each in its own module:

* :mod:`~labgate.hpc.spec`: a deployment (engine, model, parallelism, Slurm account, replicas);
* :mod:`~labgate.hpc.render`: its batch script (templates under ``templates/``);
* :mod:`~labgate.hpc.slurm`: Slurm behind :class:`SlurmBackend` (``SlurmCLI`` implements it);
* :mod:`~labgate.hpc.launcher`: one submission, with the worker token handed over in a file;
* :mod:`~labgate.hpc.controller`: :class:`HpcController`, which keeps each deployment's jobs at
  the number demand calls for (the rule is in :mod:`~labgate.hpc.policy`);
* :mod:`~labgate.hpc.gateway`: what the controller needs from the gateway (two protocols),
  and :mod:`~labgate.hpc.router_link`: that, over the gateway's router;
* :mod:`~labgate.hpc.models` and :mod:`~labgate.hpc.store`: the ``hpc_jobs`` table;
* :mod:`~labgate.hpc.cli`: ``labgate hpc render|status|submit|cancel``.
"""

from labgate.hpc.controller import HpcController, StartStatus, UnknownModel
from labgate.hpc.gateway import GatewayLink, WorkerInfo, WorkerTokens
from labgate.hpc.models import HpcJob, JobPhase, RetireReason
from labgate.hpc.render import RenderContext, render_script
from labgate.hpc.router_link import RouterGatewayLink
from labgate.hpc.settings import HpcSettings
from labgate.hpc.slurm import JobState, SlurmBackend, SlurmCLI, SlurmError, SlurmJob
from labgate.hpc.spec import DeploymentSpec, Engine, SpecError, load_spec_file
from labgate.hpc.wiring import build_controller

__all__ = [
    "DeploymentSpec",
    "Engine",
    "GatewayLink",
    "HpcController",
    "HpcJob",
    "HpcSettings",
    "JobPhase",
    "JobState",
    "RenderContext",
    "RetireReason",
    "RouterGatewayLink",
    "SlurmBackend",
    "SlurmCLI",
    "SlurmError",
    "SlurmJob",
    "SpecError",
    "StartStatus",
    "UnknownModel",
    "WorkerInfo",
    "WorkerTokens",
    "build_controller",
    "load_spec_file",
    "render_script",
]
