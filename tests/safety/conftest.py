"""Fixtures for the safety tests: the real embedding model and shipped head, loaded once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import pytest

from labgate.safety.corpus_files import read_own
from labgate.safety.head import data_path
from labgate.safety.policy import SafetyPolicy
from labgate.safety.screen import SafetyScreen


@pytest.fixture(scope="session")
def real_screen() -> Iterator[SafetyScreen]:
    """The packaged MiniLM model and the shipped head, as the gateway loads them."""
    screen = SafetyScreen.load(SafetyPolicy())
    yield screen
    screen.embedder.close()


@pytest.fixture
async def screen(real_screen: SafetyScreen) -> AsyncIterator[SafetyScreen]:
    yield real_screen


@pytest.fixture(scope="session")
def held_out() -> dict[str, list[str]]:
    """labgate's own requests from the recorded *test* split, by label: never trained on."""
    groups = json.loads(data_path("splits.json").read_text())["groups"]
    out: dict[str, list[str]] = {}
    for name in ("benign_science.txt", "benign_general.txt", "harmful_requests.txt"):
        for item in read_own(name):
            if groups.get(item.group) == "test" and item.kind == "request":
                out.setdefault(item.label, []).append(item.text)
    return out
