"""``labgate audit``: verify the log, fetch records and proofs, export, rotate keys, purge.

Every command works on the database the gateway uses (``--database-url``, else SQLite in
``--data-dir``). Proofs and records print as JSON on stdout; progress and verdicts go to stderr.
``verify`` exits 1 and names the first bad record when the log does not check out.
"""

from __future__ import annotations

import asyncio
import base64
import getpass
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from labgate.audit.checkpoint import CheckpointPublisher
from labgate.audit.export import ExportMismatchError, export_jsonl
from labgate.audit.keyring import Keyring, KeyringError, add_master_key
from labgate.audit.log import AuditLog, NotInLog
from labgate.audit.maintenance import purge_transcripts, rewrap_transcripts
from labgate.audit.note import NoteError, NoteSigner, NoteVerifier, load_or_create_signer
from labgate.audit.storage import StorageError
from labgate.audit.transcripts import TranscriptVault
from labgate.audit.verify import verify_from_checkpoint, verify_log

DEFAULT_ORIGIN = "labgate.local/audit"
SIGNING_KEY_FILE = "audit-signing.key"

app = typer.Typer(
    help="The tamper-evident audit log: verify it, fetch records and proofs, print the latest "
    "signed checkpoint, export it for a SIEM, rotate transcript keys and purge old transcripts.",
    no_args_is_help=True,
)
console = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")

DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="LABGATE_DATABASE_URL",
        help="Database holding the log (sqlite:///… or postgresql://…); default: "
        "SQLite at <data-dir>/labgate.db.",
    ),
]
DataDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="LABGATE_DATA_DIR",
        help="labgate's state directory (default ~/.local/share/labgate); holds the "
        "SQLite database and the checkpoint signing key.",
    ),
]
OriginOpt = Annotated[
    str,
    typer.Option(
        "--origin",
        envvar="LABGATE_AUDIT_ORIGIN",
        help="The log's origin line, which is also its signing key's name.",
    ),
]
SigningKeyOpt = Annotated[
    Path | None,
    typer.Option(
        "--signing-key",
        envvar="LABGATE_AUDIT_SIGNING_KEY",
        help="The checkpoint signing key file (default <data-dir>/audit-signing.key).",
    ),
]
MasterKeysOpt = Annotated[
    Path | None,
    typer.Option(
        "--master-keys-file",
        envvar="LABGATE_AUDIT_MASTER_KEYS_FILE",
        help="Transcript master keys, one '<id> <base64>' per line; the last is current "
        "(else $LABGATE_AUDIT_MASTER_KEYS).",
    ),
]


def _data_dir(data_dir: Path | None) -> Path:
    from labgate.config import default_data_dir

    return data_dir or default_data_dir()


def _engine(database_url: str | None, data_dir: Path | None) -> AsyncEngine:
    from labgate.store.engine import make_engine, sqlite_url_for

    if database_url:
        return make_engine(database_url)
    directory = _data_dir(data_dir)
    if not (directory / "labgate.db").exists():
        _fail(f"no database at {directory / 'labgate.db'}; pass --database-url or --data-dir")
    return make_engine(sqlite_url_for(directory))


def _fail(message: str, code: int = 2) -> None:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def _with_log(
    database_url: str | None,
    data_dir: Path | None,
    work: Callable[[AuditLog], Awaitable[T]],
    *,
    writes: bool = False,
) -> T:
    """Run ``work`` against the log (its writer started only if ``writes``), then clean up."""
    engine = _engine(database_url, data_dir)

    async def run() -> T:
        audit_log = AuditLog(engine)
        try:
            if writes:
                await audit_log.start()
            return await work(audit_log)
        finally:
            await audit_log.close()
            await engine.dispose()

    try:
        return asyncio.run(run())
    except DBAPIError as exc:
        _fail(
            f"the database refused the request ({exc.orig.__class__.__name__}); are the audit "
            "tables there? Run `labgate db upgrade`"
        )
    except (NotInLog, StorageError, NoteError, KeyringError, ExportMismatchError) as exc:
        _fail(str(exc))
    raise AssertionError("unreachable")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


def _signer(signing_key: Path | None, data_dir: Path | None, origin: str) -> NoteSigner:
    path = signing_key or _data_dir(data_dir) / SIGNING_KEY_FILE
    try:
        return load_or_create_signer(path, origin)
    except (NoteError, OSError) as exc:
        _fail(str(exc))
    raise AssertionError("unreachable")


def _verifier(key: str | None, signing_key: Path | None, data_dir: Path | None) -> NoteVerifier:
    if key:
        try:
            return NoteVerifier.from_string(key)
        except NoteError as exc:
            _fail(str(exc))
    path = signing_key or _data_dir(data_dir) / SIGNING_KEY_FILE
    if not path.exists():
        _fail("give the log's verifier key with --key (or run where the signing key is)")
    try:
        return NoteSigner.from_string(path.read_text()).verifier
    except (NoteError, OSError) as exc:
        _fail(str(exc))
    raise AssertionError("unreachable")


def _emit(obj: Any) -> None:
    sys.stdout.write(orjson.dumps(obj, option=orjson.OPT_INDENT_2).decode() + "\n")


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


@app.command()
def verify(
    from_checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--from-checkpoint",
            exists=True,
            dir_okay=False,
            help="A checkpoint you kept earlier: prove the log only grew since.",
        ),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            envvar="LABGATE_AUDIT_VERIFIER_KEY",
            help="The log's verifier key '<name>+<hash>+<base64>' (default: derived "
            "from the local signing key).",
        ),
    ] = None,
    database_url: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
    signing_key: SigningKeyOpt = None,
) -> None:
    """Recompute the whole tree and check every record, node and signed checkpoint.

    With --from-checkpoint, instead prove that the current log extends the given checkpoint.
    Exits 1 on any mismatch, naming the first record that does not match.
    """
    verifier = _verifier(key, signing_key, data_dir)
    if from_checkpoint is not None:
        old_note = from_checkpoint.read_text()

        async def consistency(audit_log: AuditLog) -> None:
            result = await verify_from_checkpoint(audit_log, old_note, verifier)
            if result.ok:
                console.print(f"[green]OK[/green] {result.message}")
                return
            console.print(f"[red]FAILED[/red] {result.message}")
            raise typer.Exit(1)

        _with_log(database_url, data_dir, consistency)
        return

    async def full(audit_log: AuditLog) -> None:
        with _progress() as bar:
            task = bar.add_task("verifying records", total=None)
            report = await verify_log(
                audit_log,
                verifier,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        if report.ok:
            console.print(
                f"[green]OK[/green] {report.tree_size} records, {report.checkpoints_checked} "
                f"signed checkpoints; root {_b64(report.root)}"
            )
            return
        first = report.first_bad
        assert first is not None
        console.print(f"[red]FAILED[/red] first bad record: {first.index}: {first.message}")
        for problem in sorted(report.problems, key=lambda p: p.index)[1:10]:
            console.print(f"  also at {problem.index}: {problem.message}")
        raise typer.Exit(1)

    _with_log(database_url, data_dir, full)


@app.command()
def record(
    index: Annotated[int, typer.Argument(help="The record's index (0 is the first).", min=0)],
    database_url: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Print one record as stored, with its leaf hash, as JSON."""

    async def fetch(audit_log: AuditLog) -> dict[str, Any]:
        stored = await audit_log.get_record(index)
        return {
            "index": stored.index,
            "leaf_hash": _b64(stored.leaf_hash),
            "recorded_at": stored.recorded_at.isoformat(),
            "record": orjson.loads(stored.data),
        }

    _emit(_with_log(database_url, data_dir, fetch))


@app.command("prove-inclusion")
def prove_inclusion(
    index: Annotated[int, typer.Argument(help="The record's index.", min=0)],
    size: Annotated[
        int | None,
        typer.Option(
            "--size", min=1, help="Tree size to prove against (default: the current size)."
        ),
    ] = None,
    database_url: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Print an RFC 9162 inclusion proof of a record as JSON (hashes in base64)."""

    async def prove(audit_log: AuditLog) -> dict[str, Any]:
        proof = await audit_log.inclusion_proof(index, size)
        return {
            "index": proof.index,
            "tree_size": proof.tree_size,
            "leaf_hash": _b64(proof.leaf_hash),
            "hashes": [_b64(h) for h in proof.hashes],
            "root": _b64(proof.root),
        }

    _emit(_with_log(database_url, data_dir, prove))


@app.command("prove-consistency")
def prove_consistency(
    first: Annotated[int, typer.Argument(help="The smaller tree size.", min=1)],
    second: Annotated[int, typer.Argument(help="The larger tree size.", min=1)],
    database_url: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Print an RFC 9162 consistency proof between two tree sizes as JSON."""

    async def prove(audit_log: AuditLog) -> dict[str, Any]:
        proof = await audit_log.consistency_proof(first, second)
        return {
            "first": proof.first,
            "second": proof.second,
            "first_root": _b64(proof.first_root),
            "second_root": _b64(proof.second_root),
            "hashes": [_b64(h) for h in proof.hashes],
        }

    _emit(_with_log(database_url, data_dir, prove))


@app.command()
def checkpoint(
    sign: Annotated[
        bool,
        typer.Option(
            "--sign",
            help="First sign a checkpoint of the current tree if it grew (needs the signing key).",
        ),
    ] = False,
    origin: OriginOpt = DEFAULT_ORIGIN,
    database_url: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
    signing_key: SigningKeyOpt = None,
) -> None:
    """Print the latest signed checkpoint (a C2SP signed note)."""
    signer = _signer(signing_key, data_dir, origin) if sign else None

    async def latest(audit_log: AuditLog) -> str | None:
        if signer is not None:
            await CheckpointPublisher(audit_log, signer).publish()
        found = await audit_log.latest_checkpoint()
        return None if found is None else found.note

    note = _with_log(database_url, data_dir, latest)
    if note is None:
        _fail("no checkpoint has been signed yet (the log may be empty); try --sign", 1)
    sys.stdout.write(note or "")


@app.command("verifier-key")
def verifier_key(
    origin: OriginOpt = DEFAULT_ORIGIN,
    data_dir: DataDirOpt = None,
    signing_key: SigningKeyOpt = None,
) -> None:
    """Print the public verifier key that outside parties use to check checkpoints.

    Creates the signing key (mode 0600) if it does not exist yet.
    """
    typer.echo(_signer(signing_key, data_dir, origin).verifier.to_string())


@app.command()
def export(
    out: Annotated[
        Path,
        typer.Option(
            "--out", dir_okay=False, help="JSON-lines file to append to (created if absent)."
        ),
    ],
    database_url: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Append every record not yet in the --out file, one JSON object per line, for a SIEM."""

    async def run(audit_log: AuditLog) -> tuple[int, int]:
        with _progress() as bar:
            task = bar.add_task("exporting", total=None)
            result = await export_jsonl(
                audit_log,
                out,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        return result.written, result.end

    written, end = _with_log(database_url, data_dir, run)
    console.print(f"appended {written} records to {out} (it now ends at record {end - 1})")


@app.command()
def rewrap(
    master_keys_file: MasterKeysOpt = None,
    database_url: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Re-wrap every transcript data key under the current (last) master key.

    Run after adding a master key; afterwards the old keys protect nothing and can be removed.
    """
    keys = _keyring(master_keys_file)

    async def run(audit_log: AuditLog) -> int:
        vault = TranscriptVault(audit_log.engine, keys)
        with _progress() as bar:
            task = bar.add_task("re-wrapping", total=None)
            return await rewrap_transcripts(
                vault,
                audit_log,
                getpass.getuser(),
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )

    count = _with_log(database_url, data_dir, run, writes=True)
    console.print(f"re-wrapped {count} data keys under master key {keys.current.id}")


@app.command()
def purge(
    retention_days: Annotated[
        float,
        typer.Option(
            "--retention-days",
            envvar="LABGATE_AUDIT_RETENTION_DAYS",
            min=0.001,
            help="Delete transcripts older than this many days (records and digests stay).",
        ),
    ],
    database_url: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Delete transcripts past the retention period; the purge itself is an audit record."""

    async def run(audit_log: AuditLog) -> int:
        vault = TranscriptVault(audit_log.engine, None, retention=timedelta(days=retention_days))
        return await purge_transcripts(vault, audit_log, getpass.getuser())

    count = _with_log(database_url, data_dir, run, writes=True)
    console.print(f"deleted {count} transcripts older than {retention_days:g} days")


@app.command("new-master-key")
def new_master_key(
    file: Annotated[
        Path,
        typer.Option(
            "--file", dir_okay=False, help="Key file to append to (created with mode 0600)."
        ),
    ],
    key_id: Annotated[str, typer.Option("--id", help="A name for the key, e.g. 2025-q3.")],
) -> None:
    """Add a random AES-256 master key to the --file; it becomes current. Then run rewrap."""
    try:
        add_master_key(file, key_id)
    except (KeyringError, OSError) as exc:
        _fail(str(exc))
    console.print(f"added master key {key_id} to {file}; run `labgate audit rewrap` next")


def _keyring(path: Path | None) -> Keyring:
    try:
        return Keyring.load(path)
    except (KeyringError, OSError) as exc:
        _fail(str(exc))
    raise AssertionError("unreachable")
