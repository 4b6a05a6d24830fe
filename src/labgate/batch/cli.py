"""``labgate batch submit|watch|cancel|results``: the Batches API from a terminal, with a key."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

app = typer.Typer(
    help="Submit a JSONL file of requests as a batch, watch it, cancel it, fetch its results.",
    no_args_is_help=True,
)
console = Console(stderr=True)
FINAL = ("completed", "failed", "expired", "cancelled")

UrlOpt = Annotated[
    str,
    typer.Option("--url", envvar="LABGATE_URL", help="The gateway's base URL (env LABGATE_URL)."),
]
KeyOpt = Annotated[
    str,
    typer.Option(
        "--key",
        envvar=["LABGATE_API_KEY", "OPENAI_API_KEY"],
        help="Your API key (env LABGATE_API_KEY or OPENAI_API_KEY).",
    ),
]


def _client(url: str, key: str) -> httpx.Client:
    return httpx.Client(
        base_url=url.rstrip("/"), headers={"Authorization": f"Bearer {key}"}, timeout=120
    )


def _check(r: httpx.Response) -> Any:
    if r.status_code >= 400:
        try:
            message = r.json()["error"]["message"]
        except Exception:  # noqa: BLE001 - not the OpenAI error shape
            message = r.text
        console.print(f"[red]error {r.status_code}[/red]: {message}", markup=True)
        raise typer.Exit(1)
    return r.json() if r.headers.get("content-type", "").startswith("application/json") else r


def _watch(c: httpx.Client, batch_id: str, interval: float) -> dict[str, Any]:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task(batch_id, total=None, failed=0)
        while True:
            b = _check(c.get(f"/v1/batches/{batch_id}"))
            n = b["request_counts"]
            bar.update(
                task,
                total=n["total"],
                completed=n["completed"] + n["failed"],
                failed=n["failed"],
                description=f"{batch_id} {b['status']}",
            )
            if b["status"] in FINAL:
                return b
            time.sleep(interval)


@app.command()
def submit(
    file: Annotated[Path, typer.Argument(help="A JSONL file, one request per line.")],
    url: UrlOpt = "http://127.0.0.1:8000",
    key: KeyOpt = "",
    endpoint: Annotated[
        str, typer.Option(help="The endpoint every line calls (its url field).")
    ] = "/v1/chat/completions",
    label: Annotated[
        str | None, typer.Option(help="The label the work is submitted at (X-Labgate-Label).")
    ] = None,
    watch: Annotated[
        bool, typer.Option(help="Follow it with a progress bar until it ends.")
    ] = True,
) -> None:
    """Upload FILE (every line is checked; bad lines are named) and start a batch on it."""
    headers = {"X-Labgate-Label": label} if label else {}
    with _client(url, key) as c:
        f = _check(
            c.post(
                "/v1/files",
                files={"file": (file.name, file.read_bytes(), "application/jsonl")},
                data={"purpose": "batch"},
                headers=headers,
            )
        )
        b = _check(
            c.post(
                "/v1/batches",
                json={
                    "input_file_id": f["id"],
                    "endpoint": endpoint,
                    "completion_window": "24h",
                },
            )
        )
        typer.echo(b["id"])
        if watch:
            b = _watch(c, b["id"], 1.0)
            console.print(f"{b['id']}: {b['status']}")


@app.command("watch")
def watch_cmd(
    batch_id: Annotated[str, typer.Argument(help="The batch's id (batch_…).")],
    url: UrlOpt = "http://127.0.0.1:8000",
    key: KeyOpt = "",
    interval: Annotated[float, typer.Option(help="Seconds between polls.")] = 1.0,
) -> None:
    """Follow a batch with a progress bar until it ends."""
    with _client(url, key) as c:
        b = _watch(c, batch_id, interval)
    console.print(f"{b['id']}: {b['status']}")


@app.command()
def cancel(
    batch_id: Annotated[str, typer.Argument(help="The batch's id (batch_…).")],
    url: UrlOpt = "http://127.0.0.1:8000",
    key: KeyOpt = "",
) -> None:
    """Cancel a batch: what has not run is dropped; answers already written stay."""
    with _client(url, key) as c:
        b = _check(c.post(f"/v1/batches/{batch_id}/cancel"))
    typer.echo(f"{b['id']}: {b['status']}")


@app.command()
def results(
    batch_id: Annotated[str, typer.Argument(help="The batch's id (batch_…).")],
    url: UrlOpt = "http://127.0.0.1:8000",
    key: KeyOpt = "",
    errors: Annotated[
        bool, typer.Option(help="Print the error file's lines instead of the output file's.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
) -> None:
    """Print a finished batch's output (or error) file, one JSON line per request."""
    with _client(url, key) as c:
        b = _check(c.get(f"/v1/batches/{batch_id}"))
        fid = b["error_file_id" if errors else "output_file_id"]
        if fid is None:
            console.print(
                f"{batch_id} ({b['status']}) has no {'error' if errors else 'output'} file"
            )
            raise typer.Exit(0 if b["status"] in FINAL else 1)
        data = c.get(f"/v1/files/{fid}/content")
        _check(data) if data.status_code >= 400 else None
    if output is not None:
        output.write_bytes(data.content)
    else:
        sys.stdout.buffer.write(data.content)
        sys.stdout.flush()
