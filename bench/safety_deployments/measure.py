"""How the guardrail decides benign deployment system prompts (bench/safety_deployments):
each prompt as the system message with "Hello." as the user's turn, through the screen's
check_input. Prints refused / flagged / answered, overall and by the name's prefix.

    .venv/bin/python bench/safety_deployments/measure.py [--list]
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter
from pathlib import Path

from labgate.safety.policy import SafetyPolicy
from labgate.safety.screen import SafetyScreen

HERE = Path(__file__).parent


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print each refused prompt's name")
    args = parser.parse_args()
    rows = [json.loads(line) for line in (HERE / "benign.jsonl").read_text().splitlines()]
    screen = SafetyScreen.load(SafetyPolicy())
    counts: Counter[str] = Counter()
    by_prefix: dict[str, Counter[str]] = {}
    for row in rows:
        decision = await screen.check_input(
            [{"role": "system", "content": row["system"]}, {"role": "user", "content": "Hello."}]
        )
        action = decision.action.value
        counts[action] += 1
        by_prefix.setdefault(row["name"].split("_")[0], Counter())[action] += 1
        if args.list and action == "block":
            print(f"refused {row['name']}: {decision.category} {decision.score:.2f}")
    print(
        f"{len(rows)} benign deployment prompts: refused {counts['block']}, "
        f"flagged {counts['flag']}, answered {counts['allow']}"
    )
    for prefix, c in sorted(by_prefix.items()):
        print(f"  {prefix:<12} refused {c['block']:>3} / {sum(c.values()):>3}, flagged {c['flag']}")
    await screen.aclose()


if __name__ == "__main__":
    asyncio.run(main())
