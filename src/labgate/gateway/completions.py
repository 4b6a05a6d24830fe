"""Chat and text completions: the request path from a validated request to the client's answer.

The steps, in order (``docs/architecture.md`` draws them):

1. resolve the model the client named, and the limits and reasoning settings it has;
2. build the worker's request: its own model name, a bounded ``max_tokens``, the reasoning
   budget for ``reasoning_effort``, usage always asked for in streams (steps 1 and 2:
   :class:`~labgate.gateway.prepared.Preparer`);
3. (admission hooks: access, safety, quota, fair-share turn — see :class:`Admission`);
4. dispatch through the router, which retries on another replica before the first byte;
5. rewrite the answer: the client's model name, ``<think>`` split into ``reasoning_content``
   (shown or hidden by policy, always kept in the record), reasoning tokens in ``usage``;
6. end: the record goes to the observers (metrics, usage, audit).

Nothing here knows about HTTP requests: the API layer parses and hands over a request object,
and gets back a JSON-able dict or an async iterator of SSE bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Sequence
from typing import Any, NoReturn

import orjson

from labgate.access.policy import AccessPolicy
from labgate.api.errors import APIError, internal_error, unavailable
from labgate.config import ModelConfig, PolicyConfig
from labgate.gateway.admission import Gatekeeper, output_cap
from labgate.gateway.policies import ProjectPolicies
from labgate.gateway.prepared import Prepared, Preparer
from labgate.gateway.record import RecordKeeper, RequestObserver, RequestRecord
from labgate.gateway.safety_gate import InputRefused, SafetyGate
from labgate.gateway.streaming import StreamRewriter
from labgate.gateway.usage import take_usage, usage_block
from labgate.identity.principal import Principal
from labgate.quota import (
    QuotaGate,
)
from labgate.reasoning import OPEN_TAG, split_reasoning
from labgate.router.router import (
    NoWorkerAvailable,
    Router,
    StreamBroken,
    UpstreamCall,
    UpstreamError,
)
from labgate.scheduler import FairScheduler
from labgate.visible import tool_calls_text, with_calls

log = logging.getLogger("labgate.completions")

SSE_DONE = b"data: [DONE]\n\n"
_KEEPALIVE_EVERY_S = 5.0


_STREAM_FAILED = {
    "error": {
        "message": "the model worker failed in the middle of this answer; what was sent so far "
        "is incomplete. Retry the request.",
        "type": "server_error",
        "param": None,
        "code": "worker_stream_failed",
    }
}


def sse(obj: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(obj) + b"\n\n"


class CompletionService:
    """The request path: prepare (:class:`Preparer`), admit (:class:`Gatekeeper`), dispatch,
    rewrite, record."""

    def __init__(
        self,
        models: dict[str, ModelConfig],
        router: Router,
        policy: PolicyConfig,
        observers: Sequence[RequestObserver] = (),
        affinity_prefix_chars: int = 512,
        scheduler: FairScheduler | None = None,
        quota: QuotaGate | None = None,
        projects: ProjectPolicies | None = None,
        record_keepers: Sequence[RecordKeeper] = (),
        access: AccessPolicy | None = None,
        safety: SafetyGate | None = None,
    ) -> None:
        self.prepare = Preparer(models, policy, affinity_prefix_chars)
        """Builds a :class:`Prepared` request from a validated client request."""
        self.router = router
        self.observers = list(observers)
        self.record_keepers = list(record_keepers)
        self.access = access
        self.gate = Gatekeeper(
            router,
            scheduler=scheduler,
            quota=quota,
            projects=projects,
            access=access,
            safety=safety,
        )

    @property
    def safety(self) -> SafetyGate | None:
        """The guardrail, shared with the gatekeeper (set once its model has loaded)."""
        return self.gate.safety

    @safety.setter
    def safety(self, gate: SafetyGate | None) -> None:
        self.gate.safety = gate

    @property
    def scheduler(self) -> FairScheduler | None:
        return self.gate.scheduler

    # -- dispatch ---------------------------------------------------------------------------

    async def _open(self, p: Prepared) -> UpstreamCall:
        exclude: set[str] = set()
        pool = self.router.pools.get(p.model.name)
        if self.access is not None and p.label is not None and pool is not None:
            # never route to a worker whose accreditation does not dominate the label
            exclude = self.access.excluded_workers(p.label, p.model.name, pool.workers.values())
        try:
            call = await self.router.open(
                p.model.name,
                p.path,
                p.payload,
                stream=p.record.stream,
                affinity_key=p.affinity_key,
                timeout_s=p.model.request_timeout_s,
                connect_timeout_s=p.model.connect_timeout_s,
                exclude=exclude,
                label=p.label,  # the effective label: the model gate checks its approval
            )
        except NoWorkerAvailable as exc:
            raise unavailable(
                f"model {p.model.name!r} is not available right now: {exc.detail}. "
                "Try again shortly.",
                retry_after_s=5,
                code="model_unavailable",
            ) from None
        except UpstreamError as exc:
            raise _worker_rejection(exc) from None
        p.record.worker_id = call.worker.worker_id
        p.record.worker_url = call.worker.base_url
        p.record.attempts = call.attempts
        return call

    async def run(self, p: Prepared) -> dict[str, Any] | AsyncIterator[bytes]:
        """Admit, then dispatch: a dict for plain answers, SSE bytes for streams."""
        try:
            try:
                await self.gate.admit(p)
            except InputRefused as refused:
                return await self._refuse_input(p, refused)
            try:
                call = await self._open(p)
            except BaseException:
                await self.gate.finish(p, produced=False)
                raise
        except APIError as exc:
            exc.headers.setdefault("X-Request-Id", p.record.request_id)
            outcome = _outcome_of(exc)
            await self._end(p.record, exc.status, outcome, exc.message)
            raise
        except Exception as exc:  # noqa: BLE001 - a failure of labgate's own: still recorded
            log.exception("unhandled error on request %s", p.record.request_id)
            failure = internal_error()
            failure.headers["X-Request-Id"] = p.record.request_id
            await self._end(p.record, 500, "error", f"internal error: {exc.__class__.__name__}")
            raise failure from None
        if not p.record.stream:
            try:
                return await self._complete(p, call)
            finally:
                call.release()
                await self.gate.finish(p, produced=True)
        return self._stream(p, call)

    async def _refuse_input(
        self, p: Prepared, refused: InputRefused
    ) -> dict[str, Any] | AsyncIterator[bytes]:
        """Answer a blocked input with a refusal (no worker is asked, nothing is charged)."""
        assert self.safety is not None
        rec = p.record
        rec.prompt_tokens = 0
        body = self.safety.refusal(p, refused.decision)
        rec.response_text = body["choices"][0]["message"]["content"]
        if rec.kind == "completion":
            body["object"] = "text_completion"
            body["choices"] = [
                {
                    "index": 0,
                    "text": rec.response_text,
                    "finish_reason": "content_filter",
                    "logprobs": None,
                }
            ]
        if rec.label is not None:
            body["labgate_label"] = rec.label
        await self._end(rec, 200, "content_filter", "input blocked by the guardrail")
        if not rec.stream:
            return body
        return self._refusal_stream(p, body)

    async def _refusal_stream(self, p: Prepared, body: dict[str, Any]) -> AsyncIterator[bytes]:
        assert self.safety is not None
        chunk = {
            "id": body["id"],
            "object": "chat.completion.chunk" if p.record.kind == "chat" else "text_completion",
            "created": body["created"],
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "delta": {"role": "assistant", "content": p.record.response_text},
                    "finish_reason": "content_filter",
                }
                if p.record.kind == "chat"
                else {"index": 0, "text": p.record.response_text, "finish_reason": "content_filter"}
            ],
        }
        yield sse(chunk)
        if p.include_usage:
            yield sse(
                {
                    **{k: chunk[k] for k in ("id", "object", "created", "model")},
                    "choices": [],
                    "usage": usage_block(p.record),
                }
            )
        yield SSE_DONE

    async def _complete(self, p: Prepared, call: UpstreamCall) -> dict[str, Any]:
        body: dict[str, Any] = dict(call.body or {})
        rec = p.record
        rec.first_token_at = time.perf_counter()
        think = p.model.reasoning.format == "think_tags" and rec.kind == "chat"
        reasoning_parts: list[str] = []
        content_parts: list[str] = []
        for choice in body.get("choices") or ():
            if rec.kind == "chat":
                msg = choice.get("message") or {}
                content = msg.get("content") or ""
                reasoning = msg.pop("reasoning_content", None) or msg.pop("reasoning", None) or ""
                # only a leading <think> splits a whole answer: without one the text is content
                if think and content and OPEN_TAG in content:
                    extra_reasoning, content = split_reasoning(content)
                    reasoning += extra_reasoning
                    msg["content"] = content
                if reasoning:
                    reasoning_parts.append(reasoning)
                    if p.show_reasoning:
                        msg["reasoning_content"] = reasoning
                # an answer given as tool calls is in their arguments: screened and recorded
                content_parts.append(with_calls(content, tool_calls_text(msg)))
            else:
                content_parts.append(choice.get("text") or "")
        rec.reasoning_text = "".join(reasoning_parts)
        rec.response_text = "".join(content_parts)
        usage = body.get("usage") or {}
        take_usage(rec, usage, p.model.weights, len(rec.reasoning_text), len(rec.response_text))
        _hold_to_cap(p)
        body["usage"] = usage_block(rec)
        body["model"] = p.model.name
        body.setdefault("object", "chat.completion" if rec.kind == "chat" else "text_completion")
        if rec.label is not None:
            body["labgate_label"] = rec.label
        if self.safety is not None:
            decision = await self.safety.check_output(p)
            if decision.blocked:
                usage = body["usage"]
                body = self.safety.refusal(p, decision)
                body["usage"] = usage  # what the worker produced is still charged
                if rec.label is not None:
                    body["labgate_label"] = rec.label
                await self._settle_and_end(
                    p, call, "content_filter", "answer blocked by the guardrail"
                )
                return body
        await self._settle_and_end(p, call, "ok")
        return body

    async def _settle_and_end(
        self, p: Prepared, call: UpstreamCall, outcome: str, error: str | None = None
    ) -> None:
        """End a plain answer: its audit record is queued first, and the settlement (the
        gate's exactly-once ``finish``: the fair-share slot, and the budget, a Redis or
        database round trip) runs while the record commits. The observers (metrics, usage
        rows) run after the answer is sent (``p.after_answer``): the client need not wait."""
        call.release()
        await self._end(p.record, 200, outcome, error, settle=p)

    async def _stream(self, p: Prepared, call: UpstreamCall) -> AsyncIterator[bytes]:
        rec = p.record
        rw = StreamRewriter(p)
        screener = self.safety.stream_screener(p) if self.safety is not None else None
        last_sent = time.perf_counter()
        error: str | None = None
        try:
            async for payload in call.events():
                obj = orjson.loads(payload)
                if not isinstance(obj, dict):
                    continue
                if "error" in obj:
                    raise StreamBroken(str(obj["error"]))
                out, produced = rw.rewrite(obj)
                if rw.overran:
                    break  # the worker went past the reservation: cut here (rw.cut_chunk)
                if screener is not None:
                    # screened before it is sent: a violation never reaches the client
                    for channel, text in produced:
                        await screener.feed(text, channel)
                    if screener.blocked:
                        break
                now = time.perf_counter()
                if out is not None:
                    last_sent = now
                    yield sse(out)
                elif now - last_sent > _KEEPALIVE_EVERY_S:
                    last_sent = now
                    yield b": reasoning\n\n"
            if rw.unfinished and not rw.overran and not (screener is not None and screener.blocked):
                # [DONE] without a finish_reason: the worker cut the answer short (as
                # llama-cpp-python's server does when another request waits), so the client
                # must not take it for a whole answer
                call.pool.record_failure(call.worker, "stream ended without a finish_reason")
                raise StreamBroken("the worker ended its stream before the answer was finished")
            if screener is not None and not screener.blocked:
                await screener.finish()
        except StreamBroken as exc:
            error = f"stream broken: {exc}"
        except Exception as exc:  # noqa: BLE001 - a malformed chunk is the worker's failure
            call.pool.record_failure(call.worker, f"bad stream chunk: {exc!r}")
            error = f"the worker sent a chunk labgate could not read: {exc.__class__.__name__}"
        except BaseException:
            # The client went away (task cancelled, or the generator closed): stop the worker's
            # work by closing its connection, and still account for what was produced.
            call.abort()
            self._collect(p, rw)
            await asyncio.shield(self.gate.finish(p, produced=True))
            await asyncio.shield(self._end(rec, 499, "cancelled", "client disconnected"))
            raise
        filtered = screener is not None and screener.blocked
        if error is not None:
            call.abort(ok=False)  # its failure is recorded: not to be undone as a success
        elif filtered or rw.overran:
            call.abort()  # a blocked or cut answer stops the worker too
        else:
            call.release()
        self._collect(p, rw)
        await self.gate.finish(p, produced=True)
        if error is not None:
            with contextlib.suppress(APIError):
                await self._end(rec, 502, "worker_error", error)
            yield sse(_STREAM_FAILED)
            yield SSE_DONE
            return
        if filtered:
            assert screener is not None and self.safety is not None
            await self.safety.note(p, screener.decision)
            yield sse(self.safety.refusal_chunk(p, screener.decision, rw.completion_id))
        elif rw.overran:
            yield sse(rw.cut_chunk())
        if p.include_usage:
            yield sse(rw.usage_chunk(usage_block(rec)))
        try:
            if filtered:
                await self._end(rec, 200, "content_filter", "the guardrail ended the answer")
            else:
                await self._end(rec, 200, "ok")
        except APIError as exc:
            yield sse(exc.to_payload())
        yield SSE_DONE

    @staticmethod
    def _collect(p: Prepared, rw: StreamRewriter) -> None:
        rec = p.record
        rec.reasoning_text = "".join(rw.reasoning_parts)
        rec.response_text = with_calls("".join(rw.content_parts), rw.tool_calls_text)
        take_usage(rec, rw.worker_usage, p.model.weights, 0, 0, counted=True)
        _hold_to_cap(p)

    async def _end(
        self,
        rec: RequestRecord,
        status: int,
        outcome: str,
        error: str | None = None,
        *,
        settle: Prepared | None = None,
    ) -> None:
        """The request ended: record it and tell the observers. The record keepers (the audit
        log) must commit before the answer completes; if they fail, the answer is withheld
        (503). Their records are queued first, and ``settle``'s usage is settled while they
        commit. With ``settle`` (a plain answer), the observers are left to
        ``settle.after_answer``, which the API layer runs once the answer is sent."""
        rec.status, rec.outcome, rec.error = status, outcome, error
        rec.finished = time.perf_counter()
        commits: list[Awaitable[object]] = []
        try:
            commits = [keeper.begin(rec) for keeper in self.record_keepers]
        except Exception:  # noqa: BLE001 - any failure means "not recorded"
            self._not_recorded(rec)
        try:
            if settle is not None:
                await self.gate.finish(settle, produced=True)
        finally:
            for commit in commits:
                try:
                    await commit
                except Exception:  # noqa: BLE001 - any failure means "not recorded"
                    self._not_recorded(rec)
        # after the commit: the observers see the request's true end
        if settle is not None:
            # a partial, not a lambda: Starlette runs a background callable that is not a
            # coroutine function in a thread
            settle.after_answer = functools.partial(self._observe, rec)
        else:
            await self._observe(rec)

    async def _observe(self, rec: RequestRecord) -> None:
        for observer in self.observers:
            try:
                await observer.finish(rec)
            except Exception:  # noqa: BLE001 - an observer must never break an answer
                log.exception("request observer %r failed", observer)

    @staticmethod
    def _not_recorded(rec: RequestRecord) -> NoReturn:
        log.exception("could not record request %s", rec.request_id)
        raise unavailable(
            "labgate could not record this request in its audit log, so the answer is "
            "withheld; try again shortly",
            retry_after_s=5,
            code="audit_unavailable",
        ) from None

    async def record_refusal(
        self,
        principal: Principal | None,
        kind: str,
        model: str | None,
        exc: APIError,
        stream: bool = False,
    ) -> None:
        """Record a request refused before it reached the request path (bad key, bad body)."""
        who = principal or Principal(user_id="(unauthenticated)", auth_method="none")
        rec = RequestRecord(kind, who, model or "(none)", stream)
        exc.headers.setdefault("X-Request-Id", rec.request_id)
        await self._end(rec, exc.status, "refused", exc.message)


# 503s the gateway gives itself, before any worker is asked: not the worker's failure
_GATEWAY_UNAVAILABLE = frozenset(
    {"model_starting", "audit_unavailable", "quota_unavailable", "labels_unavailable"}
)


def _outcome_of(exc: APIError) -> str:
    """The record's outcome for a request refused or failed before its answer began."""
    if exc.code == "queue_timeout":
        return "queue_timeout"  # waited its turn too long; the workers were busy, not broken
    if exc.code in _GATEWAY_UNAVAILABLE:
        return "unavailable"
    return "worker_error" if exc.status >= 500 else "refused"


def _worker_rejection(exc: UpstreamError) -> APIError:
    message = None
    error = exc.payload.get("error") if exc.payload else None
    if isinstance(error, dict):
        message = error.get("message")
    elif exc.payload and isinstance(exc.payload.get("detail"), str):
        message = exc.payload["detail"]
    status = exc.status if exc.status in (400, 404, 413, 422) else 400
    text = str(message or exc.text or "the worker rejected the request")[:500]
    return APIError(
        status if status != 422 else 400,
        f"the model worker rejected the request: {text}",
        code="upstream_rejected",
    )


def _hold_to_cap(p: Prepared) -> None:
    """A worker's usage figures above what the reservation pays for (``n`` answers of
    ``max_tokens``): the worker overran, and the request is counted and charged the cap."""
    rec = p.record
    cap = output_cap(p.payload)
    over = rec.completion_tokens + rec.reasoning_tokens - cap
    if cap <= 0 or over <= 0:
        return
    log.warning("request %s: the worker produced %d tokens past max_tokens", rec.request_id, over)
    cut = min(over, rec.completion_tokens)
    rec.completion_tokens -= cut
    rec.reasoning_tokens -= over - cut
    w = p.model.weights
    rec.weighted_tokens = (
        w.input * rec.prompt_tokens
        + w.output * rec.completion_tokens
        + w.reasoning * rec.reasoning_tokens
    )
