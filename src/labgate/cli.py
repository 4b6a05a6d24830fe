"""The ``labgate`` command."""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from labgate.config import ConfigError, Settings, load_settings

app = typer.Typer(
    name="labgate",
    help="labgate: the OpenAI-compatible front door and control plane of a shared reasoning "
    "model on a GPU supercomputer.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="TOML config file (default: $LABGATE_CONFIG, if set).",
        exists=False,
        dir_okay=False,
    ),
]
DataDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Where state lives: SQLite database, admin.key, model files "
        "(default: $LABGATE_DATA_DIR, else ~/.local/share/labgate).",
    ),
]


def _settings(config: Path | None, **overrides: Any) -> Settings:
    try:
        return load_settings(config, overrides=overrides)
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8080).")] = None,
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Start the gateway (and the embedded model worker, unless the config turns it off)."""
    import uvicorn

    from labgate.app import Services, create_app

    settings = _settings(config, host=host, port=port, data_dir=data_dir)
    problem = _key_file_problem(settings)
    if problem is not None:
        console.print(f"[red]error:[/red] {escape(problem)}", soft_wrap=True)
        raise typer.Exit(2)
    from labgate import logs

    logs.configure(settings.log_level, settings.log_format)
    logs.lean_records()

    async def announce(services: Services) -> None:
        url = settings.base_url
        out = Console(soft_wrap=True)  # a URL is never broken across lines
        out.print(f"labgate is listening on [bold]{url}[/bold]")
        out.print(f"OpenAI base URL: [bold]{url}/v1[/bold]")
        boot = services.bootstrap
        if boot is not None and boot.created and boot.admin_key:
            out.print("First start: created the administrator API key (shown only this once):")
            out.print(f"  [bold]{boot.admin_key}[/bold]")
        if boot is not None:
            out.print(f"Administrator key file: {boot.key_file}")
        for name in services.models:
            out.print(f"Model: {name}")
        if services.embedded is not None:
            out.print(
                f"Embedded worker starting (log: {settings.data_dir / 'embedded-worker.log'})"
            )
            proc = services.embedded

            async def _ready() -> None:
                await proc.ready.wait()
                out.print(f"Embedded model [bold]{settings.embedded.model_name}[/bold] is ready.")

            services.tasks.append(asyncio.create_task(_ready()))
        sys.stdout.flush()

    async def settle_heap(services: Services) -> None:
        from labgate.heap import settle

        settle()  # started: what the process holds now, it holds to the end (labgate.heap)

    from labgate.edge import server_options

    app_ = create_app(settings, on_startup=[announce, settle_heap])
    uvicorn.run(
        app_,
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        # httptools, with limits on each request head's size and time, and on connections
        **server_options(settings),
        log_level="warning",
        access_log=False,
        # labgate never reads the client's address (identity is the key or token), so
        # X-Forwarded-* rewriting would only cost time on every request; and no banner
        # naming the server software
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    logging.getLogger("labgate").info("labgate stopped (%s)", settings.base_url)


def _key_file_problem(settings: Settings) -> str | None:
    """A transcript master keys file that is named but cannot be read, in one line (it was a
    traceback from the app's start-up)."""
    import os

    from labgate.audit.keyring import MASTER_KEYS_FILE_ENV, Keyring, KeyringError

    path = settings.audit.master_keys_file
    source = "[audit] master_keys_file"
    if path is None and os.environ.get(MASTER_KEYS_FILE_ENV):
        path, source = Path(os.environ[MASTER_KEYS_FILE_ENV]), f"${MASTER_KEYS_FILE_ENV}"
    if path is None:
        return None
    if not path.exists():
        return (
            f"the audit master keys file {path} ({source}) does not exist; create it with "
            f"`labgate audit new-master-key --file {path} --id k1`, or remove the setting to "
            "have labgate create one in its data directory"
        )
    try:
        Keyring.load(path)
    except (KeyringError, OSError) as exc:
        return f"the audit master keys file {path} ({source}) cannot be used: {exc}"
    return None


config_app = typer.Typer(help="Inspect and check configuration files.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("show")
def config_show(config: ConfigOpt = None, data_dir: DataDirOpt = None) -> None:
    """Print the effective settings (file + environment + defaults) as JSON."""
    settings = _settings(config, data_dir=data_dir)
    typer.echo(settings.model_dump_json(indent=2))


@config_app.command("check")
def config_check(
    file: Annotated[Path, typer.Argument(help="The TOML config file to check.")],
    allow_unsafe: Annotated[
        bool,
        typer.Option("--allow-unsafe", help="List unsafe settings but exit 0 (accepted)."),
    ] = False,
) -> None:
    """Check a config file for unsafe or inconsistent settings; exit 2 listing every problem,
    3 listing every unsafe setting (unless --allow-unsafe).

    Beyond the settings' own validation it checks the labels: models accredited above the
    enclave's range, compartments referenced but not defined, levels not in the ordered list,
    identity-provider clearance claims mapped to undefined levels. Then each setting that
    weakens a promise: listening beyond loopback without TLS in front, reasoning shown to
    users, transcripts off, the guardrail off (or off for a model), the audit log's SQLite
    fsync after the answer, the transcript keys beside the data, OIDC keys over http.
    """
    from labgate.access.check import check_config, errors_only, unsafe_settings
    from labgate.config import read_toml

    try:
        raw = read_toml(file)
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    problems = check_config(raw)
    for problem in problems:
        if problem.severity == "unsafe":
            continue  # listed with the other unsafe settings below
        colour = "red" if problem.severity == "error" else "yellow"
        console.print(
            f"[{colour}]{problem.severity}:[/{colour}] {escape(problem.key)}: "
            f"{escape(problem.message)}"
        )
    if errors_only(problems):
        raise typer.Exit(2)
    settings = _settings(file)
    unsafe = [p for p in problems if p.severity == "unsafe"] + unsafe_settings(settings)
    for problem in unsafe:
        console.print(
            f"[magenta]unsafe:[/magenta] {escape(problem.key)}: {escape(problem.message)}",
            soft_wrap=True,
        )
    from labgate.approval.check import unapproved

    for line in unapproved(settings):  # the model gate (docs/evaluation.md)
        console.print(f"[yellow]unapproved:[/yellow] {escape(line)}", soft_wrap=True)
    if unsafe and not allow_unsafe:
        typer.echo(
            f"{file}: {len(unsafe)} unsafe setting(s) ({_models_summary(settings)}); change "
            "them, or pass --allow-unsafe to accept them"
        )
        raise typer.Exit(3)
    accepted = f", {len(unsafe)} unsafe setting(s) accepted" if unsafe else ""
    typer.echo(f"{file}: OK ({_models_summary(settings)}{accepted})")


def _models_summary(settings: Settings) -> str:
    """What serves models: configured workers, Slurm deployments and the embedded worker."""
    parts = [f"{len(settings.models)} model(s) with configured workers"]
    if settings.deployments:
        parts.append(f"{len(settings.deployments)} Slurm deployment(s)")
    parts.append(f"embedded worker {'on' if settings.embedded.enabled else 'off'}")
    return ", ".join(parts)


db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(config: ConfigOpt = None, data_dir: DataDirOpt = None) -> None:
    """Bring the database schema to the latest migration (serve does this at start-up too)."""
    from labgate.store.engine import make_engine
    from labgate.store.migrate import current_revision, upgrade

    settings = _settings(config, data_dir=data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    async def run() -> str | None:
        engine = make_engine(settings.effective_database_url)
        try:
            await upgrade(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    typer.echo(f"schema at revision {asyncio.run(run())}")


def _mount_area_apps() -> None:
    """Each area (audit, hpc, safety…) brings its own sub-command group."""
    from labgate.admin_cli import app as admin_app

    app.add_typer(admin_app, name="admin")
    from labgate.approval.cli import eval_app, models_app

    app.add_typer(models_app, name="models")
    app.add_typer(eval_app, name="eval")
    for area in ("audit", "batch", "hpc", "safety"):
        try:
            module = importlib.import_module(f"labgate.{area}.cli")
        except ImportError:
            continue
        app.add_typer(module.app, name=area)


_mount_area_apps()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
