"""``labgate admin worker-token``: issue, list and revoke the tokens workers register with.

A token is shown once, at issue; the database keeps its SHA-256. A revocation is written to
the database and announced on the key-revocation bus (Redis when the settings name one, else
the database), so the running gateways drop the token's worker at once; a gateway that missed
the announcement drops it at its next sweep (every heart-beat interval).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import orjson
import typer

from labgate.tenancy.cli_support import (
    ConfigOpt,
    DatabaseOpt,
    DataDirOpt,
    JsonOpt,
    err,
    settings_for,
)


def say(message: str) -> None:
    """A line for the operator on stderr (stdout carries only the token or the listing)."""
    err.print(message, markup=False, highlight=False)


T = TypeVar("T")

app = typer.Typer(
    help="Worker tokens: one per externally started worker (Slurm jobs get theirs from the "
    "gateway). Without a subcommand: issue one (same as 'create').",
    invoke_without_command=True,
)

_DURATION = re.compile(r"^(?P<n>[0-9]{1,6})(?P<unit>[smhdw]?)$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> int:
    """``3600``, ``90m``, ``8h``, ``7d``, ``2w`` → seconds."""
    found = _DURATION.match(text.strip())
    if found is None or int(found["n"]) == 0:
        raise typer.BadParameter(f"{text!r}: write a duration such as 3600, 90m, 8h or 7d")
    return int(found["n"]) * _SECONDS[found["unit"]]


def _with_registry(
    config: Any,
    data_dir: Any,
    database_url: Any,
    work: Callable[[Any], Awaitable[T]],
    audit: Callable[[T], tuple[str, dict[str, Any]] | None] | None = None,
) -> T:
    """Run ``work`` with a registry on the configured database; ``audit(result)`` names the
    admin action to record in the audit log (``action``, ``details``), as the operator."""
    from labgate.access.policy import policy_for
    from labgate.quota.factory import build_quota
    from labgate.router.registration import WorkerRegistry
    from labgate.router.router import Router
    from labgate.store.engine import make_engine, make_sessionmaker
    from labgate.store.migrate import upgrade
    from labgate.tenancy.actions import admin_action
    from labgate.tenancy.cli_support import operator
    from labgate.tenancy.wiring import operator_hooks

    settings = settings_for(config, data_dir, database_url)

    async def run() -> T:
        engine = make_engine(settings.effective_database_url)
        parts = build_quota(engine, settings.redis_url, prefix=settings.redis_prefix)
        try:
            await upgrade(engine)
            registry = WorkerRegistry(
                Router(session=None),  # type: ignore[arg-type]
                make_sessionmaker(engine),
                access=policy_for(settings),
            )

            async def announce(event: str) -> None:
                try:
                    await parts.revocations.publish(event)
                except Exception as exc:
                    say(
                        f"could not tell the running gateways ({exc.__class__.__name__}); they "
                        "drop the token's worker at their next sweep"
                    )

            registry.publish = announce
            result = await work(registry)
            recorded = audit(result) if audit is not None else None
            if recorded is not None:
                action, details = recorded
                async with operator_hooks(engine, None, say) as hooks:
                    target = f"worker_token:{details.get('id') or details.get('job_id')}"
                    await hooks["on_admin_action"](
                        admin_action(operator(), action, target, details)
                    )
            return result
        finally:
            if parts.redis is not None:
                await parts.redis.aclose()
            await engine.dispose()

    return asyncio.run(run())


def _issue(
    model: str,
    ttl: str | None,
    expires: str | None,
    max_label: str | None,
    as_json: bool,
    config: Any,
    data_dir: Any,
    database_url: Any,
) -> None:
    import getpass

    ttl_s = parse_duration(ttl) if ttl else None
    expires_at = None
    if expires:
        try:
            expires_at = datetime.fromisoformat(expires.replace("Z", "+00:00"))
        except ValueError:
            raise typer.BadParameter(f"--expires {expires!r}: write ISO 8601") from None
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
    if ttl_s is None and expires_at is None:
        ttl_s = 24 * 3600

    async def work(registry: Any) -> Any:
        try:
            return await registry.issue(
                model,
                expires_at=expires_at,
                ttl_s=ttl_s,
                max_label=max_label,
                issued_by=f"cli:{getpass.getuser()}",
            )
        except ValueError as exc:
            say(str(exc))
            raise typer.Exit(2) from None

    issued = _with_registry(
        config,
        data_dir,
        database_url,
        work,
        lambda issued: ("worker_token.issue", issued.info.as_dict()),
    )
    if as_json:
        typer.echo(orjson.dumps({"token": issued.token, **issued.info.as_dict()}).decode())
        return
    info = issued.info
    say(
        f"worker token {info.id} for model {info.model}, up to "
        f"{info.max_label or 'the model accreditation'}; "
        + (f"{info.ttl_s} s from its first registration" if info.ttl_s else "")
        + (f", used by {info.expires_at.isoformat()} at the latest" if info.expires_at else "")
        + ". Shown once:"
    )
    typer.echo(issued.token)


ModelOpt = Annotated[str | None, typer.Option("--model", help="The model the worker serves.")]
TtlOpt = Annotated[
    str | None,
    typer.Option(
        "--ttl", help="Lifetime from its first registration: 3600, 90m, 8h, 7d (default 24h)."
    ),
]
ExpiresOpt = Annotated[
    str | None, typer.Option("--expires", help="Latest use, ISO 8601 UTC (2026-12-31T18:00Z).")
]
LabelOpt = Annotated[
    str | None,
    typer.Option(
        "--max-label",
        help="Highest label its worker may process (default: the model's accreditation).",
    ),
]


@app.callback()
def worker_token(
    ctx: typer.Context,
    model: ModelOpt = None,
    ttl: TtlOpt = None,
    expires: ExpiresOpt = None,
    max_label: LabelOpt = None,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Issue (no subcommand), list or revoke worker tokens."""
    if ctx.invoked_subcommand is not None:
        return
    if model is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(2)
    _issue(model, ttl, expires, max_label, as_json, config, data_dir, database_url)


@app.command("create")
def create(
    model: Annotated[str, typer.Option("--model", help="The model the worker serves.")],
    ttl: TtlOpt = None,
    expires: ExpiresOpt = None,
    max_label: LabelOpt = None,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Issue a token with which one externally started worker registers itself."""
    _issue(model, ttl, expires, max_label, as_json, config, data_dir, database_url)


@app.command("list")
def list_tokens(
    active: Annotated[
        bool, typer.Option("--active", help="Leave out revoked and expired tokens.")
    ] = False,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """List worker tokens (id, model, label, job, dates; never the token)."""

    async def work(registry: Any) -> Any:
        return await registry.list_tokens(active_only=active)

    tokens = _with_registry(config, data_dir, database_url, work)
    if as_json:
        typer.echo(orjson.dumps([t.as_dict() for t in tokens]).decode())
        return
    for t in tokens:
        state = "revoked" if t.revoked_at else "active"
        ends = t.deadline.isoformat() if t.deadline else "-"
        typer.echo(
            f"{t.id}  {t.model}  {t.max_label or '-'}  job={t.job_id or '-'}  until={ends}  {state}"
        )


@app.command("revoke")
def revoke(
    token_id: Annotated[
        str | None, typer.Argument(help="The token's id (from 'list'), not the token.")
    ] = None,
    job: Annotated[
        str | None, typer.Option("--job", help="Revoke every token of this launch id.")
    ] = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Revoke a token: running gateways drop its worker at once and refuse the token."""
    if (token_id is None) == (job is None):
        raise typer.BadParameter("name a token id, or --job LAUNCH_ID (one of the two)")

    async def work(registry: Any) -> bool:
        if job is not None:
            await registry.revoke_job_tokens(job)
            return True
        return bool(await registry.revoke(token_id))

    details = {"id": token_id} if token_id is not None else {"job_id": job}
    revoked = _with_registry(
        config,
        data_dir,
        database_url,
        work,
        lambda done: ("worker_token.revoke", details) if done else None,
    )
    if not revoked:
        say(f"no worker token {token_id!r}; see 'labgate admin worker-token list'")
        raise typer.Exit(1)
    typer.echo(f"revoked {token_id or 'the tokens of job ' + str(job)}")
