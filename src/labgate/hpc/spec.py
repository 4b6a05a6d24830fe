"""A model deployment: which engine serves which model, on how many GPU nodes, under which
Slurm account, and how many replicas labgate keeps running.

In the main configuration each deployment is a ``[[deployments]]`` table; ``labgate hpc render``
also reads a standalone TOML file holding one deployment (its keys at the top level, or under
``[deployment]``). Validation happens here, once, so that a spec that loads is one that renders
to a script Slurm accepts: a bad walltime, parallel sizes that do not multiply out to the GPUs
asked for, or a name that would break the job name are refused with a message naming the key
and what to write instead.
"""

from __future__ import annotations

import re
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from labgate.hpc.slurmtime import parse_duration

SIGNAL_LEAD_MAX_S = 65535  # the largest @sig_time that sbatch --signal accepts

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_SERVED_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,255}$")
_SLURM_WORD = re.compile(r"^[A-Za-z0-9_.,:+-]+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HOST = re.compile(r"^[A-Za-z0-9_.:-]+$")
_MODULE = re.compile(r"^[A-Za-z0-9_.+/@-]+$")
_PYTHON_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_RESERVED_ENV_PREFIXES = ("SLURM_", "SBATCH_", "LABGATE_")


class Engine(StrEnum):
    """Inference engines labgate knows how to launch."""

    VLLM = "vllm"
    SGLANG = "sglang"
    LLAMACPP = "llamacpp"


class DeploymentSpec(BaseModel):
    """One model deployment as Slurm jobs. Every field maps to one visible line of the script."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Deployment name: lower-case letters, digits, '-' and '_'.")
    engine: Engine
    model: str = Field(min_length=1, description="Model path on the shared filesystem, or name.")
    served_model_name: str | None = Field(
        default=None, description="The name clients ask for; default: the deployment name."
    )

    # Parallelism and the nodes it needs.
    nodes: int = Field(default=1, ge=1, le=512)
    gpus_per_node: int = Field(default=0, ge=0, le=16)
    tensor_parallel: int | None = Field(
        default=None, ge=1, description="Default: GPUs per node (vLLM, SGLang multi-node: all)."
    )
    pipeline_parallel: int | None = Field(
        default=None, ge=1, description="Default: the number of nodes."
    )
    cpus_per_task: int | None = Field(default=None, ge=1)
    memory: str | None = Field(
        default=None, description="sbatch --mem, e.g. '0' for all of each node's memory."
    )

    # Where the job runs and who pays.
    partition: str | None = None
    account: str | None = None
    qos: str | None = None
    constraint: str | None = None
    walltime: str = Field(default="04:00:00", description="sbatch --time, a Slurm duration.")
    exclusive: bool = Field(default=True, description="Whole nodes (sbatch --exclusive).")
    extra_sbatch: list[str] = Field(
        default_factory=list, description="More '#SBATCH' options, each '--option[=value]'."
    )

    # The engine's environment and arguments.
    engine_args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    modules: list[str] = Field(default_factory=list, description="Environment modules to load.")
    activate: str | None = Field(
        default=None, description="A script to source before starting (a venv's bin/activate)."
    )
    command_prefix: list[str] = Field(
        default_factory=list,
        description="Prepended to every engine command, e.g. ['apptainer', 'exec', '--nv', IMG].",
    )
    engine_python: str = Field(
        default="python3", description="Python that runs SGLang (python -m sglang.launch_server)."
    )
    worker_module: str = Field(
        default="labgate.worker.embedded",
        description='llama.cpp engine: the module run as "$LABGATE_PYTHON" -m MODULE.',
    )
    n_ctx: int | None = Field(default=None, ge=256, description="llama.cpp context length.")
    threads: int | None = Field(default=None, ge=1, description="llama.cpp threads.")

    # Networking.
    port: int = Field(default=8000, ge=0, le=65535, description="0: pick a free port at start.")
    bind_host: str = "0.0.0.0"
    advertise_host: str | None = Field(
        default=None,
        description="Host the gateway reaches the worker at; default: the network_interface's "
        "address, else the node's fully qualified host name.",
    )
    network_interface: str | None = Field(
        default=None, description="Interface on the compute network, e.g. 'hsn0'."
    )
    health_path: str = "/v1/models"
    ray_port: int = Field(default=6379, ge=1, le=65535)
    dist_init_port: int = Field(default=20000, ge=1, le=65535, description="SGLang multi-node.")

    # Replicas and their lifecycle.
    min_replicas: int = Field(default=0, ge=0)
    max_replicas: int = Field(default=1, ge=1)
    idle_seconds: float = Field(default=1800.0, gt=0, description="Idle time before scale-down.")
    scale_up_queue_depth: int = Field(
        default=8, ge=1, description="Waiting requests per ready replica that add a replica."
    )
    renew_before_seconds: int = Field(
        default=1800,
        ge=0,
        description="Start the successor this long before the walltime; 0: never renew. "
        "Default: 1800, or a quarter of a walltime under two hours.",
    )
    drain_seconds: int = Field(
        default=300,
        ge=10,
        le=SIGNAL_LEAD_MAX_S,
        description="In-flight requests' grace; also --signal=B:TERM@drain_seconds. "
        "Default: 300, or a tenth of a walltime under 50 minutes (at least 10).",
    )
    startup_timeout_seconds: int = Field(
        default=1800, ge=10, description="Running but not registered this long: cancelled."
    )
    expected_startup_seconds: int = Field(
        default=600, ge=1, description="A typical start, told to clients as Retry-After."
    )
    unhealthy_seconds: float = Field(
        default=60.0, gt=0, description="Worker unhealthy or unregistered this long: cancelled."
    )

    # -- field checks -----------------------------------------------------------------------

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                f"{value!r} is not a deployment name: use 1-63 lower-case letters, digits, "
                "'-' and '_', starting with a letter or digit (for example 'r1-prod')"
            )
        return value

    @field_validator("served_model_name")
    @classmethod
    def _check_served_name(cls, value: str | None) -> str | None:
        if value is not None and not _SERVED_NAME.match(value):
            raise ValueError(
                f"{value!r} is not a usable model name: use letters, digits and . _ : / @ + - "
                "(no spaces or quotes), for example 'deepseek-ai/DeepSeek-R1'"
            )
        return value

    @field_validator("walltime")
    @classmethod
    def _check_walltime(cls, value: str) -> str:
        if parse_duration(value) < 60:
            raise ValueError(f"walltime {value!r} is under a minute; Slurm counts in minutes")
        return value.strip()

    @field_validator("partition", "account", "qos")
    @classmethod
    def _check_slurm_word(cls, value: str | None) -> str | None:
        if value is not None and not _SLURM_WORD.match(value):
            raise ValueError(f"{value!r} is not a Slurm name: letters, digits and _ . , : + -")
        return value

    @field_validator("constraint", "memory")
    @classmethod
    def _check_sbatch_value(cls, value: str | None) -> str | None:
        if value is not None and (not value or any(c.isspace() or c in "'\"#" for c in value)):
            raise ValueError(f"{value!r} must be one word without spaces, quotes or '#'")
        return value

    @field_validator("extra_sbatch")
    @classmethod
    def _check_extra_sbatch(cls, values: list[str]) -> list[str]:
        for value in values:
            if not value.startswith("--") or any(c in value for c in "\n\r\"'#"):
                raise ValueError(
                    f"{value!r}: each extra_sbatch entry is one long option such as "
                    "'--reservation=llm' (no quotes, '#' or line breaks)"
                )
            if any(c.isspace() for c in value):
                raise ValueError(f"{value!r}: write the option as '--name=value', without spaces")
        return values

    @field_validator("env")
    @classmethod
    def _check_env(cls, values: dict[str, str]) -> dict[str, str]:
        for key, value in values.items():
            if not _ENV_NAME.match(key):
                raise ValueError(f"env: {key!r} is not a variable name")
            if key.startswith(_RESERVED_ENV_PREFIXES):
                raise ValueError(f"env: {key!r} is reserved (Slurm's or labgate's own); rename it")
            if "\n" in value or "\x00" in value:
                raise ValueError(f"env: the value of {key} must be one line")
        return values

    @field_validator("modules")
    @classmethod
    def _check_modules(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _MODULE.match(value):
                raise ValueError(f"modules: {value!r} is not a module name such as 'cuda/12.4'")
        return values

    @field_validator("bind_host", "advertise_host", "network_interface")
    @classmethod
    def _check_host(cls, value: str | None) -> str | None:
        if value is not None and not _HOST.match(value):
            raise ValueError(f"{value!r} is not a host name, address or interface name")
        return value

    @field_validator("worker_module")
    @classmethod
    def _check_worker_module(cls, value: str) -> str:
        if not _PYTHON_MODULE.match(value):
            raise ValueError(f"{value!r} is not a Python module name")
        return value

    @field_validator("health_path")
    @classmethod
    def _check_health_path(cls, value: str) -> str:
        if not value.startswith("/") or any(c.isspace() for c in value):
            raise ValueError(f"{value!r} must be a URL path starting with '/', e.g. '/v1/models'")
        return value

    @field_validator("engine_args", "command_prefix")
    @classmethod
    def _check_words(cls, values: list[str]) -> list[str]:
        for value in values:
            if "\n" in value or "\x00" in value:
                raise ValueError(f"{value!r}: arguments must be one line each")
        return values

    # -- whole-spec checks ------------------------------------------------------------------

    @model_validator(mode="before")
    @classmethod
    def _scale_defaults_to_walltime(cls, data: Any) -> Any:
        """Short walltimes get proportionate drain and renewal times unless they are set."""
        if not isinstance(data, dict):
            return data
        try:
            wall = parse_duration(str(data.get("walltime", "04:00:00")))
        except ValueError:
            return data  # the walltime's own check reports it
        data = dict(data)
        data.setdefault("drain_seconds", max(10, min(300, wall // 10)))
        data.setdefault("renew_before_seconds", min(1800, wall // 4))
        return data

    @model_validator(mode="after")
    def _check_shape(self) -> DeploymentSpec:
        if self.engine is Engine.LLAMACPP:
            self._check_llamacpp()
        else:
            self._check_gpu_engine()
        if self.min_replicas > self.max_replicas:
            raise ValueError(
                f"min_replicas ({self.min_replicas}) is above max_replicas ({self.max_replicas})"
            )
        wall = self.walltime_seconds
        if self.drain_seconds >= wall:
            raise ValueError(
                f"drain_seconds ({self.drain_seconds}) must be shorter than the walltime "
                f"({self.walltime} = {wall}s), or the job would be told to stop as it starts"
            )
        if self.renew_before_seconds >= wall:
            raise ValueError(
                f"renew_before_seconds ({self.renew_before_seconds}) must be shorter than the "
                f"walltime ({self.walltime} = {wall}s), or every job would be renewed at once"
            )
        if self.renew_before_seconds and self.renew_before_seconds < self.drain_seconds:
            raise ValueError(
                f"renew_before_seconds ({self.renew_before_seconds}) must be at least "
                f"drain_seconds ({self.drain_seconds}): the successor is started before the "
                "old job is told to drain"
            )
        return self

    def _check_llamacpp(self) -> None:
        if self.nodes != 1:
            raise ValueError("the llamacpp engine runs on one node; set nodes = 1")
        if (self.tensor_parallel or 1) != 1 or (self.pipeline_parallel or 1) != 1:
            raise ValueError("the llamacpp engine has no tensor or pipeline parallelism; drop them")

    def _check_gpu_engine(self) -> None:
        if self.gpus_per_node < 1:
            raise ValueError(
                f"the {self.engine.value} engine needs GPUs: set gpus_per_node (4 on a quad-GH200 "
                "node)"
            )
        total = self.nodes * self.gpus_per_node
        tp, pp = self.tp, self.pp
        if tp * pp != total:
            raise ValueError(
                f"tensor_parallel x pipeline_parallel = {tp} x {pp} = {tp * pp}, but the job has "
                f"nodes x gpus_per_node = {self.nodes} x {self.gpus_per_node} = {total} GPUs; "
                f"they must be equal (on {self.nodes} node(s) of {self.gpus_per_node} GPUs: "
                f"{self._suggestion()})"
            )
        if self.engine is Engine.VLLM and self.nodes > 1 and tp > self.gpus_per_node:
            raise ValueError(
                f"tensor_parallel ({tp}) spans nodes; keep tensor parallelism inside a node "
                f"(tensor_parallel = {self.gpus_per_node}) and pipeline across nodes "
                f"(pipeline_parallel = {self.nodes})"
            )

    def _suggestion(self) -> str:
        if self.engine is Engine.SGLANG:
            return f"tensor_parallel = {self.nodes * self.gpus_per_node}, pipeline_parallel = 1"
        return f"tensor_parallel = {self.gpus_per_node}, pipeline_parallel = {self.nodes}"

    # -- derived values ---------------------------------------------------------------------

    @property
    def served_name(self) -> str:
        """The model name clients use and the worker answers to."""
        return self.served_model_name or self.name

    @property
    def tp(self) -> int:
        """Tensor-parallel size: within a node for vLLM; across all GPUs for SGLang."""
        if self.tensor_parallel is not None:
            return self.tensor_parallel
        if self.engine is Engine.SGLANG:
            return self.nodes * self.gpus_per_node // (self.pipeline_parallel or 1)
        if self.engine is Engine.VLLM:
            return self.gpus_per_node
        return 1

    @property
    def pp(self) -> int:
        """Pipeline-parallel size: the number of nodes for vLLM, unless set."""
        if self.pipeline_parallel is not None:
            return self.pipeline_parallel
        if self.engine is Engine.VLLM:
            return self.nodes
        return 1

    @property
    def walltime_seconds(self) -> int:
        return parse_duration(self.walltime)

    @property
    def multi_node(self) -> bool:
        return self.nodes > 1


class SpecError(Exception):
    """A deployment spec that cannot be used; the message names the key and the fix."""


def format_spec_error(err: ValidationError, source: str) -> str:
    lines = [f"invalid deployment spec ({source}):"]
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"]) or "(whole spec)"
        message = str(e["msg"]).removeprefix("Value error, ")
        lines.append(f"  {where}: {message}")
    return "\n".join(lines)


def parse_deployments(data: Any, source: str) -> list[DeploymentSpec]:
    """Deployments from the ``deployments`` list of a parsed config (unique names enforced)."""
    if not isinstance(data, list):
        raise SpecError(f"{source}: 'deployments' must be a list of tables ([[deployments]])")
    specs: list[DeploymentSpec] = []
    for index, item in enumerate(data):
        try:
            specs.append(DeploymentSpec.model_validate(item))
        except ValidationError as exc:
            raise SpecError(format_spec_error(exc, f"{source}, deployment #{index + 1}")) from exc
    names = [s.name for s in specs]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise SpecError(f"{source}: deployment names must be unique; repeated: {repeated}")
    return specs


def load_spec_file(path: Path) -> DeploymentSpec:
    """One deployment from a standalone TOML file (top-level keys, or a ``[deployment]`` table).

    A file with ``[[deployments]]`` is accepted when it holds exactly one.
    """
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise SpecError(f"spec file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"spec file {path} is not valid TOML: {exc}") from exc
    if "deployments" in data:
        specs = parse_deployments(data["deployments"], str(path))
        if len(specs) != 1:
            names = ", ".join(s.name for s in specs)
            raise SpecError(
                f"{path} holds {len(specs)} deployments ({names}); name one with "
                "--config FILE NAME, or keep one deployment per spec file"
            )
        return specs[0]
    body = data.get("deployment", data)
    try:
        return DeploymentSpec.model_validate(body)
    except ValidationError as exc:
        raise SpecError(format_spec_error(exc, str(path))) from exc
