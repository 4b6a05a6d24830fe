"""The red teams' sets of deployment prompts (tests/safety/data/attack_*.tsv): one row per
case, ``label  language  system  user``, newlines and tabs escaped as ``\\n`` and ``\\t``."""

from __future__ import annotations

import csv
import re
from pathlib import Path

DATA = Path(__file__).parent / "data"


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def attack_rows(name: str) -> list[list[str]]:
    """The rows of ``data/NAME`` (escaped as written), its header left out."""
    with (DATA / name).open(encoding="utf-8") as fh:
        return [
            row
            for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
            if row and row[0] != "label"
        ]
