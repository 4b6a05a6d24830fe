"""A request's turns are digested for the labelled-answer lookup only when labels are on: only
then does the gatekeeper look them up (issue 25: 2.6 µs of every request otherwise)."""

from __future__ import annotations

from typing import Any

import pytest

from labgate.access.answers import answer_digest
from labgate.api.schemas import parse_chat, parse_completion
from labgate.config import ModelConfig, PolicyConfig
from labgate.gateway.prepared import Preparer
from labgate.identity.principal import Principal

TURN = "What does the enclave's model say about the reactor's cooling loop?"


class _Labels:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def sees_model(self, *_: Any) -> bool:
        return True


@pytest.mark.parametrize("labels", [None, False, True])
def test_turns_are_digested_only_with_labels_on(labels: bool | None) -> None:
    prepare = Preparer({"fake": ModelConfig(name="fake")}, PolicyConfig(), 512)
    prepare.access = None if labels is None else _Labels(labels)  # type: ignore[assignment]
    who = Principal(user_id="ada", auth_method="key")
    chat = prepare.chat(
        who, parse_chat(b'{"model": "fake", "messages": [{"role": "user", "content": "%s"}]}'
                        % TURN.encode())
    )
    text = prepare.completion(who, parse_completion(b'{"model": "fake", "prompt": "%s"}'
                                                    % TURN.encode()))
    expected = (answer_digest(TURN),) if labels else ()
    assert chat.answer_digests == expected
    assert text.answer_digests == expected
