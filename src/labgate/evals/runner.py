"""``labgate eval run``: the suites sent through labgate's own OpenAI-compatible API with
Inspect AI's model layer, graded, and stored with the model version (resumable).

Inspect AI (``inspect-ai``, the ``evals`` extra) is pointed at labgate as an OpenAI-compatible
provider (``openai-api/labgate/<model>``, the gateway's ``/v1`` as its base URL, the
evaluator's own key), so routing, the guardrail and labels are part of what is measured: a
request the guard blocks comes back ``finish_reason: content_filter`` and counts as a guard
refusal. Inspect's ``eval()`` task runner is not used: its log directory and retry logic would
be a second store of results; labgate keeps the graded items itself, with the evaluation, and
resumes from them.

Every ``SAVE_EVERY`` items (and on an interruption) the items so far are stored
(``POST /v1/admin/models/{id}/evaluations``); ``--resume ev_…`` sends only the items not yet
graded. The run ends with the metrics and moves a candidate version to evaluated.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import Callable
from typing import Any, cast

import httpx

from labgate.evals import scoring, suites

SAVE_EVERY = 5
MAX_TOKENS = 96


class EvalClient:
    """The admin API calls of a run, with the evaluator's key."""

    def __init__(self, base_url: str, key: str, *, timeout_s: float = 600.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.timeout_s = timeout_s

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        r = httpx.request(
            method,
            self.base_url + path,
            json=body,
            headers={"Authorization": f"Bearer {self.key}"},
            timeout=60.0,
        )
        if r.status_code >= 400:
            try:
                message = r.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = r.text[:300]
            raise RuntimeError(f"{method} {path}: HTTP {r.status_code}: {message}")
        return r.json()


def _inspect_model(client: EvalClient, model: str, seed: int, max_tokens: int) -> Any:
    try:
        from inspect_ai.model import GenerateConfig, get_model
    except ImportError as exc:
        raise RuntimeError("Inspect AI is not installed: pip install 'labgate[evals]'") from exc
    return get_model(
        f"openai-api/labgate/{model}",
        base_url=client.base_url + "/v1",
        api_key=client.key,
        config=GenerateConfig(
            seed=seed,
            temperature=0.0,
            max_tokens=max_tokens,
            max_retries=2,
            timeout=int(client.timeout_s),
        ),
    )


async def _ask(inspect_model: Any, item: suites.Item) -> dict[str, Any]:
    from inspect_ai.model import ChatMessageUser, GenerateConfig

    config = (
        GenerateConfig(reasoning_effort=cast(Any, item.effort)) if item.effort else GenerateConfig()
    )
    try:
        out = await inspect_model.generate([ChatMessageUser(content=item.prompt)], config=config)
    except Exception as exc:  # labgate refused the request itself (not approved, over budget…)
        raise RuntimeError(f"labgate refused item {item.id}: {exc}") from exc
    usage = out.usage.model_dump() if out.usage is not None else {}
    return scoring.grade(item, out.completion or "", str(out.stop_reason), usage)


def run_evaluation(
    client: EvalClient,
    model: str,
    *,
    version: str | None = None,
    suites: list[str] | None = None,
    limit: int | None = None,
    seed: int = 0,
    resume: str | None = None,
    max_tokens: int = MAX_TOKENS,
    progress: bool = True,
    on_item: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run (or resume) an evaluation of ``model``'s version; the stored evaluation."""
    return asyncio.run(
        _run(client, model, version, suites, limit, seed, resume, max_tokens, progress, on_item)
    )


async def _run(
    client: EvalClient,
    model: str,
    version: str | None,
    names: list[str] | None,
    limit: int | None,
    seed: int,
    resume: str | None,
    max_tokens: int,
    progress: bool,
    on_item: Callable[[str], None] | None,
) -> dict[str, Any]:
    import inspect_ai

    shown = await asyncio.to_thread(
        client.call, "GET", "/v1/admin/models/" + urllib.parse.quote(version or model, safe="/@")
    )
    vid = shown["id"]
    loaded = suites.load(names)
    items = [i for group in loaded.values() for i in (group[:limit] if limit else group)]
    settings = {
        "max_tokens": max_tokens,
        "temperature": 0.0,
        "limit_per_suite": limit,
        "through": client.base_url + "/v1",
        "framework": f"inspect-ai {inspect_ai.__version__} (model layer, openai-api provider)",
    }
    suite_versions = {n: suites.SUITE_VERSIONS[n] for n in loaded}
    done: dict[str, Any] = {}
    if resume:
        previous = await asyncio.to_thread(
            client.call, "GET", f"/v1/admin/models/{vid}/evaluations/{resume}"
        )
        if previous["status"] != "running":
            raise RuntimeError(f"evaluation {resume} is {previous['status']}; nothing to resume")
        done = dict(previous.get("items") or {})
        seed = int(previous.get("seed", seed))
        evaluation_id = resume
    else:
        created = await asyncio.to_thread(
            client.call,
            "POST",
            f"/v1/admin/models/{vid}/evaluations",
            {"suites": suite_versions, "seed": seed, "settings": settings},
        )
        evaluation_id = created["id"]

    def save(finished: bool) -> dict[str, Any]:
        return client.call(  # type: ignore[no-any-return]
            "POST",
            f"/v1/admin/models/{vid}/evaluations",
            {
                "evaluation_id": evaluation_id,
                "suites": suite_versions,
                "seed": seed,
                "settings": settings,
                "items": done,
                "metrics": scoring.metrics(done),
                "finished": finished,
            },
        )

    pending = [i for i in items if i.id not in done]
    inspect_model = _inspect_model(client, model, seed, max_tokens)
    bar = _progress(progress)
    task = bar.add_task(f"{model} ({evaluation_id})", total=len(items), completed=len(done))
    unsaved = 0
    try:
        with bar:
            for item in pending:
                done[item.id] = await _ask(inspect_model, item)
                unsaved += 1
                bar.advance(task)
                if on_item is not None:
                    on_item(item.id)
                if unsaved >= SAVE_EVERY:
                    await asyncio.to_thread(save, False)
                    unsaved = 0
    except BaseException:
        if unsaved:  # interrupted: keep what was graded; --resume goes on from here
            await asyncio.to_thread(save, False)
        raise
    stored = await asyncio.to_thread(save, True)
    return {**stored, "items": done}


def _progress(show: bool) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not show,
        transient=False,
    )
