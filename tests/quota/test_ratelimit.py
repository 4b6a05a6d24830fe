"""Requests- and tokens-per-minute limits, run against the in-memory and the Redis limiter.

The limiters run on a fake clock (the Redis script takes the time as an argument), so windows
are tested exactly without waiting.
"""

from __future__ import annotations

import pytest

from labgate.quota import RateLimited, RateLimiter, RateLimits

from .conftest import FakeClock, UniqueName


async def test_requests_per_minute_admit_a_burst_then_the_steady_rate(
    limiter: RateLimiter, clock: FakeClock, unique: UniqueName
) -> None:
    user, project = unique("alice"), unique("proj")
    limits = RateLimits(user_rpm=3)
    for _ in range(3):
        await limiter.admit(user, project, 10, limits)
    with pytest.raises(RateLimited) as caught:
        await limiter.admit(user, project, 10, limits)
    err = caught.value
    assert (err.scope, err.subject, err.metric, err.limit) == ("user", user, "requests", 3)
    assert err.retry_after_s == pytest.approx(20.0, abs=0.01)  # one slot frees every 60/3 s
    assert err.code == "user_requests_per_minute_exceeded"
    assert f"user '{user}' is over its limit of 3 requests per minute" in str(err)

    clock.advance(19.5)
    with pytest.raises(RateLimited):
        await limiter.admit(user, project, 10, limits)
    clock.advance(0.5)
    await limiter.admit(user, project, 10, limits)
    with pytest.raises(RateLimited):
        await limiter.admit(user, project, 10, limits)


async def test_a_full_window_later_the_whole_burst_is_available_again(
    limiter: RateLimiter, clock: FakeClock, unique: UniqueName
) -> None:
    user, project = unique("bob"), unique("proj")
    limits = RateLimits(project_rpm=7)  # 60/7 s is not exact in binary floating point
    for _ in range(7):
        await limiter.admit(user, project, 1, limits)
    with pytest.raises(RateLimited):
        await limiter.admit(user, project, 1, limits)
    clock.advance(60)
    for _ in range(7):
        await limiter.admit(user, project, 1, limits)


async def test_tokens_per_minute_count_the_requests_tokens(
    limiter: RateLimiter, clock: FakeClock, unique: UniqueName
) -> None:
    user, project = unique("carol"), unique("proj")
    limits = RateLimits(project_tpm=1000)
    await limiter.admit(user, project, 600, limits)
    with pytest.raises(RateLimited) as caught:
        await limiter.admit(user, project, 600, limits)
    err = caught.value
    assert (err.scope, err.subject, err.metric) == ("project", project, "tokens")
    assert err.retry_after_s == pytest.approx(12.0, abs=0.01)  # 200 tokens over at 1000/min
    await limiter.admit(user, project, 400, limits)  # the refused request recorded nothing
    clock.advance(12)
    await limiter.admit(user, project, 200, limits)


async def test_a_refused_request_records_against_none_of_its_limits(
    limiter: RateLimiter, unique: UniqueName
) -> None:
    user, crowded, quiet = unique("dave"), unique("crowded"), unique("quiet")
    limits = RateLimits(user_rpm=2, project_rpm=1)
    await limiter.admit(user, crowded, 1, limits)
    with pytest.raises(RateLimited) as caught:
        await limiter.admit(user, crowded, 1, limits)
    assert caught.value.scope == "project"
    await limiter.admit(user, quiet, 1, limits)  # the user still had one request left
    with pytest.raises(RateLimited) as caught:
        await limiter.admit(user, unique("third"), 1, limits)
    assert caught.value.scope == "user"


async def test_the_longest_wait_among_the_limits_hit_is_reported(
    limiter: RateLimiter, unique: UniqueName
) -> None:
    user, project = unique("erin"), unique("proj")
    limits = RateLimits(user_rpm=1, user_tpm=100)
    await limiter.admit(user, project, 100, limits)
    with pytest.raises(RateLimited) as caught:
        await limiter.admit(user, project, 50, limits)
    # rpm: next slot in 60 s; tpm: 50 tokens over at 100/min frees in 30 s.
    assert (caught.value.metric, caught.value.retry_after_s) == ("requests", pytest.approx(60))


async def test_users_and_projects_do_not_share_counters(
    limiter: RateLimiter, unique: UniqueName
) -> None:
    limits = RateLimits(user_rpm=1, project_rpm=1)
    await limiter.admit(unique("u"), unique("p"), 1, limits)
    await limiter.admit(unique("u"), unique("p"), 1, limits)


async def test_none_means_unlimited(limiter: RateLimiter, unique: UniqueName) -> None:
    user, project = unique("frank"), unique("proj")
    limits = RateLimits(user_rpm=None, user_tpm=None, project_rpm=None, project_tpm=50)
    for _ in range(25):  # many requests: only the project's tokens are limited
        await limiter.admit(user, project, 2, limits)
    with pytest.raises(RateLimited) as caught:
        await limiter.admit(user, project, 2, limits)
    assert caught.value.metric == "tokens"


async def test_a_request_bigger_than_a_minute_of_tokens_is_never_admissible(
    limiter: RateLimiter, unique: UniqueName
) -> None:
    user = unique("grace")
    with pytest.raises(RateLimited) as caught:
        await limiter.admit(user, unique("proj"), 5000, RateLimits(user_tpm=4000))
    err = caught.value
    assert err.never_admissible
    assert "more than a minute allows" in str(err)
    await limiter.admit(user, unique("proj"), 4000, RateLimits(user_tpm=4000))
