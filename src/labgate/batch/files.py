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
Content is sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the transcript
vault's master key, bound to the file's id, owner and label.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import delete, select

from labgate.access.labels import LabelError
from labgate.api.deps import current_principal
from labgate.api.errors import APIError, forbidden, invalid_request, not_found
from labgate.audit.derived import DerivedCiphers, vault_keyring
from labgate.audit.keyring import NONCE_SIZE, Keyring, KeyringError
from labgate.batch.models import BatchFile
from labgate.identity.principal import Principal

_PURPOSE = b"labgate/batch/file/v1"
ENDPOINTS = ("/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses")
MAX_ERRORS_SHOWN = 20
MAX_CUSTOM_ID = 256


class Sealer:
    """AES-GCM under a key derived per master key for batch files and item results."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring
        self._derived = DerivedCiphers(keyring, _PURPOSE)

    def _cipher(self, key_id: str) -> AESGCM:
        return self._derived.cipher(key_id)

    def seal(self, bound: list[Any], data: bytes) -> tuple[str, bytes]:
        key_id = self.keyring.current.id
        nonce = os.urandom(NONCE_SIZE)
        return key_id, nonce + self._cipher(key_id).encrypt(nonce, data, orjson.dumps(bound))

    def open(self, key_id: str, bound: list[Any], sealed: bytes) -> bytes | None:
        sealed = bytes(sealed)
        try:
            return self._cipher(key_id).decrypt(
                sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], orjson.dumps(bound)
            )
        except (InvalidTag, KeyringError, ValueError):
            return None


def sealer_of(services: Any) -> Sealer:
    sealer = services.extras.get("batch_sealer")
    if sealer is None:
        keyring = vault_keyring(services, "batch files")
        sealer = services.extras["batch_sealer"] = Sealer(keyring)
    return sealer


def _bound(row: BatchFile) -> list[Any]:
    return ["file", row.id, row.owner, row.label]


def open_file(services: Any, row: BatchFile) -> bytes | None:
    return sealer_of(services).open(row.key_id, _bound(row), row.content_sealed)


def new_file(
    services: Any,
    owner: str,
    project: str | None,
    label: str | None,
    purpose: str,
    filename: str,
    data: bytes,
    lines: int,
) -> BatchFile:
    fid = "file-" + uuid.uuid4().hex
    row = BatchFile(
        id=fid,
        owner=owner,
        project=project,
        label=label,
        purpose=purpose,
        filename=filename[:256],
        size=len(data),
        lines=lines,
        created_at=datetime.now(UTC),
        key_id="",
        content_sealed=b"",
    )
    row.key_id, row.content_sealed = sealer_of(services).seal(_bound(row), data)
    return row


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


def validate_lines(data: bytes, max_lines: int) -> list[dict[str, Any]]:
    """Every line of a batch input file, checked: JSON object, ``custom_id`` unique, ``method``
    POST, ``url`` among the served endpoints, ``body`` valid for it. A 400 naming each bad line
    (the first 20) otherwise."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_request(
            "the file is not UTF-8 text", param="file", code="invalid_file"
        ) from None
    items: list[dict[str, Any]] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    raw_lines = text.splitlines()
    for number, line in enumerate(raw_lines, start=1):
        if not line.strip():
            continue
        try:
            # the standard parser keeps integers past 64 bits as they are (orjson would
            # round them to floats), so the range checks below see what the client sent
            item = json.loads(line)
        except (ValueError, RecursionError):
            errors.append(f"line {number}: not valid JSON")
            continue
        if not isinstance(item, dict):
            errors.append(f"line {number}: must be a JSON object")
            continue
        cid = item.get("custom_id")
        if not isinstance(cid, str) or not cid:
            errors.append(f"line {number}: custom_id must be a non-empty string")
        elif len(cid) > MAX_CUSTOM_ID:
            errors.append(f"line {number}: custom_id is longer than {MAX_CUSTOM_ID} characters")
        elif cid in seen:
            errors.append(f"line {number}: custom_id {cid!r} repeats line {seen[cid]}")
        else:
            seen[cid] = number
        if item.get("method") != "POST":
            errors.append(f"line {number}: method must be POST")
        url = item.get("url")
        if url not in ENDPOINTS:
            errors.append(f"line {number}: url {url!r} is not one of {', '.join(ENDPOINTS)}")
        else:
            problem = _body_error(url, item.get("body"))
            if problem:
                errors.append(f"line {number}: {problem}")
        items.append(item)
    if not items and not errors:
        errors.append("the file holds no request lines")
    if len(items) > max_lines:
        errors.append(f"the file holds {len(items)} request lines; at most {max_lines} allowed")
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = len(errors) - len(shown)
        message = "; ".join(shown) + (f"; and {more} more" if more else "")
        raise invalid_request(message, param="file", code="invalid_batch_file")
    return items


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


@router.post("")
async def upload(request: Request, principal: Principal = Depends(current_principal)) -> Any:
    services = request.app.state.services
    cfg = services.settings.batch
    label = upload_label(request, principal)
    sealer_of(services)  # 503 before reading a body it could not keep
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > cfg.max_file_bytes + 64 * 1024:
        raise APIError(413, f"a file is at most {cfg.max_file_bytes} bytes", code="file_too_large")
    try:
        form = await request.form(max_files=1, max_fields=4)
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
        data = await upload_.read(cfg.max_file_bytes + 1)
        filename = upload_.filename or "upload.jsonl"
    finally:
        await form.close()
    if len(data) > cfg.max_file_bytes:
        raise APIError(413, f"a file is at most {cfg.max_file_bytes} bytes", code="file_too_large")
    items = validate_lines(data, cfg.max_lines)
    row = new_file(
        services, principal.user_id, principal.project, label, "batch", filename, data, len(items)
    )
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
    async with request.app.state.services.sessions.begin() as session:
        await session.execute(
            delete(BatchFile).where(BatchFile.id == fid, BatchFile.owner == principal.user_id)
        )
    return {"id": fid, "object": "file", "deleted": True}
