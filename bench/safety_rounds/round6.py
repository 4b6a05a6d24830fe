"""Issue 21's sixth intent round: render its data into the intent files, and measure a head on
what the round targets, as the screen reads it.

The round's data lives beside this script: ``round6_tools.txt`` (tool definitions),
``round6_results.txt`` (JSON tool results) and ``round6_lines.txt`` (plain lines). A definition
is written into the intent files as the screen reads an offered tool
(:func:`labgate.visible.definitions_text`, each definition one sentence), a result as the screen
reads a JSON result's data (:func:`labgate.safety.calls.result_data`), so the head trains on the
text it is later shown.

``write`` puts the round's section at the end of each ``intent/<lang>.txt`` (replacing any
earlier rendering of it). ``measure --head PATH [--head PATH ...]`` sends, with each head:
every dev definition offered alone under a harmless user turn (``check_input`` with
``definitions`` and ``prose``, as the gateway does), every dev result as a tool's answer in a
conversation, and ``bench/tools_screening.py``'s benign tools and hidden asks; it prints
refused / flagged counts and the head's own score (its highest harmful category, read on the
rendered text alone) for benign and harmful rows.

Run: ``.venv/bin/python bench/safety_rounds/round6.py write`` or
``.venv/bin/python bench/safety_rounds/round6.py measure --head A --head B``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labgate.safety.corpus import INTENT_DEV_FAMILIES, INTENT_GROUPS

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
LANGS = ("en", "fr", "de", "es", "ru", "zh", "ar", "ja")
MARKER = "# ---- Sixth intent round (issue 21)"
# The round's dev families, fixed before its first training and listed, since the head of
# ca976d4 shipped with this round, in labgate.safety.corpus.INTENT_DEV_FAMILIES (the r6_*_dev
# families there; bench/safety_rounds/README.md, round 6).
DEV_FAMILIES = tuple(
    sorted(
        family.removeprefix(INTENT_GROUPS)
        for family in INTENT_DEV_FAMILIES
        if family.removeprefix(INTENT_GROUPS).split("/")[-1].startswith("r6_")
    )
)
USER = [{"role": "user", "content": "Please use the tools to help with today's analysis."}]


@dataclass(frozen=True)
class Row:
    label: str
    family: str
    lang: str
    kind: str  # "tool", "result" or "line"
    raw: Any  # the tool dict, the result's JSON text, or the line

    @property
    def dev(self) -> bool:
        return self.family.endswith("_dev")

    @property
    def benign(self) -> bool:
        return self.label in ("benign", "allowed_dual_use")


def _tool(fields: list[str]) -> dict[str, Any]:
    name, description, *params = fields
    props = {}
    for param in params:
        key, _, text = param.partition(":")
        props[key.strip()] = {"type": "string", "description": text.strip()}
    return {
        "type": "function",
        "function": {
            "name": name.strip(),
            "description": description.strip(),
            "parameters": {"type": "object", "properties": props, "required": list(props)},
        },
    }


def read_rows() -> list[Row]:
    rows: list[Row] = []
    for kind, file in (
        ("tool", "round6_tools.txt"),
        ("result", "round6_results.txt"),
        ("line", "round6_lines.txt"),
    ):
        label = family = ""
        for raw in (HERE / file).read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if not line:
                continue
            if line.startswith("# domain:"):
                label = line.split(":", 1)[1].strip()
            elif line.startswith("## "):
                family = line[3:].strip()
            elif not line.startswith("#"):
                lang, _, rest = line.partition("|")
                if lang not in LANGS or not rest.strip():
                    raise ValueError(f"{file}: bad line {line!r}")
                if kind == "tool":
                    value: Any = _tool(rest.split("|"))
                elif kind == "result":
                    json.loads(rest)
                    value = rest
                else:
                    value = rest.strip()
                rows.append(Row(label, family, lang, kind, value))
    return rows


def rendered(row: Row) -> str:
    """The row as the screen reads it (one line)."""
    from labgate.safety.calls import result_data
    from labgate.safety.screen import _one_sentence_each
    from labgate.visible import definitions_text

    if row.kind == "tool":
        return _one_sentence_each(definitions_text({"tools": [row.raw]}))
    if row.kind == "result":
        text = result_data(row.raw)
        assert text, row.raw
        return text
    return row.raw


def write(kinds: frozenset[str] = frozenset({"tool", "result", "line"})) -> None:
    from labgate.safety.head import data_path

    rows = [r for r in read_rows() if r.kind in kinds]
    for lang in LANGS:
        path = data_path(f"intent/{lang}.txt")
        text = path.read_text(encoding="utf-8")
        if MARKER in text:
            text = text[: text.index(MARKER)].rstrip("\n") + "\n"
        out = [
            "",
            f"{MARKER}: rendered by bench/safety_rounds/round6.py from its .txt files",
            "# ---- (tool definitions and JSON results as the screen reads them). Families named",
            "# ---- *_dev are dev families (labgate.safety.corpus.INTENT_DEV_FAMILIES), fixed",
            "# ---- before training.",
        ]
        last = ("", "")
        for row in rows:
            if row.lang != lang:
                continue
            if (row.label, row.family) != last:
                if row.label != last[0]:
                    out.append(f"# domain: {row.label}")
                out.append(f"## {row.family}")
                last = (row.label, row.family)
            line = re.sub(r"\s+", " ", rendered(row)).strip()
            out.append(line)
        path.write_text(text + "\n".join(out) + "\n", encoding="utf-8")
        print(f"{path}: {sum(r.lang == lang for r in rows)} lines")


def _tools_bench():
    sys.path.insert(0, str(BENCH))
    try:
        import tools_screening
    finally:
        sys.path.remove(str(BENCH))
    return tools_screening


def _result_messages(result: str) -> list[dict[str, Any]]:
    call = {"id": "c1", "type": "function", "function": {"name": "get_results", "arguments": "{}"}}
    return [
        {"role": "user", "content": "Fetch the latest results from the lab system."},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": result},
        {"role": "user", "content": "Go on."},
    ]


async def _measure(head: Path, all_rows: bool) -> None:
    import numpy as np

    from labgate.safety.policy import SafetyPolicy
    from labgate.safety.scoring import _HARM_IDX, category_matrix
    from labgate.safety.screen import SafetyScreen
    from labgate.visible import definition_prose, definitions_text

    screen = SafetyScreen.load(SafetyPolicy(head_path=head))
    print(f"\nhead {head}")
    rows = [r for r in read_rows() if (all_rows or r.dev) and r.kind != "line"]
    try:
        vectors = screen.embedder.encode([rendered(r) for r in rows])
        probs = screen.head.probabilities(vectors)
        harm = category_matrix(probs)[:, _HARM_IDX].max(axis=1)
        table: dict[tuple[str, str], list[Any]] = {}
        for row, score in zip(rows, harm, strict=True):
            if row.kind == "tool":
                payload = {"tools": [row.raw]}
                decision = await screen.check_input(
                    USER, definitions=definitions_text(payload), prose=definition_prose(payload)
                )
            else:
                decision = await screen.check_input(_result_messages(row.raw))
            side = "benign" if row.benign else "harmful"
            cell = table.setdefault((row.kind, side), [0, 0, 0, []])
            cell[0] += 1
            cell[1] += decision.blocked
            cell[2] += decision.flagged
            cell[3].append(float(score))
        which = "all" if all_rows else "dev"
        for (kind, side), (n, blocked, flagged, scores) in sorted(table.items()):
            s = np.array(scores)
            print(
                f"  {which} {kind} {side:7}: refused {blocked}/{n}, flagged {flagged}/{n}; "
                f"head score median {np.median(s):.2f}, min {s.min():.2f}, max {s.max():.2f}, "
                f"< 0.35: {(s < 0.35).sum()}, >= 0.9: {(s >= 0.9).sum()}"
            )
        bench = _tools_bench()
        for name, tools in (
            ("tools_screening benign", bench.BENIGN),
            (
                "tools_screening hidden",
                [bench.tool("lookup", t, query="Search terms") for t in bench.HIDDEN],
            ),
        ):
            blocked = flagged = 0
            for offered in tools:
                payload = {"tools": [offered]}
                decision = await screen.check_input(
                    bench.USER,
                    definitions=definitions_text(payload),
                    prose=definition_prose(payload),
                )
                blocked += decision.blocked
                flagged += decision.flagged
            print(f"  {name}: refused {blocked}/{len(tools)}, flagged {flagged}/{len(tools)}")
    finally:
        screen.embedder.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    writer = sub.add_parser("write", help="render the round's data into the intent files")
    writer.add_argument(
        "--only", default="tool,result,line", help="kinds to write (an ablation): tool,result,line"
    )
    measure = sub.add_parser("measure", help="measure heads on the round's targets")
    measure.add_argument("--head", type=Path, action="append", required=True)
    measure.add_argument("--all", action="store_true", help="training rows too, not only dev")
    args = parser.parse_args()
    if args.command == "write":
        write(frozenset(args.only.split(",")))
    else:
        for head in args.head:
            asyncio.run(_measure(head.resolve(), args.all))


if __name__ == "__main__":
    main()
