"""Is quality getting worse? A recent window of pass/fail scores against a baseline window, per metric, with
Holm's correction so that noise across six metrics does not raise an alarm, and the change that coincides."""

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from services.evaluator.stats import Comparison, Proportion, compare_proportions, holm_adjusted

# what a run's mix is broken down by, and how the headline names each dimension
DIMENSION_LABELS = {"prompt_version": "prompt version", "model": "model", "index_version": "retrieval index"}
# below this share a value is incidental (a stray run), not part of the mix
RARE_SHARE = 0.05
# a value gaining this much share (20 points) changed the mix even if it was there before
SHIFT_SHARE = 0.20

Direction = Literal["worse", "better", "unchanged", "untested"]


@dataclass(frozen=True)
class WindowSummary:
    """One time window: per metric the passes out of scores, and per dimension how many runs had each value."""

    start: datetime
    end: datetime
    metrics: Mapping[str, Proportion]
    mix: Mapping[str, Counter[str | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class ChangeEvent:
    """Something that changed the system at a moment: a registry promotion or rollback, a model or index switch."""

    at: datetime
    kind: str
    description: str


@dataclass(frozen=True)
class MetricFinding:
    metric: str
    baseline: Proportion
    current: Proportion
    comparison: Comparison | None
    p_adjusted: float | None  # Holm-adjusted across the tested metrics
    significant: bool
    direction: Direction
    reason: str | None = None  # why the metric was not tested

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"metric": self.metric, "significant": self.significant,
                               "direction": self.direction, "reason": self.reason}
        for side, proportion in (("baseline", self.baseline), ("current", self.current)):
            out[side] = {"k": proportion.k, "n": proportion.n, "rate": _finite(proportion.rate),
                         "ci": list(proportion.wilson())}
        c = self.comparison
        out["delta"] = _finite(c.delta) if c else None
        out["delta_ci"] = list(c.interval) if c else None
        out["p"] = c.p_value if c else None
        out["p_adjusted"] = self.p_adjusted
        return out


@dataclass(frozen=True)
class DriftReport:
    worse: bool
    findings: list[MetricFinding]
    coinciding_changes: list[str]
    alpha: float
    min_samples: int

    def headline(self) -> str:
        """The answer in one line: yes or no, what moved and by how much, and what changed at the same time."""
        dropped = sorted((f for f in self.findings if f.direction == "worse"), key=lambda f: _delta(f))
        if dropped:
            answer = "yes: " + "; ".join(_describe(f, "fell", self.alpha) for f in dropped)
            changes = ", ".join(self.coinciding_changes) or "no recorded change"
            return f"{answer}; coincides with {changes}"
        tested = [f for f in self.findings if f.comparison is not None]
        if not tested:
            return f"no: too little data to tell (each window needs >= {self.min_samples} scores per metric)"
        improved = any(f.direction == "better" for f in self.findings)
        summary = "no metric got worse beyond sampling noise" if improved else "no metric changed beyond sampling noise"
        largest = min(tested, key=_delta)
        if _delta(largest) < 0:
            return f"no: {summary} (largest drop: {_describe(largest, 'fell', self.alpha)})"
        return f"no: {summary} (nothing fell; smallest rise: {_describe(largest, 'rose', self.alpha)})"

    def to_dict(self) -> dict[str, Any]:
        return {"worse": self.worse, "headline": self.headline(), "alpha": self.alpha,
                "min_samples": self.min_samples, "coinciding_changes": list(self.coinciding_changes),
                "findings": [f.to_dict() for f in self.findings]}


def detect_drift(baseline: WindowSummary, current: WindowSummary, changes: list[ChangeEvent],
                 alpha: float = 0.05, min_samples: int = 30) -> DriftReport:
    """Worse means: some metric's drop survives Holm's correction across every metric tested (family-wise false
    alarm rate <= alpha on noise), with the current rate below the baseline."""
    names = sorted(set(baseline.metrics) | set(current.metrics))
    empty = Proportion(0, 0)
    comparisons: dict[str, Comparison] = {}
    reasons: dict[str, str] = {}
    for name in names:
        b, c = baseline.metrics.get(name, empty), current.metrics.get(name, empty)
        if min(b.n, c.n) < min_samples:
            reasons[name] = f"too few scores (baseline {b.n}, current {c.n}; need {min_samples} each)"
        else:
            comparisons[name] = compare_proportions(b, c, 1 - alpha)
    adjusted = holm_adjusted({name: c.p_value for name, c in comparisons.items()})
    findings = [_finding(name, baseline.metrics.get(name, empty), current.metrics.get(name, empty),
                         comparisons.get(name), adjusted.get(name), alpha, reasons.get(name))
                for name in names]
    worse = any(f.direction == "worse" for f in findings)
    coinciding = mix_changes(baseline.mix, current.mix) + events_between(changes, baseline.start, current.end)
    return DriftReport(worse, findings, coinciding, alpha, min_samples)


def _finding(name: str, baseline: Proportion, current: Proportion, comparison: Comparison | None,
             p_adjusted: float | None, alpha: float, reason: str | None) -> MetricFinding:
    if comparison is None or p_adjusted is None:
        return MetricFinding(name, baseline, current, None, None, False, "untested", reason)
    significant = p_adjusted <= alpha
    direction: Direction = "unchanged"
    if significant:
        direction = "worse" if comparison.delta < 0 else "better"
    return MetricFinding(name, baseline, current, comparison, p_adjusted, significant, direction)


def mix_changes(baseline: Mapping[str, Counter[str | None]], current: Mapping[str, Counter[str | None]]) -> list[str]:
    """Each dimension whose mix of runs changed, as "prompt version 1.0.0 → 1.0.3 (now 100% of runs)"."""
    out = []
    for dimension in sorted(set(baseline) | set(current), key=_dimension_order):
        before, after = _shares(baseline.get(dimension, Counter())), _shares(current.get(dimension, Counter()))
        risen = sorted((v for v in after if _gained(v, before, after)), key=lambda v: -after[v])
        if not risen:
            continue
        fallen = [v for v in before if v not in risen and _gained(v, after, before)]
        origin = max(fallen or before or [None], key=lambda v: before.get(v, 0.0))
        label = DIMENSION_LABELS.get(dimension, dimension)
        new = ", ".join(f"{_value(v)} (now {after[v]:.0%} of runs)" for v in risen)
        out.append(f"{label} {_value(origin)} → {new}" if before else f"{label} {new}")
    return out


def events_between(changes: list[ChangeEvent], start: datetime, end: datetime) -> list[str]:
    return [f"{e.kind}: {e.description} ({e.at.isoformat(timespec='minutes')})"
            for e in sorted(changes, key=lambda e: e.at) if start <= e.at <= end]


def _shares(counts: Counter[str | None]) -> dict[str | None, float]:
    total = sum(counts.values())
    return {value: count / total for value, count in counts.items() if count > 0} if total else {}


def _gained(value: str | None, before: dict[str | None, float], after: dict[str | None, float]) -> bool:
    """A value is new in the mix (absent or rare before) or took at least SHIFT_SHARE more of the runs."""
    share, earlier = after.get(value, 0.0), before.get(value, 0.0)
    return share >= RARE_SHARE and (earlier < RARE_SHARE or share - earlier >= SHIFT_SHARE)


def _dimension_order(dimension: str) -> tuple[int, str]:
    known = list(DIMENSION_LABELS)
    return (known.index(dimension) if dimension in known else len(known), dimension)


def _value(value: str | None) -> str:
    return "none" if value is None else str(value)


def _delta(finding: MetricFinding) -> float:
    return finding.comparison.delta if finding.comparison else 0.0


def _describe(finding: MetricFinding, verb: str, alpha: float) -> str:
    c = finding.comparison
    if c is None:
        return f"{finding.metric}: not tested ({finding.reason})"
    low, high = c.interval
    return (f"{finding.metric} {verb} {finding.baseline.rate:.2f} → {finding.current.rate:.2f} "
            f"({_signed(c.delta)}, {1 - alpha:.0%} CI {_signed(low)} … {_signed(high)})")


def _signed(x: float) -> str:
    return f"{x:+.2f}".replace("-", "−")


def _finite(x: float) -> float | None:
    return None if math.isnan(x) else x
