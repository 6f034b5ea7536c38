"""The offline eval of a judge prompt: how well its verdict (acceptable = score >= 4) agrees with the golden labels.

Every golden mail is extracted twice, by the extraction prompt and by a degraded variant of it without the intent
and high-stakes guides, so the judge meets right and wrong extractions. An extraction is right when intent,
crm_action and high_stakes equal the hand-made labels. The judge should accept the right ones and catch the
wrong ones; a candidate judge is compared with a baseline judge on exactly the same extractions.
"""

import asyncio
from dataclasses import dataclass

import numpy as np
import openai

from offline_eval.candidate_eval import Split, failure_reason, price_per_million, run_record
from offline_eval.golden_mail import PreparedMail
from offline_eval.metrics import Guard, compare, guard_value
from offline_eval.prompt_variants import degraded
from offline_eval.runner import MailRun, Progress, run_prompt
from services.evaluator.scoring.judge import JudgeFailed, judge_run
from services.runtime.extraction import prompt_variables
from shared.contracts.agent_run import RunEvidence
from shared.contracts.eval_run import EvalRunRecord
from shared.contracts.extraction import Extraction
from shared.contracts.golden import GoldenLabels
from shared.prompts import PromptArtifact
from shared.spotlight import unmark

VARIANTS = ("production", "degraded")


@dataclass(frozen=True)
class Candidate:
    """One extraction for the judge to grade, and whether the labels say it is right."""

    mail_id: str
    split: str
    variant: str
    evidence: RunEvidence
    right: bool


@dataclass(frozen=True)
class Judged:
    candidate: Candidate
    score: int | None  # None: the judge gave no valid verdict
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: float = 0.0

    @property
    def acceptable(self) -> bool:
        return self.score is not None and self.score >= 4


JUDGE_GUARDS: tuple[Guard[Judged], ...] = (
    Guard("judge_accuracy", False, 0.80, lambda j: True, lambda j: j.acceptable == j.candidate.right),
    Guard("judge_catch_rate", False, 0.70, lambda j: not j.candidate.right, lambda j: not j.acceptable),
    Guard("judge_false_alarm_rate", True, 0.20, lambda j: j.candidate.right, lambda j: not j.acceptable),
    Guard("judge_valid_rate", False, 0.98, lambda j: True, lambda j: j.score is not None),
)
LOWER_IS_BETTER = {guard.name: guard.lower_is_better for guard in JUDGE_GUARDS}


@dataclass(frozen=True)
class JudgeEvalOutcome:
    record: EvalRunRecord
    by_split: dict[str, tuple[dict[str, float] | None, dict[str, float]]]  # split -> (baseline, candidate)
    extractor: str
    judged: list[Judged]
    not_judged: int  # quarantined by the gateway, or no valid extraction


def matches_labels(extraction: Extraction, labels: GoldenLabels) -> bool:
    return (extraction.intent == labels.intent and extraction.crm_action == labels.crm_action
            and extraction.high_stakes == labels.high_stakes)


def evidence_of(run: MailRun) -> RunEvidence | None:
    """What the runtime would attach to agent.runs.v1 for this run: the text as the model saw it, unmarked."""
    if run.outcome is None or run.prepared.content is None:
        return None
    seen = prompt_variables(run.prepared.content.accepted)
    facts = run.outcome.extraction
    return RunEvidence(sender=unmark(seen["sender"]), subject=unmark(seen["subject"]), body=unmark(seen["body"]),
                       received_date=seen["received_date"], reply=facts.model_dump_json(), facts=facts,
                       attempts=run.outcome.attempts)


async def extract_candidates(client: openai.AsyncOpenAI, extractor: PromptArtifact, mails: list[PreparedMail],
                             concurrency: int) -> tuple[list[Candidate], int]:
    candidates, not_judged = [], 0
    for variant, artifact in zip(VARIANTS, (extractor, degraded(extractor)), strict=True):
        for run in await run_prompt(client, artifact, mails, concurrency):
            evidence = evidence_of(run)
            if evidence is None or evidence.facts is None:
                not_judged += 1
                continue
            row = run.prepared.row
            candidates.append(Candidate(mail_id=row.id, split=row.split, variant=variant, evidence=evidence,
                                        right=matches_labels(evidence.facts, row.labels)))
    return candidates, not_judged


async def judge_candidates(client: openai.AsyncOpenAI, judge: PromptArtifact, candidates: list[Candidate],
                           concurrency: int) -> list[Judged]:
    progress = Progress(judge.ref, len(candidates))
    gate = asyncio.Semaphore(concurrency)

    async def one(candidate: Candidate) -> Judged:
        try:
            async with gate:
                verdict = await judge_run(client, judge, candidate.evidence, label="eval", arm="eval")
            return Judged(candidate, verdict.score, verdict.input_tokens, verdict.output_tokens, verdict.latency_ms)
        except JudgeFailed:
            return Judged(candidate, None)
        finally:
            progress.step()

    return list(await asyncio.gather(*(one(candidate) for candidate in candidates)))


def summarize_judged(items: list[Judged], prices: tuple[float, float] | None) -> dict[str, float]:
    metrics = {guard.name: guard_value(guard, items) for guard in JUDGE_GUARDS}
    for variant in VARIANTS:
        chosen = [j for j in items if j.candidate.variant == variant]
        metrics[f"judge_accuracy.{variant}"] = guard_value(JUDGE_GUARDS[0], chosen)
    metrics["extractions_judged"] = float(len(items))
    metrics["extractions_wrong_share"] = sum(not j.candidate.right for j in items) / len(items)
    scores = [j.score for j in items if j.score is not None]
    metrics["score_mean"] = float(np.mean(scores)) if scores else float("nan")
    metrics["input_tokens_per_call"] = float(np.mean([j.input_tokens for j in items]))
    metrics["output_tokens_per_call"] = float(np.mean([j.output_tokens for j in items]))
    metrics["latency_ms_p50"] = float(np.percentile([j.latency_ms for j in items], 50))
    metrics["latency_ms_p95"] = float(np.percentile([j.latency_ms for j in items], 95))
    if prices is not None:
        cost = sum(j.input_tokens * prices[0] + j.output_tokens * prices[1] for j in items) / 1e6
        metrics["cost_usd_per_1000_judgements"] = cost / len(items) * 1000
    return metrics


async def evaluate_judge(client: openai.AsyncOpenAI, candidate: PromptArtifact, baseline: PromptArtifact | None,
                         extractor: PromptArtifact, mails: list[PreparedMail], split: Split,
                         concurrency: int = 8) -> JudgeEvalOutcome:
    if baseline is not None and baseline.name != candidate.name:
        raise ValueError(f"cannot compare {candidate.ref} with a different prompt, {baseline.ref}")
    extractions, not_judged = await extract_candidates(client, extractor, mails, concurrency)
    if not extractions:
        raise ValueError(f"{extractor.ref} produced no valid extraction to judge on these {len(mails)} mails")
    judged = await judge_candidates(client, candidate, extractions, concurrency)
    base_judged = None
    if baseline is not None:
        same = baseline.content_hash == candidate.content_hash
        base_judged = judged if same else await judge_candidates(client, baseline, extractions, concurrency)
    comparisons = compare(base_judged, judged, JUDGE_GUARDS)
    reasons = [failure_reason(c, LOWER_IS_BETTER[c.metric]) for c in comparisons
               if c.significantly_worse or c.below_floor]
    prices = price_per_million(candidate.model.name)
    by_split: dict[str, tuple[dict[str, float] | None, dict[str, float]]] = {}
    for part in ("all", "dev", "heldout"):
        chosen = [i for i, j in enumerate(judged) if part == "all" or j.candidate.split == part]
        if chosen:
            base = summarize_judged([base_judged[i] for i in chosen], prices) if base_judged else None
            by_split[part] = (base, summarize_judged([judged[i] for i in chosen], prices))
    record = run_record(candidate, baseline, split=split, mails=len(mails), by_split=by_split,
                        comparisons=comparisons, reasons=reasons)
    return JudgeEvalOutcome(record=record, by_split=by_split, extractor=extractor.ref, judged=judged,
                            not_judged=not_judged)
