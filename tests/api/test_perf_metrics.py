"""The metrics observer (issue 25): a request's series are found by one lookup of its route,
model and status, not four label lookups a request; what is counted is unchanged, and a series
appears only once it has a value."""

from __future__ import annotations

from prometheus_client import generate_latest

from labgate.gateway.observers import MetricsObserver
from labgate.gateway.record import RequestRecord
from labgate.identity.principal import Principal
from labgate.metrics import Metrics


def _record(status: int = 200, stream: bool = False, reasoning: int = 0) -> RequestRecord:
    who = Principal(user_id="u1", auth_method="api_key", lab="lab", project="p", key_id="k1")
    rec = RequestRecord("chat", who, "fake", stream)
    rec.status, rec.prompt_tokens, rec.completion_tokens = status, 7, 5
    rec.reasoning_tokens = reasoning
    rec.finished = rec.started + 0.02
    if stream:
        rec.first_token_at = rec.started + 0.01
    return rec


async def test_metrics_per_request_take_one_lookup_and_count_the_same() -> None:
    observer = MetricsObserver(Metrics())
    looked_up: list[tuple[str, ...]] = []
    child = observer._child

    def counted(metric: object, *labels: str) -> object:
        looked_up.append(labels)
        return child(metric, *labels)

    observer._child = counted  # type: ignore[method-assign]
    for _ in range(20):
        await observer.finish(_record())
    # two series a request kind, three more the first time a stream or reasoning shows up
    assert len(looked_up) <= 4, looked_up  # four a request made 80
    await observer.finish(_record(stream=True, reasoning=3))
    await observer.finish(_record(status=429))
    text = generate_latest(observer.m.registry).decode()
    assert 'labgate_requests_total{model="fake",route="chat",status="200"} 21.0' in text
    assert 'labgate_requests_total{model="fake",route="chat",status="429"} 1.0' in text
    assert 'labgate_request_duration_seconds_count{model="fake",route="chat"} 22.0' in text
    assert 'labgate_tokens_total{kind="prompt",model="fake"} 154.0' in text
    assert 'labgate_tokens_total{kind="completion",model="fake"} 110.0' in text
    assert 'labgate_tokens_total{kind="reasoning",model="fake"} 3.0' in text
    assert 'labgate_time_to_first_token_seconds_count{model="fake"} 1.0' in text


async def test_a_series_appears_once_it_has_a_value() -> None:
    observer = MetricsObserver(Metrics())
    await observer.finish(_record())
    text = generate_latest(observer.m.registry).decode()
    assert 'kind="reasoning"' not in text  # no reasoning yet: no series
    assert "labgate_time_to_first_token_seconds_count{" not in text  # no stream yet
