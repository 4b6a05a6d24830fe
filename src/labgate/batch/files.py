"""``/v1/files``: JSONL request files for batches, sealed at rest, owner- and label-bound.

* ``POST   /v1/files``               multipart ``file`` + ``purpose=batch``: every line checked now
* ``GET    /v1/files``               the caller's own files (those their clearance dominates)
* ``GET    /v1/files/{id}``          one
* ``GET    /v1/files/{id}/content``  its bytes
* ``DELETE /v1/files/{id}``          delete it

A file belongs to the caller who uploaded it (and carries their project) and is labelled at the
label it was uploaded at (``X-Labgate-Label``, else the deployment's default request label),
which must be within the caller's clearance. Only its owner reads it, and only while their
clearance dominates its label; anyone else gets the 404 of a file that does not exist.
Content is sealed at rest in chunks (:mod:`labgate.batch.sealed`); this module holds the
routes and the checks of every line.
"""

from __future__ import annotations

import asyncio
import json
from typing import IO, Any

import orjson
from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import delete, select
from starlette.requests import Request as _StarletteRequest

from labgate.access.labels import LabelError
from labgate.api.deps import current_principal
from labgate.api.errors import APIError, forbidden, invalid_request, not_found
from labgate.batch import sealed
from labgate.batch.models import BatchFile
from labgate.batch.sealed import (
    ChunkWriter,
    binding_of,
    file_row,
    lines_with_ends,
    open_file,
    sealer_of,
)
from labgate.identity.principal import Principal

ENDPOINTS = ("/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses")
MAX_ERRORS_SHOWN = 20
MAX_CUSTOM_ID = 256
def access_policy(request: Request) -> Any:
    from labgate.web.routes import access_policy as policy

    return policy(request)


def upload_label(request: Request, principal: Principal) -> str | None:
    """The label work is submitted at: ``X-Labgate-Label`` or the default request label; never
    above the caller's clearance."""
    policy = access_policy(request)
    if not policy.enabled:
        return None
    stated = request.headers.get("x-labgate-label")
    try:
        label = policy.parse(stated) if stated else policy.default_request_label
    except LabelError as exc:
        raise invalid_request(
            f"X-Labgate-Label: {exc}", param="X-Labgate-Label", code="invalid_label"
        ) from None
    if not policy.may_read(principal, label):
        raise forbidden(
            f"X-Labgate-Label {label.marking} is above your clearance", code="label_clearance"
        )
    return str(label.marking)


def _check_body(endpoint: str, body: dict[str, Any], raw: bytes) -> None:
    """The endpoint's own checks of a body (what its route checks before any model look-up)."""
    from labgate.api.embeddings_routes import check_body
    from labgate.api.schemas import parse_chat, parse_completion
    from labgate.responses.translate import check_request, normalise_input

    if endpoint == "/v1/embeddings":
        check_body(body)
    elif endpoint == "/v1/responses":
        check_request(body)
        if "input" in body:
            normalise_input(body["input"])
    elif endpoint == "/v1/chat/completions":
        parse_chat(raw)
    else:
        parse_completion(raw)


def _body_error(endpoint: str, body: Any) -> str | None:

    if not isinstance(body, dict):
        return "body must be a JSON object"
    if body.get("stream"):
        return "body.stream must not be true in a batch"
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "body.model is required"
    try:
        raw = orjson.dumps(body)
    except orjson.JSONEncodeError:
        return "body: a number is out of range (integers are at most 64 bits)"
    try:
        _check_body(endpoint, body, raw)
    except APIError as exc:
        return f"body: {exc.message}"
    return None


class LineChecker:
    """Checks a batch input file a line at a time, as it is read: a JSON object,
    ``custom_id`` unique, ``method`` POST, ``url`` among the served endpoints, ``body`` valid
    for it. ``finish`` raises one 400 naming each bad line by number (the first 20)."""

    def __init__(self, max_lines: int) -> None:
        self.max_lines = max_lines
        self.number = 0  # lines read (blank ones too: the numbers are an editor's)
        self.items = 0  # request lines
        self.errors: list[str] = []
        self.more = 0  # errors past the ones kept
        self._seen: dict[str, int] = {}

    def _error(self, text: str) -> None:
        if len(self.errors) < MAX_ERRORS_SHOWN:
            self.errors.append(text)
        else:
            self.more += 1

    def feed(self, raw: bytes) -> bool:
        """One line (its newline may be on it); whether it is a request line (not blank)."""
        self.number += 1
        number = self.number
        if not raw.strip():
            return False
        self.items += 1
        if self.items > self.max_lines:
            if self.items == self.max_lines + 1:
                self._error(f"the file holds more than {self.max_lines} request lines")
            return True
        try:
            # the standard parser keeps integers past 64 bits as they are (orjson would
            # round them to floats), so the range checks below see what the client sent
            item = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            self._error(f"line {number}: not UTF-8 text")
            return True
        except (ValueError, RecursionError):
            self._error(f"line {number}: not valid JSON")
            return True
        try:
            # what POST /v1/batches and the runner read it with: the standard parser also
            # takes NaN, Infinity, 1e400 and unpaired surrogates, which orjson refuses (a line
            # kept with one made creating the batch a 500 and its item fail on every claim)
            orjson.loads(raw)
        except orjson.JSONDecodeError:
            self._error(
                f"line {number}: not valid JSON (NaN, Infinity, a number out of range or an "
                "unpaired surrogate)"
            )
            return True
        if not isinstance(item, dict):
            self._error(f"line {number}: must be a JSON object")
            return True
        cid = item.get("custom_id")
        if not isinstance(cid, str) or not cid:
            self._error(f"line {number}: custom_id must be a non-empty string")
        elif len(cid) > MAX_CUSTOM_ID:
            self._error(f"line {number}: custom_id is longer than {MAX_CUSTOM_ID} characters")
        elif cid in self._seen:
            self._error(f"line {number}: custom_id {cid!r} repeats line {self._seen[cid]}")
        else:
            self._seen[cid] = number
        if item.get("method") != "POST":
            self._error(f"line {number}: method must be POST")
        url = item.get("url")
        if url not in ENDPOINTS:
            self._error(f"line {number}: url {url!r} is not one of {', '.join(ENDPOINTS)}")
        else:
            problem = _body_error(url, item.get("body"))
            if problem:
                self._error(f"line {number}: {problem}")
        return True

    def finish(self) -> None:
        if not self.items and not self.errors:
            self._error("the file holds no request lines")
        if self.errors:
            more = f"; and {self.more} more" if self.more else ""
            raise invalid_request(
                "; ".join(self.errors) + more, param="file", code="invalid_batch_file"
            )


def validate_lines(data: bytes, max_lines: int) -> int:
    """Every line of ``data`` checked (:class:`LineChecker`); the number of request lines."""
    checker = LineChecker(max_lines)
    for raw in lines_with_ends(data):
        checker.feed(raw)
    checker.finish()
    return checker.items


def check_and_seal(services: Any, row: BatchFile, source: IO[bytes], max_lines: int) -> None:
    """Read an uploaded file a line at a time (never whole), check each line and seal it into
    chunks as it goes; fills in the row's content, size and line count, or raises the 400."""
    checker = LineChecker(max_lines)
    writer = ChunkWriter(sealer_of(services), binding_of(row))
    source.seek(0)
    partial = b""
    while True:
        raw = source.readline(sealed.CHUNK_BYTES)
        if not raw:
            break
        if not raw.endswith(b"\n"):  # a line longer than CHUNK_BYTES, or the last one
            partial += raw
            continue
        raw, partial = partial + raw, b""
        writer.add(raw, checker.feed(raw))
    if partial:
        writer.add(partial, checker.feed(partial))
    checker.finish()
    row.key_id, row.content_sealed = writer.finish()
    row.size, row.lines = writer.size, checker.items


def file_json(row: BatchFile) -> dict[str, Any]:
    return {
        "id": row.id,
        "object": "file",
        "bytes": row.size,
        "created_at": int(row.created_at.timestamp()),
        "filename": row.filename,
        "purpose": row.purpose,
        "status": "processed",
        "expires_at": None,
        "status_details": None,
        "labgate_label": row.label,
    }


async def own_file(request: Request, principal: Principal, fid: str) -> BatchFile:
    async with request.app.state.services.sessions() as session:
        row = await session.get(BatchFile, fid)
    if (
        row is None
        or row.owner != principal.user_id
        or not access_policy(request).may_read(principal, row.label)
    ):
        raise not_found(f"No such File object: {fid}", code="file_not_found", param="file_id")
    return row


router = APIRouter(prefix="/v1/files")
_RUNNING = ("validating", "in_progress", "cancelling", "finalizing")  # a batch not yet ended


class _TooLarge(Exception):
    pass


def _counted(request: Request, limit: int) -> Request:
    """``request`` whose body stops with :class:`_TooLarge` once more than ``limit`` bytes have
    come (whatever Content-Length said, or with none: chunked)."""
    receive = request.receive
    total = 0

    async def counted() -> Any:
        nonlocal total
        message = await receive()
        if message.get("type") == "http.request":
            total += len(message.get("body", b""))
            if total > limit:
                raise _TooLarge
        return message

    return _StarletteRequest(request.scope, counted)  # type: ignore[return-value]


def _too_large(limit: int) -> APIError:
    return APIError(413, f"a file is at most {limit} bytes", code="file_too_large")


@router.post("")
async def upload(request: Request, principal: Principal = Depends(current_principal)) -> Any:
    """The body is read as it arrives (the form parser spools the file part to disk past
    1 MiB) and stopped with a 413 once it passes the limit; the file is then checked and
    sealed a line and a chunk at a time in a worker thread, never held whole."""
    services = request.app.state.services
    cfg = services.settings.batch
    label = upload_label(request, principal)
    sealer_of(services)  # 503 before reading a body it could not keep
    limit = cfg.max_file_bytes + 64 * 1024  # the file and the form around it
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise _too_large(cfg.max_file_bytes)
    try:
        form = await _counted(request, limit).form(max_files=1, max_fields=4)
    except _TooLarge:
        raise _too_large(cfg.max_file_bytes) from None
    except Exception:  # noqa: BLE001 - a body that is not multipart form data
        raise invalid_request(
            "upload the file as multipart/form-data with fields file and purpose",
            code="invalid_file",
        ) from None
    try:
        purpose = form.get("purpose")
        upload_ = form.get("file")
        if purpose != "batch":
            raise invalid_request(
                "purpose must be 'batch' (the only purpose labgate keeps files for)",
                param="purpose",
                code="invalid_purpose",
            )
        if upload_ is None or isinstance(upload_, str):
            raise invalid_request("the form has no file", param="file", code="invalid_file")
        if (upload_.size or 0) > cfg.max_file_bytes:
            raise _too_large(cfg.max_file_bytes)
        row = file_row(
            principal.user_id,
            principal.project,
            label,
            "batch",
            upload_.filename or "upload.jsonl",
        )
        await asyncio.to_thread(check_and_seal, services, row, upload_.file, cfg.max_lines)
    finally:
        await form.close()
    if row.size > cfg.max_file_bytes:
        raise _too_large(cfg.max_file_bytes)
    async with services.sessions.begin() as session:
        session.add(row)
    return file_json(row)


@router.get("")
async def list_files(
    request: Request, purpose: str | None = None, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    policy = access_policy(request)
    query = select(BatchFile).where(BatchFile.owner == principal.user_id)
    if purpose:
        query = query.where(BatchFile.purpose == purpose)
    async with request.app.state.services.sessions() as session:
        rows = (await session.scalars(query.order_by(BatchFile.created_at.desc()))).all()
    data = [file_json(r) for r in rows if policy.may_read(principal, r.label)]
    return {"object": "list", "data": data, "has_more": False}


@router.get("/{fid}")
async def retrieve(
    fid: str, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    return file_json(await own_file(request, principal, fid))


@router.get("/{fid}/content")
async def content(
    fid: str, request: Request, principal: Principal = Depends(current_principal)
) -> Response:
    row = await own_file(request, principal, fid)
    data = open_file(request.app.state.services, row)
    if data is None:  # altered or relabelled in the database: it does not open
        raise not_found(f"No such File object: {fid}", code="file_not_found", param="file_id")
    headers = {"X-Labgate-Label": row.label} if row.label else {}
    return Response(data, media_type="application/jsonl", headers=headers)


@router.delete("/{fid}")
async def delete_file(
    fid: str, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    await own_file(request, principal, fid)
    from labgate.batch.models import BatchJob

    async with request.app.state.services.sessions.begin() as session:
        # a running batch reads its input a chunk at a time: deleted under it, its remaining
        # items failed on every claim and the batch never ended
        using = await session.scalar(
            select(BatchJob.id)
            .where(BatchJob.input_file_id == fid, BatchJob.status.in_(_RUNNING))
            .limit(1)
        )
        if using is not None:
            raise APIError(
                409,
                f"file {fid} is the input of batch {using}, which has not ended; cancel it or "
                "wait for it to end, then delete the file",
                code="file_in_use",
                param="file_id",
            )
        await session.execute(
            delete(BatchFile).where(BatchFile.id == fid, BatchFile.owner == principal.user_id)
        )
    return {"id": fid, "object": "file", "deleted": True}
