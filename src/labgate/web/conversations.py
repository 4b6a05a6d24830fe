"""Chat conversations kept server-side, per user, encrypted at rest.

The chat page saves each conversation after every answer and lists them beside the chat.

* ``GET    /web/conversations?q=…``  the caller's own conversations, newest first: id, title,
  label, times. ``q`` searches the titles (case-insensitive substring), decrypted in the
  server for their owner only; message texts are not searched.
* ``POST   /web/conversations``       store one ``{"title", "label", "messages"}``: 201 + id
* ``GET    /web/conversations/{id}``  one, with its messages
* ``PUT    /web/conversations/{id}``  replace it (after another answer)
* ``DELETE /web/conversations/{id}``  delete it (its audit records and transcripts stay, under
  the audit log's own retention)

Rules:

* Only the owner sees, changes or deletes a conversation; anyone else gets the same 404 as
  for an id that does not exist.
* A conversation's label is its high-water mark, computed here, never lower than the client
  says: the join of the deployment's default label, the label the page sent, every message's
  ``labgate_label`` and the labels labgate recorded for answers its turns repeat (the same
  digests the chat path uses, :mod:`labgate.access.answers`). Storing one above the owner's
  clearance is refused (403); one whose clearance has since been lowered below its label is no
  longer listed or opened (no read-up, :meth:`AccessPolicy.may_read`).
* Title and messages are sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the
  transcript vault's master key, bound to the conversation id, owner and label (a row moved to
  another user or relabelled in the database no longer opens and is left out).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Index, LargeBinary, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from labgate.access.answers import text_digests
from labgate.access.labels import LabelError
from labgate.api.deps import current_principal
from labgate.api.errors import APIError, forbidden, invalid_request, not_found
from labgate.audit.derived import PurposeSealer, sealer_for
from labgate.audit.models import UTCDateTime
from labgate.identity.principal import Principal
from labgate.store.base import Base

MAX_MESSAGES = 500
MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_TITLE_CHARS = 200
LIST_LIMIT = 200
_PURPOSE = b"labgate/web/conversation/v1"
_ID_PATTERN = r"^[0-9a-f]{32}$"


class WebConversation(Base):
    __tablename__ = "web_conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(256), nullable=False)
    label: Mapped[str | None] = mapped_column(String(256), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    key_id: Mapped[str] = mapped_column(String(64), nullable=False)
    title_sealed: Mapped[bytes] = mapped_column(LargeBinary(), nullable=False)
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary(), nullable=False)

    __table_args__ = (Index("ix_web_conversations_owner", "owner"),)


def _bound(part: str, cid: str, owner: str, label: str | None) -> list[Any]:
    """What a conversation's title or body is bound to: its part, id, owner and label."""
    return [part, cid, owner, label]


def _open(sealer: PurposeSealer, row: WebConversation, part: str) -> bytes | None:
    sealed = row.title_sealed if part == "title" else row.body_sealed
    return sealer.open(row.key_id, _bound(part, row.id, row.owner, row.label), sealed)


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: str = Field(pattern=r"^(user|assistant|system)$")
    content: str = Field(max_length=MAX_BODY_BYTES)
    labgate_label: str | None = Field(default=None, max_length=256)
    reasoning: str | None = Field(default=None, max_length=MAX_BODY_BYTES)


class ConversationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(default="", max_length=MAX_TITLE_CHARS)
    label: str | None = Field(default=None, max_length=256)
    messages: list[Message] = Field(min_length=1, max_length=MAX_MESSAGES)


def _sealer(request: Request) -> PurposeSealer:
    return sealer_for(request.app.state.services, _PURPOSE, "conversations")


def _policy(request: Request) -> Any:
    from labgate.web.routes import access_policy

    return access_policy(request)


async def _conversation_label(
    request: Request, principal: Principal, body: ConversationBody, floor: str | None
) -> str | None:
    """The high-water mark: the join of everything that says how sensitive it is (and of
    ``floor``, the stored conversation's label: a mark never comes down)."""
    policy = _policy(request)
    if not policy.enabled:
        return None
    stated: list[str] = [policy.default_request_label.marking]
    if floor:
        stated.append(floor)
    for i, text in enumerate([body.label, *(m.labgate_label for m in body.messages)]):
        if text is None or not text.strip():
            continue
        try:
            stated.append(policy.parse(text).marking)
        except LabelError as exc:
            raise invalid_request(
                f"{'label' if i == 0 else f'messages[{i - 1}].labgate_label'}: {exc}",
                param="label",
                code="invalid_label",
            ) from None
    answers = getattr(getattr(request.app.state.services, "completions", None), "gate", None)
    answers = getattr(answers, "answers", None)
    if answers is not None:
        digests: list[str] = []
        for m in body.messages:
            digests.extend(text_digests(m.content))
        if digests:
            stated.extend(await answers.labels_for(principal.user_id, digests))
    mark = policy.lub(*stated)
    if not policy.may_read(principal, mark):
        raise forbidden(
            f"this conversation is {mark.marking} work, above your clearance: it cannot be kept",
            code="label_clearance",
        )
    return mark.marking


def _row_json(row: WebConversation, title: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": title,
        "label": row.label,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


router = APIRouter(prefix="/web/conversations", include_in_schema=False)
ConversationId = Annotated[str, Path(pattern=_ID_PATTERN)]


async def _own_row(request: Request, principal: Principal, cid: str) -> WebConversation:
    async with request.app.state.services.sessions() as session:
        row = await session.get(WebConversation, cid)
    if (
        row is None
        or row.owner != principal.user_id
        or not _policy(request).may_read(principal, row.label)
    ):
        raise not_found(f"no conversation {cid!r} of yours", code="conversation_not_found")
    return row


@router.get("")
async def list_conversations(
    request: Request,
    q: Annotated[str | None, Query(max_length=200)] = None,
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    sealer = _sealer(request)
    policy = _policy(request)
    async with request.app.state.services.sessions() as session:
        rows = (
            await session.scalars(
                select(WebConversation)
                .where(WebConversation.owner == principal.user_id)
                .order_by(WebConversation.updated_at.desc())
            )
        ).all()
    needle = (q or "").strip().casefold()
    out = []
    for row in rows:
        if not policy.may_read(principal, row.label):
            continue  # never listed below its label
        raw = _open(sealer, row, "title")
        if raw is None:
            continue  # altered in the database: it does not open
        title = raw.decode("utf-8")
        if needle and needle not in title.casefold():
            continue
        out.append(_row_json(row, title))
        if len(out) >= LIST_LIMIT:
            break
    return {"object": "list", "data": out, "searched": "titles" if needle else None}


async def _store(
    request: Request,
    principal: Principal,
    body: ConversationBody,
    cid: str,
    created: datetime,
    floor: str | None = None,
) -> WebConversation:
    sealer = _sealer(request)
    label = await _conversation_label(request, principal, body, floor)
    data = orjson.dumps([m.model_dump(exclude_none=True) for m in body.messages])
    if len(data) > MAX_BODY_BYTES:
        raise APIError(413, "a conversation is kept up to 4 MB", code="request_too_large")
    title = (body.title or body.messages[0].content).strip().splitlines()[0:1]
    title_text = (title[0] if title else "")[:MAX_TITLE_CHARS] or "(untitled)"
    now = datetime.now(UTC)
    owner = principal.user_id
    key_id, title_sealed = sealer.seal(_bound("title", cid, owner, label), title_text.encode())
    _, body_sealed = sealer.seal(_bound("body", cid, owner, label), data, key_id)  # one key
    return WebConversation(
        id=cid,
        owner=owner,
        label=label,
        created_at=created,
        updated_at=now,
        key_id=key_id,
        title_sealed=title_sealed,
        body_sealed=body_sealed,
    )


@router.post("", status_code=201)
async def create_conversation(
    body: ConversationBody, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    row = await _store(request, principal, body, uuid.uuid4().hex, datetime.now(UTC))
    async with request.app.state.services.sessions.begin() as session:
        session.add(row)
    return _row_json(row, _open(_sealer(request), row, "title").decode())  # type: ignore[union-attr]


@router.get("/{cid}")
async def get_conversation(
    cid: ConversationId, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    row = await _own_row(request, principal, cid)
    sealer = _sealer(request)
    title, data = _open(sealer, row, "title"), _open(sealer, row, "body")
    if title is None or data is None:
        raise not_found(f"no conversation {cid!r} of yours", code="conversation_not_found")
    return {**_row_json(row, title.decode()), "messages": orjson.loads(data)}


@router.put("/{cid}")
async def replace_conversation(
    cid: ConversationId,
    body: ConversationBody,
    request: Request,
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    old = await _own_row(request, principal, cid)
    row = await _store(request, principal, body, cid, old.created_at, floor=old.label)
    async with request.app.state.services.sessions.begin() as session:
        await session.merge(row)
    return _row_json(row, _open(_sealer(request), row, "title").decode())  # type: ignore[union-attr]


@router.delete("/{cid}")
async def delete_conversation(
    cid: ConversationId, request: Request, principal: Principal = Depends(current_principal)
) -> Response:
    await _own_row(request, principal, cid)
    async with request.app.state.services.sessions.begin() as session:
        await session.execute(
            delete(WebConversation).where(
                WebConversation.id == cid, WebConversation.owner == principal.user_id
            )
        )
    return Response(status_code=204)
