"""A request ready for admission and dispatch, and how one is built from a client's request.

:class:`Preparer` resolves the model the client named, bounds ``max_tokens``, turns
``reasoning_effort`` into the worker's reasoning budget, asks for usage in streams, and starts
the request's record; the completion service then admits, dispatches and records it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from labgate.access.answers import MIN_OTHER_TURN_CHARS, text_digests
from labgate.access.decision import LABEL_FIELD
from labgate.access.policy import AccessPolicy
from labgate.api.errors import APIError, not_found
from labgate.api.schemas import ChatCompletionRequest, CompletionRequest, worker_payload
from labgate.config import ModelConfig, PolicyConfig
from labgate.gateway.record import RequestRecord
from labgate.identity.principal import Principal, Role
from labgate.quota import Admission
from labgate.reasoning import engine_effort, reasoning_budget
from labgate.scheduler import RequestClass, Ticket
from labgate.visible import (
    DEFINITIONS_ROLE,
    DOCUMENT_ROLE,
    definition_prose,
    definitions_text,
    document_texts,
    message_text,
)

_DEFINITION_FIELDS = frozenset({"tools", "functions", "response_format", "documents"})


@dataclass(slots=True)
class Prepared:
    """A request ready for dispatch."""

    record: RequestRecord
    model: ModelConfig
    payload: dict[str, Any]
    path: str
    affinity_key: str | None  # the conversation's opening (the router digests it if it must)
    show_reasoning: bool
    include_usage: bool
    request_class: RequestClass = RequestClass.INTERACTIVE
    ticket: Ticket | None = None
    quota: Admission | None = None
    label_header: str | None = None
    messages: int = 1
    wait_s: float = 0.0  # X-Labgate-Wait: how long the client will wait for a cold model
    label: Any = None  # the request's Label once access control decided it
    # the labels the client gave earlier turns (messages[i].labgate_label), by message index
    message_labels: tuple[tuple[int, Any], ...] = ()
    # digests of the turns' texts: a recorded answer's label binds to them (access.answers)
    answer_digests: tuple[str, ...] = ()
    definitions: str = ""  # the tools and schemas offered to the model, as text (visible.py)
    definition_prose: tuple[str, ...] = ()  # their prose fields, each alone (visible.py)
    documents: tuple[str, ...] = ()  # the retrieval documents given to the model (visible.py)
    # a plain answer's remaining work (metrics, usage rows), run once the answer is sent
    after_answer: Callable[[], Awaitable[None]] | None = None


class Preparer:
    """Builds :class:`Prepared` requests from validated chat and text completion requests."""

    def __init__(
        self, models: dict[str, ModelConfig], policy: PolicyConfig, affinity_prefix_chars: int
    ) -> None:
        self.models = models
        self.policy = policy
        self.affinity_prefix_chars = affinity_prefix_chars
        self.access: AccessPolicy | None = None  # the gateway's label policy (hidden models)

    def resolve(
        self,
        name: str,
        principal: Principal | None = None,
        allows: Callable[[str], bool] | None = None,
    ) -> ModelConfig:
        """The model ``name`` names. With ``principal``: only a model whose accreditation their
        clearance dominates and (``allows``) their project allows; any other answers exactly as
        a name that is not configured, before any other check (it is not listed to them either:
        a model's name is no business of someone not cleared for what it processes)."""
        model = self.models.get(name)
        if model is not None and principal is not None:
            if self.access is not None and not self.access.sees_model(principal, model.name):
                model = None
            elif allows is not None and not allows(model.name):
                model = None
        if model is None:
            raise missing_model(name)
        return model

    def _max_tokens(self, model: ModelConfig, requested: int | None, param: str) -> int:
        if requested is not None and requested > model.max_output_tokens:
            raise APIError(
                400,
                f"{param} is {requested}, above this model's limit of {model.max_output_tokens}; "
                "ask for fewer tokens",
                code="invalid_value",
                param=param,
            )
        return requested or model.default_max_tokens or model.max_output_tokens

    def _show_reasoning(self, principal: Principal, header: str | None) -> bool:
        if self.policy.show_reasoning_to_users:
            return True
        wants = (header or "").lower() in ("1", "true", "yes")
        return wants and principal.has_role(Role.PLATFORM_ADMIN, Role.AUDITOR)

    def chat(
        self,
        principal: Principal,
        req: ChatCompletionRequest,
        show_header: str | None = None,
        allows: Callable[[str], bool] | None = None,
    ) -> Prepared:
        model = _generating(self.resolve(req.model, principal, allows))
        param = "max_completion_tokens" if req.max_completion_tokens else "max_tokens"
        max_tokens = self._max_tokens(model, req.requested_max_tokens, param)
        payload = worker_payload(req)
        payload.pop("max_completion_tokens", None)  # sent on as max_tokens
        payload["model"] = model.worker_model_name
        payload["max_tokens"] = max_tokens
        rcfg = model.reasoning
        payload.pop("reasoning_effort", None)
        if rcfg.format != "none":
            budget = reasoning_budget(rcfg, req.reasoning_effort)
            if rcfg.budget_field and budget is not None:
                payload[rcfg.budget_field] = budget
            if rcfg.forward_effort:
                payload["reasoning_effort"] = engine_effort(
                    req.reasoning_effort or rcfg.default_effort
                )
        include_usage = bool(req.stream_options and req.stream_options.include_usage)
        if req.stream:
            payload["stream_options"] = {"include_usage": True}
        message_labels = _take_message_labels(payload["messages"])
        # what the model reads (labgate.visible): screened, recorded, and counted as prompt
        lines = [f"{m['role']}: {message_text(m)}" for m in payload["messages"]]
        definitions = ""
        documents: tuple[str, ...] = ()
        if not _DEFINITION_FIELDS.isdisjoint(payload):
            definitions, documents = definitions_text(payload), tuple(document_texts(payload))
        lines += [f"{DOCUMENT_ROLE}: {text}" for text in documents]
        if definitions:
            lines.append(f"{DEFINITIONS_ROLE}: {definitions}")
        prompt_text = "\n".join(lines)
        record = RequestRecord("chat", principal, model.name, req.stream, prompt_text=prompt_text)
        record.model_version = model.version
        prepared = Prepared(
            record,
            model,
            payload,
            "/chat/completions",
            self._affinity(req.messages[0].text() if req.messages else ""),
            self._show_reasoning(principal, show_header),
            include_usage,
        )
        prepared.messages = len(req.messages)
        prepared.message_labels = message_labels
        if self._labels_on():
            prepared.answer_digests = answer_digests(payload["messages"], documents)
        prepared.definitions, prepared.documents = definitions, documents
        if definitions:
            prepared.definition_prose = definition_prose(payload)
        return prepared

    def completion(
        self,
        principal: Principal,
        req: CompletionRequest,
        allows: Callable[[str], bool] | None = None,
    ) -> Prepared:
        model = _generating(self.resolve(req.model, principal, allows))
        max_tokens = self._max_tokens(model, req.requested_max_tokens, "max_tokens")
        payload = worker_payload(req)
        payload["model"] = model.worker_model_name
        payload["max_tokens"] = max_tokens
        include_usage = bool(req.stream_options and req.stream_options.include_usage)
        if req.stream:
            payload["stream_options"] = {"include_usage": True}
        prompt_text = req.prompt if isinstance(req.prompt, str) else "\n".join(req.prompt)
        record = RequestRecord(
            "completion", principal, model.name, req.stream, prompt_text=prompt_text
        )
        record.model_version = model.version
        prepared = Prepared(
            record,
            model,
            payload,
            "/completions",
            self._affinity(prompt_text),
            False,
            include_usage,
        )
        # an earlier answer pasted into the prompt keeps its label (access.answers)
        if self._labels_on():
            prepared.answer_digests = input_digests([prompt_text])
        return prepared

    def _labels_on(self) -> bool:
        """Whether labels are on: only then are a request's turns looked up among the labelled
        answers (the gatekeeper's ``answers``, set only then), so only then are their digests
        worth taking (2.6 µs of a one-turn request)."""
        return self.access is not None and self.access.enabled

    def _affinity(self, text: str) -> str | None:
        """The conversation's opening, which the router hashes only when it has replicas to
        choose between (:func:`labgate.router.workers.affinity_digest`)."""
        if not self.affinity_prefix_chars or not text:
            return None
        return text[: self.affinity_prefix_chars]


def _generating(model: ModelConfig) -> ModelConfig:
    """``model``, if it writes text: an embedding model is served on ``/v1/embeddings`` only."""
    if model.kind == "embedding":
        raise APIError(
            400,
            f"{model.name!r} is an embedding model: use POST /v1/embeddings",
            code="model_not_supported",
            param="model",
        )
    return model


def _take_message_labels(messages: list[dict[str, Any]]) -> tuple[tuple[int, Any], ...]:
    """Take each message's ``labgate_label`` (the label of that turn, as the client keeps it:
    the answer's ``labgate_label`` echoed back) out of the payload, so it never reaches a
    worker; access control joins them into the conversation's high-water mark."""
    found = []
    for i, message in enumerate(messages):
        if LABEL_FIELD in message:
            found.append((i, message.pop(LABEL_FIELD)))
    return tuple(found)


def answer_digests(
    messages: list[dict[str, Any]], documents: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """The digests of every turn's text (and each long paragraph of it) and of the retrieval
    documents, as the gateway keeps its labelled answers (:func:`text_digests`): an answer
    resent as an assistant turn, pasted into a user turn or a document, is found again."""
    out: list[str] = []
    for message in messages:
        text = message_text(message)
        if text:
            assistant = message.get("role") == "assistant"
            out += text_digests(text, whole_min=1 if assistant else MIN_OTHER_TURN_CHARS)
    for text in documents:
        out += text_digests(text, whole_min=MIN_OTHER_TURN_CHARS)
    return tuple(dict.fromkeys(out))


def input_digests(texts: Iterable[str]) -> tuple[str, ...]:
    """For a route that builds its own :class:`Prepared` (embeddings, …): the digests of the
    texts it sends to a model, to set as ``answer_digests`` so an earlier labelled answer among
    them keeps its label (``docs/labels.md``)."""
    out: list[str] = []
    for text in texts:
        out += text_digests(text, whole_min=MIN_OTHER_TURN_CHARS)
    return tuple(dict.fromkeys(out))


def missing_model(name: str) -> APIError:
    """The answer for a model that is not configured, or that the caller may not see."""
    return not_found(
        f"the model {name!r} does not exist; GET /v1/models lists the models you can use",
        code="model_not_found",
        param="model",
    )
