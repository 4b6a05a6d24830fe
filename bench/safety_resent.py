"""What the guardrail's first stage costs on the text a client sends again with every request:
a deployment's system prompt (the 111 prompts of bench/safety_deployments, each sent ten times
with a new user turn) and a conversation's earlier turns (six turns, a new last turn each time).

Each case runs twice in the same process, rounds alternating: with the screen's per-text
memos as shipped, and with them emptied before every check (each text then read afresh, as
before issue 25's memos). The embedder's vector cache is left on in both modes, and every
new turn is a text not seen before in either mode. Prints the p50 and mean per check, ms.

    .venv/bin/python bench/safety_resent.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path

from labgate.safety import lexicon
from labgate.safety import screen as screen_module
from labgate.safety.instruction_reading import RULES_OF_REFUSING
from labgate.safety.policy import SafetyPolicy
from labgate.safety.screen import SafetyScreen

HERE = Path(__file__).parent
CONVERSATION = [
    (
        "system",
        "You are a helpful assistant for the materials science group at a national laboratory. "
        "Answer concisely and cite sources when you can.",
    ),
    ("user", "What shielding does a 10 Ci Cs-137 source need at 1 m to get below 2 mR/h?"),
    (
        "assistant",
        "Cs-137 emits 662 keV gammas; the exposure rate constant is about 0.33 R m^2/(Ci h), so "
        "10 Ci gives about 3.3 R/h at 1 m. Lead's half-value layer at 662 keV is about 0.65 cm, "
        "so you need log2(3300/2) = 10.7 HVLs, roughly 7 cm of lead.",
    ),
    ("user", "And with concrete instead?"),
    ("assistant", "Concrete's half-value layer at 662 keV is about 4.8 cm: roughly 51 cm."),
]


def forget() -> None:
    """Empty every per-text memo of the first stage."""
    lexicon._names_a_goal.clear()
    lexicon._states_defence.clear()
    lexicon._scan_uplift_memo.clear()
    screen_module._words_read_memo.clear()


async def timed(screen: SafetyScreen, messages: list[dict[str, str]], memo: bool) -> float:
    if not memo:
        forget()
    start = time.perf_counter()
    await screen.check_input(messages)
    return (time.perf_counter() - start) * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each mode (default 2)")
    parser.add_argument("--per-kind", type=int, default=20, help="prompts of each kind (20)")
    args = parser.parse_args()
    screen = SafetyScreen.load(SafetyPolicy())
    rows = [json.loads(line) for line in (HERE / "safety_deployments/benign.jsonl").open()]
    kinds: dict[str, list[str]] = {}
    for row in rows:
        decision = await screen.check_input(
            [{"role": "system", "content": row["system"]}, {"role": "user", "content": "Hello."}]
        )
        kind = decision.action.value
        if RULES_OF_REFUSING in decision.reasons:
            kind = "flag (rules of refusing)"
        kinds.setdefault(kind, []).append(row["system"])
    print("deployment prompts by decision:", {k: len(v) for k, v in sorted(kinds.items())})
    results: dict[tuple[str, str], list[float]] = {}
    for rnd in range(args.rounds):
        for memo in (True, False):
            mode = "memos" if memo else "no memos"
            for kind, prompts in sorted(kinds.items()):
                for n, prompt in enumerate(prompts[: args.per_kind]):
                    for i in range(10):
                        turn = f"Hello, question {rnd}-{mode}-{kind}-{n}-{i}."
                        messages = [
                            {"role": "system", "content": prompt},
                            {"role": "user", "content": turn},
                        ]
                        ms = await timed(screen, messages, memo)
                        results.setdefault((f"deployment prompt, {kind}", mode), []).append(ms)
            for i in range(60):
                messages = [{"role": r, "content": c} for r, c in CONVERSATION]
                messages.append(
                    {"role": "user", "content": f"What about steel ({rnd}-{mode}-{i})?"}
                )
                ms = await timed(screen, messages, memo)
                results.setdefault(("conversation of 6 turns", mode), []).append(ms)
    print(f"{'case':<48} {'mode':<9} {'n':>5} {'p50 ms':>8} {'mean ms':>8}")
    for (case, mode), times in sorted(results.items()):
        print(
            f"{case:<48} {mode:<9} {len(times):>5} {statistics.median(times):>8.2f} "
            f"{statistics.mean(times):>8.2f}"
        )
    await screen.aclose()


if __name__ == "__main__":
    asyncio.run(main())
