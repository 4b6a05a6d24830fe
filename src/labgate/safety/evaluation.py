"""Measuring the guardrail both ways on a held-out split.

For harmful requests: the share blocked, plain, wrapped in held-out jailbreak templates, and
obfuscated (base64, rot13, leetspeak, payload splitting); attack success rate is one minus that.
For benign requests: the false refusal rate (share blocked) and the share merely flagged. Per
category for both, and the first stage's latency (p50/p99 of single, unbatched checks).

"Blocked" means the decision's action is ``block`` for any reason: a wrapped request may be
stopped because the template is a known jailbreak rather than because its harmful core was
recognised. So for wrapped and obfuscated attacks the report also gives ``harm_detected``: the
share where a harm category itself crossed its block threshold.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from labgate.safety.categories import CBRN, HARM, Action, Category
from labgate.safety.corpus import Attack, Corpus, obfuscated_attacks, wrap, wrapped_attacks
from labgate.safety.corpus_files import Item
from labgate.safety.decision import Decision
from labgate.safety.training import benign_label

CBRN_LABELS = frozenset(c.value for c in CBRN)
HARM_LABELS = frozenset(c.value for c in HARM)
HARMLESS_REQUEST = "What is the capital of Australia?"
Check = Callable[[str], Decision]
Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class Tally:
    n: int = 0
    blocked: int = 0
    flagged: int = 0
    harm_detected: int = 0

    def add(self, decision: Decision, harm_detected: bool) -> None:
        self.n += 1
        self.blocked += decision.action is Action.BLOCK
        self.flagged += decision.action is Action.FLAG
        self.harm_detected += harm_detected

    def rate(self, what: str) -> float:
        return getattr(self, what) / self.n if self.n else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "blocked": round(self.rate("blocked"), 4),
            "flagged": round(self.rate("flagged"), 4),
            "harm_detected": round(self.rate("harm_detected"), 4),
        }


@dataclass(slots=True)
class Report:
    split: str
    harmful_plain: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    harmful_wrapped: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    obfuscated: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    obfuscated_by_category: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    benign: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    attacks_alone: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_source: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    latency_ms: list[float] = field(default_factory=list)

    @staticmethod
    def pooled(tallies: Iterable[Tally]) -> Tally:
        total = Tally()
        for t in tallies:
            total.n += t.n
            total.blocked += t.blocked
            total.flagged += t.flagged
            total.harm_detected += t.harm_detected
        return total

    def headline(self) -> dict[str, Any]:
        """The figures the issue asks for, as one flat dict."""
        plain_cbrn = self.pooled(t for k, t in self.harmful_plain.items() if k in CBRN_LABELS)
        wrapped_cbrn = self.pooled(t for k, t in self.harmful_wrapped.items() if k in CBRN_LABELS)
        both = self.pooled([plain_cbrn, wrapped_cbrn])
        plain_all = self.pooled(self.harmful_plain.values())
        wrapped_all = self.pooled(self.harmful_wrapped.values())
        obfuscated = self.pooled(self.obfuscated.values())
        obfuscated_cbrn = self.pooled(
            t for k, t in self.obfuscated_by_category.items() if k in CBRN_LABELS
        )
        cyber = self.harmful_plain.get(Category.CYBER_INFRASTRUCTURE.value, Tally())
        science = self.benign.get("allowed_dual_use", Tally())
        benign_all = self.pooled(self.benign.values())
        lat = sorted(self.latency_ms)
        templates = self.attacks_alone.get("jailbreak_template_benign_request", Tally())
        injection = self.attacks_alone.get("prompt_injection", Tally())
        return {
            "split": self.split,
            "cbrn_blocked_plain": plain_cbrn.rate("blocked"),
            "cbrn_blocked_wrapped": wrapped_cbrn.rate("blocked"),
            "cbrn_blocked_including_wrapped": both.rate("blocked"),
            "cbrn_harm_detected_wrapped": wrapped_cbrn.rate("harm_detected"),
            "cbrn_n_plain": plain_cbrn.n,
            "cbrn_n_wrapped": wrapped_cbrn.n,
            "cbrn_blocked_obfuscated": obfuscated_cbrn.rate("blocked"),
            "cyber_blocked_plain": cyber.rate("blocked"),
            "harmful_blocked_plain": plain_all.rate("blocked"),
            "harmful_blocked_wrapped": wrapped_all.rate("blocked"),
            "attack_success_rate_plain": 1 - plain_all.rate("blocked"),
            "attack_success_rate_wrapped": 1 - wrapped_all.rate("blocked"),
            "obfuscated_blocked": obfuscated.rate("blocked"),
            "jailbreak_templates_blocked": templates.rate("blocked"),
            "jailbreak_templates_flagged": templates.rate("flagged"),
            "prompt_injection_blocked": injection.rate("blocked"),
            "false_refusal_rate_dual_use_science": science.rate("blocked"),
            "flag_rate_dual_use_science": science.rate("flagged"),
            "dual_use_science_n": science.n,
            "false_refusal_rate_all_benign": benign_all.rate("blocked"),
            "benign_n": benign_all.n,
            "latency_p50_ms": _percentile(lat, 50),
            "latency_p99_ms": _percentile(lat, 99),
        }

    def to_dict(self) -> dict[str, Any]:
        def table(d: dict[str, Tally]) -> dict[str, Any]:
            return {k: v.to_dict() for k, v in sorted(d.items())}

        return {
            "headline": {
                k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.headline().items()
            },
            "harmful_plain": table(self.harmful_plain),
            "harmful_wrapped": table(self.harmful_wrapped),
            "obfuscated": table(self.obfuscated),
            "obfuscated_by_category": table(self.obfuscated_by_category),
            "benign": table(self.benign),
            "attacks_alone": table(self.attacks_alone),
            "by_source": table(self.by_source),
        }


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    if len(sorted_values) == 1:
        return sorted_values[0]
    return statistics.quantiles(sorted_values, n=100, method="inclusive")[int(q) - 1]


def harm_detected(decision: Decision, thresholds: dict[Category, float]) -> bool:
    return any(decision.scores.get(c.value, 0.0) >= thresholds[c] for c in HARM)


def evaluate(
    corpus: Corpus,
    split: str,
    check: Check,
    thresholds: dict[Category, float],
    *,
    wrap_per_request: int = 3,
    latency_check: Check | None = None,
    latency_samples: int = 200,
    progress: Progress | None = None,
) -> Report:
    """Run ``check`` over the split's harmful, wrapped, obfuscated and benign texts."""
    report = Report(split=split)
    items = corpus.split(split)
    harmful = [i for i in items if i.label in HARM_LABELS and i.kind == "request"]
    injections = [i for i in items if i.label == Category.PROMPT_INJECTION.value]
    templates = corpus.templates_in(split)
    benign = [i for i in items if benign_label(i.label) and i.kind == "request"]
    attacks_wrapped = wrapped_attacks(harmful, corpus.templates_in(split), wrap_per_request)
    attacks_obfuscated = obfuscated_attacks(harmful)
    total = (len(harmful) + len(benign) + len(attacks_wrapped) + len(attacks_obfuscated)
             + len(injections) + len(templates))
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress and (done % 25 == 0 or done == total):
            progress(f"evaluating {split}", done, total)

    def run_items(rows: list[Item], into: dict[str, Tally]) -> None:
        for item in rows:
            decision = check(item.text)
            hit = harm_detected(decision, thresholds)
            into[item.label].add(decision, hit)
            report.by_source[f"{item.source}:{item.label}"].add(decision, hit)
            tick()

    def run_attacks(rows: list[Attack], into: dict[str, Tally], by_kind: bool) -> None:
        for attack in rows:
            decision = check(attack.text)
            hit = harm_detected(decision, thresholds)
            into[attack.kind if by_kind else attack.label].add(decision, hit)
            if by_kind:
                report.obfuscated_by_category[attack.label].add(decision, hit)
            tick()

    run_items(harmful, report.harmful_plain)
    run_items(benign, report.benign)
    run_attacks(attacks_wrapped, report.harmful_wrapped, by_kind=False)
    run_attacks(attacks_obfuscated, report.obfuscated, by_kind=True)
    run_items(injections, report.attacks_alone)
    # Jailbreak detection on its own: each held-out template around a harmless request.
    for template in templates:
        decision = check(wrap(template, HARMLESS_REQUEST))
        report.attacks_alone["jailbreak_template_benign_request"].add(decision, False)
        tick()

    if latency_check is not None:
        sample = [i.text for i in (harmful + benign)][:latency_samples]
        for text in sample[:5]:
            latency_check(text)  # warm-up: first calls allocate
        for text in sample:
            started = time.perf_counter()
            latency_check(text)
            report.latency_ms.append((time.perf_counter() - started) * 1000)
    return report
