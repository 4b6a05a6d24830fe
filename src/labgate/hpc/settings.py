"""The ``[hpc]`` table: how labgate reaches Slurm and how jobs reach labgate back.

These settings are the same for every deployment; each deployment's own spec is a
``[[deployments]]`` table (:mod:`labgate.hpc.spec`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from labgate.hpc.spec import DeploymentSpec, SpecError, format_spec_error, parse_deployments


class HpcSettings(BaseModel):
    """Settings of the HPC controller (``[hpc]`` in the config file)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(default=False, description="Run the controller inside the gateway.")
    gateway_url: str | None = Field(
        default=None,
        description="URL jobs use to register with the gateway, reachable from compute nodes; "
        "default: the gateway's public_url.",
    )
    spool_dir: Path | None = Field(
        default=None,
        description="Directory on a filesystem shared with the compute nodes for job logs and "
        "worker token files; default: <data-dir>/hpc.",
    )
    python: str = Field(
        default=sys.executable,
        description="Python with labgate installed, as seen from the compute nodes "
        "($LABGATE_PYTHON in job scripts; runs the llama.cpp worker).",
    )
    job_name_prefix: str = Field(
        default="labgate",
        description="Jobs are named PREFIX:DEPLOYMENT:MODEL; labgate manages only these.",
    )
    reconcile_interval_s: float = Field(default=10.0, gt=0)
    slurm_timeout_s: float = Field(default=30.0, gt=0, description="Per sbatch/squeue/scancel.")
    backoff_base_s: float = Field(default=30.0, gt=0, description="First resubmit delay.")
    backoff_max_s: float = Field(default=900.0, gt=0, description="Longest resubmit delay.")
    wait_for_start_max_s: float = Field(
        default=120.0,
        ge=0,
        description="Longest a client that asked to wait for a cold model is kept waiting.",
    )

    @field_validator("job_name_prefix")
    @classmethod
    def _check_prefix(cls, value: str) -> str:
        if not value or not all(c.isalnum() or c in "-_" for c in value):
            raise ValueError("job_name_prefix: letters, digits, '-' and '_' only")
        return value

    @field_validator("spool_dir")
    @classmethod
    def _check_spool(cls, value: Path | None) -> Path | None:
        if value is not None and any(c.isspace() or c in "'\"#%" for c in str(value)):
            raise ValueError(
                f"spool_dir {str(value)!r}: Slurm's #SBATCH lines cannot hold spaces, quotes, "
                "'#' or '%' in a path; choose a plainer directory"
            )
        return value

    def spool_for(self, data_dir: Path) -> Path:
        return (self.spool_dir or data_dir / "hpc").resolve()


def hpc_from_config(data: dict[str, Any], source: str) -> tuple[HpcSettings, list[DeploymentSpec]]:
    """The ``[hpc]`` table and ``[[deployments]]`` of a parsed main config file."""
    try:
        settings = HpcSettings.model_validate(data.get("hpc", {}))
    except ValidationError as exc:
        raise SpecError(format_spec_error(exc, f"{source} [hpc]")) from exc
    specs = parse_deployments(data.get("deployments", []), source)
    return settings, specs
