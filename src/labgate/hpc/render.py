"""Batch scripts for a deployment: what Slurm will run, readable line by line.

:func:`render_script` turns a :class:`~labgate.hpc.spec.DeploymentSpec` into one bash script:
the ``#SBATCH`` header, the environment (modules, a venv, variables), the engine's start (one
node; or a Ray head plus Ray workers, or SGLang ranks, on several), the wait for the engine's
health path, registration with the gateway, heart-beats, and a drain on ``SIGTERM``.

Decisions live here in Python (the options, every command line, with each word quoted by
:func:`shlex.quote`); the Jinja2 templates under ``templates/`` hold only the script's shape.
Everything that varies per job (the worker token, the launch id) reaches the job through its
environment, so a rendered script is the same for every job of a deployment and
``labgate hpc render`` shows exactly what runs.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from labgate.hpc.slurmtime import format_duration
from labgate.hpc.spec import DeploymentSpec, Engine

RULE_WIDTH = 96
STOP_TIMEOUT_MAX_S = 30  # after the drain: the longest the engine gets to exit on SIGTERM


class Shell(str):
    """A word already in shell syntax (``"$ENGINE_PORT"``): emitted as is, never re-quoted."""


@dataclass(frozen=True, slots=True)
class RenderContext:
    """What a script needs to know beyond the spec: where the gateway and the spool are."""

    gateway_url: str
    python: str
    spool_dir: Path
    job_name_prefix: str = "labgate"


def quote(word: str) -> str:
    return str(word) if isinstance(word, Shell) else shlex.quote(str(word))


def command_line(argv: Sequence[str], indent: str = "  ") -> str:
    """A command, one option (with its value) per line, joined by backslash-newlines."""
    lines: list[list[str]] = [[]]
    for word in argv:
        if word.startswith("--") and lines[-1]:
            lines.append([])
        lines[-1].append(quote(word))
    return (" \\\n" + indent + "  ").join(" ".join(line) for line in lines if line)


def job_name(spec: DeploymentSpec, prefix: str = "labgate") -> str:
    """``PREFIX:DEPLOYMENT:MODEL``: squeue shows who runs what, and labgate finds its jobs."""
    model = re.sub(r"[^A-Za-z0-9._-]+", "_", spec.served_name)
    return f"{prefix}:{spec.name}:{model}"


def log_path(spec: DeploymentSpec, ctx: RenderContext) -> Path:
    """The job's output file, with Slurm's ``%j`` for the job id."""
    return ctx.spool_dir / "logs" / f"{spec.name}-%j.out"


def sbatch_options(spec: DeploymentSpec, ctx: RenderContext) -> list[str]:
    options = [f"--job-name={job_name(spec, ctx.job_name_prefix)}"]
    for key in ("partition", "account", "qos", "constraint"):
        value = getattr(spec, key)
        if value:
            options.append(f"--{key}={value}")
    options.append(f"--time={format_duration(spec.walltime_seconds)}")
    options.append(f"--nodes={spec.nodes}")
    options.append("--ntasks-per-node=1")
    if spec.gpus_per_node:
        options.append(f"--gpus-per-node={spec.gpus_per_node}")
    if spec.cpus_per_task:
        options.append(f"--cpus-per-task={spec.cpus_per_task}")
    if spec.memory is not None:
        options.append(f"--mem={spec.memory}")
    if spec.exclusive:
        options.append("--exclusive")
    options.append(f"--output={log_path(spec, ctx)}")
    options.append(f"--chdir={ctx.spool_dir}")
    options.append(f"--signal=B:TERM@{spec.drain_seconds}")
    options.append("--no-requeue")
    options.extend(spec.extra_sbatch)
    return options


_PORT = Shell('"$ENGINE_PORT"')


def engine_command(spec: DeploymentSpec, ctx: RenderContext, rank: str | None = None) -> list[str]:
    """The engine's command line; ``rank`` is the SGLang node rank in shell syntax."""
    prefix = list(spec.command_prefix)
    if spec.engine is Engine.LLAMACPP:
        argv = [
            Shell('"$LABGATE_PYTHON"'),
            "-m",
            spec.worker_module,
            "--model-path",
            spec.model,
            "--model-alias",
            spec.served_name,
            "--host",
            spec.bind_host,
            "--port",
            _PORT,
        ]
        if spec.n_ctx:
            argv += ["--n-ctx", str(spec.n_ctx)]
        if spec.threads:
            argv += ["--threads", str(spec.threads)]
        return prefix + argv + spec.engine_args
    if spec.engine is Engine.VLLM:
        argv = [
            "vllm",
            "serve",
            spec.model,
            "--served-model-name",
            spec.served_name,
            "--host",
            spec.bind_host,
            "--port",
            _PORT,
            "--tensor-parallel-size",
            str(spec.tp),
            "--pipeline-parallel-size",
            str(spec.pp),
        ]
        if spec.multi_node:
            argv += ["--distributed-executor-backend", "ray"]
        return prefix + argv + spec.engine_args
    argv = [
        spec.engine_python,
        "-m",
        "sglang.launch_server",
        "--model-path",
        spec.model,
        "--served-model-name",
        spec.served_name,
        "--host",
        spec.bind_host,
        "--port",
        _PORT,
        "--tp",
        str(spec.tp),
    ]
    if spec.pp > 1:
        argv += ["--pp-size", str(spec.pp)]
    if spec.multi_node:
        argv += [
            "--nnodes",
            str(spec.nodes),
            "--node-rank",
            Shell(rank or "0"),
            "--dist-init-addr",
            Shell('"$DIST_INIT_ADDR"'),
        ]
    return prefix + argv + spec.engine_args


def ray_commands(spec: DeploymentSpec) -> dict[str, str]:
    """Ray head, Ray worker and ``ray status`` commands for multi-node vLLM."""
    prefix = list(spec.command_prefix)
    gpus = str(spec.gpus_per_node)
    head = prefix + [
        "ray",
        "start",
        "--head",
        Shell('--node-ip-address="$HEAD_IP"'),
        Shell('--port="$RAY_PORT"'),
        f"--num-gpus={gpus}",
        "--block",
    ]
    worker = prefix + [
        "ray",
        "start",
        Shell('--address="$RAY_ADDRESS"'),
        f"--num-gpus={gpus}",
        "--block",
    ]
    status = prefix + ["ray", "status", Shell('--address="$RAY_ADDRESS"')]
    return {
        "head": command_line(head, indent="    "),
        "worker": command_line(worker, indent="      "),
        "status": " ".join(quote(w) for w in status),
    }


def drain_budget(drain_seconds: int) -> tuple[int, int]:
    """Split the time between SIGTERM and the walltime: (engine stop timeout, drain grace).

    The grace lets requests in flight finish; the stop timeout lets the engine exit cleanly;
    a few seconds stay spare so the script ends before Slurm's own kill.
    """
    stop = min(STOP_TIMEOUT_MAX_S, max(3, drain_seconds // 4))
    grace = max(1, drain_seconds - stop - 3)
    return stop, grace


def _template_for(spec: DeploymentSpec) -> str:
    if not spec.multi_node:
        return "engine_single.sh.j2"
    if spec.engine is Engine.VLLM:
        return "engine_vllm_ray.sh.j2"
    return "engine_sglang_ranks.sh.j2"


def _probe_host(spec: DeploymentSpec) -> str:
    return "127.0.0.1" if spec.bind_host in ("0.0.0.0", "::", "[::]") else spec.bind_host


_environment = jinja2.Environment(
    loader=jinja2.PackageLoader("labgate.hpc", "templates"),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    autoescape=False,
    # bash's ${#array[@]} would open a Jinja comment; the templates use no comments.
    comment_start_string="<%#",
    comment_end_string="#%>",
)
_environment.filters["q"] = quote


def render_script(spec: DeploymentSpec, ctx: RenderContext) -> str:
    """The complete batch script for one job of ``spec``."""
    template = _environment.get_template("job.sh.j2")
    stop_timeout_s, drain_grace_s = drain_budget(spec.drain_seconds)
    script = template.render(
        spec=spec,
        ctx=ctx,
        engine_template=_template_for(spec),
        sbatch_options=sbatch_options(spec, ctx),
        engine_rank=command_line(engine_command(spec, ctx, rank='"$rank"'), indent="      "),
        engine_line=command_line(engine_command(spec, ctx)),
        ray=ray_commands(spec) if spec.engine is Engine.VLLM and spec.multi_node else None,
        probe_host=_probe_host(spec),
        drain_grace_s=drain_grace_s,
        stop_timeout_s=stop_timeout_s,
    )
    return "\n".join(_section_rule(line) for line in script.split("\n"))


def _section_rule(line: str) -> str:
    """``# ---- title ---…`` section headings, all the same width whatever the title."""
    if not line.startswith("# ---- "):
        return line
    return (line.rstrip("-").rstrip() + " ").ljust(RULE_WIDTH, "-")
