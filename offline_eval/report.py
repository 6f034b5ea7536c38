"""The comparison table `mailspine eval` prints, and the per-split table for notes and reviews."""

from collections.abc import Callable

from offline_eval.candidate_eval import GUARD_BY_NAME, EvalOutcome
from shared.contracts.eval_run import EvalRunRecord


def number(value: float | None, digits: int = 3) -> str:
    return "-" if value is None or value != value else f"{value:.{digits}f}"


def run_lines(record: EvalRunRecord) -> list[str]:
    """Which candidate against which baseline, on what model and dataset."""
    baseline = f"{record.prompt_name}@{record.baseline_version}" if record.baseline_version else "no baseline"
    return [f"candidate {record.prompt_name}@{record.candidate_version} ({record.candidate_hash[:19]}) vs {baseline}",
            f"model {record.model}; dataset {record.dataset_hash}, split {record.dataset_split}, {record.mails} mails; "
            f"run {record.run_id}"]


def guarded_rows(record: EvalRunRecord, lower_is_better: Callable[[str], bool], width: int) -> list[str]:
    """The guarded metrics: baseline, candidate, delta with its interval and p, the bound, and the result."""
    lines = [f"{'guarded metric':<{width}}{'baseline':>9}{'candidate':>10}{'delta':>8}  {'95% CI of delta':<18}"
             f"{'p':>8}  {'bound':<7} result"]
    for c in record.comparisons:
        bound = f"{'<=' if lower_is_better(c.metric) else '>='}{c.floor:.2f}"
        ci = "-" if c.ci_low is None or c.ci_high is None else f"[{c.ci_low:+.3f}, {c.ci_high:+.3f}]"
        delta = "-" if c.delta is None else f"{c.delta:+.3f}"
        p = "-" if c.p_value is None else ("<0.001" if c.p_value < 0.001 else f"{c.p_value:.3f}")
        result = "+".join(word for word, hit in (("WORSE", c.significantly_worse), ("FLOOR", c.below_floor))
                          if hit) or "ok"
        lines.append(f"{c.metric:<{width}}{number(c.baseline):>9}{number(c.candidate):>10}{delta:>8}  {ci:<18}{p:>8}  "
                     f"{bound:<7} {result}")
    return lines


def verdict_lines(record: EvalRunRecord) -> list[str]:
    return [f"verdict: {record.verdict.upper()}", *(f"  - {reason}" for reason in record.reasons)]


def comparison_table(outcome: EvalOutcome) -> list[str]:
    r = outcome.record
    return [*run_lines(r), "", *guarded_rows(r, lambda metric: GUARD_BY_NAME[metric].lower_is_better, 22), "",
            *split_table(outcome), "", *verdict_lines(r)]


def split_table(outcome: EvalOutcome) -> list[str]:
    """Every metric, baseline and candidate side by side, per split (dev is what rules were tuned on)."""
    splits = [s for s in ("dev", "heldout", "all") if s in outcome.by_split]
    header = f"{'metric':<28}" + "".join(f"{f'{s} base':>14}{f'{s} cand':>14}" for s in splits)
    lines = [header]
    for name in outcome.by_split["all"][1]:  # every metric the summary holds, in its order
        cells = ""
        for s in splits:
            base, cand = outcome.by_split[s]
            digits = 1 if ("tokens" in name or "latency" in name) else 3
            cells += f"{number(base.get(name) if base else None, digits):>14}{number(cand.get(name), digits):>14}"
        lines.append(f"{name:<28}{cells}")
    counts = "  ".join(f"{s}: {sum(1 for run in outcome.candidate_runs if s == 'all' or run.prepared.row.split == s)}"
                       for s in splits)
    return [*lines, f"mails per split: {counts}"]
