"""Settings of the fair-share scheduler: shares, usage half-life, and limits per priority class.

The model is a pydantic section in the style of ``labgate.config`` so the integrator can embed
it as ``Settings.scheduler`` (TOML table ``[scheduler]``) without translating it.

Shares are keyed by path: ``"ornl"`` is a lab, ``"ornl/fusion"`` a project in that lab, and
``"ornl/fusion/alice"`` a user in that project. A node missing from the table has
``default_share``. Shares matter only between siblings: a lab with share 3 next to labs with
shares 2 and 1 is entitled to half of the capacity when all three are backlogged.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ClassLimits(BaseModel):
    """How long and how many requests of one priority class may wait for a slot."""

    model_config = ConfigDict(extra="forbid")

    max_wait_s: float = Field(
        gt=0, description="A request waiting longer than this is rejected with a retry hint."
    )
    max_queued: int = Field(
        ge=1, description="Most requests of this class waiting in one model's queue."
    )
    max_queued_per_user: int = Field(
        ge=1,
        description="Most requests of this class one user may have waiting in one model's queue, "
        "so that one flooding client cannot fill the queue and lock everybody else out.",
    )


def _interactive_limits() -> ClassLimits:
    return ClassLimits(max_wait_s=30.0, max_queued=2000, max_queued_per_user=32)


def _batch_limits() -> ClassLimits:
    return ClassLimits(max_wait_s=600.0, max_queued=20000, max_queued_per_user=2000)


class SchedulerConfig(BaseModel):
    """Everything the fair-share scheduler is configured with (``[scheduler]`` in TOML)."""

    model_config = ConfigDict(extra="forbid")

    shares: dict[str, float] = Field(
        default_factory=dict,
        description='Share per lab ("lab"), project ("lab/project") or user '
        '("lab/project/user"); nodes not listed get default_share.',
    )
    default_share: float = Field(default=1.0, gt=0)
    half_life_s: float | None = Field(
        default=86400.0,
        ge=0,
        description="Past usage counts half as much after this many seconds (Slurm's "
        "PriorityDecayHalfLife); 0 (or null) keeps usage forever, as plain VTC does.",
    )
    batch_min_share: float = Field(
        default=0.1,
        ge=0.0,
        le=0.5,
        description="Inside a lab, the fraction of its dispatches its batch work gets while its "
        "interactive work also waits; 0 gives interactive strict priority within the lab "
        "(batch may then starve). Labs are chosen by their counters whatever the class.",
    )
    interactive_hold_s: float = Field(
        default=0.2,
        ge=0.0,
        le=5.0,
        description="When a lab's interactive request ends, its slot is kept this long for "
        "that lab's next interactive request (a client or agent that sends again at once) "
        "before the lab's own batch work may take it, so batch fills the gaps interactive "
        "leaves without making the next interactive request wait for a batch item to finish; "
        "0 turns the hold off. Other labs' work is never held back.",
    )
    share_refresh_s: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="How often each replica re-reads labs' and projects' shares from the "
        "database, so a share changed through the admin API or CLI applies on every replica "
        "within this many seconds, without a restart.",
    )
    interactive: ClassLimits = Field(default_factory=_interactive_limits)
    batch: ClassLimits = Field(default_factory=_batch_limits)

    @field_validator("shares")
    @classmethod
    def _check_shares(cls, shares: dict[str, float]) -> dict[str, float]:
        for key, share in shares.items():
            parts = key.split("/")
            if not 1 <= len(parts) <= 3 or any(not p.strip() for p in parts):
                raise ValueError(
                    f"share key {key!r} must be 'lab', 'lab/project' or 'lab/project/user'"
                )
            if not share > 0:
                raise ValueError(f"share of {key!r} must be greater than 0, not {share}")
        return shares
