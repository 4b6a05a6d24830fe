"""A classifier head measured on the intent set's dev split, through the real input screen.

The dev split is the intent families named in ``labgate.safety.corpus.INTENT_DEV_FAMILIES``
(fixed before any training on them). Each row goes through ``SafetyScreen.check_input`` as the
gateway would send it: a row with ``" || "`` is a conversation, its turns consecutive user
messages. Printed per family and per language: harmful blocked / n (and flagged, not blocked),
benign refused / n (and flagged), then the totals.

Every head is checked against its own ``splits.json``: a dev family that head *trained* on is
reported (its figure would not be held out). A family the head's splits.json does not know
(new data it never saw) is measured like any dev family, so an old head and a candidate are
measured on the same rows.

``--safety-dev [PATH]`` also sends ``../shared/safety-dev`` (or PATH) through an in-process
gateway (``labgate.safety.suite_eval``, as ``bench/safety.py --tsv``) with each head and prints
its counts only, never its rows.

Run: ``.venv/bin/python bench/safety_dev.py [--head PATH ...] [--misses] [--safety-dev]``
(``--head`` is repeatable; default: the shipped head).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from labgate.safety.categories import BENIGN_CLASS, Category
from labgate.safety.corpus import INTENT_DEV_FAMILIES, INTENT_GROUPS
from labgate.safety.corpus_files import INTENT_LANGUAGES, Item, read_intent
from labgate.safety.head import data_path

BENIGN_LABELS = frozenset({BENIGN_CLASS, Category.ALLOWED_DUAL_USE.value})
DEFAULT_SAFETY_DEV = Path(__file__).resolve().parents[2] / "shared" / "safety-dev"


def dev_items() -> list[Item]:
    """The dev rows of every language, in file order."""
    return [
        item
        for lang in INTENT_LANGUAGES
        for item in read_intent(lang)
        if item.group in INTENT_DEV_FAMILIES
    ]


def trained_on(head: Path) -> list[str]:
    """Dev families the head's own splits.json puts in training (its figure is not held out)."""
    splits = head.parent / "splits.json"
    if not splits.exists():
        return []
    recorded = json.loads(splits.read_text())["groups"]
    return sorted(g for g in INTENT_DEV_FAMILIES if recorded.get(g) == "train")


@dataclass
class Count:
    n: int = 0
    blocked: int = 0
    flagged: int = 0


@dataclass
class Result:
    head: Path
    seconds: float = 0.0
    rows: list[tuple[Item, str]] = field(default_factory=list)  # (item, action)

    def table(self, key: str) -> dict[tuple[str, str], Count]:
        out: dict[tuple[str, str], Count] = defaultdict(Count)
        for item, action in self.rows:
            side = "benign" if item.label in BENIGN_LABELS else "harmful"
            name = (
                item.source.rsplit("_", 1)[1]
                if key == "language"
                else item.group.removeprefix(INTENT_GROUPS)
            )
            c = out[(side, name)]
            c.n += 1
            c.blocked += action == "block"
            c.flagged += action == "flag"
        return out

    def totals(self) -> dict[str, Count]:
        out: dict[str, Count] = defaultdict(Count)
        for (side, _), c in self.table("language").items():
            t = out[side]
            t.n += c.n
            t.blocked += c.blocked
            t.flagged += c.flagged
        return out


async def measure(head: Path, items: list[Item]) -> Result:
    from labgate.safety.policy import SafetyPolicy
    from labgate.safety.screen import SafetyScreen

    screen = SafetyScreen.load(SafetyPolicy(head_path=head))
    result = Result(head)
    started = time.perf_counter()
    try:
        for item in items:
            messages = [{"role": "user", "content": turn.strip()} for turn in item.text.split("||")]
            decision = await screen.check_input(messages)
            result.rows.append((item, decision.action.value))
    finally:
        screen.embedder.close()
    result.seconds = time.perf_counter() - started
    return result


def cell(c: Count | None) -> str:
    if c is None or c.n == 0:
        return "-"
    return f"{c.blocked}/{c.n}" + (f" +{c.flagged}f" if c.flagged else "")


def render(results: list[Result], misses: bool) -> None:
    names = [f"head {i}" for i in range(len(results))]
    for i, r in enumerate(results):
        print(f"{names[i]}: {r.head} ({len(r.rows)} rows, {r.seconds:.0f} s)")
        stale = trained_on(r.head)
        if stale:
            print(f"  WARNING: this head trained on dev families {stale}: not held out for it")
    for key in ("family", "language"):
        tables = [r.table(key) for r in results]
        keys = sorted({k for t in tables for k in t})
        width = max(len(k[1]) for k in keys) + 2
        for side, what in (("harmful", "blocked"), ("benign", "refused")):
            print(f"\n{side} {what} / n (+flagged, not {what}) by {key}")
            print(" " * (width + 8) + "".join(f"{n:>16}" for n in names))
            for k in keys:
                if k[0] != side:
                    continue
                cells = "".join(f"{cell(t.get(k)):>16}" for t in tables)
                print(f"{side[:7]:<8}{k[1]:<{width}}{cells}")
    print()
    for i, r in enumerate(results):
        t = r.totals()
        h, b = t.get("harmful", Count()), t.get("benign", Count())
        print(
            f"{names[i]}: harmful blocked {h.blocked} / {h.n} (+{h.flagged} flagged); "
            f"benign refused {b.blocked} / {b.n} (+{b.flagged} flagged)"
        )
    if misses:
        for i, r in enumerate(results):
            print(f"\n{names[i]}: dev rows missed (harmful allowed or flagged) or refused (benign)")
            for item, action in r.rows:
                harmful = item.label not in BENIGN_LABELS
                if (harmful and action != "block") or (not harmful and action == "block"):
                    lang = item.source.rsplit("_", 1)[1]
                    what = f"MISSED({action})" if harmful else "REFUSED"
                    family = item.group.removeprefix(INTENT_GROUPS)
                    print(f"  {what} [{lang} {family}] {item.text[:150]!r}")


def safety_dev(heads: list[Path], path: Path) -> None:
    """Counts only (the rows of shared/safety-dev are never printed)."""
    from labgate.safety.suite_eval import run_suites

    for head in heads:
        report = run_suites([path], safety={"head_path": str(head)})[0]
        h = report.headline()
        print(
            f"safety-dev with {head}: harmful blocked {h['harmful_blocked']} / {h['harmful_n']} "
            f"(+{h['harmful_flagged']} flagged); benign refused {h['benign_refused']} / "
            f"{h['benign_n']} (+{h['benign_flagged']} flagged); everyday refused "
            f"{h['everyday_refused']} / {h['everyday_n']}; errors {h['errors']}"
        )
        for title, rows in report.tables().items():
            line = ", ".join(f"{k} {c.blocked}/{c.n}" for k, c in sorted(rows.items()))
            print(f"  {title}: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--head", type=Path, action="append", help="head.npz to measure (repeatable)"
    )
    parser.add_argument("--misses", action="store_true", help="list the dev rows got wrong")
    parser.add_argument(
        "--safety-dev",
        nargs="?",
        const=DEFAULT_SAFETY_DEV,
        type=Path,
        help="also run shared/safety-dev (or this path) through the API, counts only",
    )
    parser.add_argument("--json", type=Path, help="write per-row actions here (dev rows only)")
    args = parser.parse_args()
    heads = [h.resolve() for h in (args.head or [data_path("head.npz")])]
    print(f"CPU cores visible: {os.cpu_count()}; load average {os.getloadavg()}")
    items = dev_items()
    results = [asyncio.run(measure(h, items)) for h in heads]
    render(results, args.misses)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    str(r.head): [
                        {"group": i.group, "source": i.source, "label": i.label, "action": a}
                        for i, a in r.rows
                    ]
                    for r in results
                },
                indent=1,
            )
        )
    if args.safety_dev:
        safety_dev(heads, args.safety_dev)


if __name__ == "__main__":
    main()
