"""The embedded default serves both a chat model and an embedding model from the packaged GGUF,
and the Responses API and embeddings work on them through the official openai SDK."""

from __future__ import annotations

import math
from collections.abc import Iterator

import openai
import pytest

from tests.e2e.test_embedded_model import Served, serve_embedded, served  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow


def _sdk(served: Served) -> openai.OpenAI:  # noqa: F811
    return openai.OpenAI(base_url=served.url + "/v1", api_key=served.key, max_retries=0)


def test_both_models_are_listed(served: Served) -> None:  # noqa: F811
    ids = {m.id for m in _sdk(served).models.list()}
    assert {"gemma-3-270m", "gemma-3-270m-embed"} <= ids


@pytest.fixture(scope="module")
def ungated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The embedded default with the model gate off: the gate's bootstrap approves the
    embedded chat model only (see test_the_embedding_model_passes_the_gate)."""
    extra = {"LABGATE_APPROVAL__ENFORCE": "false"}
    with serve_embedded(tmp_path_factory.mktemp("ungated"), extra) as s:
        yield s


def test_the_embedding_model_passes_the_gate(served: Served) -> None:  # noqa: F811
    _sdk(served).embeddings.create(model="gemma-3-270m-embed", input="x")


def test_embeddings_on_the_embedded_model(ungated: Served) -> None:
    client = _sdk(ungated)
    r = client.embeddings.create(
        model="gemma-3-270m-embed",
        input=["a neutron is a subatomic particle", "neutrons and protons form nuclei", "Paris"],
        encoding_format="float",
    )
    vecs = [d.embedding for d in r.data]
    assert len(vecs) == 3 and len(vecs[0]) == 640
    assert all(math.isclose(sum(x * x for x in v), 1.0, rel_tol=1e-3) for v in vecs)

    def cos(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cos(vecs[0], vecs[1]) > cos(vecs[0], vecs[2])  # physics is nearer physics
    assert r.usage.prompt_tokens > 0
    b64 = client.embeddings.create(model="gemma-3-270m-embed", input="Paris")
    assert b64.data[0].embedding == pytest.approx(vecs[2], abs=1e-4)


def test_responses_on_the_embedded_model(served: Served) -> None:  # noqa: F811
    client = _sdk(served)
    first = client.responses.create(
        model="gemma-3-270m", input="Name a planet of the solar system.", max_output_tokens=24
    )
    assert first.status in ("completed", "incomplete") and first.output_text
    second = client.responses.create(
        model="gemma-3-270m",
        input="Name another one.",
        previous_response_id=first.id,
        max_output_tokens=24,
    )
    assert second.output_text
    with client.responses.stream(
        model="gemma-3-270m", input="Count to three.", max_output_tokens=16
    ) as stream:
        kinds = [e.type for e in stream]
    assert kinds[0] == "response.created"
    assert kinds[-1] in ("response.completed", "response.incomplete")
    assert "response.output_text.delta" in kinds
