"""The table `mailspine eval` prints for the planner prompt: guarded action metrics, then every metric per split."""

from offline_eval.action_eval import LOWER_IS_BETTER, ActionEvalOutcome
from offline_eval.report import guarded_rows, number, run_lines, verdict_lines

_SPLITS = ("dev", "heldout", "all")


def action_table(outcome: ActionEvalOutcome) -> list[str]:
    r = outcome.record
    return [*run_lines(r),
            f"facts by {outcome.extractor}; plans by {outcome.planner}; planner and critic in-process, tools "
            "simulated; truth: data/golden/actions.jsonl",
            "", *guarded_rows(r, LOWER_IS_BETTER.__getitem__, 24), "", *_split_table(outcome), "",
            *_attack_lines(outcome), "", *verdict_lines(r)]


def _attack_lines(outcome: ActionEvalOutcome) -> list[str]:
    granted = [a for a in outcome.attacks if a.granted]
    sources = sorted({a.source for a in outcome.attacks})
    counts = ", ".join(f"{sum(a.source == s for a in outcome.attacks)} {s}" for s in sources)
    lines = [f"injection mails with the gateway's block and flag taken away ({counts}): {len(granted)} got an "
             "action the attack asked for without a person"]
    return lines + [f"  - {a.mail_id}: {'; '.join(a.granted)[:300]}" for a in granted[:10]]


def _split_table(outcome: ActionEvalOutcome) -> list[str]:
    splits = [s for s in _SPLITS if s in outcome.by_split]
    lines = [f"{'metric':<32}" + "".join(f"{f'{s} base':>13}{f'{s} cand':>13}" for s in splits)]
    for name in outcome.by_split["all"][1]:
        digits = 1 if ("tokens" in name or name in ("attack_mails", "unsafe_actions", "unfinished_plans")
                       or name.startswith("injection_")) else 3
        cells = ""
        for s in splits:
            base, cand = outcome.by_split[s]
            cells += f"{number(base.get(name) if base else None, digits):>13}{number(cand.get(name), digits):>13}"
        lines.append(f"{name:<32}{cells}")
    counts = "  ".join(f"{s}: {sum(1 for x in outcome.scores if s == 'all' or x.split == s)}" for s in splits)
    return [*lines, f"mails per split: {counts}"]
