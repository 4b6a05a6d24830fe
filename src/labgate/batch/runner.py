"""The batch runner every replica starts in its lifespan: ``concurrency`` loops that claim an
item under a lease, run it through the one request path, and write its result once
(:mod:`labgate.batch.batches` says how claims, leases and finalizing work)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import deque
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import and_, or_, select, tuple_, update

from labgate.api.errors import APIError
from labgate.batch.batches import ACTIVE, _now, _principal_of, log
from labgate.batch.models import BatchFile, BatchItem, BatchJob
from labgate.batch.sealed import FileBuilder, InputLines, sealer_of
from labgate.gateway.record import BATCH_ITEM, BatchItemContext
from labgate.identity.principal import Principal, Role

_BASELINE = frozenset({Role.USER, Role.PROJECT_LEAD})


def _roles(names: Any) -> list[Role]:
    return [Role(r) for r in (names or ()) if r in Role._value2member_map_]


RETRY_CODES = frozenset({"rate_limited", "queue_timeout", "model_starting", "quota_unavailable"})
# an item whose run raised (not an API error: a line or input that cannot be read, a bug) this
# many times on a replica is written as an error line; before, it was claimed again each lease,
# forever, and its batch never ended
MAX_FAILURES = 3
RESULTS_PAGE = 1000  # item results read per query while finalizing


class BatchRunner:
    """One per replica: ``concurrency`` loops that claim an item, run it, write its result."""

    def __init__(self, services: Any) -> None:
        self.services = services
        cfg = services.settings.batch
        self.lease = timedelta(seconds=cfg.lease_s)
        self.concurrency = cfg.concurrency
        self.poll_s = cfg.poll_s
        self._wake = asyncio.Event()
        self._inputs: dict[str, tuple[BatchJob, InputLines]] = {}
        self._failures: dict[tuple[str, int], int] = {}  # runs of an item that raised
        self.ran = 0  # items this replica wrote a result for
        self._owners: dict[str, tuple[float, Principal | str]] = {}
        self._claimed: deque[tuple[BatchItem, str, float]] = deque()  # claimed, not yet run
        self._claiming = asyncio.Lock()
        self._looking = asyncio.Lock()
        self._looked: tuple[float, bool] = (-1e9, False)  # when a loop last looked, and found

    def wake(self) -> None:
        self._looked = (-1e9, False)  # a batch was just created here: look again
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
            await self._unclaim()

    async def _unclaim(self) -> None:
        """Stopping: items claimed but not started go back to pending at once, so another
        replica (or this one restarted) need not wait for their lease. Best effort: after a
        kill -9 the lease frees them."""
        left, self._claimed = list(self._claimed), deque()
        if not left:
            return
        with contextlib.suppress(Exception):
            async with self.services.sessions.begin() as session:
                for item, token, _ in left:
                    await session.execute(
                        update(BatchItem)
                        .where(
                            BatchItem.batch_id == item.batch_id,
                            BatchItem.line == item.line,
                            BatchItem.claim == token,
                            BatchItem.status == "running",
                        )
                        .values(status="pending", claim=None, lease_until=None)
                    )

    async def _anything_open(self) -> bool:
        """Is any batch open anywhere? A plain read, so that an idle runner takes no write
        lock (SQLite: the audit log's inline commit found the database locked on every poll)
        and no transaction (PostgreSQL: the idle runner was a quarter of the event loop's
        samples under load). One look serves every loop for half a poll: each of the
        ``concurrency`` idle loops used to ask on its own (12 loops at ``poll_s`` 0.2: 40% of
        an idle replica's samples beside interactive load, bench/batch.py)."""
        async with self._looking:
            at, found = self._looked
            if time.monotonic() - at < self.poll_s / 2:
                return found
            async with self.services.sessions() as session:
                row = await session.execute(
                    select(BatchJob.id).where(BatchJob.status.in_(ACTIVE)).limit(1)
                )
                found = row.first() is not None
            self._looked = (time.monotonic(), found)
            return found

    async def _loop(self) -> None:
        busy = False  # the last step ran an item: no need to ask whether any batch is open
        while True:
            try:
                self._wake.clear()  # before the look: a batch created meanwhile wakes us
                if not busy and not await self._anything_open():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.poll_s)
                    continue
                claimed = await self._next()
                busy = claimed is not None
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
                busy = False
                log.exception("batch runner step failed")
                await asyncio.sleep(self.poll_s)

    async def _next(self) -> tuple[BatchItem, str] | None:
        """The next item to run: one this replica claimed together with others (one
        transaction claims up to ``concurrency`` items for all the loops), or a fresh chunk.
        A claimed item kept past half its lease is left to the lease (it may run out while
        the item runs); it is claimed again, here or elsewhere, once it has."""
        half = self.lease.total_seconds() / 2
        while True:
            while self._claimed:
                item, token, at = self._claimed.popleft()
                if time.monotonic() - at < half:
                    return item, token
            async with self._claiming:  # one loop claims; the others take from its chunk
                if self._claimed:
                    continue
                chunk = await self.claim(self.concurrency)
                if not chunk:
                    return None
                at = time.monotonic()
                self._claimed.extend((item, token, at) for item, token in chunk)

    async def claim(self, n: int = 1) -> list[tuple[BatchItem, str]]:
        """Claim up to ``n`` claimable items in one transaction, under one token and lease."""
        now = _now()
        claimable = and_(
            BatchItem.status.in_(("pending", "running")),
            or_(BatchItem.lease_until.is_(None), BatchItem.lease_until < now),
        )
        token = uuid.uuid4().hex
        async with self.services.sessions.begin() as session:
            rows = (
                await session.execute(
                    select(BatchItem.batch_id, BatchItem.line)
                    .join(BatchJob, BatchJob.id == BatchItem.batch_id)
                    .where(BatchJob.status == "in_progress", claimable)
                    .order_by(BatchItem.batch_id, BatchItem.line)
                    .limit(n)
                    .with_for_update(skip_locked=True, of=BatchItem)
                )
            ).all()
            if not rows:
                return []
            taken = (
                await session.execute(
                    update(BatchItem)
                    .where(
                        tuple_(BatchItem.batch_id, BatchItem.line).in_(
                            [(b, line) for b, line in rows]
                        ),
                        claimable,
                    )
                    .values(
                        status="running",
                        claim=token,
                        lease_until=now + self.lease,
                        attempts=BatchItem.attempts + 1,
                    )
                    .returning(BatchItem.batch_id, BatchItem.line)
                )
            ).all()
        return [(BatchItem(batch_id=b, line=line), token) for b, line in sorted(taken)]

    async def _input(self, batch_id: str) -> tuple[BatchJob, InputLines]:
        cached = self._inputs.get(batch_id)
        if cached is None:
            async with self.services.sessions() as session:
                batch = await session.get(BatchJob, batch_id)
            lines = await InputLines.load(self.services, batch.input_file_id) if batch else None
            if batch is None or lines is None:
                raise RuntimeError(f"batch {batch_id}: its input file is gone or does not open")
            cached = self._inputs[batch_id] = (batch, lines)
        return cached

    async def run_item(self, item: BatchItem, token: str) -> None:
        key = (item.batch_id, item.line)
        cid = None
        try:
            batch, lines = await self._input(item.batch_id)
            line = await lines.line(item.line)  # only its chunk of the file is read
            cid = line.get("custom_id")
            tag = {"id": batch.id, "index": item.line, "custom_id": line.get("custom_id")}
            reset = BATCH_ITEM.set(BatchItemContext(tag))  # each record it begins names the item
            try:
                status, body, request_id, retry = await self.answer(batch, line)
            finally:
                BATCH_ITEM.reset(reset)
        except asyncio.CancelledError:
            raise
        except Exception:
            failures = self._failures[key] = self._failures.get(key, 0) + 1
            if failures < MAX_FAILURES:
                raise  # the loop logs it; the item is claimed again when its lease runs out
            self._failures.pop(key, None)
            log.exception("batch %s line %d failed %d times: an error line", *key, failures)
            async with self.services.sessions() as session:
                found = await session.get(BatchJob, item.batch_id)
            if found is None:
                return
            batch, line, request_id, retry = found, {"custom_id": cid}, None, False
            error = {
                "message": f"this item could not be run ({failures} tries); the gateway's log "
                f"names batch {item.batch_id} line {item.line}",
                "type": "server_error",
                "param": None,
                "code": "batch_item_failed",
            }
            status, body = 500, {"error": error}
        self._failures.pop(key, None)
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
        principal = await self._current(batch)
        if isinstance(principal, str):  # the key was revoked, the user disabled or removed
            left = "no longer a member" in principal
            error = {
                "message": principal,
                "type": "permission_error" if left else "invalid_request_error",
                "param": None,
                "code": "not_a_member" if left else "invalid_api_key",
            }
            return (403 if left else 401), {"error": error}, None, False
        item = BATCH_ITEM.get()
        try:
            status, body, request_id = await self._through_path(batch, principal, line)
        except APIError as exc:
            if exc.code in RETRY_CODES:
                return exc.status, {}, None, True
            records = item.records if item is not None else []
            request_id = exc.headers.get("X-Request-Id") or (
                records[-1].request_id if records else None
            )
            error = {
                "message": exc.message,
                "type": exc.type,
                "param": exc.param,
                "code": exc.code,
            }
            return exc.status, {"error": error}, request_id, False
        if item is not None and any(
            r.outcome == "content_filter" and r.worker_id is None for r in item.records
        ):  # the guardrail blocked the input: an error line, as the worker never saw it
            error = {
                "message": "the request was blocked by the guardrail (content policy); "
                f"request {request_id}",
                "type": "invalid_request_error",
                "param": None,
                "code": "content_policy_violation",
            }
            return 400, {"error": error}, request_id, False
        return status, body, request_id, False

    async def _through_path(
        self, batch: BatchJob, principal: Principal, line: dict[str, Any]
    ) -> tuple[int, dict[str, Any], str | None]:
        """One item through its endpoint's own request path (the interactive route's, from the
        parsed body on) at the batch class and the batch's label."""
        from labgate.api.embeddings_routes import answer_embeddings
        from labgate.api.openai_routes import _JSONAnswer, _project_allows
        from labgate.api.responses_routes import answer_response
        from labgate.api.schemas import parse_chat, parse_completion
        from labgate.scheduler import RequestClass

        services = self.services
        if batch.endpoint in ("/v1/embeddings", "/v1/responses"):
            headers = {"x-labgate-priority": "batch"}
            if batch.label is not None:
                headers["x-labgate-label"] = batch.label
            route = answer_embeddings if batch.endpoint == "/v1/embeddings" else answer_response
            answer = await route(services, principal, line.get("body"), headers)
            if not isinstance(answer, _JSONAnswer):  # a stream: refused at upload
                raise APIError(400, "batch requests cannot stream", code="invalid_value")
            if answer.background is not None:
                await answer.background()
            request_id = answer.headers.get("x-request-id")
            return 200, orjson.loads(answer.body), request_id
        kind = "chat" if batch.endpoint == "/v1/chat/completions" else "completion"
        raw = orjson.dumps(line.get("body"))
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
        return 200, result, prepared.record.request_id

    async def _current(self, batch: BatchJob) -> Principal | str:
        """The batch's owner as they are now (re-read every 5 s), by the rule the online path
        uses (:mod:`labgate.identity.resolve`): a revoked or expired key or a disabled user
        stops the batch's remaining items; a lowered clearance or a role taken away applies to
        them; a key minted for someone else carries no more than its cap; and no item runs
        above what the credential that submitted the batch held then."""
        from labgate.identity.keys import KeyRecord
        from labgate.identity.resolve import deferred, key_principal, key_refusal, meet
        from labgate.store.tenancy import ApiKey, ProjectMember, User

        now = time.monotonic()
        cached = self._owners.get(batch.id)
        if cached is not None and cached[0] > now:
            return cached[1]
        p = _principal_of(batch.principal_json)
        labels = getattr(self.services, "access", None)
        async with self.services.sessions() as session:
            user = await session.get(User, p.user_id)
            key = await session.get(ApiKey, p.key_id) if p.key_id else None
            # a session (no key) named its project per request, as a member: removed since,
            # the batch no longer charges it (a key bound to it was revoked by the removal)
            left = (
                p.key_id is None
                and p.project is not None
                and await session.get(ProjectMember, (p.project, p.user_id)) is None
            )
        result: Principal | str
        if user is None or user.disabled:
            result = "the user who submitted this batch is disabled"
        elif left:
            result = (
                f"the user who submitted this batch is no longer a member of project {p.project}"
            )
        elif p.key_id:
            record = KeyRecord.of(key, user) if key is not None else None
            if record is None or key_refusal(record) is not None:
                result = "the API key that submitted this batch was revoked or has expired"
            else:
                result = deferred(key_principal(record, labels), p, labels)
        else:  # a session's token: its IdP is not asked again while the batch runs, so the
            # account's own roles and clearance (as labgate holds them now) bound the items
            roles = p.roles & (frozenset(_roles(user.roles)) | _BASELINE)
            clearance = meet(labels, user.clearance, p.clearance)
            result = Principal(
                user_id=p.user_id,
                lab=user.lab_id,
                project=p.project,
                roles=roles or frozenset({Role.USER}),
                clearance=clearance,
                key_id=None,
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
        # written a result at a time into sealed chunks, the results read a page at a time:
        # neither the results nor the files are ever held as one list
        builders = {
            ok: FileBuilder(
                services,
                batch.owner,
                batch.project,
                batch.label,
                "batch_output",
                f"{batch.id}_{name}",
            )
            for ok, name in ((True, "batch_output.jsonl"), (False, "batch_errors.jsonl"))
        }
        last = -1
        while True:
            async with services.sessions() as session:
                rows = (
                    await session.execute(
                        select(BatchItem.line, BatchItem.ok, BatchItem.result_sealed)
                        .where(
                            BatchItem.batch_id == batch.id,
                            BatchItem.status == "done",
                            BatchItem.line > last,
                        )
                        .order_by(BatchItem.line)
                        .limit(RESULTS_PAGE)
                    )
                ).all()
            if not rows:
                break
            for line, ok, sealed in rows:
                last = line
                sealed = bytes(sealed)
                n = sealed[0]
                key_id, sealed = sealed[1 : 1 + n].decode(), sealed[1 + n :]
                data = sealer.open(key_id, _item_bound(batch, line), sealed)
                if data is not None:
                    builders[bool(ok)].add(data)
        files: list[BatchFile] = []
        ids: dict[str, str | None] = {"output_file_id": None, "error_file_id": None}
        for key, ok in (("output_file_id", True), ("error_file_id", False)):
            builder = builders[ok]
            if builder.lines:
                f = builder.finish()
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
