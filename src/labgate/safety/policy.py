"""The safety policy: per-category action and thresholds, per-model overrides, allowances.

A deployment writes this once (it is a pydantic model, so it can sit in the TOML config under a
``[safety]`` table). Each category has

* ``action``: what to do when its score reaches ``threshold`` (block, flag for review, allow);
* ``threshold``: the score (0..1) at which ``action`` applies;
* ``review_threshold``: an optional lower score at which the request is only flagged, so the
  uncertain middle is looked at by a person (or the judge) instead of being refused.

Per-model overrides replace any of those fields for one model name. *Allowances* are the hook
for clearance labels: a caller holding a label (for example a compartment ``NUC`` that may
discuss weapons-effects physics) gets a milder action for the categories that label names. Every
use of an allowance is written into the decision, so it is audited.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, model_validator

from labgate.safety.categories import Action, Category


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CategoryRule(_Model):
    """What happens when one category's score is high enough."""

    action: Action
    threshold: float = Field(ge=0.0, le=1.0, description="Score at which `action` applies.")
    review_threshold: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Lower score at which the request is flagged for review (None: never).",
    )

    @model_validator(mode="after")
    def _review_below_threshold(self) -> CategoryRule:
        if self.review_threshold is not None and self.review_threshold > self.threshold:
            raise ValueError("review_threshold must not exceed threshold")
        return self

    def action_for(self, score: float) -> Action | None:
        """The action this rule takes at ``score``, or None when the score is below both bars."""
        if score >= self.threshold:
            return self.action
        if self.review_threshold is not None and score >= self.review_threshold:
            return Action.FLAG
        return None


class RuleOverride(_Model):
    """A partial :class:`CategoryRule`: the fields given replace the deployment's."""

    action: Action | None = None
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    review_threshold: float | None = Field(default=None, ge=0.0, le=1.0)


class ModelOverride(_Model):
    """Per-model changes: turn screening off for a model, or change some categories' rules."""

    enabled: bool | None = None
    categories: dict[Category, RuleOverride] = Field(default_factory=dict)


class Allowance(_Model):
    """A milder action for callers who hold a clearance label or compartment.

    ``categories`` maps each category the label covers to the action that replaces the
    policy's action (usually ``flag`` instead of ``block``, so use stays reviewed).
    """

    label: str = Field(min_length=1, description="Label or compartment, e.g. 'NUC'.")
    categories: dict[Category, Action]
    note: str = ""


class StreamConfig(_Model):
    """How often streamed reasoning and answers are screened, in approximate tokens."""

    every_tokens: int = Field(default=24, ge=1, description="Screen after this many new tokens.")
    window_tokens: int = Field(
        default=96, ge=8, description="Screen the last this-many tokens each time."
    )

    @model_validator(mode="after")
    def _window_covers_stride(self) -> StreamConfig:
        if self.window_tokens <= self.every_tokens:
            raise ValueError("window_tokens must be larger than every_tokens")
        return self

    @property
    def violation_bound(self) -> int:
        """A violating span of at most ``window - every`` tokens is caught at most ``every``
        tokens after it ends; this is the span length that guarantee covers."""
        return self.window_tokens - self.every_tokens


class JudgeConfig(_Model):
    """The optional second stage: an LLM judge with a Llama Guard-style prompt.

    It is asked only when the first stage is unsure: the highest harm score lies in
    ``[band_low, band_high)``.
    """

    enabled: bool = False
    base_url: HttpUrl | None = Field(
        default=None, description="OpenAI-compatible base URL of the worker, ending in /v1."
    )
    model: str = Field(default="", description="Model name to send in the judge request.")
    api_key: SecretStr | None = None
    format: Literal["llama_guard", "llama_guard_native", "json"] = Field(
        default="llama_guard",
        description="llama_guard: labgate's written policy in Llama Guard's prompt format; "
        "llama_guard_native: the message alone, for Llama Guard 3 with its own chat template "
        "and taxonomy; json: policy as system message, JSON verdict (gpt-oss-safeguard).",
    )
    timeout_s: float = Field(default=5.0, gt=0, description="Whole judge call, queueing included.")
    max_tokens: int | None = Field(
        default=None, ge=1, description="Answer budget (default 24, or 512 for json)."
    )
    max_concurrent: int = Field(
        default=8, ge=1, description="Judge calls in flight at once; more wait, up to timeout_s."
    )
    reasoning_effort: str | None = Field(
        default=None, description="Passed to reasoning judges (gpt-oss-safeguard: low/medium)."
    )
    on_failure: Literal["review", "stand"] = Field(
        default="review",
        description="When the judge gives no verdict: review flags what stage one would have "
        "allowed (never allowed silently); stand keeps stage one's decision as it is.",
    )
    band_low: float = Field(default=0.25, ge=0.0, le=1.0)
    band_high: float = Field(default=0.75, ge=0.0, le=1.0)
    instructions: bool = Field(
        default=True,
        description="Also put to the judge, whatever the first stage's score, a flag that a "
        "request's system or developer instructions make (the user's own turns allowed): once "
        "per distinct instruction text, remembered. An unsafe verdict refuses; a safe one "
        "leaves the flag for review. The first stage reads a deployment's topic, not its "
        "purpose (docs/safety.md, Fifteenth round).",
    )

    @model_validator(mode="after")
    def _usable_when_enabled(self) -> JudgeConfig:
        if self.enabled and (self.base_url is None or not self.model):
            raise ValueError("the judge needs base_url and model when enabled")
        if self.band_low > self.band_high:
            raise ValueError("band_low must not exceed band_high")
        return self


class SecondReaderConfig(_Model):
    """The second reader (:mod:`labgate.safety.second`): a head on a second encoder's
    embeddings (multilingual-e5-small) that a block the classifier alone made must agree with.

    It reads only the segments that made such a block (a block with no lexicon, pattern or
    decoder reason), never an ordinary request, so it adds nothing to a request it does not
    read. Where it does not agree (``agree_on``, ``threshold``), the block is a flag
    (answered, and in the reviewers' queue)."""

    enabled: bool = Field(
        default=False,
        description="Off by default: on the blind dev sets it saved 2 / 320 and 5 / 480 "
        "refusals with no harmful block lost, but an insider's Japanese ask (round 7) read "
        "0.04 to it and was only flagged; see docs/safety.md, Second reader.",
    )
    head_path: Path | None = Field(
        default=None,
        description="The second reader's head (.npz); default: the one shipped with labgate.",
    )
    threshold: float = Field(
        default=0.05,
        ge=0.0,
        le=1.0,
        description="The second reader's score at which it agrees (see agree_on): chosen on "
        "the blind dev sets (docs/safety.md, Second reader).",
    )
    agree_on: Literal["category", "harm"] = Field(
        default="harm",
        description="harm: it agrees when its probability of any harm or attack on the "
        "guardrail (anything but benign and dual-use science) reaches threshold; category: "
        "when its score in the blocked category does (it disagreed with more harmful asks "
        "on the blind dev sets: a covert poisoning read as general harm, not chemical).",
    )
    max_segments: int = Field(
        default=4, ge=1, description="Most segments (the first stage's highest) it reads."
    )
    definitions_sure: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="A classifier block of a tool definition (otherwise a flag) stands when "
        "both readers score it at least this high; None: never.",
    )
    cache_size: int = Field(
        default=1024, ge=0, description="Recent segment embeddings it keeps (by digest)."
    )


def default_rules() -> dict[Category, CategoryRule]:
    """The shipped rules; docs/safety.md explains how the thresholds were chosen.

    The CBRN and cyber thresholds were read off out-of-fold scores on the training and
    validation splits (5 group folds), never the test split: at 0.6, CBRN recall stays at its
    plateau while false refusals of dual-use science fall below 3%.
    """
    cbrn = CategoryRule(action=Action.BLOCK, threshold=0.6, review_threshold=0.35)
    return {
        Category.CBRN_CHEMICAL: cbrn,
        Category.CBRN_BIOLOGICAL: cbrn,
        Category.CBRN_RADIOLOGICAL: cbrn,
        Category.CBRN_NUCLEAR: cbrn,
        Category.CYBER_INFRASTRUCTURE: CategoryRule(
            action=Action.BLOCK, threshold=0.5, review_threshold=0.3
        ),
        Category.GENERAL_HARM: CategoryRule(action=Action.FLAG, threshold=0.5),
        Category.JAILBREAK: CategoryRule(action=Action.BLOCK, threshold=0.8, review_threshold=0.5),
        Category.PROMPT_INJECTION: CategoryRule(
            action=Action.BLOCK, threshold=0.8, review_threshold=0.5
        ),
        Category.ALLOWED_DUAL_USE: CategoryRule(action=Action.ALLOW, threshold=0.5),
    }


class SafetyPolicy(_Model):
    """Everything the guardrail needs to decide; built once at start-up."""

    enabled: bool = True
    categories: dict[Category, CategoryRule] = Field(default_factory=default_rules)
    models: dict[str, ModelOverride] = Field(default_factory=dict)
    allowances: list[Allowance] = Field(default_factory=list)
    input_block_mode: Literal["refuse", "error"] = Field(
        default="refuse",
        description="refuse: a normal completion with refusal text and finish_reason "
        "content_filter; error: HTTP 400 with code content_policy_violation.",
    )
    refusal_message: str = (
        "I can't help with this request: it was stopped by this deployment's content policy "
        "({category}). If this was wrongly refused, report it and a safety reviewer will look "
        'at request {request_id}: the chat page\'s "This was wrongly refused" button, or '
        'POST /v1/safety/reports with {{"request_id": "{request_id}"}}.'
    )
    stream: StreamConfig = Field(default_factory=StreamConfig)
    judge: JudgeConfig = Field(default_factory=JudgeConfig)
    second_reader: SecondReaderConfig = Field(default_factory=SecondReaderConfig)
    head_path: Path | None = Field(
        default=None, description="Trained head (.npz); default: the one shipped with labgate."
    )
    max_segments: int = Field(
        default=48, ge=1, description="Most text segments embedded for one check."
    )
    torch_threads: int = Field(
        default=1, ge=1, description="CPU threads for the embedder (more oversubscribe a busy CPU)."
    )
    embedding_cache_size: int = Field(
        default=4096,
        ge=0,
        description="Recent segment embeddings kept in memory (keyed by a digest, not the "
        "text), so a conversation's earlier turns and overlapping stream windows are not "
        "embedded again; 4096 take about 6 MB. 0 turns the cache off.",
    )
    short_text_words: int = Field(
        default=6,
        ge=0,
        description="Inputs shorter than this many words are not blocked on the classifier's "
        "score alone (a few words embed too vaguely: 'Name a noble gas.' scored 0.69 "
        "radiological); patterns and the uplift lexicon still block them, and the classifier's "
        "verdict becomes a flag for review. 0 turns this off.",
    )
    short_text_sure_score: float = Field(
        default=0.9,
        ge=0.0,
        le=1.0,
        description="A short input the classifier scores at least this high is still blocked.",
    )
    history_sure_score: float = Field(
        default=0.9,
        ge=0.0,
        le=1.0,
        description="An earlier assistant turn of a conversation (client-supplied, so it can be "
        "forged) that the classifier alone scores at least this high still blocks the request; "
        "below it, a block that only such turns make, and that the user's own turns do not, "
        "is a flag for review (labgate.safety.history_reading). Lexicon and pattern blocks "
        "stand whatever the score. 0 keeps every such block (the rule off).",
    )

    @model_validator(mode="after")
    def _every_category_has_a_rule(self) -> SafetyPolicy:
        defaults = default_rules()
        for category in Category:
            self.categories.setdefault(category, defaults[category])
        return self

    def enabled_for(self, model: str | None) -> bool:
        override = self.models.get(model or "")
        if override is not None and override.enabled is not None:
            return override.enabled
        return self.enabled

    def rules_for(self, model: str | None) -> dict[Category, CategoryRule]:
        """The rules in force for ``model``: the deployment's, with that model's overrides."""
        rules = dict(self.categories)
        override = self.models.get(model or "")
        if override is None:
            return rules
        for category, change in override.categories.items():
            base = rules[category]
            merged = base.model_dump() | change.model_dump(exclude_none=True)
            rules[category] = CategoryRule.model_validate(merged)
        return rules

    def allowances_for(self, labels: Collection[str]) -> list[Allowance]:
        held = set(labels)
        return [a for a in self.allowances if a.label in held]
