"""Can a linear reading of the shipped encoders separate a system prompt written for harm from
a benign deployment's, on prompts written by other hands? (issue 21: the blind suites' weakest
family is harmful system prompts, most of them flagged and answered.)

The system prompts of the dev sets (dev4-dev7, shape ``system``; harmful and benign) and the
111 benign deployment prompts of bench/safety_deployments, each read whole by USE
(multilingual v3, the first stage's encoder) and by multilingual-e5-small (the second
reader's), and USE's sentence vectors averaged. A logistic regression per feature set,
**trained on all sources but one and measured on the one left out** (each source was written
by other hands), at the threshold that refuses 2% of the training benign prompts. Then the
same, only on the prompts the shipped screen flags: could such a reading turn a flag into a
block? Frozen suites are not read. About 3 minutes on 2 cores.

    .venv/bin/python bench/safety_candidates/purpose_probe.py
"""

from __future__ import annotations

import asyncio
import csv
import json
import re
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from labgate.safety.embedder import make_e5_encoder, make_use_encoder
from labgate.safety.policy import SafetyPolicy
from labgate.safety.screen import SafetyScreen

BENCH = Path(__file__).parent.parent
SOURCES = ["safety_dev4", "safety_dev5", "safety_dev6", "safety_dev7", "deployments"]
_SENTENCES = re.compile(r"\n+| / |(?<=[.!?。！？؟])\s+")


def prompts() -> list[tuple[str, int, str, str]]:
    """(source, 1 harmful / 0 benign, system prompt, user turn)."""
    rows = []
    for source in SOURCES[:4]:
        for name, label in (("harmful", 1), ("benign", 0)):
            with (BENCH / source / f"{name}.tsv").open(newline="", encoding="utf-8") as fh:
                for row in csv.DictReader(fh, delimiter="\t"):
                    if row.get("shape") == "system":
                        parts = row["text"].split(" || ")
                        rows.append((source, label, parts[0], " ".join(parts[1:]) or "Hello."))
    for line in (BENCH / "safety_deployments" / "benign.jsonl").open(encoding="utf-8"):
        rows.append(("deployments", 0, json.loads(line)["system"], "Hello."))
    return rows


async def screen_actions(rows: list[tuple[str, int, str, str]]) -> np.ndarray:
    screen = SafetyScreen.load(SafetyPolicy())
    out = []
    for _, _, system, user in rows:
        decision = await screen.check_input(
            [{"role": "system", "content": system}, {"role": "user", "content": user}]
        )
        out.append(decision.action.value)
    await screen.aclose()
    return np.array(out)


def features(rows: list[tuple[str, int, str, str]]) -> dict[str, np.ndarray]:
    use, e5 = make_use_encoder(1), make_e5_encoder(1)
    whole, mean, e5_whole = [], [], []
    for _, _, system, _ in rows:
        sentences = [s.strip() for s in _SENTENCES.split(system) if len(s.strip()) > 3]
        whole.append(use([system])[0])
        mean.append(use(sentences or [system]).mean(0))
        e5_whole.append(e5([system])[0])
    feats = {"USE whole": np.array(whole), "USE sentence mean": np.array(mean)}
    feats["e5 whole"] = np.array(e5_whole)
    feats["USE + e5 whole"] = np.concatenate([feats["USE whole"], feats["e5 whole"]], axis=1)
    return {k: v / np.linalg.norm(v, axis=1, keepdims=True) for k, v in feats.items()}


def held_out(
    x: np.ndarray, y: np.ndarray, src: np.ndarray, only: np.ndarray, quantile: float
) -> tuple[list[str], list[int]]:
    """Per source left out: harmful above the threshold, benign above it (within ``only``)."""
    cells, total = [], [0, 0, 0, 0]
    for source in SOURCES:
        train, test = src != source, (src == source) & only
        model = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced")
        model.fit(x[train], y[train])
        reference = model.predict_proba(x[train & only & (y == 0)])[:, 1]
        threshold = np.quantile(reference, quantile)
        p = model.predict_proba(x[test])[:, 1]
        harmful, benign = y[test] == 1, y[test] == 0
        tp, fp = int((p[harmful] >= threshold).sum()), int((p[benign] >= threshold).sum())
        auc = roc_auc_score(y[test], p) if harmful.any() and benign.any() else float("nan")
        cells.append(
            f"{source.replace('safety_', '')}: H {tp}/{harmful.sum()} B {fp}/{benign.sum()}"
            + ("" if np.isnan(auc) else f" (AUC {auc:.2f})")
        )
        total = [total[0] + tp, total[1] + harmful.sum(), total[2] + fp, total[3] + benign.sum()]
    return cells, [int(t) for t in total]


def main() -> None:
    rows = prompts()
    src = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    actions = asyncio.run(screen_actions(rows))
    print("the shipped screen (harmful blocked/flagged/allowed | benign refused/flagged/allowed):")
    for source in SOURCES:
        here = src == source
        counts = [
            "/".join(str(int(((actions == a) & here & (y == label)).sum())) for a in ACTIONS)
            for label in (1, 0)
        ]
        print(f"  {source}: H {counts[0]} | B {counts[1]}")
    feats = features(rows)
    everything = np.ones(len(rows), dtype=bool)
    print("\neach source left out, threshold at 2% of the training benign refused:")
    for name, x in feats.items():
        cells, t = held_out(x, y, src, everything, 0.98)
        print(f"  {name}: " + " | ".join(cells) + f" || H {t[0]}/{t[1]} B {t[2]}/{t[3]}")
    print("\nonly the prompts the screen flags, threshold at 5% of the training benign flags:")
    for name, x in feats.items():
        cells, t = held_out(x, y, src, actions == "flag", 0.95)
        print(f"  {name}: " + " | ".join(cells) + f" || H {t[0]}/{t[1]} B {t[2]}/{t[3]}")


ACTIONS = ("block", "flag", "allow")

if __name__ == "__main__":
    main()
