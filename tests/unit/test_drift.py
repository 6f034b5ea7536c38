"""Drift between a baseline and a current window: the yes/no, Holm across metrics, and the coinciding change."""

import json
import math
from collections import Counter
from datetime import UTC, datetime, timedelta

from benchmarks.drift_false_alarms import noise_false_alarms
from services.evaluator.drift.detection import ChangeEvent, WindowSummary, detect_drift, mix_changes
from services.evaluator.stats import Proportion
from shared.contracts.eval_score import METRICS

T0 = datetime(2025, 3, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def _window(start: datetime, rates: dict[str, tuple[int, int]] | None = None, prompt: Counter[str | None] | None = None,
            model: str = "model-a", index: str | None = "v1") -> WindowSummary:
    metrics = {metric: Proportion(910, 1000) for metric in METRICS} | {m: Proportion(*kn) for m, kn in
                                                                       (rates or {}).items()}
    mix: dict[str, Counter[str | None]] = {"prompt_version": prompt or Counter({"1.0.0": 1000}),
                                           "model": Counter({model: 1000}), "index_version": Counter({index: 1000})}
    return WindowSummary(start, start + DAY, metrics, mix)


def test_equal_windows_are_not_worse() -> None:
    report = detect_drift(_window(T0), _window(T0 + DAY), [])
    assert not report.worse and report.coinciding_changes == []
    assert report.headline().startswith("no: no metric changed beyond sampling noise")
    assert all(f.direction == "unchanged" and not f.significant for f in report.findings)


def test_a_real_drop_is_worse_and_names_the_new_prompt_version() -> None:
    baseline = _window(T0)
    current = _window(T0 + DAY, {"judge.acceptable": (620, 1000)}, prompt=Counter({"1.0.1": 1000}))
    report = detect_drift(baseline, current, [])
    assert report.worse
    judge = next(f for f in report.findings if f.metric == "judge.acceptable")
    assert judge.direction == "worse" and judge.comparison is not None
    assert math.isclose(judge.comparison.delta, -0.29)
    assert judge.comparison.interval[1] < 0
    assert report.coinciding_changes == ["prompt version 1.0.0 → 1.0.1 (now 100% of runs)"]
    assert report.headline().startswith("yes: judge.acceptable fell 0.91 → 0.62 (−0.29, 95% CI −0.")
    assert report.headline().endswith("coincides with prompt version 1.0.0 → 1.0.1 (now 100% of runs)")


def test_holm_runs_over_the_tested_metrics_only() -> None:
    # 900 → 867 of 1000 is p ≈ 0.02: significant alone, not once six metrics share the alpha
    drop = {"judge.acceptable": (867, 1000)}
    all_tested = detect_drift(_window(T0, {"judge.acceptable": (900, 1000)}), _window(T0 + DAY, drop), [])
    assert not all_tested.worse
    sparse = {m: (9, 10) for m in METRICS if m != "judge.acceptable"}
    alone = detect_drift(_window(T0, sparse | {"judge.acceptable": (900, 1000)}), _window(T0 + DAY, sparse | drop), [])
    assert alone.worse
    untested = [f for f in alone.findings if f.direction == "untested"]
    assert len(untested) == 5 and all("too few scores" in (f.reason or "") for f in untested)


def test_a_significant_rise_is_not_worse() -> None:
    report = detect_drift(_window(T0), _window(T0 + DAY, {"check.grounded": (990, 1000)}), [])
    assert not report.worse
    assert next(f for f in report.findings if f.metric == "check.grounded").direction == "better"
    assert report.headline().startswith("no: no metric got worse beyond sampling noise")


def test_too_little_data_says_so() -> None:
    thin = dict.fromkeys(METRICS, (5, 10))
    report = detect_drift(_window(T0, thin), _window(T0 + DAY, thin), [])
    assert not report.worse and report.headline().startswith("no: too little data to tell")


def test_mix_changes_name_model_index_and_canary_share() -> None:
    before: dict[str, Counter[str | None]] = {
        "prompt_version": Counter({"1.0.0": 100}), "model": Counter({"a": 90, "b": 10}),
        "index_version": Counter({"v1": 100})}
    after: dict[str, Counter[str | None]] = {
        "prompt_version": Counter({"1.0.0": 68, "1.1.0": 30, "0.9.0": 2}), "model": Counter({"a": 60, "b": 40}),
        "index_version": Counter({"v2": 100})}
    assert mix_changes(before, after) == ["prompt version 1.0.0 → 1.1.0 (now 30% of runs)",
                                          "model a → b (now 40% of runs)",
                                          "retrieval index v1 → v2 (now 100% of runs)"]
    earlier: dict[str, Counter[str | None]] = {"model": Counter({"a": 90, "b": 10})}
    steady: dict[str, Counter[str | None]] = {"model": Counter({"a": 85, "b": 15})}
    assert mix_changes(earlier, steady) == []


def test_change_events_inside_the_span_coincide() -> None:
    events = [ChangeEvent(T0 + DAY + timedelta(hours=3), "promotion", "extract-email 1.0.1 to production"),
              ChangeEvent(T0 - DAY, "rollback", "too early to matter")]
    report = detect_drift(_window(T0), _window(T0 + DAY), events)
    assert report.coinciding_changes == ["promotion: extract-email 1.0.1 to production (2025-03-02T03:00+00:00)"]


def test_the_report_is_json() -> None:
    thin = {"feedback.thumbs_up": (0, 0)}
    report = detect_drift(_window(T0, thin), _window(T0 + DAY, {"judge.acceptable": (620, 1000)} | thin), [])
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["worse"] is True and data["headline"] == report.headline()
    thumbs = next(f for f in data["findings"] if f["metric"] == "feedback.thumbs_up")
    assert thumbs["baseline"]["rate"] is None and thumbs["direction"] == "untested" and thumbs["delta"] is None


def test_noise_only_windows_rarely_raise_an_alarm() -> None:
    windows, alpha = 1200, 0.05
    alarms = noise_false_alarms(windows, seed=3)
    rate = sum(p.k for p in alarms.values()) / windows
    # three binomial standard deviations above alpha
    assert rate <= alpha + 3 * math.sqrt(alpha * (1 - alpha) / windows)
