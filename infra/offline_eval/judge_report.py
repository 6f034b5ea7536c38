"""The table `mailspine eval` prints for a judge prompt: guarded agreement metrics, then every metric per split."""

from infra.offline_eval.judge_agreement import LOWER_IS_BETTER, JudgeEvalOutcome

_SPLITS = ("dev", "heldout", "all")


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None or value != value else f"{value:.{digits}f}"


def judge_table(outcome: JudgeEvalOutcome) -> list[str]:
    r = outcome.record
    baseline = f"{r.prompt_name}@{r.baseline_version}" if r.baseline_version else "no baseline"
    lines = [f"candidate {r.prompt_name}@{r.candidate_version} ({r.candidate_hash[:19]}) vs {baseline}",
             f"model {r.model}; dataset {r.dataset_hash}, split {r.dataset_split}, {r.mails} mails; run {r.run_id}",
             f"extractions judged: {len(outcome.judged)}, by {outcome.extractor} and its degraded variant (intent and "
             f"high-stakes guides removed); {outcome.not_judged} runs without a valid extraction not judged",
             "truth: an extraction is right when intent, crm_action and high_stakes equal the golden labels; "
             "the judge accepts it when score >= 4",
             "",
             f"{'guarded metric':<24}{'baseline':>9}{'candidate':>10}{'delta':>8}  {'95% CI of delta':<18}"
             f"{'p':>8}  {'bound':<7} result"]
    for c in r.comparisons:
        bound = f"{'<=' if LOWER_IS_BETTER[c.metric] else '>='}{c.floor:.2f}"
        ci = "-" if c.ci_low is None or c.ci_high is None else f"[{c.ci_low:+.3f}, {c.ci_high:+.3f}]"
        delta = "-" if c.delta is None else f"{c.delta:+.3f}"
        p = "-" if c.p_value is None else ("<0.001" if c.p_value < 0.001 else f"{c.p_value:.3f}")
        result = "+".join(word for word, hit in (("WORSE", c.significantly_worse), ("FLOOR", c.below_floor))
                          if hit) or "ok"
        lines.append(f"{c.metric:<24}{_num(c.baseline):>9}{_num(c.candidate):>10}{delta:>8}  {ci:<18}{p:>8}  "
                     f"{bound:<7} {result}")
    lines += ["", *_split_table(outcome), "", f"verdict: {r.verdict.upper()}"]
    return lines + [f"  - {reason}" for reason in r.reasons]


def _split_table(outcome: JudgeEvalOutcome) -> list[str]:
    splits = [s for s in _SPLITS if s in outcome.by_split]
    lines = [f"{'metric':<30}" + "".join(f"{f'{s} base':>13}{f'{s} cand':>13}" for s in splits)]
    for name in outcome.by_split["all"][1]:
        digits = 1 if ("tokens" in name or "latency" in name or name == "extractions_judged") else 3
        cells = ""
        for s in splits:
            base, cand = outcome.by_split[s]
            cells += f"{_num(base.get(name) if base else None, digits):>13}{_num(cand.get(name), digits):>13}"
        lines.append(f"{name:<30}{cells}")
    return lines
