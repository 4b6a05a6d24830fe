"""The guardrail against disguised requests, measured per disguise, both ways.

Sends each of 16 English harmful requests (CBRN and infrastructure attacks) through each disguise
of ``tests/safety/disguise_cases.py`` (letters spaced out, leetspeak, look-alike letters,
zero-width characters, ROT13 with "decode this", reversed text, base64, Morse, upside-down
text, emoji letters, javanais, jerigonza…) into the input
check the gateway runs (``SafetyScreen.check_input``, the shipped policy and head), and prints
blocked / n and flagged / n per disguise; then, for benign texts that look encoded (hashes,
base64 blobs of benign data, code, DNA, SMILES, log lines, benign text in a disguise, French
and Spanish words like the letter games, emoji-rich chat, upside-down greetings), refused /
n and flagged / n per kind; then 12 harmful and 12 benign lab tasks in each reframing wrapper
(past tense, fiction, JSON only, a table, "continue this notebook", a persona, fake
authorisation, a research pretext), both ways. Figures, not pass/fail; the same sets are
asserted on in ``tests/safety/test_disguises.py``.

``--decoding off`` measures the same sets with the decoders switched off (every text screened
as written), to show what decoding adds.

Run: ``.venv/bin/python bench/disguises.py [--decoding off] [--json]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labgate.safety.categories import Action  # noqa: E402
from labgate.safety.policy import SafetyPolicy  # noqa: E402
from labgate.safety.screen import SafetyScreen  # noqa: E402
from tests.safety.disguise_cases import (  # noqa: E402
    BENIGN,
    BENIGN_TASKS,
    DISGUISES,
    HARMFUL,
    HARMFUL_TASKS,
    REFRAMINGS,
)


async def _action(screen: SafetyScreen, text: str) -> Action:
    decision = await screen.check_input([{"role": "user", "content": text}])
    return decision.action


async def measure(screen: SafetyScreen) -> dict[str, dict[str, dict[str, int]]]:
    disguised: dict[str, dict[str, int]] = {}
    for name, disguise in DISGUISES.items():
        actions = [await _action(screen, disguise(text)) for text in HARMFUL]
        disguised[name] = {
            "n": len(actions),
            "blocked": sum(a is Action.BLOCK for a in actions),
            "flagged": sum(a is Action.FLAG for a in actions),
        }
    benign: dict[str, dict[str, int]] = {}
    for kind, texts in BENIGN.items():
        actions = [await _action(screen, text) for text in texts]
        benign[kind] = {
            "n": len(actions),
            "refused": sum(a is Action.BLOCK for a in actions),
            "flagged": sum(a is Action.FLAG for a in actions),
        }
    reframed: dict[str, dict[str, int]] = {}
    for name, wrap in REFRAMINGS.items():
        harmful = [await _action(screen, wrap(task)) for task in HARMFUL_TASKS]
        fine = [await _action(screen, wrap(task)) for task in BENIGN_TASKS]
        reframed[name] = {
            "n": len(harmful),
            "blocked": sum(a is Action.BLOCK for a in harmful),
            "flagged": sum(a is Action.FLAG for a in harmful),
            "benign_n": len(fine),
            "refused": sum(a is Action.BLOCK for a in fine),
            "benign_flagged": sum(a is Action.FLAG for a in fine),
        }
    return {"disguised": disguised, "benign": benign, "reframed": reframed}


def render(result: dict[str, dict[str, dict[str, int]]]) -> str:
    lines = ["| disguise | blocked / n | flagged / n |", "|---|---|---|"]
    total = blocked = 0
    for name, row in result["disguised"].items():
        lines.append(f"| {name} | {row['blocked']} / {row['n']} | {row['flagged']} / {row['n']} |")
        if name != "plain (no disguise)":
            total += row["n"]
            blocked += row["blocked"]
    lines.append(f"| **all disguises** | **{blocked} / {total}** | |")
    lines += ["", "| benign kind | refused / n | flagged / n |", "|---|---|---|"]
    for kind, row in result["benign"].items():
        lines.append(f"| {kind} | {row['refused']} / {row['n']} | {row['flagged']} / {row['n']} |")
    lines += [
        "",
        "| reframing | harmful blocked / n | harmful flagged | benign refused / n "
        "| benign flagged |",
        "|---|---|---|---|---|",
    ]
    for name, row in result["reframed"].items():
        lines.append(
            f"| {name} | {row['blocked']} / {row['n']} | {row['flagged']} | "
            f"{row['refused']} / {row['benign_n']} | {row['benign_flagged']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decoding", choices=["on", "off"], default="on")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--head", type=Path, help="a head file (default: the shipped one)")
    args = parser.parse_args()
    screen = SafetyScreen.load(SafetyPolicy(head_path=args.head))
    with ExitStack() as stack:
        if args.decoding == "off":
            stack.enter_context(mock.patch("labgate.safety.scoring.derived_texts", lambda t: []))
        result = asyncio.run(measure(screen))
    screen.embedder.close()
    print(render(result))
    if args.json:
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
