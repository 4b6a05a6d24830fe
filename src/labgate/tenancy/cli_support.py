"""The plumbing of ``labgate admin``: shared options, running one command against the
database as the operator, and printing rows as rich tables or JSON.

The CLI is the operator's tool: it talks to the database directly and acts as a platform
administrator named ``cli:<login>`` in the audit log.
"""

from __future__ import annotations

import asyncio
import getpass
import os
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import orjson
import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from labgate.config import ConfigError, Settings, load_settings
from labgate.identity.principal import Principal
from labgate.tenancy.errors import TenancyError
from labgate.tenancy.service import TenancyService, operator_principal

T = TypeVar("T")
err = Console(stderr=True, soft_wrap=True)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="TOML config file (default: $LABGATE_CONFIG, if set).",
        dir_okay=False,
    ),
]
DataDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="LABGATE_DATA_DIR",
        help="labgate's state directory; its labgate.db is the default database "
        "(default ~/.local/share/labgate).",
    ),
]
DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="LABGATE_DATABASE_URL",
        help="Database to administer (sqlite:///… or postgresql://…); default: the config's, "
        "else SQLite at <data-dir>/labgate.db.",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}", markup=True, highlight=False)
    raise typer.Exit(code)


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/yellow] {message}", highlight=False)


def operator() -> Principal:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = os.environ.get("USER") or "operator"
    return operator_principal(name)


def settings_for(config: Path | None, data_dir: Path | None, database_url: str | None) -> Settings:
    try:
        settings = load_settings(
            config, overrides={"data_dir": data_dir, "database_url": database_url}
        )
    except ConfigError as exc:
        fail(str(exc), 2)
        raise AssertionError("unreachable") from exc
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings


def validation_text(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors():
        where = ".".join(str(p) for p in e.get("loc", ()))
        parts.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
    return "; ".join(parts)


M = TypeVar("M", bound=BaseModel)


def validated(model: type[M], **fields: Any) -> M:
    """``model`` built from the command's options; out-of-range values exit 2 with the
    fields' messages (as the API's 400s say them), not pydantic's traceback."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        fail(validation_text(exc), 2)
        raise AssertionError("unreachable") from exc


def run_as_operator(
    config: Path | None,
    data_dir: Path | None,
    database_url: str | None,
    work: Callable[[TenancyService, Principal], Awaitable[T]],
) -> T:
    """Run ``work`` with a service on the configured database (schema brought up to date),
    wired to the audit log and the revocation bus; refusals exit with their message."""
    from labgate.store.engine import make_engine, make_sessionmaker
    from labgate.store.migrate import upgrade
    from labgate.tenancy.wiring import operator_hooks

    settings = settings_for(config, data_dir, database_url)

    async def main() -> T:
        engine = make_engine(settings.effective_database_url)
        try:
            await upgrade(engine)
            async with operator_hooks(
                engine, settings.redis_url, warn, redis_prefix=settings.redis_prefix
            ) as hooks:
                service = TenancyService(make_sessionmaker(engine), **hooks)
                return await work(service, operator())
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except TenancyError as exc:
        fail(exc.message, 1)
    except ValidationError as exc:
        fail(validation_text(exc), 2)
    except (OSError, SQLAlchemyError) as exc:
        fail(
            f"the database could not be used ({exc.__class__.__name__}); check --database-url "
            "(or LABGATE_DATABASE_URL) and that the server is up",
            1,
        )
    raise AssertionError("unreachable")


def print_rows(
    rows: Sequence[Any], columns: Sequence[str], *, as_json: bool, title: str | None = None
) -> None:
    """Views (with ``as_dict``) as a rich table of ``columns``, or all their fields as JSON."""
    data = [row.as_dict() for row in rows]
    if as_json:
        typer.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
        return
    table = Table(title=title)
    for name in columns:
        table.add_column(name.replace("_", " "))
    for item in data:
        table.add_row(*(_cell(item.get(name)) for name in columns))
    Console(soft_wrap=True).print(table)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "-"
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        return value[:19].replace("T", " ")  # ISO timestamps, to the second
    return str(value)
