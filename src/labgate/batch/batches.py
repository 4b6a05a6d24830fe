"""``/v1/batches`` and the runner every replica starts in its lifespan.

* ``POST /v1/batches``  ``{input_file_id, endpoint, completion_window: "24h", metadata}``
* ``GET  /v1/batches``              the caller's batches, newest first
* ``GET  /v1/batches/{id}``         one, with ``request_counts``
* ``POST /v1/batches/{id}/cancel``  cancelling → cancelled (items already answered stay)

Each line becomes a row of ``batch_items``. A replica's runner claims one item at a time: a
``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite has one replica and ignores it) picks a
pending item or one whose lease ran out, then an ``UPDATE … WHERE`` the same condition still
holds takes it with a fresh claim token and a lease. The item runs through the one request path
(:class:`CompletionService`: guardrail, labels, quota reserve/settle, audit record) at the
scheduler's batch class, as the batch's owner at the batch's label. Its result is written by an
``UPDATE`` keyed by (batch, line) that holds only while the claim token is still the item's: a
replica killed mid-item leaves it to be claimed again when its lease ends, and a replica that
lost its claim cannot write a second result. The last replica to see no item left moves the
batch to ``finalizing`` (a conditional update: one wins), writes the output and error files in
OpenAI's line format, and ends it ``completed``, ``cancelled`` or ``expired``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, func, or_, select, update

from labgate.api.deps import current_principal
from labgate.api.errors import APIError, invalid_request, not_found
from labgate.batch.files import (
    ENDPOINTS,
    access_policy,
    new_file,
    open_file,
    own_file,
    sealer_of,
)
from labgate.batch.models import BatchFile, BatchItem, BatchJob
from labgate.identity.principal import Principal, Role

log = logging.getLogger("labgate.batch")
WINDOWS = {"24h": timedelta(hours=24)}
ACTIVE = ("validating", "in_progress", "cancelling", "finalizing")
RETRY_CODES = frozenset({"rate_limited", "queue_timeout", "model_starting", "quota_unavailable"})


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def _principal_json(p: Principal) -> str:
    return orjson.dumps(
        {
            "user_id": p.user_id,
            "lab": p.lab,
            "project": p.project,
            "roles": sorted(str(r) for r in p.roles),
            "clearance": p.clearance,
            "key_id": p.key_id,
            "auth_method": p.auth_method,
        }
    ).decode()


def _principal_of(text: str) -> Principal:
    d = orjson.loads(text)
    d["roles"] = frozenset(Role(r) for r in d["roles"])
    return Principal(**d)


async def request_counts(session: Any, batch_id: str) -> dict[str, int]:
    rows = (
        await session.execute(
            select(BatchItem.status, BatchItem.ok, func.count())
            .where(BatchItem.batch_id == batch_id)
            .group_by(BatchItem.status, BatchItem.ok)
        )
    ).all()
    counts = {"total": 0, "completed": 0, "failed": 0}
    for status, ok, n in rows:
        counts["total"] += n
        if status == "done":
            counts["completed" if ok else "failed"] += n
    return counts


def batch_json(row: BatchJob, counts: dict[str, int]) -> dict[str, Any]:
    times = orjson.loads(row.times_json)
    return {
        "id": row.id,
        "object": "batch",
        "endpoint": row.endpoint,
        "errors": None,
        "input_file_id": row.input_file_id,
        "completion_window": row.completion_window,
        "status": row.status,
        "output_file_id": row.output_file_id,
        "error_file_id": row.error_file_id,
        "created_at": int(row.created_at.timestamp()),
        "in_progress_at": times.get("in_progress_at"),
        "expires_at": int(row.expires_at.timestamp()),
        "finalizing_at": times.get("finalizing_at"),
        "completed_at": times.get("completed_at"),
        "failed_at": times.get("failed_at"),
        "expired_at": times.get("expired_at"),
        "cancelling_at": times.get("cancelling_at"),
        "cancelled_at": times.get("cancelled_at"),
        "request_counts": counts,
        "metadata": orjson.loads(row.metadata_json) if row.metadata_json else None,
        "labgate_label": row.label,
    }


class CreateBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input_file_id: str = Field(max_length=64)
    endpoint: str
    completion_window: str
    metadata: dict[str, str] | None = Field(default=None, max_length=16)


router = APIRouter(prefix="/v1/batches")


async def _own_batch(request: Request, principal: Principal, bid: str) -> BatchJob:
    async with request.app.state.services.sessions() as session:
        row = await session.get(BatchJob, bid)
    if (
        row is None
        or row.owner != principal.user_id
        or not access_policy(request).may_read(principal, row.label)
    ):
        raise not_found(f"No such Batch object: {bid}", code="batch_not_found", param="batch_id")
    return row


@router.post("")
async def create_batch(
    body: CreateBatch, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    services = request.app.state.services
    if body.endpoint not in ENDPOINTS:
        raise invalid_request(
            f"endpoint must be one of {', '.join(ENDPOINTS)}",
            param="endpoint",
            code="invalid_endpoint",
        )
    if body.completion_window not in WINDOWS:
        raise invalid_request(
            "completion_window must be '24h'", param="completion_window", code="invalid_value"
        )
    file = await own_file(request, principal, body.input_file_id)
    if file.purpose != "batch":
        raise invalid_request(
            f"file {file.id} has purpose {file.purpose!r}, not 'batch'",
            param="input_file_id",
            code="invalid_file",
        )
    data = open_file(services, file)
    if data is None:
        raise not_found(f"No such File object: {file.id}", code="file_not_found")
    lines = [orjson.loads(t) for t in data.decode().splitlines() if t.strip()]
    wrong = [i for i, item in enumerate(lines, start=1) if item.get("url") != body.endpoint]
    if wrong:
        shown = ", ".join(str(n) for n in wrong[:20])
        raise invalid_request(
            f"request line(s) {shown} name a url other than the batch's endpoint {body.endpoint}",
            param="input_file_id",
            code="invalid_batch_file",
        )
    await check_budget(services, principal, body.endpoint, lines)
    now = _now()
    times = {"in_progress_at": int(now.timestamp())}
    row = BatchJob(
        id="batch_" + uuid.uuid4().hex,
        owner=principal.user_id,
        project=principal.project,
        label=file.label,
        principal_json=_principal_json(principal),
        endpoint=body.endpoint,
        input_file_id=file.id,
        completion_window=body.completion_window,
        metadata_json=orjson.dumps(body.metadata).decode() if body.metadata else None,
        status="in_progress",
        total=len(lines),
        created_at=now,
        expires_at=now + WINDOWS[body.completion_window],
        times_json=orjson.dumps(times).decode(),
    )
    async with services.sessions.begin() as session:
        session.add(row)
        await session.flush()
        session.add_all(
            BatchItem(batch_id=row.id, line=i, status="pending", attempts=0)
            for i in range(len(lines))
        )
    runner = services.extras.get("batch_runner")
    if runner is not None:
        runner.wake()
    return batch_json(row, {"total": len(lines), "completed": 0, "failed": 0})


async def check_budget(
    services: Any, principal: Principal, endpoint: str, lines: list[dict[str, Any]]
) -> None:
    """Refuse a batch the project's remaining budget cannot possibly cover: every item's worst
    case (the request path's own bound: prompt bytes, message markers, ``max_tokens`` times
    ``n``, priced by the model's weights) added up, against what is left of the period's budget
    now. Each item still reserves and settles its own as it runs."""
    from labgate.gateway.admission import answers_of, prompt_token_bound
    from labgate.quota.amounts import Weights, units_to_tokens, worst_case_amount
    from labgate.quota.periods import budget_period

    if services.projects is None or principal.project is None or services.quota is None:
        return
    policy = await services.projects.get(principal.project)
    if policy is None or policy.budget.limit is None:
        return
    total = 0
    for line in lines:
        body = line.get("body") or {}
        model = services.models.get(body.get("model"))
        if model is None:
            continue  # refused as the item runs: it costs nothing
        chat = endpoint == "/v1/chat/completions"
        text = orjson.dumps(body.get("messages") if chat else body.get("prompt")).decode()
        messages = len(body.get("messages") or []) if chat else 0
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
        max_tokens = int(max_tokens or model.max_output_tokens) * answers_of(body)
        total += worst_case_amount(
            Weights.of(model.weights), prompt_token_bound(text, messages), max_tokens
        )
    period = budget_period(policy.budget.period, _now())
    used = await services.quota.budgets.usage(policy.project_id, period)
    left = used.remaining(policy.budget.limit)
    if total > left:
        raise invalid_request(
            f"this batch's {len(lines)} requests can cost up to {units_to_tokens(total):g} "
            f"weighted tokens at their worst case, and project {policy.project_id} has "
            f"{units_to_tokens(left):g} of {units_to_tokens(policy.budget.limit):g} left this "
            f"{policy.budget.period}: split the batch, lower max_tokens, or ask "
            "for a larger allocation",
            param="input_file_id",
            code="batch_exceeds_budget",
        )


@router.get("")
async def list_batches(
    request: Request, limit: int = 20, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    policy = access_policy(request)
    limit = max(1, min(limit, 100))
    async with request.app.state.services.sessions() as session:
        rows = (
            await session.scalars(
                select(BatchJob)
                .where(BatchJob.owner == principal.user_id)
                .order_by(BatchJob.created_at.desc())
                .limit(limit)
            )
        ).all()
        data = [
            batch_json(r, await request_counts(session, r.id))
            for r in rows
            if policy.may_read(principal, r.label)
        ]
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": False,
    }


@router.get("/{bid}")
async def retrieve_batch(
    bid: str, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    row = await _own_batch(request, principal, bid)
    async with request.app.state.services.sessions() as session:
        return batch_json(row, await request_counts(session, bid))


@router.post("/{bid}/cancel")
async def cancel_batch(
    bid: str, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    services = request.app.state.services
    row = await _own_batch(request, principal, bid)
    if row.status in ("validating", "in_progress"):
        times = orjson.loads(row.times_json)
        times["cancelling_at"] = int(_now().timestamp())
        async with services.sessions.begin() as session:
            await session.execute(
                update(BatchJob)
                .where(BatchJob.id == bid, BatchJob.status.in_(("validating", "in_progress")))
                .values(status="cancelling", times_json=orjson.dumps(times).decode())
            )
            await session.execute(
                update(BatchItem)
                .where(BatchItem.batch_id == bid, BatchItem.status == "pending")
                .values(status="cancelled")
            )
        runner = services.extras.get("batch_runner")
        if runner is not None:
            runner.wake()
    elif row.status not in ("cancelling", "cancelled"):
        raise APIError(
            409, f"batch {bid} is {row.status}: it cannot be cancelled", code="batch_not_active"
        )
    return await retrieve_batch(bid, request, principal)


class BatchRunner:
    """One per replica: ``concurrency`` loops that claim an item, run it, write its result."""

    def __init__(self, services: Any) -> None:
        self.services = services
        cfg = services.settings.batch
        self.lease = timedelta(seconds=cfg.lease_s)
        self.concurrency = cfg.concurrency
        self.poll_s = cfg.poll_s
        self._wake = asyncio.Event()
        self._inputs: dict[str, tuple[BatchJob, list[dict[str, Any]]]] = {}
        self.ran = 0  # items this replica wrote a result for
        self._owners: dict[str, tuple[float, Principal | str]] = {}

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        loops = [
            asyncio.create_task(self._loop(), name=f"batch-{i}") for i in range(self.concurrency)
        ]
        try:
            await asyncio.gather(*loops)
        finally:
            for t in loops:
                t.cancel()
            for t in loops:
                with contextlib.suppress(BaseException):
                    await t

    async def _anything_open(self) -> bool:
        """Is any batch open anywhere? A plain read, so that an idle runner takes no write
        lock (SQLite: the audit log's inline commit found the database locked on every poll)
        and no transaction (PostgreSQL: the idle runner was a quarter of the event loop's
        samples under load)."""
        async with self.services.sessions() as session:
            found = await session.execute(
                select(BatchJob.id).where(BatchJob.status.in_(ACTIVE)).limit(1)
            )
            return found.first() is not None

    async def _loop(self) -> None:
        while True:
            try:
                self._wake.clear()  # before the look: a batch created meanwhile wakes us
                if not await self._anything_open():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.poll_s)
                    continue
                claimed = await self.claim()
                if claimed is None:
                    await self.finalize_ready()
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.poll_s)
                    continue
                await self.run_item(*claimed)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the store was away: try again shortly
                log.exception("batch runner step failed")
                await asyncio.sleep(self.poll_s)

    async def claim(self) -> tuple[BatchItem, str] | None:
        now = _now()
        claimable = and_(
            BatchItem.status.in_(("pending", "running")),
            or_(BatchItem.lease_until.is_(None), BatchItem.lease_until < now),
        )
        token = uuid.uuid4().hex
        async with self.services.sessions.begin() as session:
            item = (
                await session.scalars(
                    select(BatchItem)
                    .join(BatchJob, BatchJob.id == BatchItem.batch_id)
                    .where(BatchJob.status == "in_progress", claimable)
                    .order_by(BatchItem.batch_id, BatchItem.line)
                    .limit(1)
                    .with_for_update(skip_locked=True, of=BatchItem)
                )
            ).first()
            if item is None:
                return None
            taken = await session.execute(
                update(BatchItem)
                .where(BatchItem.batch_id == item.batch_id, BatchItem.line == item.line, claimable)
                .values(
                    status="running",
                    claim=token,
                    lease_until=now + self.lease,
                    attempts=BatchItem.attempts + 1,
                )
            )
            if taken.rowcount != 1:
                return None
            batch_id, line = item.batch_id, item.line
        item = BatchItem(batch_id=batch_id, line=line)
        return item, token

    async def _input(self, batch_id: str) -> tuple[BatchJob, list[dict[str, Any]]]:
        cached = self._inputs.get(batch_id)
        if cached is None:
            async with self.services.sessions() as session:
                batch = await session.get(BatchJob, batch_id)
                file = await session.get(BatchFile, batch.input_file_id) if batch else None
            data = open_file(self.services, file) if file is not None else None
            if batch is None or data is None:
                raise RuntimeError(f"batch {batch_id}: its input file is gone or does not open")
            lines = [orjson.loads(t) for t in data.decode().splitlines() if t.strip()]
            cached = self._inputs[batch_id] = (batch, lines)
        return cached

    async def run_item(self, item: BatchItem, token: str) -> None:
        batch, lines = await self._input(item.batch_id)
        line = lines[item.line]
        status, body, request_id, retry = await self.answer(batch, line)
        if retry:  # rate-limited or a model starting: back to pending, tried again later
            async with self.services.sessions.begin() as session:
                await session.execute(
                    update(BatchItem)
                    .where(
                        BatchItem.batch_id == item.batch_id,
                        BatchItem.line == item.line,
                        BatchItem.claim == token,
                    )
                    .values(status="pending", claim=None, lease_until=_now() + timedelta(seconds=2))
                )
            return
        result = {
            "id": "batch_req_" + uuid.uuid4().hex,
            "custom_id": line.get("custom_id"),
            "response": {"status_code": status, "request_id": request_id, "body": body},
            "error": None,
        }
        key_id, sealed = sealer_of(self.services).seal(
            _item_bound(batch, item.line), orjson.dumps(result)
        )
        sealed = bytes([len(key_id.encode())]) + key_id.encode() + sealed  # which key sealed it
        async with self.services.sessions.begin() as session:
            written = await session.execute(
                update(BatchItem)
                .where(
                    BatchItem.batch_id == item.batch_id,
                    BatchItem.line == item.line,
                    BatchItem.claim == token,
                    BatchItem.status == "running",
                )
                .values(
                    status="done",
                    ok=1 if status == 200 else 0,
                    result_sealed=sealed,
                    claim=None,
                    lease_until=None,
                )
            )
        if written.rowcount == 1:
            self.ran += 1
        else:
            log.warning("batch %s line %d: claim lost, result dropped", batch.id, item.line)

    async def answer(
        self, batch: BatchJob, line: dict[str, Any]
    ) -> tuple[int, dict[str, Any], str | None, bool]:
        """Run one request line through the one request path at the batch class."""
        from labgate.api.openai_routes import _project_allows
        from labgate.api.schemas import parse_chat, parse_completion
        from labgate.scheduler import RequestClass

        services = self.services
        kind = "chat" if batch.endpoint == "/v1/chat/completions" else "completion"
        principal = await self._current(batch)
        if isinstance(principal, str):  # the key was revoked, or the user disabled
            error = {
                "message": principal,
                "type": "invalid_request_error",
                "param": None,
                "code": "invalid_api_key",
            }
            return 401, {"error": error}, None, False
        raw = orjson.dumps(line.get("body"))
        prepared = None
        try:
            try:
                allows = await _project_allows(services, principal)
                prepare = services.completions.prepare
                if kind == "chat":
                    prepared = prepare.chat(principal, parse_chat(raw), None, allows)
                else:
                    prepared = prepare.completion(principal, parse_completion(raw), allows)
                prepared.request_class = RequestClass.BATCH
                prepared.label_header = batch.label
            except APIError as exc:
                await services.completions.record_refusal(principal, kind, None, exc)
                raise
            result = await services.completions.run(prepared)
            if not isinstance(result, dict):  # a stream: never asked for (validated), drained
                async for _ in result:
                    pass
                raise APIError(400, "batch requests cannot stream", code="invalid_value")
            if prepared.after_answer is not None:
                await prepared.after_answer()
            return 200, result, prepared.record.request_id, False
        except APIError as exc:
            if exc.code in RETRY_CODES:
                return exc.status, {}, None, True
            request_id = exc.headers.get("X-Request-Id") or (
                prepared.record.request_id if prepared is not None else None
            )
            error = {
                "message": exc.message,
                "type": exc.type,
                "param": exc.param,
                "code": exc.code,
            }
            return exc.status, {"error": error}, request_id, False

    async def _current(self, batch: BatchJob) -> Principal | str:
        """The batch's owner as they are now (re-read every 5 s): a revoked or expired key or
        a disabled user stops the batch's remaining items, and a lowered clearance or a role
        taken away applies to them."""
        from labgate.store.tenancy import ApiKey, User

        now = time.monotonic()
        cached = self._owners.get(batch.id)
        if cached is not None and cached[0] > now:
            return cached[1]
        p = _principal_of(batch.principal_json)
        async with self.services.sessions() as session:
            user = await session.get(User, p.user_id)
            key = await session.get(ApiKey, p.key_id) if p.key_id else None
        result: Principal | str
        if user is None or user.disabled:
            result = "the user who submitted this batch is disabled"
        elif p.key_id and (
            key is None
            or key.revoked_at is not None
            or (key.expires_at is not None and _aware(key.expires_at) < _now())
        ):
            result = "the API key that submitted this batch was revoked or has expired"
        else:
            result = Principal(
                user_id=p.user_id,
                lab=user.lab_id,
                project=p.project,
                roles=frozenset(Role(r) for r in (user.roles or ())),
                clearance=user.clearance,
                key_id=p.key_id,
                auth_method=p.auth_method,
            )
        self._owners[batch.id] = (now + 5.0, result)
        return result

    async def finalize_ready(self) -> None:
        """Batches with no item left to run: finalize one (whichever replica gets it)."""
        now = _now()
        services = self.services
        async with services.sessions.begin() as session:
            await session.execute(  # past their window: what is left expires
                update(BatchItem)
                .where(
                    BatchItem.status == "pending",
                    BatchItem.batch_id.in_(
                        select(BatchJob.id).where(
                            BatchJob.status == "in_progress", BatchJob.expires_at < now
                        )
                    ),
                )
                .values(status="expired")
            )
            open_items = (
                select(BatchItem.batch_id)
                .where(BatchItem.status.in_(("pending", "running")))
                .distinct()
            )
            ready = (
                await session.scalars(
                    select(BatchJob).where(
                        BatchJob.status.in_(("in_progress", "cancelling")),
                        BatchJob.id.not_in(open_items),
                    )
                )
            ).all()
            stale = (
                await session.scalars(select(BatchJob).where(BatchJob.status == "finalizing"))
            ).all()
        for batch in [*ready, *stale]:
            times = orjson.loads(batch.times_json)
            if batch.status == "finalizing":
                if times.get("finalizing_at", 0) + self.lease.total_seconds() > now.timestamp():
                    continue  # another replica is finalizing it
            final = {"cancelling": "cancelled", "in_progress": "completed"}.get(
                batch.status, times.get("final", "completed")
            )
            if final == "completed" and batch.expires_at < now:
                final = "expired"
            times.update(finalizing_at=int(now.timestamp()), final=final)
            async with services.sessions.begin() as session:
                won = await session.execute(
                    update(BatchJob)
                    .where(BatchJob.id == batch.id, BatchJob.times_json == batch.times_json)
                    .values(status="finalizing", times_json=orjson.dumps(times).decode())
                )
            if won.rowcount == 1:
                await self._finalize(batch, times, final)

    async def _finalize(self, batch: BatchJob, times: dict[str, Any], final: str) -> None:
        services = self.services
        sealer = sealer_of(services)
        out: list[bytes] = []
        err: list[bytes] = []
        async with services.sessions() as session:
            rows = (
                await session.execute(
                    select(BatchItem.line, BatchItem.ok, BatchItem.result_sealed)
                    .where(BatchItem.batch_id == batch.id, BatchItem.status == "done")
                    .order_by(BatchItem.line)
                )
            ).all()
        for line, ok, sealed in rows:
            sealed = bytes(sealed)
            n = sealed[0]
            key_id, sealed = sealed[1 : 1 + n].decode(), sealed[1 + n :]
            data = sealer.open(key_id, _item_bound(batch, line), sealed)
            if data is None:
                continue
            (out if ok else err).append(data)
        files: list[BatchFile] = []
        ids: dict[str, str | None] = {"output_file_id": None, "error_file_id": None}
        for key, chunk, name in (
            ("output_file_id", out, "batch_output.jsonl"),
            ("error_file_id", err, "batch_errors.jsonl"),
        ):
            if chunk:
                data = b"\n".join(chunk) + b"\n"
                f = new_file(
                    services,
                    batch.owner,
                    batch.project,
                    batch.label,
                    "batch_output",
                    f"{batch.id}_{name}",
                    data,
                    len(chunk),
                )
                files.append(f)
                ids[key] = f.id
        times[f"{final}_at"] = int(_now().timestamp())
        async with services.sessions.begin() as session:
            session.add_all(files)
            await session.execute(
                update(BatchJob)
                .where(BatchJob.id == batch.id, BatchJob.status == "finalizing")
                .values(status=final, times_json=orjson.dumps(times).decode(), **ids)
            )
        self._inputs.pop(batch.id, None)


def _item_bound(batch: BatchJob, line: int) -> list[Any]:
    return ["item", batch.id, line, batch.owner, batch.label]


async def start_runner(services: Any) -> asyncio.Task[None]:
    runner = BatchRunner(services)
    services.extras["batch_runner"] = runner
    return asyncio.create_task(runner.run(), name="batch-runner")
