"""The comparison table `mailspine eval` prints, and the per-split table for notes and reviews."""

from infra.offline_eval.api import GUARD_BY_NAME, EvalOutcome


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None or value != value else f"{value:.{digits}f}"


def comparison_table(outcome: EvalOutcome) -> list[str]:
    r = outcome.record
    baseline = f"{r.prompt_name}@{r.baseline_version}" if r.baseline_version else "no baseline"
    lines = [f"candidate {r.prompt_name}@{r.candidate_version} ({r.candidate_hash[:19]}) vs {baseline}",
             f"model {r.model}; dataset {r.dataset_hash}, split {r.dataset_split}, {r.mails} mails; run {r.run_id}",
             "",
             f"{'guarded metric':<22}{'baseline':>9}{'candidate':>10}{'delta':>8}  {'95% CI of delta':<18}"
             f"{'p':>8}  {'bound':<7} result"]
    for c in r.comparisons:
        guard = GUARD_BY_NAME[c.metric]
        bound = f"{'<=' if guard.lower_is_better else '>='}{c.floor:.2f}"
        ci = "-" if c.ci_low is None else f"[{c.ci_low:+.3f}, {c.ci_high:+.3f}]"
        delta = "-" if c.delta is None else f"{c.delta:+.3f}"
        p = "-" if c.p_value is None else ("<0.001" if c.p_value < 0.001 else f"{c.p_value:.3f}")
        result = "WORSE" if c.significantly_worse else ("FLOOR" if c.below_floor else "ok")
        if c.significantly_worse and c.below_floor:
            result = "WORSE+FLOOR"
        lines.append(f"{c.metric:<22}{_num(c.baseline):>9}{_num(c.candidate):>10}{delta:>8}  {ci:<18}{p:>8}  "
                     f"{bound:<7} {result}")
    lines += ["", *split_table(outcome), "", f"verdict: {r.verdict.upper()}"]
    lines += [f"  - {reason}" for reason in r.reasons]
    return lines


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
            cells += f"{_num(base.get(name) if base else None, digits):>14}{_num(cand.get(name), digits):>14}"
        lines.append(f"{name:<28}{cells}")
    counts = "  ".join(f"{s}: {sum(1 for run in outcome.candidate_runs if s == 'all' or run.prepared.row.split == s)}"
                       for s in splits)
    return [*lines, f"mails per split: {counts}"]
