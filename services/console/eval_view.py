"""An eval run as the console shows it: the guarded-metric comparison and the per-split figures, as text cells
(the same numbers and rounding as `mailspine eval`)."""

from dataclasses import dataclass

from shared.contracts.eval_run import EvalRunRecord

SPLITS = ("dev", "heldout", "all")
Figures = dict[str, tuple[dict[str, float] | None, dict[str, float]]]  # split -> (baseline, candidate)


@dataclass(frozen=True)
class ComparisonRow:
    metric: str
    baseline: str
    candidate: str
    delta: str
    ci: str
    p: str
    bound: str
    result: str

    @property
    def ok(self) -> bool:
        return self.result == "ok"


@dataclass(frozen=True)
class SplitRow:
    metric: str
    cells: list[tuple[str, str, str]]  # per split: baseline, candidate, delta


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None or value != value else f"{value:.{digits}f}"


def comparison_rows(record: EvalRunRecord) -> list[ComparisonRow]:
    rows = []
    for c in record.comparisons:
        result = "WORSE" if c.significantly_worse else ("BELOW FLOOR" if c.below_floor else "ok")
        if c.significantly_worse and c.below_floor:
            result = "WORSE, BELOW FLOOR"
        bound = "-" if c.floor is None else f"{'≤' if c.lower_is_better else '≥'} {c.floor:.2f}"
        rows.append(ComparisonRow(
            metric=c.metric, baseline=_num(c.baseline), candidate=_num(c.candidate),
            delta="-" if c.delta is None else f"{c.delta:+.3f}",
            ci="-" if c.ci_low is None or c.ci_high is None else f"[{c.ci_low:+.3f}, {c.ci_high:+.3f}]",
            p="-" if c.p_value is None else ("<0.001" if c.p_value < 0.001 else f"{c.p_value:.3f}"),
            bound=bound, result=result))
    return rows


def split_rows(record: EvalRunRecord, figures: Figures) -> tuple[list[str], list[SplitRow]]:
    """The guarded metrics per split (dev is what the reference rules were tuned on; heldout is not)."""
    splits = [s for s in SPLITS if s in figures]
    rows = []
    for c in record.comparisons:
        cells = []
        for split in splits:
            baseline, candidate = figures[split]
            base = baseline.get(c.metric) if baseline else None
            cand = candidate.get(c.metric)
            delta = None if base is None or cand is None else cand - base
            cells.append((_num(base), _num(cand), "-" if delta is None or delta != delta else f"{delta:+.3f}"))
        rows.append(SplitRow(c.metric, cells))
    return splits, rows
