"""``labgate hpc``: render, submit, watch and cancel the Slurm jobs that serve the models.

Deployments come from the main config file (``[hpc]`` and ``[[deployments]]`` tables, see
``docs/deploy-hpc.md``); ``render`` also takes a standalone spec file. Commands that touch the
database use ``--database-url`` (default: SQLite at ``<data-dir>/labgate.db``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from labgate.config import ConfigError, default_data_dir, read_toml
from labgate.hpc.render import RenderContext, render_script
from labgate.hpc.settings import HpcSettings, hpc_from_config
from labgate.hpc.spec import DeploymentSpec, SpecError, load_spec_file
from labgate.hpc.status import collect_status, format_age

app = typer.Typer(
    help="Model workers as Slurm jobs: render their batch scripts, submit, watch and cancel them.",
    no_args_is_help=True,
)
err = Console(stderr=True)
T = TypeVar("T")

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        envvar="LABGATE_CONFIG",
        dir_okay=False,
        help="labgate's TOML config file, with \\[hpc] and \\[\\[deployments]] tables.",
    ),
]
DataDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="LABGATE_DATA_DIR",
        help="labgate's data directory (default: the config's data_dir, else "
        "~/.local/share/labgate); holds labgate.db and, by default, the hpc spool.",
    ),
]
DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="LABGATE_DATABASE_URL",
        help="Database URL (default: the config's database_url, else SQLite at "
        "<data-dir>/labgate.db).",
    ),
]
GatewayOpt = Annotated[
    str | None,
    typer.Option(
        "--gateway-url",
        help="URL jobs register with (default: \\[hpc] gateway_url, "
        "else the config's public_url, else http://<host>:<port>).",
    ),
]
SpoolOpt = Annotated[
    Path | None,
    typer.Option(
        "--spool-dir",
        help="Shared directory for job logs and token files "
        "(default: \\[hpc] spool_dir, else <data-dir>/hpc).",
    ),
]


@dataclass(frozen=True, slots=True)
class _Setup:
    """What a command needs, resolved from flags, environment and the config file."""

    hpc: HpcSettings
    deployments: dict[str, DeploymentSpec]
    data_dir: Path
    database_url: str
    context: RenderContext


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", markup=True, highlight=False)
    return typer.Exit(code)


def _setup(
    config: Path | None,
    *,
    data_dir: Path | None = None,
    database_url: str | None = None,
    gateway_url: str | None = None,
    spool_dir: Path | None = None,
) -> _Setup:
    from labgate.store.engine import sqlite_url_for

    data: dict[str, Any] = {}
    try:
        if config is not None:
            data = read_toml(config)
        hpc, specs = hpc_from_config(data, str(config or "defaults"))
    except (ConfigError, SpecError) as exc:
        raise _fail(str(exc)) from None
    data_dir = data_dir or Path(data.get("data_dir") or default_data_dir())
    url = database_url or data.get("database_url") or sqlite_url_for(data_dir)
    gateway = (
        gateway_url
        or hpc.gateway_url
        or data.get("public_url")
        or f"http://{data.get('host', '127.0.0.1')}:{data.get('port', 8080)}"
    )
    context = RenderContext(
        gateway_url=gateway.rstrip("/"),
        python=hpc.python,
        spool_dir=(spool_dir.resolve() if spool_dir else hpc.spool_for(data_dir)),
        job_name_prefix=hpc.job_name_prefix,
    )
    return _Setup(hpc, {s.name: s for s in specs}, data_dir, url, context)


def _deployment(setup: _Setup, name: str) -> DeploymentSpec:
    spec = setup.deployments.get(name)
    if spec is None:
        known = ", ".join(sorted(setup.deployments)) or "none"
        raise _fail(f"no deployment {name!r} in the config (deployments: {known})")
    return spec


def _with_database(setup: _Setup, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``work(sessions)`` against the migrated database, then close it."""
    from sqlalchemy.exc import SQLAlchemyError

    from labgate.store.engine import make_engine, make_sessionmaker
    from labgate.store.migrate import upgrade

    async def run() -> T:
        setup.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(setup.database_url)
        try:
            await upgrade(engine)
            return await work(make_sessionmaker(engine))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except SQLAlchemyError as exc:
        raise _fail(
            f"database error ({type(exc).__name__}): {str(exc).splitlines()[0]}; check "
            "--database-url, and run 'labgate db upgrade' if the hpc_jobs table is missing"
        ) from None


@app.command()
def render(
    spec: Annotated[
        str,
        typer.Argument(
            help="A TOML file holding one deployment, or the name of a deployment in --config."
        ),
    ],
    config: ConfigOpt = None,
    gateway_url: GatewayOpt = None,
    spool_dir: SpoolOpt = None,
    data_dir: DataDirOpt = None,
    python: Annotated[
        str | None,
        typer.Option(
            help="Python with labgate installed on the compute nodes (default: \\[hpc] python)."
        ),
    ] = None,
) -> None:
    """Print the batch script labgate would submit for a deployment, exactly as it would run."""
    setup = _setup(config, data_dir=data_dir, gateway_url=gateway_url, spool_dir=spool_dir)
    path = Path(spec)
    if path.suffix == ".toml" or (path.exists() and spec not in setup.deployments):
        try:
            deployment = load_spec_file(path)
        except SpecError as exc:
            raise _fail(str(exc)) from None
    else:
        deployment = _deployment(setup, spec)
    context = setup.context
    if python:
        context = RenderContext(
            context.gateway_url, python, context.spool_dir, context.job_name_prefix
        )
    typer.echo(render_script(deployment, context), nl=False)


@app.command()
def status(
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
    ended: Annotated[
        int,
        typer.Option(help="Also show jobs that ended within this many minutes (0: none).", min=0),
    ] = 60,
    probe: Annotated[
        bool, typer.Option(help="Ask each ready engine for its load (its /metrics).")
    ] = True,
) -> None:
    """Each model's jobs: phase (queued, starting, ready, draining), nodes, age and load."""
    from labgate.hpc.slurm import SlurmCLI
    from labgate.hpc.store import JobStore

    setup = _setup(config, data_dir=data_dir, database_url=database_url)
    now = time.time()

    async def work(sessions: Any) -> list[Any]:
        store = JobStore(sessions)
        jobs = await store.active()
        if ended:
            jobs += await store.ended_since(now - ended * 60)
        backend = SlurmCLI(timeout_s=setup.hpc.slurm_timeout_s)
        return await collect_status(jobs, backend, now=now, probe=probe)

    rows = _with_database(setup, work)
    table = Table(title="labgate HPC jobs", title_justify="left")
    for column in (
        "deployment",
        "model",
        "slurm job",
        "phase",
        "slurm state",
        "nodes",
        "age",
        "load",
        "note",
    ):
        table.add_column(column, overflow="fold")
    for row in sorted(rows, key=lambda r: (r.deployment, r.phase == "ended", r.age_s)):
        table.add_row(
            row.deployment,
            row.model,
            row.slurm_job_id or "-",
            row.phase,
            row.slurm_state or "-",
            row.nodes or "-",
            format_age(row.age_s),
            str(row.load) if row.load else "-",
            row.note or "",
        )
    Console().print(table if rows else "no labgate jobs (none running, none ended recently)")


@app.command()
def submit(
    deployment: Annotated[str, typer.Argument(help="Name of a deployment in --config.")],
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
    gateway_url: GatewayOpt = None,
    spool_dir: SpoolOpt = None,
) -> None:
    """Submit one more job for a deployment now; a running controller adopts it and keeps it
    at least idle_seconds."""
    from labgate.hpc.launcher import Launcher, LaunchError
    from labgate.hpc.slurm import SlurmCLI
    from labgate.hpc.store import JobStore

    setup = _setup(
        config,
        data_dir=data_dir,
        database_url=database_url,
        gateway_url=gateway_url,
        spool_dir=spool_dir,
    )
    spec = _deployment(setup, deployment)

    async def work(sessions: Any) -> str:
        launcher = Launcher(
            backend=SlurmCLI(timeout_s=setup.hpc.slurm_timeout_s),
            store=JobStore(sessions),
            tokens=_token_issuer(sessions),
            context=setup.context,
        )
        try:
            job = await launcher.launch(spec)
        except LaunchError as exc:
            raise _fail(str(exc), code=1) from None
        return job.slurm_job_id or ""

    job_id = _with_database(setup, work)
    typer.echo(
        f"submitted Slurm job {job_id} for {deployment}; its log: "
        f"{setup.context.spool_dir / 'logs' / f'{deployment}-{job_id}.out'}"
    )


@app.command()
def cancel(
    job: Annotated[str, typer.Argument(help="Slurm job id, or labgate's launch id.")],
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Cancel one labgate job now (scancel). The controller starts another if demand needs one."""
    from labgate.hpc.models import JobPhase, RetireReason
    from labgate.hpc.slurm import SlurmCLI, SlurmError
    from labgate.hpc.store import JobStore

    setup = _setup(config, data_dir=data_dir, database_url=database_url)

    async def work(sessions: Any) -> str:
        store = JobStore(sessions)
        row = await store.by_slurm_id(job) or await store.get(job)
        if row is None or row.phase == JobPhase.ENDED.value:
            raise _fail(f"no running labgate job {job!r}; see 'labgate hpc status'", code=1)
        if row.slurm_job_id is None:
            raise _fail(f"launch {job} has no Slurm job id yet; try again in a minute", code=1)
        try:
            await SlurmCLI(timeout_s=setup.hpc.slurm_timeout_s).cancel(row.slurm_job_id)
        except SlurmError as exc:
            raise _fail(str(exc), code=1) from None
        row.retire_reason = row.retire_reason or RetireReason.OPERATOR.value
        row.phase = JobPhase.DRAINING.value
        row.cancel_requested_at = time.time()
        await store.save(row)
        return row.slurm_job_id

    typer.echo(f"cancelled Slurm job {_with_database(setup, work)}")


def _token_issuer(sessions: Any) -> Any:
    """The gateway's worker-token registry, used here only to issue and revoke tokens."""
    from labgate.router.registration import WorkerRegistry
    from labgate.router.router import Router

    return WorkerRegistry(Router(session=None), sessions)  # type: ignore[arg-type]
