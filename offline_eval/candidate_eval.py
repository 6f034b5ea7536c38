"""One offline eval: a candidate prompt version against a baseline, paired over the same golden mails."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import openai
import yaml

from offline_eval.golden_mail import PreparedMail, build_inspector, prepare
from offline_eval.mail_scoring import MailScore, score
from offline_eval.metrics import GUARDS, compare, summarize
from offline_eval.runner import MailRun, run_prompt
from shared.contracts.eval_run import EvalRunRecord, MetricComparison
from shared.golden import dataset_hash, load_golden
from shared.prompts import PromptArtifact
from shared.settings import REPO_ROOT

Split = Literal["all", "dev", "heldout"]
PRICES_FILE = REPO_ROOT / "config" / "model-prices.yaml"
GUARD_BY_NAME = {guard.name: guard for guard in GUARDS}


@dataclass(frozen=True)
class EvalOutcome:
    record: EvalRunRecord
    by_split: dict[str, tuple[dict[str, float] | None, dict[str, float]]]  # split -> (baseline, candidate)
    candidate_runs: list[MailRun]


def price_per_million(model: str) -> tuple[float, float] | None:
    prices = yaml.safe_load(PRICES_FILE.read_text(encoding="utf-8")) or {}
    entry = prices.get(model)
    return (float(entry["input"]), float(entry["output"])) if entry else None


def prepare_dataset(split: Split, limit: int | None = None) -> list[PreparedMail]:
    """Golden mails through the gateway's content stages (parse, guard, redact, spotlight), in id order."""
    inspector = build_inspector()
    rows = sorted(load_golden(split), key=lambda row: row.id)[:limit]
    return [prepare(row, inspector) for row in rows]


def run_record(candidate: PromptArtifact, baseline: PromptArtifact | None, *, split: Split, mails: int,
               by_split: dict[str, tuple[dict[str, float] | None, dict[str, float]]],
               comparisons: list[MetricComparison], reasons: list[str]) -> EvalRunRecord:
    """The record the registry's promotion gate reads: the candidate, its baseline, both metric sets (all mails)."""
    return EvalRunRecord(
        run_id=f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}",
        created_at=datetime.now(UTC), dataset_hash=dataset_hash(), dataset_split=split, mails=mails,
        prompt_name=candidate.name, candidate_version=candidate.version, candidate_hash=candidate.content_hash or "",
        baseline_version=baseline.version if baseline else None,
        baseline_hash=baseline.content_hash if baseline else None, model=candidate.model.name,
        metrics=finite_metrics(by_split["all"][1]),
        baseline_metrics=finite_metrics(by_split["all"][0]) if baseline else None,
        comparisons=comparisons, verdict="fail" if reasons else "pass", reasons=reasons)


async def evaluate_candidate(client: openai.AsyncOpenAI, candidate: PromptArtifact,
                             baseline: PromptArtifact | None, mails: list[PreparedMail], split: Split,
                             concurrency: int = 8) -> EvalOutcome:
    if baseline is not None and baseline.name != candidate.name:
        raise ValueError(f"cannot compare {candidate.ref} with a different prompt, {baseline.ref}")
    candidate_runs = await run_prompt(client, candidate, mails, concurrency)
    candidate_scores = [score(run) for run in candidate_runs]
    baseline_scores: list[MailScore] | None = None
    if baseline is not None:
        if baseline.content_hash == candidate.content_hash:
            baseline_scores = candidate_scores  # the same content: one run is the comparison
        else:
            baseline_scores = [score(run) for run in await run_prompt(client, baseline, mails, concurrency)]
    prices = price_per_million(candidate.model.name)
    comparisons = compare(baseline_scores, candidate_scores)
    reasons = [failure_reason(c, GUARD_BY_NAME[c.metric].lower_is_better)
               for c in comparisons if c.significantly_worse or c.below_floor]
    by_split = {}
    for part in ("all", "dev", "heldout"):
        chosen = [i for i, s in enumerate(candidate_scores) if part == "all" or s.split == part]
        if not chosen:
            continue
        base = summarize([baseline_scores[i] for i in chosen], prices) if baseline_scores else None
        by_split[part] = (base, summarize([candidate_scores[i] for i in chosen], prices))
    record = run_record(candidate, baseline, split=split, mails=len(mails), by_split=by_split,
                        comparisons=comparisons, reasons=reasons)
    return EvalOutcome(record=record, by_split=by_split, candidate_runs=candidate_runs)


def finite_metrics(metrics: dict[str, float] | None) -> dict[str, float]:
    return {k: v for k, v in (metrics or {}).items() if v == v}  # NaN (an empty subset) is left out


def failure_reason(c: MetricComparison, lower_is_better: bool) -> str:
    parts = []
    if c.significantly_worse:
        parts.append(f"significantly worse than the baseline: {c.baseline:.3f} -> {c.candidate:.3f} (delta "
                     f"{c.delta:+.3f}, 95% CI [{c.ci_low:+.3f}, {c.ci_high:+.3f}], p={c.p_value:.3g})")
    if c.below_floor:
        bound = "above the ceiling" if lower_is_better else "below the floor"
        parts.append(f"{c.candidate:.3f} is {bound} {c.floor:.2f}")
    return f"{c.metric}: " + "; ".join(parts)
