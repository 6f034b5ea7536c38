"""The table `mailspine eval` prints for a judge prompt: guarded agreement metrics, then every metric per split."""

from offline_eval.judge_agreement import LOWER_IS_BETTER, JudgeEvalOutcome
from offline_eval.report import guarded_rows, number, run_lines, verdict_lines

_SPLITS = ("dev", "heldout", "all")


def judge_table(outcome: JudgeEvalOutcome) -> list[str]:
    r = outcome.record
    return [*run_lines(r),
            f"extractions judged: {len(outcome.judged)}, by {outcome.extractor} and its degraded variant (intent and "
            f"high-stakes guides removed); {outcome.not_judged} runs without a valid extraction not judged",
            "truth: an extraction is right when intent, crm_action and high_stakes equal the golden labels; "
            "the judge accepts it when score >= 4",
            "", *guarded_rows(r, LOWER_IS_BETTER.__getitem__, 24), "", *_split_table(outcome), "", *verdict_lines(r)]


def _split_table(outcome: JudgeEvalOutcome) -> list[str]:
    splits = [s for s in _SPLITS if s in outcome.by_split]
    lines = [f"{'metric':<30}" + "".join(f"{f'{s} base':>13}{f'{s} cand':>13}" for s in splits)]
    for name in outcome.by_split["all"][1]:
        digits = 1 if ("tokens" in name or "latency" in name or name == "extractions_judged") else 3
        cells = ""
        for s in splits:
            base, cand = outcome.by_split[s]
            cells += f"{number(base.get(name) if base else None, digits):>13}{number(cand.get(name), digits):>13}"
        lines.append(f"{name:<30}{cells}")
    return lines
