"""No write-down on the API path: a conversation's high-water mark governs each request's label.

An insider's attack (issue 28): take a SECRET//NUC conversation and resend it, earlier turns
and all, to the open model with no label or with UNCLASSIFIED. Before, it was answered and
recorded as UNCLASSIFIED, so an UNCLASSIFIED auditor could then read the secret text.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from labgate.identity.keys import KeyRepository, new_id, utcnow
from labgate.store.tenancy import User
from tests.api.test_labels_path import labelled  # noqa: F401  (the fixture)

pytestmark = pytest.mark.store


async def _post(
    env: dict[str, Any], body: dict[str, Any], label: str | None = None, key: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key or env['key']}"}
    if label:
        headers["X-Labgate-Label"] = label
    async with httpx.AsyncClient(base_url=env["url"], headers=headers) as c:
        return await c.post("/v1/chat/completions", json=body)


async def _last_record(env: dict[str, Any]) -> dict[str, Any]:
    log = env["services"].audit
    return orjson.loads((await log.get_record(await log.size() - 1)).data)


async def _secret_turn(env: dict[str, Any]) -> list[dict[str, Any]]:
    """One SECRET//NUC turn on the accredited model; the conversation as a client keeps it
    when it drops every label."""
    question = {"role": "user", "content": "the NUC yield figures for device 7"}
    r = await _post(env, {"model": "nuc", "messages": [question]}, "SECRET//NUC")
    assert r.status_code == 200, r.text
    assert r.json()["labgate_label"] == "SECRET//NUC"
    answer = r.json()["choices"][0]["message"]["content"]
    return [question, {"role": "assistant", "content": answer}]


async def test_a_secret_conversation_resent_without_labels_is_not_written_down(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    history = await _secret_turn(labelled)
    follow = {"role": "user", "content": "summarise that for the open report"}
    body = {"model": "open", "messages": [*history, follow]}

    # no label stated: the conversation's mark (SECRET//NUC) governs, and the open model
    # (accredited CUI) may not take it
    r = await _post(labelled, body)
    assert r.status_code == 403, r.text
    err = r.json()["error"]
    assert err["code"] == "label_accreditation"
    assert "SECRET//NUC" in err["message"] and "new conversation" in err["message"]
    record = await _last_record(labelled)
    assert record["outcome"] == "refused"

    # an explicit lower label is refused as a write-down, with what to do
    r = await _post(labelled, body, "UNCLASSIFIED")
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "label_write_down"
    assert "State SECRET//NUC" in r.json()["error"]["message"]
    r = await _post(labelled, {**body, "labgate_label": "CUI"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "label_write_down"

    # continued on the accredited model with no label: raised to SECRET//NUC, recorded so
    r = await _post(labelled, {**body, "model": "nuc"})
    assert r.status_code == 200, r.text
    assert r.headers["X-Labgate-Label"] == "SECRET//NUC"
    assert r.json()["labgate_label"] == "SECRET//NUC"
    record = await _last_record(labelled)
    assert record["label"] == "SECRET//NUC"


async def test_the_binding_survives_the_flush_and_a_restart_of_memory(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """The answer's label is found in the database, not only in this replica's memory."""
    services = labelled["services"]
    history = await _secret_turn(labelled)
    await services.usage.flush()
    services.completions.gate.answers._recent.clear()  # as another replica would be
    body = {"model": "open", "messages": [*history, {"role": "user", "content": "go on"}]}
    r = await _post(labelled, body, "CUI")
    assert r.status_code == 403 and r.json()["error"]["code"] == "label_write_down"


async def test_labels_the_client_kept_on_its_messages_count(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """A client that echoes each answer's ``labgate_label`` onto its turn keeps the mark even
    for text labgate never answered (pasted in, or answered elsewhere); the field never
    reaches the worker."""
    messages = [
        {"role": "user", "content": "earlier question", "labgate_label": "SECRET//NUC"},
        {"role": "assistant", "content": "an answer from elsewhere", "labgate_label": "CUI"},
        {"role": "user", "content": "and now?"},
    ]
    r = await _post(labelled, {"model": "open", "messages": messages}, "CUI")
    assert r.status_code == 403 and r.json()["error"]["code"] == "label_write_down"
    r = await _post(labelled, {"model": "nuc", "messages": messages})
    assert r.status_code == 200 and r.json()["labgate_label"] == "SECRET//NUC"
    sent = labelled["high"].worker.last_payload
    assert sent is not None and all("labgate_label" not in m for m in sent["messages"])

    # a CUI conversation may go on at CUI or above, not below
    cui = [{**messages[1]}, {"role": "user", "content": "more"}]
    r = await _post(labelled, {"model": "open", "messages": cui})
    assert r.status_code == 200 and r.json()["labgate_label"] == "CUI"
    r = await _post(labelled, {"model": "open", "messages": cui}, "UNCLASSIFIED")
    assert r.status_code == 403 and r.json()["error"]["code"] == "label_write_down"

    # a turn's label that cannot be read is refused, naming the message
    bad = [{"role": "user", "content": "x", "labgate_label": "SECRET//GAMMA"}]
    r = await _post(labelled, {"model": "nuc", "messages": bad})
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["code"] == "label_unknown_compartment"
    assert err["param"] == "messages.0.labgate_label"
    bad = [{"role": "user", "content": "x", "labgate_label": 7}]
    r = await _post(labelled, {"model": "nuc", "messages": bad})
    assert r.status_code == 400 and r.json()["error"]["code"] == "label_malformed"


async def test_an_answer_binds_only_its_own_user(labelled: dict[str, Any]) -> None:  # noqa: F811
    """Another user who sends the same text is not raised: the binding is no oracle for
    guessing which texts were answered at a higher label to someone else."""
    services = labelled["services"]
    history = await _secret_turn(labelled)
    other = new_id()
    async with services.sessions.begin() as s:
        s.add(
            User(
                id=other,
                lab_id="default",
                username="open-user",
                roles=[],
                clearance="CUI",
                created_at=utcnow(),
            )
        )
    key, _ = await KeyRepository(services.sessions).create(other, None)
    body = {"model": "open", "messages": [*history, {"role": "user", "content": "next"}]}
    r = await _post(labelled, body, key=key)
    assert r.status_code == 200, r.text
    assert r.json()["labgate_label"] == "UNCLASSIFIED"


async def test_an_answer_is_found_again_reformatted_or_pasted_into_a_user_turn(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """Whitespace does not hide an answer (a trailing space, a line break), nor does moving it
    into the user's own turn or a retrieval document."""
    history = await _secret_turn(labelled)
    answer = history[1]["content"]
    follow = {"role": "user", "content": "go on"}
    variants = [
        [history[0], {"role": "assistant", "content": answer + " "}, follow],
        [history[0], {"role": "assistant", "content": answer.replace(" ", "\n  ", 2)}, follow],
        [{"role": "user", "content": answer}, follow],
    ]
    for messages in variants:
        r = await _post(labelled, {"model": "open", "messages": messages}, "CUI")
        assert r.status_code == 403, (messages, r.text)
        assert r.json()["error"]["code"] == "label_write_down"
    r = await _post(
        labelled,
        {"model": "open", "messages": [follow], "documents": [{"text": answer}]},
        "CUI",
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "label_write_down", r.text
    # the user's short turns are not taken for answers
    r = await _post(labelled, {"model": "open", "messages": [{"role": "user", "content": "Paris"}]})
    assert r.status_code == 200 and r.json()["labgate_label"] == "UNCLASSIFIED"


def test_a_paragraph_of_an_answer_is_bound_on_its_own() -> None:
    from labgate.access.answers import text_digests

    one = "The first paragraph of a long answer, with the yield figures of device seven."
    two = "A second paragraph that talks about the test site and its instruments at length."
    stored = set(text_digests(f"{one}\n\n{two}\n\nOk."))
    assert len(stored) == 3  # the whole text and the two long paragraphs, not "Ok."
    assert set(text_digests(f"my notes:\n\n{two}", whole_min=24)) & stored
    assert not set(text_digests("Ok.", whole_min=24)) & stored


async def test_an_answer_pasted_into_a_text_completion_prompt_keeps_its_label(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    history = await _secret_turn(labelled)
    headers = {"Authorization": f"Bearer {labelled['key']}", "X-Labgate-Label": "CUI"}
    async with httpx.AsyncClient(base_url=labelled["url"], headers=headers) as c:
        r = await c.post("/v1/completions", json={"model": "open", "prompt": history[1]["content"]})
    assert r.status_code == 403 and r.json()["error"]["code"] == "label_write_down", r.text


async def test_a_stream_cut_short_still_binds_what_was_sent(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    question = {"role": "user", "content": "the NUC yield figures, streamed"}
    headers = {"Authorization": f"Bearer {labelled['key']}", "X-Labgate-Label": "SECRET//NUC"}
    body = {"model": "nuc", "stream": True, "fake": "die-after=3", "messages": [question]}
    async with httpx.AsyncClient(base_url=labelled["url"], headers=headers) as c:
        r = await c.post("/v1/chat/completions", json=body)
    sent = ""
    for line in r.text.splitlines():
        if line.startswith("data: {"):
            for choice in orjson.loads(line[6:]).get("choices") or ():
                sent += (choice.get("delta") or {}).get("content") or ""
    assert sent, r.text
    messages = [question, {"role": "assistant", "content": sent}, {"role": "user", "content": "?"}]
    r = await _post(labelled, {"model": "open", "messages": messages}, "CUI")
    assert r.status_code == 403 and r.json()["error"]["code"] == "label_write_down", r.text


async def test_a_refusal_whose_label_was_not_settled_is_recorded_at_the_highest_it_stated(
    labelled: dict[str, Any],  # noqa: F811
) -> None:
    """Header and body disagree (400): the record is not left unlabelled (readable by all)."""
    body = {"model": "nuc", "messages": [{"role": "user", "content": "q"}], "labgate_label": "CUI"}
    r = await _post(labelled, body, "SECRET//NUC")
    assert r.status_code == 400 and r.json()["error"]["code"] == "label_malformed", r.text
    record = await _last_record(labelled)
    assert record["outcome"] == "refused" and record["label"] == "SECRET//NUC"
