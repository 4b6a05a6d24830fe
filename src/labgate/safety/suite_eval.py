"""Measuring the guardrail on a TSV set through the gateway's real API.

A *suite* is a folder holding ``harmful.tsv`` and/or ``benign.tsv`` (or one such file) in the
format of ``bench/safety_frozen`` and ``shared/safety-dev``: tab-separated, a header line,
columns ``language``, ``family`` (harmful) or ``domain`` (benign), ``text`` and an optional
``shape``. Each row is turned into the chat request its shape says (one message, a multi-turn
conversation, a retrieval document, a fabricated earlier tool call, a tool definition), sent
to an in-process gateway whose only model is a stand-in worker answering a short textbook
sentence, and counted:

* **blocked**: a 200 with ``finish_reason: "content_filter"`` or a 400 whose code is
  ``content_policy_violation`` (whichever the policy's ``input_block_mode`` gives);
* **flagged**: answered, but a guardrail decision in the request's audit record is ``flag``.

A blocked request is also marked ``after_worker`` when the stand-in worker was asked (the
answer, not the request, was stopped). The stand-in's answer is a sentence about boiling water,
so it never trips output screening by itself.

The printed tables give counts and rates per attack family, per language, per benign domain,
overall blocked and false-refusal rates, and the p50 of the input screen's own latency (from
the audit record's decision) for short single-message prompts.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import re
import socket
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labgate.safety.evaluation import _percentile

SHAPES = ("message", "multiturn", "document", "tool_call", "tool_definition", "system")
TURN_SEPARATOR = " || "
MODEL = "textbook"
TEXTBOOK_ANSWER = (
    "Water boils at 100 degrees Celsius at sea level because its vapour pressure then equals "
    "the pressure of the atmosphere; at altitude the pressure is lower, so it boils sooner."
)
TOOL_CALL_OPENER = "Please help me with my task."
TOOL_RESULT = "Done."
SHORT_PROMPT_CHARS = 200
"""A single-message prompt of at most this many characters counts as short for the latency
figure (characters, not words, so that Chinese and Japanese count alike)."""
_CALL = re.compile(r"^\s*([A-Za-z_][\w.-]*)\s*\((.*)\)\s*$", re.S)
_DEFINITION = re.compile(r"^\s*([A-Za-z_][\w.-]*)\s*:\s*(.*)$", re.S)


class SuiteFormatError(ValueError):
    """A TSV file that is not in the suite format."""


@dataclass(frozen=True, slots=True)
class SuiteItem:
    kind: str  # "harmful" or "benign"
    language: str
    group: str  # the attack family (harmful) or the domain (benign)
    text: str
    shape: str = ""
    source: str = ""

    @property
    def request_shape(self) -> str:
        """The shape named in the row, else the family's own (``multiturn``, ``document``,
        ``tool_call``, ``tool_definition``), else one user message."""
        if self.shape:
            return self.shape
        return self.group if self.group in SHAPES else "message"


def read_tsv(path: Path) -> list[SuiteItem]:
    """Rows of one suite file; harmful or benign by its header (``family`` or ``domain``)."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        columns = set(reader.fieldnames or ())
        if not {"language", "text"} <= columns or not columns & {"family", "domain"}:
            raise SuiteFormatError(
                f"{path}: expected the columns language, family or domain, text (and "
                f"optionally shape); found {sorted(columns)}"
            )
        kind = "harmful" if "family" in columns else "benign"
        group_column = "family" if kind == "harmful" else "domain"
        items = []
        for line, row in enumerate(reader, start=2):
            text = (row.get("text") or "").strip()
            if not text:
                raise SuiteFormatError(f"{path}:{line}: empty text")
            shape = (row.get("shape") or "").strip()
            if shape and shape not in SHAPES:
                raise SuiteFormatError(
                    f"{path}:{line}: unknown shape {shape!r} (one of {', '.join(SHAPES)})"
                )
            items.append(
                SuiteItem(
                    kind=kind,
                    language=(row.get("language") or "").strip(),
                    group=(row.get(group_column) or "").strip(),
                    text=text,
                    shape=shape,
                    source=path.name,
                )
            )
        return items


def load_suite(path: Path) -> list[SuiteItem]:
    """A suite folder (``harmful.tsv`` and/or ``benign.tsv``) or one TSV file."""
    if path.is_file():
        return read_tsv(path)
    files = [path / name for name in ("harmful.tsv", "benign.tsv") if (path / name).is_file()]
    if not files:
        raise SuiteFormatError(f"{path}: no harmful.tsv or benign.tsv there")
    return [item for f in files for item in read_tsv(f)]


def _turns(text: str) -> list[str]:
    return [t.strip() for t in text.split(TURN_SEPARATOR) if t.strip()]


def _split_payload(text: str) -> tuple[str, str]:
    """``user turn || payload``: the turn and the payload (the text after the last
    separator); with no separator, no user turn of its own."""
    turns = _turns(text)
    if len(turns) < 2:
        return "", text.strip()
    return " ".join(turns[:-1]), turns[-1]


def build_request(item: SuiteItem, model: str = MODEL) -> dict[str, Any]:
    """The chat completion body for ``item``, shaped as a real client would send it."""
    shape = item.request_shape
    body: dict[str, Any] = {"model": model, "stream": False, "max_tokens": 64}
    if shape == "message":
        body["messages"] = [{"role": "user", "content": item.text}]
    elif shape == "multiturn":
        messages: list[dict[str, Any]] = []
        for i, turn in enumerate(_turns(item.text)):
            if i:
                messages.append({"role": "assistant", "content": TEXTBOOK_ANSWER})
            messages.append({"role": "user", "content": turn})
        body["messages"] = messages
    elif shape == "document":
        user, document = _split_payload(item.text)
        body["messages"] = [{"role": "user", "content": user or "Summarise the document."}]
        body["documents"] = [{"title": "Retrieved document", "text": document}]
    elif shape == "system":  # ``system prompt || user turn``: a deployment's or an attacker's
        turns = _turns(item.text)
        system, user = (turns[0], " ".join(turns[1:])) if len(turns) > 1 else (item.text, "")
        body["messages"] = [
            {"role": "system", "content": system},
            {"role": "user", "content": user or "Hello."},
        ]
    elif shape == "tool_call":
        user, call = _split_payload(item.text)
        match = _CALL.match(call)
        if match:
            name, arguments = match.group(1), match.group(2).strip()
        else:
            name, arguments = "run_task", json.dumps({"instructions": call})
        body["messages"] = [
            {"role": "user", "content": TOOL_CALL_OPENER},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": name, "arguments": arguments},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": TOOL_RESULT},
            {"role": "user", "content": user or "Continue."},
        ]
    elif shape == "tool_definition":
        user, definition = _split_payload(item.text)
        match = _DEFINITION.match(definition)
        name, description = (
            (match.group(1), match.group(2).strip()) if match else ("helper", definition)
        )
        body["messages"] = [{"role": "user", "content": user or "Hello."}]
        body["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": name,
                    "description": description,
                    "parameters": {"type": "object", "properties": {}},
                },
            }
        ]
    else:  # read_tsv refuses unknown shapes; a hand-built item may still carry one
        raise SuiteFormatError(f"unknown shape {shape!r}")
    return body


@dataclass(slots=True)
class Outcome:
    item: SuiteItem
    blocked: bool
    flagged: bool
    status: int
    finish_reason: str | None = None
    after_worker: bool = False
    category: str | None = None
    input_latency_ms: float | None = None
    request_id: str | None = None
    error: str | None = None
    why: str | None = None  # the deciding stage, score and reasons (from the audit record)


@dataclass(slots=True)
class Count:
    n: int = 0
    blocked: int = 0
    flagged: int = 0
    errors: int = 0

    def add(self, o: Outcome) -> None:
        self.n += 1
        self.blocked += o.blocked
        self.flagged += o.flagged and not o.blocked
        self.errors += o.error is not None

    def rate(self, what: str) -> float:
        return getattr(self, what) / self.n if self.n else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "blocked": self.blocked,
            "flagged": self.flagged,
            "errors": self.errors,
            "blocked_rate": round(self.rate("blocked"), 4),
            "flagged_rate": round(self.rate("flagged"), 4),
        }


@dataclass(slots=True)
class SuiteReport:
    name: str
    outcomes: list[Outcome] = field(default_factory=list)

    def table(self, kind: str, by: Callable[[SuiteItem], str]) -> dict[str, Count]:
        out: dict[str, Count] = defaultdict(Count)
        for o in self.outcomes:
            if o.item.kind == kind:
                out[by(o.item)].add(o)
        return dict(out)

    def total(self, kind: str) -> Count:
        c = Count()
        for o in self.outcomes:
            if o.item.kind == kind:
                c.add(o)
        return c

    def short_latencies(self) -> list[float]:
        return sorted(
            o.input_latency_ms
            for o in self.outcomes
            if o.input_latency_ms is not None
            and o.item.request_shape == "message"
            and len(o.item.text) <= SHORT_PROMPT_CHARS
        )

    def headline(self) -> dict[str, Any]:
        harmful, benign = self.total("harmful"), self.total("benign")
        everyday = self.table("benign", lambda i: i.group).get("everyday", Count())
        lat = self.short_latencies()
        return {
            "suite": self.name,
            "harmful_n": harmful.n,
            "harmful_blocked": harmful.blocked,
            "harmful_blocked_rate": harmful.rate("blocked"),
            "harmful_flagged": harmful.flagged,
            "benign_n": benign.n,
            "benign_refused": benign.blocked,
            "false_refusal_rate": benign.rate("blocked"),
            "benign_flagged": benign.flagged,
            "everyday_n": everyday.n,
            "everyday_refused": everyday.blocked,
            "everyday_flagged": everyday.flagged,
            "blocked_after_worker": sum(o.blocked and o.after_worker for o in self.outcomes),
            "errors": sum(o.error is not None for o in self.outcomes),
            "short_prompts_n": len(lat),
            "input_screen_p50_ms": _percentile(lat, 50),
            "input_screen_p90_ms": _percentile(lat, 90),
        }

    def tables(self) -> dict[str, dict[str, Count]]:
        return {
            "harmful by family": self.table("harmful", lambda i: i.group),
            "harmful by language": self.table("harmful", lambda i: i.language),
            "harmful by family and language": self.table(
                "harmful", lambda i: f"{i.group} · {i.language}"
            ),
            "benign by domain": self.table("benign", lambda i: i.group),
            "benign by language": self.table("benign", lambda i: i.language),
            # a deployment's system prompt, a tool call, a pasted document: where false refusals
            # of agent traffic show (one user message is ``message``)
            "benign by shape": self.table("benign", lambda i: i.request_shape),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "headline": {
                k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.headline().items()
            },
            **{
                name: {k: c.to_dict() for k, c in sorted(t.items())}
                for name, t in self.tables().items()
            },
        }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TextbookWorker:
    """A stand-in OpenAI-compatible worker (not a model): every chat request is answered with
    :data:`TEXTBOOK_ANSWER`; it counts the requests it was asked."""

    def __init__(self, model: str = MODEL) -> None:
        self.model = model
        self.requests = 0
        self.base_url = ""
        self._runner: Any = None

    async def start(self) -> str:
        from aiohttp import web

        async def models(_: web.Request) -> web.Response:
            return web.json_response(
                {"object": "list", "data": [{"id": self.model, "object": "model", "created": 0}]}
            )

        async def chat(request: web.Request) -> web.Response:
            self.requests += 1
            await request.read()
            return web.json_response(
                {
                    "id": f"chatcmpl-{self.requests}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": self.model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": TEXTBOOK_ANSWER},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 30, "total_tokens": 40},
                }
            )

        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_get("/v1/models", models)
        app.router.add_post("/v1/chat/completions", chat)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = _free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.base_url = f"http://127.0.0.1:{port}/v1"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@contextlib.asynccontextmanager
async def gateway(
    worker_url: str,
    data_dir: Path,
    safety: dict[str, Any] | None = None,
    model: str = MODEL,
) -> AsyncIterator[tuple[str, str, Any]]:
    """A real labgate app (its own SQLite database under ``data_dir``, the guardrail on,
    no embedded worker) served by uvicorn on loopback: yields (base URL, admin key,
    services)."""
    import uvicorn

    from labgate.app import create_app
    from labgate.config import Settings, load_settings

    overrides: dict[str, Any] = {
        "data_dir": str(data_dir),
        "database_url": f"sqlite+aiosqlite:///{data_dir / 'labgate.db'}",
        "embedded": {"enabled": False},
        "models": [{"name": model, "workers": [worker_url]}],
        "redis_url": None,
        "safety": {"enabled": True, **(safety or {})},
    }
    if "approval" in Settings.model_fields:
        # the stand-in worker is no model anyone evaluated: the model gate would refuse it
        overrides["approval"] = {"enforce": False}
    settings = load_settings(None, environ={}, overrides=overrides)
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", loop="asyncio"
        )
    )
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign,attr-defined]
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the gateway did not start")
        await asyncio.sleep(0.05)
    try:
        services = app.state.services
        yield f"http://127.0.0.1:{port}", services.bootstrap.admin_key, services
    finally:
        server.should_exit = True
        await task


def _refused(status: int, body: Any) -> tuple[bool, str | None]:
    """(blocked, finish reason) of one answer, as a client sees it."""
    if not isinstance(body, dict):
        return False, None
    if status == 400:
        error = body.get("error") or {}
        return isinstance(error, dict) and error.get("code") == "content_policy_violation", None
    choices = body.get("choices") or []
    reason = choices[0].get("finish_reason") if choices and isinstance(choices[0], dict) else None
    return reason == "content_filter", reason


async def _audit_by_request_id(services: Any, ids: set[str]) -> dict[str, dict[str, Any]]:
    """The audit records of the requests sent, by request id (the log commits in the
    background, so wait briefly for the last ones)."""
    import orjson

    log = services.audit
    found: dict[str, dict[str, Any]] = {}
    index = 0
    for _ in range(100):
        size = await log.size()
        while index < size:
            data = orjson.loads((await log.get_record(index)).data)
            index += 1
            rid = data.get("request_id")
            if rid in ids:
                found[rid] = data
        if len(found) >= len(ids):
            break
        await asyncio.sleep(0.1)
    return found


async def run_suite(
    items: Sequence[SuiteItem],
    *,
    name: str = "suite",
    safety: dict[str, Any] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> SuiteReport:
    """Send every item through a fresh in-process gateway, one request at a time."""
    import httpx

    report = SuiteReport(name=name)
    worker = TextbookWorker()
    await worker.start()
    try:
        with tempfile.TemporaryDirectory(prefix="labgate-suite-") as tmp:
            async with (
                gateway(worker.base_url, Path(tmp), safety) as (url, key, services),
                httpx.AsyncClient(
                    base_url=url, timeout=120, headers={"Authorization": f"Bearer {key}"}
                ) as client,
            ):
                await _wait_ready(client)
                for done, item in enumerate(items, start=1):
                    before = worker.requests
                    outcome = await _send(client, item)
                    outcome.after_worker = outcome.blocked and worker.requests > before
                    report.outcomes.append(outcome)
                    if progress and (done % 10 == 0 or done == len(items)):
                        progress(f"{name}", done, len(items))
                ids = {o.request_id for o in report.outcomes if o.request_id}
                records = await _audit_by_request_id(services, ids)
                for o in report.outcomes:
                    _read_record(o, records.get(o.request_id or ""))
    finally:
        await worker.stop()
    return report


async def _wait_ready(client: Any) -> None:
    """Until the gateway has found its worker healthy (a request before that is a 503)."""
    for _ in range(200):
        r = await client.get("/v1/models")
        if r.status_code == 200 and any(m.get("id") == MODEL for m in r.json().get("data", [])):
            probe = await client.post(
                "/v1/chat/completions",
                json={"model": MODEL, "messages": [{"role": "user", "content": "2+2?"}]},
            )
            if probe.status_code == 200 or _refused(probe.status_code, probe.json())[0]:
                return
        await asyncio.sleep(0.1)
    raise RuntimeError("the gateway never reached its stand-in worker")


async def _send(client: Any, item: SuiteItem) -> Outcome:
    r = await client.post("/v1/chat/completions", json=build_request(item))
    try:
        body = r.json()
    except ValueError:
        body = None
    blocked, reason = _refused(r.status_code, body)
    error = None
    if not blocked and r.status_code != 200:
        error = f"HTTP {r.status_code}: {r.text[:200]}"
    return Outcome(
        item=item,
        blocked=blocked,
        flagged=False,
        status=r.status_code,
        finish_reason=reason,
        request_id=r.headers.get("x-request-id"),
        error=error,
    )


def _read_record(o: Outcome, record: dict[str, Any] | None) -> None:
    if record is None:
        return
    decisions = [d for d in record.get("safety") or () if isinstance(d, dict)]
    o.flagged = any(d.get("action") == "flag" for d in decisions)
    for d in decisions:
        if d.get("direction") == "input" and o.input_latency_ms is None:
            o.input_latency_ms = d.get("latency_ms")
        if d.get("action") == "block" and o.category is None:
            o.category = d.get("category")
            o.why = f"{d.get('stage')} {d.get('score')}: " + "; ".join(
                str(r) for r in d.get("reasons") or ()
            )


def render_suite(report: SuiteReport, console: Any, *, misses: bool = False) -> None:
    """Counts and rates per family, language and domain, then the headline."""
    from rich.table import Table

    def pct(x: float) -> str:
        return "—" if x != x else f"{100 * x:.1f}%"

    for title, rows in report.tables().items():
        if not rows:
            continue
        benign = title.startswith("benign")
        table = Table(title=f"{report.name}: {title}")
        table.add_column(title.split(" by ", 1)[1])
        table.add_column("refused / n" if benign else "blocked / n", justify="right")
        table.add_column("rate", justify="right")
        table.add_column("flagged (not blocked)", justify="right")
        for key, c in sorted(rows.items()):
            table.add_row(
                key,
                f"{c.blocked} / {c.n}",
                pct(c.rate("blocked")),
                f"{c.flagged} ({pct(c.rate('flagged'))})",
            )
        console.print(table)
    h = report.headline()
    console.print(
        f"[bold]{report.name}[/bold]: harmful blocked {h['harmful_blocked']} / {h['harmful_n']} "
        f"({pct(h['harmful_blocked_rate'])}), +{h['harmful_flagged']} flagged; "
        f"benign refused {h['benign_refused']} / {h['benign_n']} "
        f"(false refusals {pct(h['false_refusal_rate'])}), +{h['benign_flagged']} flagged; "
        f"everyday refused {h['everyday_refused']} / {h['everyday_n']}, "
        f"flagged {h['everyday_flagged']}"
    )
    console.print(
        f"input screen latency, short single-message prompts (n = {h['short_prompts_n']}): "
        f"p50 {h['input_screen_p50_ms']:.1f} ms, p90 {h['input_screen_p90_ms']:.1f} ms; "
        f"blocked after the worker answered: {h['blocked_after_worker']}; errors: {h['errors']}"
    )
    if misses:
        for o in report.outcomes:
            wrong = o.blocked if o.item.kind == "benign" else not o.blocked
            if wrong or o.error:
                what = "REFUSED" if o.item.kind == "benign" else "MISSED"
                console.print(
                    f"{what} [{o.item.language}/{o.item.group}] {o.item.text[:160]!r}"
                    + (f" ({o.error})" if o.error else "")
                    + (f"\n    why: {o.why[:300]}" if o.why and o.item.kind == "benign" else ""),
                    markup=False,
                )


def suite_name(path: Path) -> str:
    return path.name if path.is_dir() else f"{path.parent.name}/{path.name}"


def run_suites(
    paths: Iterable[Path],
    safety: dict[str, Any] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[SuiteReport]:
    async def run() -> list[SuiteReport]:
        return [
            await run_suite(load_suite(p), name=suite_name(p), safety=safety, progress=progress)
            for p in paths
        ]

    return asyncio.run(run())
