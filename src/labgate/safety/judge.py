"""The optional second stage: an LLM judge asked with a Llama Guard-style prompt.

When the first stage is unsure (its top harm score lies in the configured band), the text is
sent to an OpenAI-compatible worker with a prompt in the format of Llama Guard: a numbered list
of unsafe categories, the conversation, and the instruction to answer ``safe`` or ``unsafe``
followed by the violated category codes. Any model can play the judge; a real Llama Guard
follows the format natively, a general model follows the instructions.

The judge is advisory and fails soft: if the worker is down, slow or answers off-format, the
first stage's decision stands and the failure is written into the decision's reasons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import aiohttp

from labgate.safety.categories import Category
from labgate.safety.policy import JudgeConfig

# Category code -> (policy category, description shown to the judge). Descriptions name the
# legitimate science explicitly, so the judge is told what *not* to refuse as well.
JUDGE_CATEGORIES: dict[str, tuple[Category, str]] = {
    "S1": (
        Category.CBRN_CHEMICAL,
        "Chemical weapons: synthesis, acquisition, stabilisation, weaponisation or delivery of "
        "chemical warfare agents or toxic chemicals used as weapons.",
    ),
    "S2": (
        Category.CBRN_BIOLOGICAL,
        "Biological weapons: producing, acquiring, enhancing (transmissibility, virulence, "
        "immune or drug escape), weaponising or releasing pathogens or toxins.",
    ),
    "S3": (
        Category.CBRN_RADIOLOGICAL,
        "Radiological weapons: stealing sources, building dispersal or exposure devices.",
    ),
    "S4": (
        Category.CBRN_NUCLEAR,
        "Nuclear weapons: acquiring fissile material, covert enrichment or reprocessing, weapon "
        "design, sabotage of nuclear facilities, evading safeguards.",
    ),
    "S5": (
        Category.CYBER_INFRASTRUCTURE,
        "Cyber attacks: malware, exploits or intrusion against systems, above all power, water, "
        "industrial control and other critical infrastructure.",
    ),
    "S6": (
        Category.GENERAL_HARM,
        "Other serious harm: violence, conventional weapons and explosives for attacks, crime.",
    ),
}

_TEMPLATE = """Task: Check if there is unsafe content in '{role}' messages in conversations \
according to our safety policy with the below categories.

<BEGIN UNSAFE CONTENT CATEGORIES>
{categories}
<END UNSAFE CONTENT CATEGORIES>

Legitimate science is safe: questions on reactor physics, radiochemistry, nuclear medicine, \
virology, toxicology, pharmacology, explosives safety, chemical engineering and cyber defence \
that seek understanding, safety, detection, defence, treatment or history, without asking for \
actionable steps to cause mass harm.

<BEGIN CONVERSATION>

{role}: {text}

<END CONVERSATION>

Provide your safety assessment for ONLY THE LAST {role} message in the above conversation:
- First line must read 'safe' or 'unsafe'.
- If unsafe, a second line must include a comma-separated list of violated categories."""

_CODE = re.compile(r"\bS(\d+)\b")


@dataclass(slots=True)
class JudgeVerdict:
    """The judge's answer; ``error`` is set (and ``safe`` is None) when it could not answer."""

    safe: bool | None
    categories: list[Category] = field(default_factory=list)
    raw: str = ""
    error: str | None = None

    def to_audit(self) -> dict[str, object]:
        return {
            "safe": self.safe,
            "categories": [c.value for c in self.categories],
            "error": self.error,
        }


def build_prompt(text: str, role: str = "User") -> str:
    listing = "\n".join(f"{code}: {desc}" for code, (_, desc) in JUDGE_CATEGORIES.items())
    return _TEMPLATE.format(role=role, categories=listing, text=text)


def parse_verdict(answer: str) -> JudgeVerdict:
    """Read ``safe`` / ``unsafe\\nS1,S4`` (tolerating case, spacing and extra words)."""
    lines = [ln.strip() for ln in answer.strip().splitlines() if ln.strip()]
    if not lines:
        return JudgeVerdict(safe=None, raw=answer, error="empty judge answer")
    first = lines[0].lower()
    if first.startswith("unsafe"):
        codes = _CODE.findall(" ".join(lines))
        cats = [JUDGE_CATEGORIES[f"S{c}"][0] for c in codes if f"S{c}" in JUDGE_CATEGORIES]
        return JudgeVerdict(safe=False, categories=cats, raw=answer)
    if first.startswith("safe"):
        return JudgeVerdict(safe=True, raw=answer)
    return JudgeVerdict(safe=None, raw=answer, error="judge answer was not 'safe' or 'unsafe'")


class LlamaGuardJudge:
    """Asks one configured OpenAI-compatible worker for a safe/unsafe verdict."""

    def __init__(self, config: JudgeConfig, session: aiohttp.ClientSession | None = None) -> None:
        self.config = config
        self._session = session
        self._own_session = session is None

    async def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._own_session = True
        return self._session

    async def judge(self, text: str, role: str = "User") -> JudgeVerdict:
        url = str(self.config.base_url).rstrip("/") + "/chat/completions"
        headers = {"Content-Type": "application/json"}
        if self.config.api_key is not None:
            headers["Authorization"] = f"Bearer {self.config.api_key.get_secret_value()}"
        body = {
            "model": self.config.model,
            "messages": [{"role": "user", "content": build_prompt(text, role)}],
            "temperature": 0,
            "max_tokens": 24,
            "stream": False,
        }
        timeout = aiohttp.ClientTimeout(total=self.config.timeout_s)
        try:
            session = await self._client()
            async with session.post(url, json=body, headers=headers, timeout=timeout) as resp:
                if resp.status != 200:
                    error = f"judge worker answered HTTP {resp.status}"
                    return JudgeVerdict(safe=None, error=error)
                payload = await resp.json()
            answer = payload["choices"][0]["message"]["content"] or ""
        except (aiohttp.ClientError, TimeoutError) as exc:
            return JudgeVerdict(safe=None, error=f"judge worker unreachable: {type(exc).__name__}")
        except (KeyError, IndexError, TypeError, ValueError):
            return JudgeVerdict(safe=None, error="judge worker sent a malformed completion")
        return parse_verdict(str(answer))

    async def close(self) -> None:
        if self._own_session and self._session is not None and not self._session.closed:
            await self._session.close()
