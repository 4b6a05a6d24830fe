"""The guardrails on the request path: the input before a worker sees it, the reasoning and
answer as they stream, and the final answer.

Every decision goes into the request's record (and so the audit log); flagged and blocked
decisions, and every use of a label's allowance, are also written to the reviewers' list.
A blocked input is answered with a refusal (``finish_reason: "content_filter"``) or a 400
``content_policy_violation``, as the policy's ``input_block_mode`` says; a blocked stream ends
with a refusal chunk; a blocked plain answer is replaced by the refusal.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import logging
import multiprocessing
import pickle
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from labgate.access.policy import AccessPolicy
from labgate.safety.decision import Decision
from labgate.safety.flags import FlagContext, record_decision, should_record
from labgate.safety.responses import input_block_error, refusal_chunk, refusal_completion
from labgate.safety.screen import SafetyScreen
from labgate.safety.stream import StreamScreener

if TYPE_CHECKING:
    from labgate.gateway.prepared import Prepared

log = logging.getLogger("labgate.safety")


class InputRefused(Exception):
    """The input was blocked and the policy answers with a refusal rather than an error."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.category)
        self.decision = decision


T = TypeVar("T")

# Texts longer than this are screened in the screening lane, off the event loop. Stage one's
# preparation (segmenting, decoding, patterns) costs about 20 us a character on the development
# machine (loaded): 1.8 ms for 80 characters, 17 ms for 1,000, 7.8 s for 900 KB, all of it on
# the event loop, where every other request waited for it. A hop to the lane costs 0.14 ms.
INLINE_SCREEN_CHARS = 256
# Segments of a long text embedded per turn on the model's one thread (of the policy's
# max_segments, 48 by default): what a short request's embedding may wait behind.
LANE_EMBED_SLICE = 4


class ScreeningLane:
    """Where long texts are screened: one thread with its own event loop, started on first
    use, running a sibling of the screen (same policy, head and embedding model, whose calls
    share the model's one thread; its own batching queue and judge session, which belong to
    the loop that uses them). The first stage's preparation (segments, decodings, patterns:
    pure Python and regular expressions) runs in a preparer process, spawned on first use, so
    it never holds this process's interpreter; the lane's thread waits for it.

    Bounded: one thread and one preparer process, and one screening in flight per sender: a
    sender's further long texts wait for their own earlier ones, not ahead of other senders'.
    A long text's segments are embedded a few at a time (``LANE_EMBED_SLICE``), so a short
    request's embedding waits for one slice. The work of one screening is bounded by the body
    limit and the policy's ``max_segments``."""

    def __init__(self, screen: SafetyScreen) -> None:
        self._screen = screen
        self._side: SafetyScreen | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._senders: dict[str, tuple[asyncio.Lock, list[int]]] = {}
        self._pool: ProcessPoolExecutor | None = None  # the preparer process, on first use
        self._pool_failed = False
        self.prepared_elsewhere = 0
        self.screened = 0

    @property
    def preparer_failed(self) -> bool:
        return self._pool_failed

    @property
    def busy_senders(self) -> list[str]:
        return list(self._senders)

    def _start(self) -> tuple[asyncio.AbstractEventLoop, SafetyScreen]:
        if self._loop is None or self._side is None:
            self._side = _sibling(self._screen)
            light = _light(self._screen)
            if light is not None:  # the first stage's CPU work, out of this process
                self._side._prepare = functools.partial(  # type: ignore[method-assign]
                    self._prepare_elsewhere, light, self._side._prepare
                )
            loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=loop.run_forever, name="labgate-screening", daemon=True
            )
            self._thread.start()
            self._loop = loop
        return self._loop, self._side

    async def run(self, sender: str, work: Callable[[SafetyScreen], Awaitable[T]]) -> T:
        """``work(screen)`` on the lane, after the sender's earlier long screenings."""
        lock, waiting = self._senders.setdefault(sender, (asyncio.Lock(), [0]))
        waiting[0] += 1
        try:
            async with lock:
                loop, side = self._start()
                future = asyncio.run_coroutine_threadsafe(_awaited(work(side)), loop)
                result = await asyncio.wrap_future(future)
                self.screened += 1
                return result
        finally:
            waiting[0] -= 1
            if not waiting[0]:
                del self._senders[sender]

    def _prepare_elsewhere(
        self,
        light: SafetyScreen,
        here: Callable[[list[str], str], Any],
        texts: list[str],
        direction: str,
    ) -> Any:
        """The screen's own first-stage preparation of ``texts``, run in the preparer process:
        pure Python and regular expressions, which in a thread of this process would hold the
        interpreter for up to ~0.3 s at a time (one pattern scan of a 900 KB text) and so
        stall the event loop. The lane's thread waits for it without holding the interpreter.
        Should the process fail, the work is done here, in the lane's thread."""
        if self._pool is None and not self._pool_failed:
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
        if self._pool is not None:
            try:
                prepared = self._pool.submit(_prepare_in_child, light, texts, direction).result()
                self.prepared_elsewhere += 1
                return prepared
            except Exception as exc:  # noqa: BLE001 - the same work, in the lane's thread
                log.warning("the screening preparer process failed (%r); preparing here", exc)
                self._pool_failed = True
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
        return here(texts, direction)

    async def aclose(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        loop, side, thread = self._loop, self._side, self._thread
        self._loop = self._side = self._thread = None
        if loop is None or thread is None:
            return
        if side is not None and side.judge is not None:
            closing = asyncio.run_coroutine_threadsafe(side.judge.close(), loop)
            try:
                await asyncio.wait_for(asyncio.wrap_future(closing), 5)
            except Exception:  # noqa: BLE001 - closing down: nothing more to do
                log.warning("the screening lane's judge session did not close")
        loop.call_soon_threadsafe(loop.stop)
        await asyncio.to_thread(thread.join, 5)
        if not thread.is_alive():
            loop.close()


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable


def _light(screen: SafetyScreen) -> SafetyScreen | None:
    """The screen without its model, head and judge: what its first stage reads (the policy),
    sent to the preparer process. None if it cannot be sent."""
    light = copy.copy(screen)
    light.embedder = None  # type: ignore[assignment]
    light.head = None  # type: ignore[assignment]
    light.judge = None
    # pickled again with every long screening: not the screen's cache of instruction decisions
    # (up to 256 of them, shared by a shallow copy), which preparing never reads
    light._alone_cache = {}
    try:
        pickle.dumps(light)
    except Exception:  # noqa: BLE001 - then the lane's thread prepares
        log.warning("the screen cannot be sent to a preparer process; preparing in the lane")
        return None
    return light


def _prepare_in_child(light: SafetyScreen, texts: list[str], direction: str) -> Any:
    return light._prepare(texts, direction)


def _sibling(screen: SafetyScreen) -> SafetyScreen:
    """A copy of ``screen`` for another event loop: the same policy, head and model, with
    the loop-bound parts of its own (the embedder's queue of waiting texts and its cache, the
    judge's HTTP session). The model's calls still go to the embedder's one thread."""
    side = copy.copy(screen)
    embedder = copy.copy(screen.embedder)
    embedder._pending = []
    embedder._drainer = None
    # its own cache, of the screen's size, touched only from the lane's thread: a long chat
    # (past INLINE_SCREEN_CHARS: most with a history) resends its earlier turns every time,
    # and without one each turn embedded the whole history again (a five-message chat's
    # screening cost three times the embedding of what was new)
    embedder._cache = OrderedDict()
    whole = embedder.aencode

    async def in_slices(texts: Sequence[str]) -> Any:
        # the model's one thread takes jobs in turn: a long text's segments go a few at a
        # time, so a short request's embedding waits for one slice, not for all of them
        texts = list(texts)
        if len(texts) <= LANE_EMBED_SLICE:
            return await whole(texts)
        parts = [
            await whole(texts[i : i + LANE_EMBED_SLICE])
            for i in range(0, len(texts), LANE_EMBED_SLICE)
        ]
        return np.concatenate(parts)

    embedder.aencode = in_slices  # type: ignore[method-assign]
    side.embedder = embedder
    if screen.judge is not None:
        judge = copy.copy(screen.judge)
        judge._session = None
        judge._own_session = True
        side.judge = judge
    return side


class SafetyGate:
    def __init__(
        self,
        screen: SafetyScreen,
        sessions: async_sessionmaker[AsyncSession],
        access: AccessPolicy | None = None,
    ) -> None:
        self.screen = screen
        self.policy = screen.policy
        self.sessions = sessions
        self.access = access
        self.lane = ScreeningLane(screen)

    async def aclose(self) -> None:
        await self.lane.aclose()

    async def _screened(
        self, p: Prepared, size: int, work: Callable[[SafetyScreen], Awaitable[Decision]]
    ) -> Decision:
        """``work`` on the screen: inline for a short text, in the lane for a long one."""
        if size <= INLINE_SCREEN_CHARS:
            return await work(self.screen)
        return await self.lane.run(p.record.principal.user_id, work)

    def _labels(self, p: Prepared) -> list[str]:
        """Allowances the caller's compartments grant at this request's label (audited)."""
        if self.access is None or p.label is None:
            return []
        allowances = self.access.safety_allowances(p.record.principal, p.label, p.model.name)
        return [a.key for a in allowances]

    async def note(self, p: Prepared, decision: Decision, text: str | None = None) -> None:
        p.record.safety.append(decision.to_audit())
        if should_record(decision):
            try:
                async with self.sessions.begin() as s:
                    await record_decision(
                        s,
                        decision,
                        FlagContext(
                            request_id=p.record.request_id,
                            principal=p.record.principal,
                            model=p.model.name,
                            text=text,
                        ),
                    )
            except Exception:  # noqa: BLE001 - the audit record still carries the decision
                log.exception("could not add request %s to the review list", p.record.request_id)

    async def check_input(self, p: Prepared, messages: Sequence[dict[str, Any]]) -> None:
        """Raise :class:`InputRefused` or a 400 when the input is blocked."""
        labels = self._labels(p)
        decision = await self._screened(
            p,
            len(p.record.prompt_text) + len(p.definitions),
            lambda screen: screen.check_input(
                messages,
                model=p.model.name,
                labels=labels,
                definitions=p.definitions,
                documents=p.documents,
                prose=p.definition_prose,
            ),
        )
        await self.note(p, decision, p.record.prompt_text)
        if decision.blocked:
            if self.policy.input_block_mode == "error":
                raise input_block_error(self.policy, decision, p.record.request_id)
            raise InputRefused(decision)

    def stream_screener(self, p: Prepared) -> StreamScreener:
        return self.screen.stream_screener(model=p.model.name, labels=self._labels(p))

    async def check_output(self, p: Prepared) -> Decision:
        text = "\n".join(t for t in (p.record.reasoning_text, p.record.response_text) if t)
        labels = self._labels(p)
        decision = await self._screened(
            p,
            len(text),
            lambda screen: screen.check_output(text, model=p.model.name, labels=labels),
        )
        await self.note(p, decision, text)
        return decision

    def refusal(self, p: Prepared, decision: Decision) -> dict[str, Any]:
        return refusal_completion(
            self.policy,
            decision,
            model=p.model.name,
            request_id=p.record.request_id,
            prompt_tokens=p.record.prompt_tokens,
        )

    def refusal_chunk(self, p: Prepared, decision: Decision, completion_id: str) -> dict[str, Any]:
        return refusal_chunk(
            self.policy,
            decision,
            model=p.model.name,
            completion_id=completion_id,
            request_id=p.record.request_id,
        )
