"""The model registry over HTTP (``/v1/admin/models…``) and the model cards every user of
the deployment may read (``/v1/model-cards/{model}``).

Who may do what is the service's rule (:class:`labgate.approval.service.ModelRegistry`):
reading the registry: platform administrators, approvers, auditors; submitting: platform
administrators; signing off: approvers (two different people, neither the submitter);
retiring: platform administrators or approvers; recording an evaluation: platform
administrators or approvers (``labgate eval run``). Refusals are OpenAI-shaped.
"""

from __future__ import annotations

import math
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from labgate.api.admin_routes import _TenancyErrorsRoute
from labgate.api.deps import current_principal, require_roles
from labgate.api.errors import APIError
from labgate.approval.service import ModelRegistry
from labgate.approval.wiring import model_registry, reload_gate
from labgate.identity.principal import Principal, Role

router = APIRouter(prefix="/v1/admin/models", tags=["admin"], route_class=_TenancyErrorsRoute)
cards = APIRouter(prefix="/v1/model-cards", tags=["models"], route_class=_TenancyErrorsRoute)

_readers = require_roles(Role.PLATFORM_ADMIN, Role.APPROVER, Role.AUDITOR)
_writers = require_roles(Role.PLATFORM_ADMIN, Role.APPROVER)


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def _registry(request: Request) -> ModelRegistry:
    return model_registry(request.app.state.services)


class SubmitBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=256)
    version: str = Field(min_length=1, max_length=128)
    source: str = Field(min_length=1, max_length=1024)
    engine: str = Field(default="vllm", min_length=1, max_length=32)
    weights_digest: str = Field(min_length=64, max_length=64)
    weight_files: list[dict[str, str]] = Field(default_factory=list, max_length=10000)
    label: str | None = Field(default=None, max_length=256)
    reason: str = Field(default="", max_length=4000)


class SignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deployment: str = Field(min_length=1, max_length=128)
    label: str | None = Field(default=None, max_length=256)
    reason: str = Field(min_length=3, max_length=4000)


class RetireBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=4000)


class EvaluationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evaluation_id: str | None = Field(default=None, max_length=40, pattern=r"^ev_[0-9a-f]+$")
    suites: dict[str, Any] = Field(default_factory=dict)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    settings: dict[str, Any] = Field(default_factory=dict)
    items: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    finished: bool = False

    @field_validator("suites", "settings", "items", "metrics")
    @classmethod
    def _finite(cls, value: dict[str, Any]) -> dict[str, Any]:
        """JSON has no NaN or infinity, but the body parser reads NaN, Infinity and 1e400:
        an infinite metric meets every ``>=`` threshold, breaks the card's plots, and a
        PostgreSQL JSON column refuses it."""
        stack: list[Any] = [value]
        while stack:
            node = stack.pop()
            if isinstance(node, float) and not math.isfinite(node):
                raise ValueError("numbers must be finite (no NaN, Infinity or 1e400)")
            if isinstance(node, dict):
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        return value


@router.get("")
async def list_versions(
    request: Request, name: str | None = None, actor: Principal = Depends(_readers)
) -> Response:
    data = await _registry(request).list_versions(name, actor)
    return _json({"object": "list", "data": data})


@router.post("")
async def submit(
    request: Request, body: SubmitBody, actor: Principal = Depends(_writers)
) -> Response:
    view = await _registry(request).submit(actor, **body.model_dump())
    return _json(view, 201)


@router.get("/{version_id:path}/evaluations/{evaluation_id}")
async def get_evaluation(
    request: Request, version_id: str, evaluation_id: str, actor: Principal = Depends(_writers)
) -> Response:
    registry = _registry(request)
    view = await registry.evaluation(evaluation_id)
    if view["model_version_id"] != await registry.resolve(version_id, actor):
        raise APIError(404, f"no evaluation {evaluation_id!r} of {version_id!r}", code="not_found")
    return _json(view)


# a model's name may hold slashes (``org/model``, as /v1/models serves it): the version
# reference is a path; the longer GET is declared first so it is not read as a reference
@router.get("/{version_id:path}")
async def show(request: Request, version_id: str, actor: Principal = Depends(_readers)) -> Response:
    registry = _registry(request)
    return _json(await registry.show(await registry.resolve(version_id, actor)))


@router.post("/{version_id:path}/approve")
async def approve(
    request: Request, version_id: str, body: SignBody, actor: Principal = Depends(_writers)
) -> Response:
    registry = _registry(request)
    result = await registry.sign_off(
        actor,
        await registry.resolve(version_id, actor),
        deployment=body.deployment,
        label=body.label,
        reason=body.reason,
    )
    await reload_gate(request.app.state.services)
    return _json(result, 200 if result["status"] == "approved" else 202)


@router.post("/{version_id:path}/retire")
async def retire(
    request: Request, version_id: str, body: RetireBody, actor: Principal = Depends(_writers)
) -> Response:
    registry = _registry(request)
    view = await registry.retire(
        actor, await registry.resolve(version_id, actor), reason=body.reason
    )
    await reload_gate(request.app.state.services)
    return _json(view)


@router.post("/{version_id:path}/evaluations")
async def save_evaluation(
    request: Request, version_id: str, body: EvaluationBody, actor: Principal = Depends(_writers)
) -> Response:
    registry = _registry(request)
    view = await registry.save_evaluation(
        actor, await registry.resolve(version_id, actor), **body.model_dump()
    )
    return _json(view)


@cards.get("/{model_id:path}")
async def model_card(
    request: Request,
    model_id: str,
    format: str = "html",
    actor: Principal = Depends(current_principal),
) -> Response:
    """The card of the version this deployment serves for ``model_id``: every caller who may
    use the model may read it (a model they may not use is "not found")."""
    from labgate.api.openai_routes import usable_models
    from labgate.approval.card import render_card

    services = request.app.state.services
    names = {m.name for m in await usable_models(services, actor)}
    gate = services.router.gate
    registry = _registry(request)
    approved = gate.approved.get(model_id, []) if gate is not None else []
    # no read-up: a version labelled above the reader's clearance is not theirs to read, even
    # the newest (the registry's own rule, ModelRegistry.may_see)
    approved = [v for v in approved if registry.may_see(actor, v.name, v.label)]
    if model_id not in names or not approved:
        raise APIError(
            404,
            f"no model card for {model_id!r}: GET /v1/models lists the models you can use",
            code="model_not_found",
        )
    shown = await registry.show(approved[-1].model_version_id)
    html, markdown = render_card(shown, services.settings.approval)
    if format == "md":
        return Response(markdown, media_type="text/markdown; charset=utf-8", headers=_CARD_HEADERS)
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={
            **_CARD_HEADERS,
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        },
    )


# a card is read with the reader's credentials (a key, or the session cookie of a page's new
# tab): it is theirs to read, not a cache's to keep, nor another site's to frame
_CARD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
