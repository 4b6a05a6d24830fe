"""What an operator reads: a quiet start, one access line per model request, a shutdown line.

* ``configure(level, fmt)`` sets up the root logger once, as text (``time LEVEL logger:
  message``) or JSON lines (``{"ts", "level", "logger", "msg", ...extra fields}``), and keeps
  libraries' routine chatter (Alembic's one line per migration, transformers' notices) out of
  the log unless the level is ``debug``.
* :class:`AccessLog` is a request observer: when a model request ends it writes one line on
  the ``labgate.access`` logger with the request id, user, project, model, label, status,
  outcome, tokens and time. Never a prompt, an answer or a key: those stay in the audit log's
  digests and encrypted transcripts.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import orjson

from labgate.gateway.record import RequestRecord

ACCESS = logging.getLogger("labgate.access")

# libraries whose INFO lines say nothing an operator acts on (shown again at debug)
_QUIET = ("alembic", "transformers", "sentence_transformers", "torch", "httpx", "aiohttp.access")

_ACCESS_FIELDS = (
    "request_id", "user", "lab", "project", "model", "label", "status", "outcome",
    "prompt_tokens", "completion_tokens", "ms", "stream",
)


class JsonFormatter(logging.Formatter):
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


def configure(level: str = "info", fmt: str = "text") -> None:
    """Set up logging for ``labgate serve``: ``fmt`` is ``"text"`` or ``"json"``."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        formatter: logging.Formatter = JsonFormatter()
        formatter.converter = __import__("time").gmtime
    else:
        formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
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


class AccessLog:
    """The request observer that writes the access line (``[server] access_log``)."""

    async def finish(self, rec: RequestRecord) -> None:
        if not ACCESS.isEnabledFor(logging.INFO):
            return
        fields = access_fields(rec)
        text = " ".join(f"{k}={fields[k]}" for k in _ACCESS_FIELDS)
        ACCESS.info(text, extra={"fields": fields})
