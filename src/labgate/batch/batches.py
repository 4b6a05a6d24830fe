"""``/v1/batches`` (the runner every replica starts in its lifespan: :mod:`labgate.batch.runner`).

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
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select, update

from labgate.api.deps import current_principal
from labgate.api.errors import APIError, invalid_request, not_found
from labgate.batch.files import ENDPOINTS, access_policy, own_file
from labgate.batch.models import BatchItem, BatchJob
from labgate.batch.sealed import FileDoesNotOpen, file_request_lines
from labgate.identity.principal import Principal, Role

log = logging.getLogger("labgate.batch")
WINDOWS = {"24h": timedelta(hours=24)}
ACTIVE = ("validating", "in_progress", "cancelling", "finalizing")


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
    policy = await _budget_policy(services, principal)
    # one pass over the file, a chunk and a line at a time, off the event loop
    scanned = await asyncio.to_thread(_scan, services, file, body.endpoint, policy is not None)
    if scanned is None:
        raise not_found(f"No such File object: {file.id}", code="file_not_found")
    count, wrong, total = scanned
    if wrong:
        shown = ", ".join(str(n) for n in wrong)
        raise invalid_request(
            f"request line(s) {shown} name a url other than the batch's endpoint {body.endpoint}",
            param="input_file_id",
            code="invalid_batch_file",
        )
    if policy is not None:
        await check_budget(services, policy, count, total)
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
        total=count,
        created_at=now,
        expires_at=now + WINDOWS[body.completion_window],
        times_json=orjson.dumps(times).decode(),
    )
    async with services.sessions.begin() as session:
        session.add(row)
        await session.flush()
        session.add_all(
            BatchItem(batch_id=row.id, line=i, status="pending", attempts=0) for i in range(count)
        )
    runner = services.extras.get("batch_runner")
    if runner is not None:
        runner.wake()
    return batch_json(row, {"total": count, "completed": 0, "failed": 0})


async def _budget_policy(services: Any, principal: Principal) -> Any:
    """The caller's project policy when it has a budget a batch must fit; else None."""
    if services.projects is None or principal.project is None or services.quota is None:
        return None
    policy = await services.projects.get(principal.project)
    if policy is None or policy.budget.limit is None:
        return None
    return policy


def _scan(
    services: Any, file: Any, endpoint: str, priced: bool
) -> tuple[int, list[int], int] | None:
    """The file's request lines counted, the first 20 whose url is not ``endpoint``, and (when
    ``priced``) their worst cases added up; None when the file does not open."""
    count, total = 0, 0
    wrong: list[int] = []
    try:
        for raw in file_request_lines(services, file):
            count += 1
            try:
                item = orjson.loads(raw)
            except orjson.JSONDecodeError:  # kept before the upload refused such lines (NaN…)
                raise invalid_request(
                    f"request line {count} of file {file.id} is not JSON the batch can read "
                    "(NaN, Infinity, a number out of range or an unpaired surrogate); "
                    "upload the file again",
                    param="input_file_id",
                    code="invalid_batch_file",
                ) from None
            if item.get("url") != endpoint and len(wrong) < 20:
                wrong.append(count)
            if priced:
                total += _worst_case(services, endpoint, item.get("body") or {})
    except FileDoesNotOpen:
        return None
    return count, wrong, total


def _worst_case(services: Any, endpoint: str, body: dict[str, Any]) -> int:
    """One item's worst case: the request path's own bound (prompt bytes, message markers,
    ``max_tokens`` times ``n``) priced by the model's weights; 0 for an unknown model (refused
    as the item runs: it costs nothing)."""
    from labgate.gateway.admission import answers_of, prompt_token_bound
    from labgate.quota.amounts import Weights, worst_case_amount

    model = services.models.get(body.get("model"))
    if model is None:
        return 0
    text, messages, max_tokens = _worst_case_shape(endpoint, body)
    max_tokens = int(max_tokens or model.max_output_tokens) * answers_of(body)
    return worst_case_amount(
        Weights.of(model.weights), prompt_token_bound(text, messages), max_tokens
    )


async def check_budget(services: Any, policy: Any, count: int, total: int) -> None:
    """Refuse a batch the project's remaining budget cannot possibly cover: every item's worst
    case (:func:`_worst_case`) added up, against what is left of the period's budget now. Each
    item still reserves and settles its own as it runs."""
    from labgate.quota.amounts import units_to_tokens
    from labgate.quota.periods import budget_period

    period = budget_period(policy.budget.period, _now())
    used = await services.quota.budgets.usage(policy.project_id, period)
    left = used.remaining(policy.budget.limit)
    if total > left:
        raise invalid_request(
            f"this batch's {count} requests can cost up to {units_to_tokens(total):g} "
            f"weighted tokens at their worst case, and project {policy.project_id} has "
            f"{units_to_tokens(left):g} of {units_to_tokens(policy.budget.limit):g} left this "
            f"{policy.budget.period}: split the batch, lower max_tokens, or ask "
            "for a larger allocation",
            param="input_file_id",
            code="batch_exceeds_budget",
        )


def _worst_case_shape(endpoint: str, body: dict[str, Any]) -> tuple[str, int, int | None]:
    """What an item's worst case is priced from: its text, its message count and its stated
    output bound (an embedding writes one token's worth: what its route reserves)."""
    if endpoint == "/v1/chat/completions":
        messages = body.get("messages") or []
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
        return orjson.dumps(messages).decode(), len(messages), max_tokens
    if endpoint == "/v1/responses":
        given = body.get("input")
        count = len(given) if isinstance(given, list) else 1
        text = orjson.dumps([body.get("instructions"), given]).decode()
        return text, count + bool(body.get("instructions")), body.get("max_output_tokens")
    if endpoint == "/v1/embeddings":
        given = body.get("input")
        return orjson.dumps(given).decode(), len(given) if isinstance(given, list) else 1, 1
    return orjson.dumps(body.get("prompt")).decode(), 0, body.get("max_tokens")


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
