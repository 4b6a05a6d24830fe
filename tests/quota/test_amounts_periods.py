"""Weighted amounts and budget periods: the arithmetic every backend builds on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from labgate.quota import (
    UNITS_PER_TOKEN,
    TokenUsage,
    Weights,
    budget_period,
    check_period_kind,
    tokens_to_units,
    units_to_tokens,
    usage_amount,
    worst_case_amount,
)


def test_units_round_trip_and_reject_negative() -> None:
    assert tokens_to_units(1.5) == 1500
    assert units_to_tokens(tokens_to_units(12345.678)) == pytest.approx(12345.678)
    with pytest.raises(ValueError, match="negative"):
        tokens_to_units(-1)


def test_worst_case_prices_max_tokens_at_the_dearer_of_output_and_reasoning() -> None:
    weights = Weights(input=1.0, output=2.0, reasoning=4.0)
    assert worst_case_amount(weights, prompt_tokens=10, max_tokens=100) == (10 + 400) * 1000
    cheap_reasoning = Weights(input=0.5, output=3.0, reasoning=1.0)
    assert worst_case_amount(cheap_reasoning, 10, 100) == (5 + 300) * 1000


def test_openai_usage_splits_reasoning_out_of_completion_tokens() -> None:
    usage = TokenUsage.from_openai(
        {
            "prompt_tokens": 10,
            "completion_tokens": 30,
            "completion_tokens_details": {"reasoning_tokens": 20},
        }
    )
    assert usage == TokenUsage(prompt=10, output=10, reasoning=20)
    weights = Weights(input=1.0, output=2.0, reasoning=0.25)
    assert usage_amount(weights, usage) == (10 + 20 + 5) * UNITS_PER_TOKEN
    assert TokenUsage.from_openai({"prompt_tokens": 3}) == TokenUsage(3, 0, 0)


def test_real_usage_never_costs_more_than_the_worst_case() -> None:
    weights = Weights(input=0.3, output=1.7, reasoning=1.1)
    prompt, max_tokens = 57, 40
    reserved = worst_case_amount(weights, prompt, max_tokens)
    for reasoning in range(0, max_tokens + 1, 3):
        for output in range(0, max_tokens - reasoning + 1, 3):
            used = usage_amount(weights, TokenUsage(prompt, output, reasoning))
            assert used <= reserved


def test_weights_reject_negative_values() -> None:
    with pytest.raises(ValueError, match="reasoning"):
        Weights(reasoning=-1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_month_period_key_and_reset() -> None:
    period = budget_period("month", at(2026, 11, 14, 12))
    assert period.key == "2026-11"
    assert period.starts_at == at(2026, 11, 1)
    assert period.ends_at == at(2026, 12, 1)
    december = budget_period("month", at(2026, 12, 31, 23, 59))
    assert (december.key, december.ends_at) == ("2026-12", at(2027, 1, 1))
    assert period.seconds_left(at(2026, 11, 30, 23, 0)) == 3600
    assert period.seconds_left(at(2027, 1, 5)) == 0


def test_quarter_year_day_and_iso_week() -> None:
    q = budget_period("quarter", at(2026, 11, 14))
    assert (q.key, q.starts_at, q.ends_at) == ("2026-Q4", at(2026, 10, 1), at(2027, 1, 1))
    y = budget_period("year", at(2026, 3, 1))
    assert (y.key, y.ends_at) == ("2026", at(2027, 1, 1))
    d = budget_period("day", at(2026, 2, 28, 17))
    assert (d.key, d.ends_at) == ("2026-02-28", at(2026, 3, 1))
    # 2026-01-01 is a Thursday: its ISO week began on Monday 2025-12-29 and is 2026-W01.
    w = budget_period("week", at(2026, 1, 1, 8))
    assert (w.key, w.starts_at, w.ends_at) == ("2026-W01", at(2025, 12, 29), at(2026, 1, 5))


def test_fixed_windows_are_aligned_to_the_epoch() -> None:
    six = budget_period("6h", at(2026, 11, 14, 13, 30))
    assert (six.starts_at, six.ends_at) == (at(2026, 11, 14, 12), at(2026, 11, 14, 18))
    assert six.key.startswith("6h-")
    assert budget_period("6h", at(2026, 11, 14, 17, 59)).key == six.key
    assert budget_period("6h", at(2026, 11, 14, 18, 0)).key != six.key
    thirty = budget_period("30d", at(2026, 11, 14))
    assert (thirty.ends_at - thirty.starts_at).days == 30


def test_unknown_kinds_and_naive_times_are_refused_with_a_useful_message() -> None:
    with pytest.raises(ValueError, match="month, quarter, year, week, day"):
        check_period_kind("fortnight")
    with pytest.raises(ValueError, match="unknown budget period"):
        budget_period("0h", at(2026, 1, 1))
    with pytest.raises(ValueError, match="aware datetime"):
        budget_period("month", datetime(2026, 1, 1))
    assert check_period_kind("12h") == "12h"
