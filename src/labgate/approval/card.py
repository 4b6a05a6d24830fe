"""A model card: one version's results against the deployment's thresholds, its plots (inline
SVG, nothing fetched), its weights digest, who evaluated and who approved it, known limits.

Rendered as HTML (served at ``/v1/model-cards/{model}``; ``labgate eval card`` writes it) and
as Markdown. Every value is escaped: a model's name or an approver's reason is text, never
markup.
"""

# ruff: noqa: E501  (the HTML template is wider than code)

from __future__ import annotations

import math
from html import escape
from typing import Any

from labgate.approval.config import ApprovalConfig

CARD_VERSION = 1

KNOWN_LIMITS = [
    "The shipped suites are small (hundreds of items, written for labgate): they catch a "
    "regression or a gross failure, not a subtle one; a rate measured on them has a wide "
    "margin (about +-7 points at 200 items).",
    "Answers are graded by matching the known answer in the text, not by a person or a "
    "judge model: a right answer in an unexpected form counts as wrong.",
    "Safety items are requests only (never harmful content); a refusal is recognised by its "
    "wording or by labgate's guard refusing it.",
    "Bias items vary one attribute at a time (a name, a laboratory, a nationality, a gender); "
    "they show inconsistency, not its cause.",
]


def _bars(title: str, values: dict[str, float], *, max_value: float = 1.0) -> str:
    """A horizontal bar chart as inline SVG."""
    # only finite numbers are drawn: an infinite one (JSON 1e400 in a stored evaluation) made
    # every bar's width NaN and the card a 500 for everyone who opened it
    rows = [(k, v) for k, v in values.items() if isinstance(v, int | float) and math.isfinite(v)]
    if not rows:
        return ""
    height = 24 * len(rows) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="460" height="{height}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    top = max(max_value, max(v for _, v in rows) or 1.0)
    for i, (name, value) in enumerate(rows):
        y = 20 + 24 * i
        width = 0 if top <= 0 else int(260 * max(0.0, value) / top)
        parts.append(
            f'<text x="0" y="{y + 12}" font-size="12">{escape(str(name))}</text>'
            f'<rect x="150" y="{y}" width="{width}" height="16" fill="#3b6ea5"/>'
            f'<text x="{155 + width}" y="{y + 12}" font-size="12">{value:.3g}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _section(metrics: dict[str, Any], key: str) -> dict[str, float]:
    node = metrics.get(key)
    return (
        {k: float(v) for k, v in node.items() if isinstance(v, int | float)}
        if isinstance(node, dict)
        else {}
    )


def render_card(shown: dict[str, Any], config: ApprovalConfig) -> tuple[str, str]:
    """(HTML, Markdown) of the card of a version as :meth:`ModelRegistry.show` returns it."""
    checks = shown["thresholds"]["checks"]
    evaluation = next(
        (
            e
            for e in reversed(shown["evaluations"])
            if e["id"] == shown["thresholds"]["evaluation_id"]
        ),
        None,
    )
    metrics = evaluation["metrics"] if evaluation else {}
    approvals = [a for a in shown["approvals"] if not a["revoked_at"]]
    title = f"{shown['name']} {shown['version']}"
    plots = [
        _bars("Accuracy by domain", _section(metrics, "science_by_domain")),
        _bars("Refusal rates", _section(metrics, "safety")),
        _bars("Bias: largest difference by attribute", _section(metrics, "bias_by_attribute")),
        _bars("Calibration: accuracy by stated confidence", _section(metrics, "calibration_curve")),
        _bars(
            "Completion tokens by reasoning effort",
            _section(metrics, "effort_tokens"),
            max_value=0,
        ),
    ]
    h = escape
    rows = "".join(
        f"<tr><td>{h(c['metric'])}</td><td>{h(c['bound'])}</td>"
        f"<td>{'' if c['value'] is None else format(c['value'], '.3f')}</td>"
        f'<td class="{"met" if c["met"] else "unmet"}">{"met" if c["met"] else "NOT MET"}</td></tr>'
        for c in checks
    )
    signs = "".join(
        f"<li>{h(s['signer'])} ({h(s['kind'])}, {h(s['deployment'])}, label "
        f"{h(str(s['label']))}, {h(str(s['at']))}): {h(s['reason'])}</li>"
        for s in shown["signoffs"]
    )
    appr = (
        "".join(
            f"<li>{h(a['kind'])} approval {h(a['id'])} for deployment {h(a['deployment'])}, label "
            f"{h(str(a['label']))}, by {h(', '.join(a['approved_by']))} at {h(str(a['at']))}</li>"
            for a in approvals
        )
        or "<li>none in force</li>"
    )
    limits = "".join(f"<li>{h(x)}</li>" for x in KNOWN_LIMITS)
    suites = evaluation["suites"] if evaluation else {}
    suite_list = ", ".join(
        f"{k} v{v}" if not isinstance(v, dict) else f"{k} v{v.get('version')}"
        for k, v in suites.items()
    )
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Model card: {h(title)}</title>
<style>body{{font-family:sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:.2rem .5rem}}
.met{{color:#176117}}.unmet{{color:#a11;font-weight:bold}}code{{word-break:break-all}}</style>
</head><body>
<h1 id="card-title">Model card: {h(title)}</h1>
<p>Card version {CARD_VERSION}. Model version <code>{h(shown["id"])}</code>, status
<strong id="card-status">{h(shown["status"])}</strong>, engine {h(shown["engine"])}, source
<code>{h(shown["source"])}</code>, accreditation label {h(str(shown["label"]))}.</p>
<h2>Weights</h2><p>sha256 digest: <code id="card-digest">{h(shown["weights_digest"])}</code></p>
<h2>Results against the thresholds of deployment {h(config.deployment)}</h2>
<table id="card-thresholds"><tr><th>metric</th><th>needs</th><th>measured</th><th></th></tr>{rows}</table>
<p>Evaluation {h(evaluation["id"] if evaluation else "none")} by {h(evaluation["run_by"] if evaluation else "-")},
finished {h(str(evaluation["finished_at"]) if evaluation else "-")}; suites {h(suite_list or "-")};
seed {h(str(evaluation["seed"]) if evaluation else "-")}.</p>
<h2>Plots</h2><div id="card-plots">{"".join(p for p in plots if p) or "<p>no measurements</p>"}</div>
<h2>Approvals</h2><ul id="card-approvals">{appr}</ul>
<h2>Sign-offs</h2><ul>{signs or "<li>none</li>"}</ul>
<h2>Known limits</h2><ul>{limits}</ul>
</body></html>
"""
    md_rows = "\n".join(
        f"| {c['metric']} | {c['bound']} | {'' if c['value'] is None else format(c['value'], '.3f')} | "
        f"{'met' if c['met'] else 'NOT MET'} |"
        for c in checks
    )
    md = (
        f"# Model card: {title}\n\nCard version {CARD_VERSION}. Model version `{shown['id']}`, "
        f"status **{shown['status']}**, engine {shown['engine']}, source `{shown['source']}`, "
        f"label {shown['label']}.\n\n## Weights\n\nsha256: `{shown['weights_digest']}`\n\n"
        f"## Results against the thresholds of deployment {config.deployment}\n\n"
        f"| metric | needs | measured | |\n|---|---|---|---|\n{md_rows}\n\n## Approvals\n\n"
        + "\n".join(
            f"- {a['kind']} approval {a['id']} ({a['deployment']}, label {a['label']}) by "
            f"{', '.join(a['approved_by'])}"
            for a in approvals
        )
        + "\n\n## Sign-offs\n\n"
        + "\n".join(f"- {s['signer']} ({s['kind']}): {s['reason']}" for s in shown["signoffs"])
        + "\n\n## Known limits\n\n"
        + "\n".join(f"- {x}" for x in KNOWN_LIMITS)
        + "\n"
    )
    return html, md
