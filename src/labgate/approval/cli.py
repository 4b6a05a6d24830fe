"""``labgate models …`` and ``labgate eval …``: the model registry and its evaluations.

Every command goes through the gateway's admin API with the caller's own key
(``$LABGATE_API_KEY``), so the person is the key's holder and the rules are the service's:
the same as ``/v1/admin/models…`` (a CLI login is nobody's sign-off). ``--url`` (or
``$LABGATE_URL``) names the gateway; default: the configuration's ``public_url`` or
``http://host:port``.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.parse
from pathlib import Path
from typing import Annotated, Any

import typer

models_app = typer.Typer(
    help="The model registry: versions, their evaluations and two-person approvals.",
    no_args_is_help=True,
)
eval_app = typer.Typer(
    help="Evaluate a model through labgate's own API; write its model card.",
    no_args_is_help=True,
)

UrlOpt = Annotated[
    str | None, typer.Option("--url", envvar="LABGATE_URL", help="The gateway's URL.")
]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", envvar="LABGATE_CONFIG", help="Config file.")
]


def _base_url(url: str | None, config: Path | None) -> str:
    if url:
        return url.rstrip("/")
    from labgate.config import load_settings

    return load_settings(config).base_url.rstrip("/")


def _key() -> str:
    key = os.environ.get("LABGATE_API_KEY", "").strip()
    if not key:
        typer.echo(
            "error: set LABGATE_API_KEY to your own key (the registry's rules apply to the "
            "key's holder)",
            err=True,
        )
        raise typer.Exit(2)
    return key


def _call(method: str, url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    import httpx

    try:
        r = httpx.request(
            method,
            url + path,
            json=body,
            headers={"Authorization": f"Bearer {_key()}"},
            timeout=60.0,
        )
    except httpx.HTTPError as exc:
        typer.echo(f"error: cannot reach {url}: {exc}", err=True)
        raise typer.Exit(1) from None
    try:
        data = r.json()
    except ValueError:
        data = {"error": {"message": r.text[:500]}}
    if r.status_code >= 400:
        message = (data.get("error") or {}).get("message") if isinstance(data, dict) else None
        typer.echo(f"refused (HTTP {r.status_code}): {message or r.text[:500]}", err=True)
        raise typer.Exit(1)
    return data


def _ref(ref: str) -> str:
    """A version reference (``mv_…``, ``NAME@VERSION``, ``NAME``) as a URL path: a name's
    slashes stay (the routes take them), anything else that a URL would read is escaped."""
    return urllib.parse.quote(ref, safe="/@")


def _print(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, sort_keys=False))


@models_app.command("list")
def models_list(
    name: Annotated[str | None, typer.Option(help="Only this model's versions.")] = None,
    url: UrlOpt = None,
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON answer.")] = False,
) -> None:
    """Every model version, its status and where it is approved."""
    query = "?" + urllib.parse.urlencode({"name": name}) if name else ""
    data = _call("GET", _base_url(url, config), "/v1/admin/models" + query)
    if as_json:
        _print(data)
        return
    for v in data["data"]:
        where = ", ".join(
            f"{a['deployment']}/{a['label'] or '-'} ({a['kind']})" for a in v["approved_for"]
        )
        typer.echo(
            f"{v['id']}  {v['name']}@{v['version']}  {v['status']:<9}  "
            f"sha256:{v['weights_digest'][:16]}…  approved: {where or 'nowhere'}"
        )


@models_app.command("show")
def models_show(
    version: Annotated[str, typer.Argument(help="mv_… id, NAME@VERSION, or NAME (newest).")],
    url: UrlOpt = None,
    config: ConfigOpt = None,
) -> None:
    """One version: evaluations, thresholds, sign-offs, approvals."""
    _print(_call("GET", _base_url(url, config), f"/v1/admin/models/{_ref(version)}"))


@models_app.command("submit")
def models_submit(
    name: Annotated[str, typer.Argument(help="The model name clients use.")],
    version: Annotated[str, typer.Argument(help="This version's name (e.g. a revision).")],
    weights: Annotated[Path, typer.Option(help="The weight file or directory (hashed here).")],
    source: Annotated[str | None, typer.Option(help="Path or repository@revision.")] = None,
    engine: Annotated[str, typer.Option(help="vllm, sglang, llamacpp…")] = "vllm",
    label: Annotated[str | None, typer.Option(help="Accreditation label.")] = None,
    reason: Annotated[str, typer.Option(help="Why it is submitted.")] = "",
    url: UrlOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Submit a candidate version (platform administrators), its weights digest computed."""
    from labgate.approval.digest import weights_digest

    digest, files = weights_digest(weights)
    body = {
        "name": name,
        "version": version,
        "source": source or str(weights),
        "engine": engine,
        "weights_digest": digest,
        "weight_files": [{"path": p, "sha256": s} for p, s in files],
        "label": label,
        "reason": reason,
    }
    _print(_call("POST", _base_url(url, config), "/v1/admin/models", body))


@models_app.command("approve")
def models_approve(
    version: Annotated[str, typer.Argument(help="mv_… id, NAME@VERSION, or NAME (newest).")],
    deployment: Annotated[str, typer.Option(help="The deployment/enclave it is approved for.")],
    reason: Annotated[str, typer.Option(help="What you checked (recorded, audited).")],
    label: Annotated[
        str | None,
        typer.Option(help="The label it is approved for (default: the version's own label)."),
    ] = None,
    url: UrlOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Sign off a version (approvers): the second sign-off by a different person approves."""
    body = {"deployment": deployment, "label": label, "reason": reason}
    _print(_call("POST", _base_url(url, config), f"/v1/admin/models/{_ref(version)}/approve", body))


@models_app.command("retire")
def models_retire(
    version: Annotated[str, typer.Argument(help="mv_… id, NAME@VERSION, or NAME (newest).")],
    reason: Annotated[str, typer.Option(help="Why (recorded, audited).")],
    url: UrlOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Retire a version: its approvals end and the gateway stops routing to it."""
    body = {"reason": reason}
    _print(_call("POST", _base_url(url, config), f"/v1/admin/models/{_ref(version)}/retire", body))


@models_app.command("digest")
def models_digest(
    weights: Annotated[Path, typer.Argument(help="A weight file or a directory of them.")],
) -> None:
    """The weights digest, by the rule the Slurm job script and the registry use."""
    from labgate.approval.digest import weights_digest

    try:
        digest, files = weights_digest(weights)
    except (OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for path, sha in files:
        typer.echo(f"{sha}  {path}", err=True)
    typer.echo(digest)


@eval_app.command("run")
def eval_run(
    model: Annotated[str, typer.Argument(help="The model name (its newest registered version).")],
    suite: Annotated[
        list[str] | None, typer.Option("--suite", help="A suite; repeat (default: all).")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many items per suite.")] = None,
    seed: Annotated[int, typer.Option(help="Sampling seed sent with every request.")] = 0,
    version: Annotated[str | None, typer.Option(help="mv_… id or NAME@VERSION.")] = None,
    resume: Annotated[str | None, typer.Option(help="An evaluation id (ev_…) to resume.")] = None,
    url: UrlOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Run suites through labgate's own API (routing, guard, labels included), with a
    progress bar; results stored with the version, resumable with --resume."""
    from labgate.evals.runner import EvalClient, run_evaluation

    client = EvalClient(_base_url(url, config), _key())
    try:
        result = run_evaluation(
            client,
            model,
            version=version,
            suites=suite or None,
            limit=limit,
            seed=seed,
            resume=resume,
        )
    except RuntimeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    _print({"evaluation_id": result["id"], "metrics": result["metrics"]})


@eval_app.command("card")
def eval_card(
    model: Annotated[str, typer.Argument(help="mv_… id, NAME@VERSION, or NAME (newest).")],
    out: Annotated[Path, typer.Option(help="Directory the card is written to.")] = Path("."),
    url: UrlOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Write the version's model card as HTML and Markdown (versioned file names)."""
    from labgate.approval.card import CARD_VERSION, render_card
    from labgate.approval.config import ApprovalConfig
    from labgate.config import load_settings

    shown = _call("GET", _base_url(url, config), f"/v1/admin/models/{_ref(model)}")
    try:
        approval = load_settings(config).approval
    except Exception:  # noqa: BLE001 - the card states the deployment of the data it shows
        approval = ApprovalConfig(deployment=shown["thresholds"]["deployment"])
    approval = approval.model_copy(update={"deployment": shown["thresholds"]["deployment"]})
    html, md = render_card(shown, approval)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{shown['name']}@{shown['version']}.card-v{CARD_VERSION}".replace("/", "_")
    (out / f"{stem}.html").write_text(html, encoding="utf-8")
    (out / f"{stem}.md").write_text(md, encoding="utf-8")
    typer.echo(str(out / f"{stem}.html"))
    sys.stdout.flush()
