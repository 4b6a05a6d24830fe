"""An insider with an ordinary key (and a platform admin, and a worker token) throws hostile
input at every route the app has: never a 500, every answer with ``X-Request-Id``, and every
refusal an OpenAI-shaped error.

The routes are enumerated from the running app (as the authorization matrix does), so a new
route is attacked the day it is added. For each route: every path parameter replaced by a
traversal, a number beyond 64 bits, a negative number, a NUL, a very long id, a non-ASCII id
and SQL; every query parameter an app might read set to something out of range; and, for a
route that takes a body, a wrong content type, broken JSON, JSON of the wrong shape, numbers
beyond 64 bits in every field a route reads, a deep nest and NULs in strings.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from tests.security.test_authz_matrix import World, app_routes, world  # noqa: F401

HOSTILE_IDS = [
    "..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e",
    "9" * 40,
    "-1",
    "%00",
    "x" * 5000,
    "%F0%9F%92%A5",
    "1%27%20OR%201%3D1--",
    "18446744073709551616",
]
BIG = 10**20
HOSTILE_QUERY = {
    "index": str(BIG),
    "tree_size": str(BIG),
    "first": str(BIG),
    "second": "-5",
    "since": "99999-01-01",
    "until": "x",
    "group_by": "label",
    "format": "xml",
    "lab": "../x",
    "user": "%00",
    "project": "x" * 3000,
    "status": "everything",
    "active": "maybe",
    "active_only": "2",
    "limit": str(BIG),
    "category": "x" * 100,
    "action": "delete",
    "model": "../m-nuc",
}
# every field some route reads, each out of range or of the wrong type
WIDE_BODY: dict[str, Any] = {
    "model": "m-sec",
    "messages": [{"role": "user", "content": "hi\u0000there"}],
    "prompt": "hi",
    "seed": BIG,
    "max_tokens": BIG,
    "n": BIG,
    "temperature": BIG,
    "top_logprobs": BIG,
    "logit_bias": {"99999999999999999999": BIG},
    "id": "x\u0000",
    "lab_id": "lab-alpha",
    "username": "u\u0000",
    "user_id": "9" * 40,
    "project_id": "9" * 40,
    "budget_tokens": BIG,
    "budget_period": "9999999999999999999h",
    "rpm_limit": BIG,
    "tpm_limit": -BIG,
    "share": BIG,
    "expires_at": "99999-12-31T00:00:00Z",
    "duration_minutes": BIG,
    "indices": [BIG],
    "reason": "x" * 20,
    "ttl_s": BIG,
    "max_label": "SECRET//NUC//NOFORN",
    "clearance": "TOP SECRET//GAMMA",
    "roles": ["god"],
    "base_url": "http://127.0.0.1:9/v1",
    "job_id": "x" * 5000,
}


def _deep(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


BODIES: list[tuple[str, bytes, str]] = [
    ("text/plain JSON", b'{"model": "m-sec"}', "text/plain"),
    ("form-encoded", b"model=m-sec&messages=x", "application/x-www-form-urlencoded"),
    ("broken JSON", b'{"model": ', "application/json"),
    ("a JSON array", b"[]", "application/json"),
    ("a JSON string", b'"x"', "application/json"),
    ("null", b"null", "application/json"),
    ("deep nest", _deep(5000).encode(), "application/json"),
    ("not UTF-8", b'{"model": "\xff\xfe"}', "application/json"),
    ("NaN", b'{"model": "m-sec", "temperature": NaN, "seed": Infinity}', "application/json"),
]


BASES: dict[str, dict[str, Any]] = {
    "/v1/chat/completions": {"model": "m-sec", "messages": [{"role": "user", "content": "hi"}]},
    "/v1/completions": {"model": "m-sec", "prompt": "hi"},
    "/v1/responses": {"model": "m-sec", "input": "hi"},
}
# a field beyond 64 bits (or otherwise out of range) next to an otherwise valid body; a field
# labgate does not know is passed through to the worker
ONE_FIELD: list[tuple[str, Any]] = [
    *(
        (name, BIG)
        for name in (
            "seed",
            "max_tokens",
            "max_completion_tokens",
            "n",
            "top_k",
            "top_logprobs",
            "best_of",
            "logprobs",
            "frequency_penalty",
            "passed_through",
            "budget_tokens",
            "rpm_limit",
            "share",
            "duration_minutes",
            "ttl_s",
            "tpm_limit",
        )
    ),
    ("seed", -BIG),
    ("passed_through", {"deep": [BIG, -BIG, 1e400]}),
    ("logit_bias", {"99999999999999999999": 1}),
    ("indices", [BIG]),
    ("expires_at", "99999-12-31T00:00:00Z"),
    ("since", "0000-01-01T00:00:00Z"),
    ("labgate_label", "SECRET//NUC//X"),
    ("labgate_label", ["SECRET"]),
    ("clearance", "SECRET\u0000"),
    ("stop", ["x"] * 10000),
    ("previous_response_id", "resp_" + "9" * 60),
    ("previous_response_id", ["resp_x"]),
    ("input", [{"type": "message", "role": "user", "content": [{"type": "input_image"}]}]),
    ("input", [{"type": "function_call_output", "call_id": BIG, "output": None}]),
    ("include", ["reasoning.encrypted_content", BIG]),
]
NUMBERS = 16  # the first entries of ONE_FIELD: every other route with a body gets these
HEADER_ROUTES = frozenset(
    {"/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/models"}
)
HEADERS: list[tuple[str, dict[str, str | bytes]]] = [
    ("label header malformed", {"X-Labgate-Label": "SECRET//NUC//NOFORN"}),
    ("label header higher", {"X-Labgate-Label": "TOP SECRET//NUC"}),
    ("label header long", {"X-Labgate-Label": "SECRET//" + ",".join(["NUC"] * 2000)}),
    ("label header latin-1", {"X-Labgate-Label": b"SECR\xc9T"}),
    ("wait NaN", {"X-Labgate-Wait": "nan"}),
    ("wait inf", {"X-Labgate-Wait": "inf"}),
    ("show reasoning", {"X-Labgate-Show-Reasoning": "yes\tplease"}),
]


def _concrete(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def _openai_error(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and isinstance(error.get("message"), str)


async def _attack(gw: World, method: str, path: str, credential: str | None) -> list[str]:
    """Every hostile request for one route; what went wrong, one line each."""
    bad: list[str] = []
    headers = {"Authorization": f"Bearer {credential}"} if credential else {}
    templated = "{" in path
    urls = [_concrete(path, v) for v in HOSTILE_IDS] if templated else [path]
    sends: list[tuple[str, dict[str, Any]]] = []
    for url in urls:
        sends.append((url, {"params": HOSTILE_QUERY}))
    target = _concrete(path, "9" * 40) if templated else path
    if method == "GET":  # each query parameter alone, so none hides behind another's 400
        for name, value in HOSTILE_QUERY.items():
            sends.append((target, {"params": {name: value}, "what": f"?{name}"}))
    for what, extra in HEADERS if path in HEADER_ROUTES else ():
        body = json.dumps(BASES.get(path, {})).encode() if method != "GET" else None
        sends.append(
            (target, {"content": body, "ctype": "application/json", "what": what, "h": extra})
        )
    if method in ("POST", "PUT", "PATCH"):
        for name, value in ONE_FIELD if path in BASES else ONE_FIELD[:NUMBERS]:
            body = json.dumps({**BASES.get(path, {}), name: value}).encode()
            what = f"{name}={str(value)[:24]}"
            sends.append((target, {"content": body, "ctype": "application/json", "what": what}))
        for what, content, ctype in BODIES:
            sends.append((target, {"content": content, "ctype": ctype, "what": what}))
        wide = json.dumps(WIDE_BODY).encode()  # orjson refuses integers beyond 64 bits
        sends.append((target, {"content": wide, "ctype": "application/json", "what": "wide"}))
    for url, how in sends:
        h = dict(headers)
        if "ctype" in how:
            h["Content-Type"] = how["ctype"]
        h.update(how.get("h", {}))
        try:
            r = await gw.client.request(
                method, url, headers=h, params=how.get("params"), content=how.get("content")
            )
        except httpx.HTTPError as exc:  # the server dropped us: as bad as a 500
            bad.append(f"{method} {url[:80]} ({how.get('what', 'query')}): {exc!r}")
            continue
        label = f"{method} {url[:80]} ({how.get('what', 'query')}) -> {r.status_code}"
        if r.status_code >= 500 and r.status_code != 503:
            bad.append(f"{label}: {r.text[:200]}")
        elif not r.headers.get("x-request-id"):
            bad.append(f"{label}: no X-Request-Id")
        elif r.status_code >= 400 and url.startswith(("/v1/", "/internal/")):
            if not _openai_error(r):
                bad.append(f"{label}: not an OpenAI-shaped error: {r.text[:200]}")
    return bad


CALLERS = ("user", "padm", "wkr")


@pytest.mark.parametrize("caller", CALLERS)
async def test_no_route_answers_hostile_input_with_a_500(
    world: World,  # noqa: F811
    caller: str,
) -> None:
    failures: list[str] = []
    for method, path in sorted(app_routes(world.app)):
        if path.startswith("/internal/") != (caller == "wkr"):
            continue  # a worker token is for the worker routes; keys are refused there at once
        failures += await _attack(world, method, path, world.keys[caller])
    assert not failures, f"{len(failures)} hostile requests were mishandled:\n" + "\n".join(
        failures[:40]
    )
