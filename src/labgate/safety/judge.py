"""The optional second stage: a safety model asked about what the first stage is unsure of.

When the first stage's top harm score lies in the configured band, the text goes to an
OpenAI-compatible worker on a GPU node with the written policy of
:mod:`labgate.safety.judge_policy` (versioned; the version is in every verdict's record). Three
ways to ask (``JudgeConfig.format``):

* ``llama_guard`` (default): the policy in Llama Guard's prompt format, as one user message;
  the answer is ``safe`` or ``unsafe`` and the violated codes. Any instruction model follows it.
* ``llama_guard_native``: the message itself, for a Llama Guard 3 served with its own chat
  template (which adds its MLCommons taxonomy); its codes are mapped to labgate's categories.
* ``json``: gpt-oss-safeguard's way: the policy as the system message, the content as the user
  message, and a JSON verdict ``{"violation": 0|1, "categories": [...], "rationale": ...}``.

Both answer shapes are read whatever was asked for (:func:`parse_verdict`). The call is
asynchronous (aiohttp, never blocking the event loop), bounded by ``timeout_s`` and by
``max_concurrent`` calls in flight. A judge that cannot answer (down, slow, busy, off-format)
gives no verdict, and then the request is **flagged for review rather than silently allowed**
(``on_failure = "review"``); what the first stage blocked stays blocked
(:meth:`labgate.safety.screen.SafetyScreen._maybe_judge`).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from labgate.safety.categories import Category
from labgate.safety.judge_policy import (
    CATEGORIES,
    NATIVE_LLAMA_GUARD,
    POLICY_VERSION,
    json_system_prompt,
    llama_guard_prompt,
)
from labgate.safety.policy import JudgeConfig

# Kept for callers of the first version.
JUDGE_CATEGORIES = CATEGORIES

_CODE = re.compile(r"\bS(\d+)\b")
_DEFAULT_MAX_TOKENS = {"llama_guard": 24, "llama_guard_native": 24, "json": 512}


@dataclass(slots=True)
class JudgeVerdict:
    """The judge's answer; ``error`` is set (and ``safe`` is None) when it could not answer.
    ``cbrn_unspecified``: it named CBRN without the kind (Llama Guard 3's S9)."""

    safe: bool | None
    categories: list[Category] = field(default_factory=list)
    raw: str = ""
    error: str | None = None
    cbrn_unspecified: bool = False
    rationale: str | None = None
    latency_ms: float = 0.0
    policy: str = POLICY_VERSION
    model: str | None = None

    def to_audit(self) -> dict[str, object]:
        return {
            "safe": self.safe,
            "categories": [c.value for c in self.categories],
            "error": self.error,
            "policy": self.policy,
            "model": self.model,
            "rationale": self.rationale,
            "latency_ms": round(self.latency_ms, 1),
        }


def build_prompt(text: str, role: str = "User") -> str:
    """The Llama Guard-format prompt with labgate's written policy."""
    return llama_guard_prompt(text, role)


def _codes(text: str, native: bool) -> tuple[list[Category], bool]:
    cats: list[Category] = []
    unspecified = False
    for number in _CODE.findall(text):
        code = f"S{number}"
        if native:
            if code not in NATIVE_LLAMA_GUARD:
                cat: Category | None = Category.GENERAL_HARM
            else:
                cat = NATIVE_LLAMA_GUARD[code]
            if cat is None:
                unspecified = True
                continue
        elif code in CATEGORIES:
            cat = CATEGORIES[code][0]
        else:
            continue
        if cat not in cats:
            cats.append(cat)
    return cats, unspecified


def _json_object(answer: str) -> dict[str, Any] | None:
    start, end = answer.find("{"), answer.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        found = json.loads(answer[start : end + 1])
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


_UNSAFE_WORDS = {"unsafe", "violation", "violating", "block", "blocked", "harmful", "deny"}
_SAFE_WORDS = {"safe", "allow", "allowed", "ok", "compliant", "benign", "no_violation"}


def _json_verdict(found: dict[str, Any], answer: str, native: bool) -> JudgeVerdict | None:
    safe: bool | None = None
    if isinstance(found.get("violation"), bool | int):
        safe = not bool(found["violation"])
    elif isinstance(found.get("safe"), bool):
        safe = found["safe"]
    elif isinstance(found.get("unsafe"), bool):
        safe = not found["unsafe"]
    else:
        for key in ("verdict", "decision", "label", "classification", "result"):
            value = found.get(key)
            if isinstance(value, str):
                word = value.strip().lower()
                if word in _UNSAFE_WORDS:
                    safe = False
                elif word in _SAFE_WORDS:
                    safe = True
                break
    if safe is None:
        return None
    named = []
    for key in ("categories", "category", "violated_categories", "policy_category", "codes"):
        value = found.get(key)
        if isinstance(value, str):
            named.append(value)
        elif isinstance(value, list):
            named.extend(str(v) for v in value)
    cats, unspecified = _codes(" ".join(named), native)
    if not cats:  # category names instead of codes ("cbrn_nuclear")
        cats = [c for c in Category if any(c.value == n.strip().lower() for n in named)]
    rationale = found.get("rationale") or found.get("reason") or found.get("explanation")
    return JudgeVerdict(
        safe=safe,
        categories=[] if safe else cats,
        raw=answer,
        cbrn_unspecified=unspecified and not safe,
        rationale=str(rationale)[:500] if rationale else None,
    )


def parse_verdict(answer: str, *, native: bool = False) -> JudgeVerdict:
    """Read ``safe`` / ``unsafe\\nS1,S4`` (tolerating case, spacing and extra words) or a JSON
    verdict (``{"violation": 1, "categories": ["S4"]}``, also ``safe``/``verdict`` keys, in
    a code fence or after a line of reasoning). ``native``: the codes are Llama Guard 3's own."""
    text = answer.strip()
    if not text:
        return JudgeVerdict(safe=None, raw=answer, error="empty judge answer")
    found = _json_object(text)
    if found is not None:
        verdict = _json_verdict(found, answer, native)
        if verdict is not None:
            return verdict
    lines = [ln.strip().strip("`*").strip() for ln in text.splitlines() if ln.strip()]
    first = lines[0].lower() if lines else ""
    if first.startswith("unsafe"):
        cats, unspecified = _codes(" ".join(lines), native)
        return JudgeVerdict(safe=False, categories=cats, raw=answer, cbrn_unspecified=unspecified)
    if first.startswith("safe"):
        return JudgeVerdict(safe=True, raw=answer)
    return JudgeVerdict(safe=None, raw=answer, error="judge answer was not 'safe' or 'unsafe'")


class LlamaGuardJudge:
    """Asks one configured OpenAI-compatible worker for a verdict under the written policy."""

    def __init__(self, config: JudgeConfig, session: aiohttp.ClientSession | None = None) -> None:
        self.config = config
        self._session = session
        self._own_session = session is None
        self._slots = asyncio.Semaphore(config.max_concurrent)

    async def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._own_session = True
        return self._session

    def _body(self, text: str, role: str) -> dict[str, Any]:
        fmt = self.config.format
        if fmt == "json":
            messages = [
                {"role": "system", "content": json_system_prompt(role)},
                {"role": "user", "content": text},
            ]
        elif fmt == "llama_guard_native":
            messages = [{"role": "user" if role == "User" else "assistant", "content": text}]
            if role != "User":  # Llama Guard judges the last turn; an answer needs a question
                messages.insert(0, {"role": "user", "content": "(the user's request)"})
        else:
            messages = [{"role": "user", "content": build_prompt(text, role)}]
        body: dict[str, Any] = {
            "model": self.config.model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": self.config.max_tokens or _DEFAULT_MAX_TOKENS[fmt],
            "stream": False,
        }
        if self.config.reasoning_effort:
            body["reasoning_effort"] = self.config.reasoning_effort
        return body

    async def judge(self, text: str, role: str = "User") -> JudgeVerdict:
        started = time.perf_counter()
        verdict = await self._ask(text, role)
        verdict.latency_ms = (time.perf_counter() - started) * 1000
        verdict.model = self.config.model
        return verdict

    async def _ask(self, text: str, role: str) -> JudgeVerdict:
        url = str(self.config.base_url).rstrip("/") + "/chat/completions"
        headers = {"Content-Type": "application/json"}
        if self.config.api_key is not None:
            headers["Authorization"] = f"Bearer {self.config.api_key.get_secret_value()}"
        timeout = aiohttp.ClientTimeout(total=self.config.timeout_s)
        try:
            # a judge already busy with max_concurrent calls is a judge that cannot answer now
            await asyncio.wait_for(self._slots.acquire(), timeout=self.config.timeout_s)
        except TimeoutError:
            return JudgeVerdict(safe=None, error="judge busy: no free slot in time")
        try:
            session = await self._client()
            async with session.post(
                url, json=self._body(text, role), headers=headers, timeout=timeout
            ) as resp:
                if resp.status != 200:
                    error = f"judge worker answered HTTP {resp.status}"
                    return JudgeVerdict(safe=None, error=error)
                payload = await resp.json(content_type=None)
            message = payload["choices"][0]["message"]
            answer = message.get("content") or ""
        except (aiohttp.ClientError, TimeoutError) as exc:
            return JudgeVerdict(safe=None, error=f"judge worker unreachable: {type(exc).__name__}")
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            return JudgeVerdict(safe=None, error="judge worker sent a malformed completion")
        finally:
            self._slots.release()
        return parse_verdict(str(answer), native=self.config.format == "llama_guard_native")

    async def close(self) -> None:
        if self._own_session and self._session is not None and not self._session.closed:
            await self._session.close()
