"""Slurm's duration and timestamp forms."""

from __future__ import annotations

from datetime import datetime

import pytest

from labgate.hpc.slurmtime import format_duration, parse_duration, parse_limit, parse_timestamp


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 5400),
        ("2:30", 150),
        ("04:00:00", 14400),
        ("1-0", 86400),
        ("1-02:30", 95400),
        ("2-00:00:01", 172801),
    ],
)
def test_every_sbatch_time_form(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


def test_format_round_trips() -> None:
    for seconds in (60, 3599, 14400, 86400 + 61, 3 * 86400):
        assert parse_duration(format_duration(seconds)) == seconds
    assert format_duration(14400) == "04:00:00"
    assert format_duration(90061) == "1-01:01:01"


def test_squeue_limits_and_timestamps() -> None:
    assert parse_limit("2:00") == 120
    assert parse_limit("UNLIMITED") is None
    assert parse_limit("INVALID") is None
    stamp = parse_timestamp("2026-11-21T15:03:01")
    assert stamp == datetime(2026, 11, 21, 15, 3, 1).timestamp()
    assert parse_timestamp("N/A") is None
    assert parse_timestamp("Unknown") is None
