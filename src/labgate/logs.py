"""What an operator reads: a quiet start, one access line per model request, a shutdown line.

* ``configure(level, fmt)`` sets up the root logger once, as text (``time LEVEL logger:
  message``) or JSON lines (``{"ts", "level", "logger", "msg", ...extra fields}``), and keeps
  libraries' routine chatter (Alembic's one line per migration, transformers' notices) out of
  the log unless the level is ``debug``. Its handler writes the lines the event loop's thread
  logs below WARNING at the end of the loop's current step, together (:class:`StepHandler`):
  one write for the access lines of every request that ended in that step, not one each.
  ``lean_records()`` (``labgate serve``) stops the logging module from looking up, for every
  record, the caller's file and line, the thread and the process, which no line prints.
* :class:`AccessLog` is a request observer: when a model request ends it writes one line on
  the ``labgate.access`` logger with the request id, user, project, model, label, status,
  outcome, tokens and time. Never a prompt, an answer or a key: those stay in the audit log's
  digests and encrypted transcripts.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from typing import Any, TextIO

import orjson

from labgate.gateway.record import RequestRecord

ACCESS = logging.getLogger("labgate.access")

# libraries whose INFO lines say nothing an operator acts on (shown again at debug)
_QUIET = ("alembic", "transformers", "sentence_transformers", "torch", "httpx", "aiohttp.access")

_ACCESS_FIELDS = (
    "request_id", "user", "lab", "project", "model", "label", "status", "outcome",
    "prompt_tokens", "completion_tokens", "ms", "stream",
)


class _Formatter(logging.Formatter):
    """``formatTime`` with its ``strftime`` done once a second, not once a line."""

    _second: tuple[int, str | None] | None = None
    _text = ""

    def formatTime(  # noqa: N802 - logging's name
        self, record: logging.LogRecord, datefmt: str | None = None
    ) -> str:
        return self._stamp(record.created, record.msecs, datefmt)

    def _stamp(self, created: float, msecs: float, datefmt: str | None) -> str:
        key = (int(created), datefmt)
        if key != self._second:
            when = self.converter(created)
            self._second, self._text = key, time.strftime(datefmt or "%Y-%m-%d %H:%M:%S", when)
        if datefmt:
            return self._text
        return f"{self._text},{int(msecs):03d}"


class TextFormatter(_Formatter):
    """``time LEVEL logger: message``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def info_line(self, name: str, message: str, created: float, msecs: float, _: Any) -> str:
        """What :meth:`format` gives for an INFO record of ``name`` with no exception."""
        return f"{self._stamp(created, msecs, None)} INFO {name}: {message}"


class JsonFormatter(_Formatter):
    """One JSON object a line; an access line's fields are top-level keys."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(out).decode()

    def info_line(
        self, name: str, message: str, created: float, msecs: float, fields: dict[str, Any]
    ) -> str:
        """What :meth:`format` gives for an INFO record of ``name`` with ``fields`` and no
        exception."""
        out: dict[str, Any] = {
            "ts": self._stamp(created, msecs, "%Y-%m-%dT%H:%M:%S") + f".{int(msecs):03d}Z",
            "level": "info",
            "logger": name,
            "msg": message,
        }
        out.update(fields)
        return orjson.dumps(out).decode()


class StepHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that writes the lines an event loop's thread logs during one step of
    the loop together, at the step's end (``call_soon``): under load, the access lines of many
    requests in one write. A line of WARNING or above, a line from a thread without a running
    loop, :meth:`flush` and closing write at once, after the lines held, so the order is kept
    and nothing is left behind at exit."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self._held: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + self.terminator
            if record.levelno < logging.WARNING:
                try:
                    loop = asyncio.get_running_loop()
                except RuntimeError:
                    pass
                else:
                    if not self._held:
                        loop.call_soon(self._step_ended)
                    self._held.append(line)
                    return
            if self._held:
                line = "".join(self._held) + line
                self._held = []
            self.stream.write(line)
            super().flush()
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 - logging's own rule: a log line never raises
            self.handleError(record)

    def hold(self, line: str) -> None:
        """Keep ``line`` (formatted, with its terminator) for the end of the loop's step, as
        :meth:`emit` keeps a line below WARNING logged on the loop's thread; the caller is on
        that thread, inside the loop."""
        self.acquire()
        try:
            if not self._held:
                asyncio.get_running_loop().call_soon(self._step_ended)
            self._held.append(line)
        finally:
            self.release()

    def _step_ended(self) -> None:
        self.acquire()
        try:
            self._write_held()
        finally:
            self.release()

    def _write_held(self) -> None:
        if self._held:
            text = "".join(self._held)
            self._held = []
            try:
                self.stream.write(text)
                super().flush()
            except Exception:  # noqa: BLE001 - as emit: never raises
                pass

    def flush(self) -> None:
        self.acquire()
        try:
            self._write_held()
        finally:
            self.release()
        super().flush()


_OWN_FORMATTERS = (TextFormatter, JsonFormatter)


def lean_records() -> None:
    """Records without the caller's file and line, the thread's and the process's names: no
    line labgate writes prints them, and looking them up (a walk of the stack, ``getpid``)
    was a measurable part of an access line's cost."""
    logging._srcfile = None  # type: ignore[attr-defined]  # the documented switch
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def configure(level: str = "info", fmt: str = "text") -> None:
    """Set up logging for ``labgate serve``: ``fmt`` is ``"text"`` or ``"json"``."""
    handler = StepHandler(sys.stderr)
    if fmt == "json":
        formatter: logging.Formatter = JsonFormatter()
        formatter.converter = time.gmtime
    else:
        formatter = TextFormatter()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    quiet = level.lower() != "debug"
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING if quiet else logging.NOTSET)
    logging.getLogger("transformers").setLevel(
        logging.ERROR if level.lower() != "debug" else logging.DEBUG
    )


def access_fields(rec: RequestRecord) -> dict[str, Any]:
    p = rec.principal
    return {
        "request_id": rec.request_id,
        "user": p.user_id,
        "lab": p.lab,
        "project": p.project,
        "model": rec.model,
        "label": rec.label,
        "status": rec.status,
        "outcome": rec.outcome,
        "prompt_tokens": rec.prompt_tokens,
        "completion_tokens": rec.completion_tokens,
        "ms": round(rec.duration_s * 1000, 1),
        "stream": rec.stream,
    }


def _access_text(f: dict[str, Any]) -> str:
    """The access line's text: ``name=value`` for each of ``_ACCESS_FIELDS``, in order (one
    f-string: half the cost of joining one per field)."""
    return (
        f"request_id={f['request_id']} user={f['user']} lab={f['lab']} "
        f"project={f['project']} model={f['model']} label={f['label']} status={f['status']} "
        f"outcome={f['outcome']} prompt_tokens={f['prompt_tokens']} "
        f"completion_tokens={f['completion_tokens']} ms={f['ms']} stream={f['stream']}"
    )


def _access_text_of(rec: RequestRecord) -> str:
    """What ``_access_text(access_fields(rec))`` gives, read from the record itself: the text
    formatter prints no fields, so the dict of them is made only for the JSON formatter and
    for other handlers (a test compares the two)."""
    p = rec.principal
    return (
        f"request_id={rec.request_id} user={p.user_id} lab={p.lab} "
        f"project={p.project} model={rec.model} label={rec.label} status={rec.status} "
        f"outcome={rec.outcome} prompt_tokens={rec.prompt_tokens} "
        f"completion_tokens={rec.completion_tokens} ms={round(rec.duration_s * 1000, 1)} "
        f"stream={rec.stream}"
    )


def _sole_step_handler() -> StepHandler | None:
    """The handler an access line goes to, when it is the only one, is labgate's own
    :class:`StepHandler` with labgate's own formatter, and no filter would see the record
    (``labgate serve``'s logging, as :func:`configure` sets it up); None otherwise (a test's
    capture handler, an operator's own handler or filter: the line then goes through the
    logging module as any other)."""
    if ACCESS.filters:
        return None
    found: logging.Handler | None = None
    logger: logging.Logger | None = ACCESS
    while logger is not None:
        for handler in logger.handlers:
            if found is not None:
                return None
            found = handler
        if not logger.propagate:
            break
        logger = logger.parent
    if (
        type(found) is not StepHandler
        or found.filters
        or found.level > logging.INFO
        or type(found.formatter) not in _OWN_FORMATTERS
    ):
        return None
    return found


class AccessLog:
    """The request observer that writes the access line (``[server] access_log``).

    Under ``labgate serve``'s own logging the line is formatted as the logging module would
    and handed to the handler directly (:func:`_sole_step_handler`): the same line, in the
    same order with the others, at about a fifth of the cost (a record, the logger's and the
    handler's calls and the formatter's look-ups were 7.7 µs of every request)."""

    async def finish(self, rec: RequestRecord) -> None:
        if not ACCESS.isEnabledFor(logging.INFO):
            return
        handler = _sole_step_handler()
        if handler is not None:
            created = time.time()  # as the logging module's record takes it
            msecs = int((created - int(created)) * 1000) + 0.0
            formatter: Any = handler.formatter
            if type(formatter) is TextFormatter:  # the text line needs no dict of the fields
                line = formatter.info_line(ACCESS.name, _access_text_of(rec), created, msecs, None)
            else:
                fields = access_fields(rec)
                text = _access_text(fields)
                line = formatter.info_line(ACCESS.name, text, created, msecs, fields)
            handler.hold(line + handler.terminator)
            return
        fields = access_fields(rec)
        ACCESS.info(_access_text(fields), extra={"fields": fields})
