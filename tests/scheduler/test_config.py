"""Scheduler settings: share keys and values are checked, with messages that say the fix."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry
from pydantic import ValidationError

from labgate.identity.principal import Principal
from labgate.scheduler import ClientPath, FairScheduler, RequestClass, SchedulerConfig
from labgate.scheduler.path import UNASSIGNED


@pytest.mark.parametrize("key", ["", "a/", "a//b", "a/b/c/d"])
def test_malformed_share_keys_are_refused(key: str) -> None:
    with pytest.raises(ValidationError, match="must be 'lab', 'lab/project' or"):
        SchedulerConfig(shares={key: 1.0})


def test_non_positive_shares_are_refused() -> None:
    with pytest.raises(ValidationError, match="greater than 0"):
        SchedulerConfig(shares={"ornl": 0})
    scheduler = FairScheduler(registry=CollectorRegistry())
    with pytest.raises(ValueError, match="greater than 0"):
        scheduler.set_share("ornl", -1)
    with pytest.raises(ValueError, match="must be 'lab'"):
        scheduler.set_share("a/b/c/d", 1)


def test_config_reads_from_a_toml_like_mapping() -> None:
    config = SchedulerConfig.model_validate(
        {
            "shares": {"ornl": 3, "ornl/fusion/alice": 0.5},
            "half_life_s": 3600,
            "batch_min_share": 0.2,
            "interactive": {"max_wait_s": 10, "max_queued": 50, "max_queued_per_user": 5},
        }
    )
    assert config.shares["ornl/fusion/alice"] == 0.5
    assert config.batch.max_wait_s == 600  # the class not given keeps its defaults
    with pytest.raises(ValidationError, match="batch_min_share"):
        SchedulerConfig(batch_min_share=0.9)


def test_paths_and_classes_from_what_the_gateway_has() -> None:
    principal = Principal(user_id="alice", lab="ornl", project=None)
    assert ClientPath.of(principal) == ClientPath("ornl", UNASSIGNED, "alice")
    assert RequestClass.parse("Batch") is RequestClass.BATCH
    assert RequestClass.parse(RequestClass.INTERACTIVE).label == "interactive"
