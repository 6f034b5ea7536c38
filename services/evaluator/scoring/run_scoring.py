"""Scoring one sampled run: the deterministic checks, then the LLM judge. Off the request path: this runs in
the evaluator, on agent.runs.v1, after the runtime has already acted."""

import logging
from dataclasses import dataclass

import openai
from opentelemetry import trace

from services.evaluator.runs import IndexedRun
from services.evaluator.scoring.checks import grounding_check, schema_check
from services.evaluator.scoring.judge import JudgeFailed, judge_run
from services.evaluator.scoring.score_publisher import ScorePublisher
from shared.contracts.eval_score import GROUNDED, JUDGE_ACCEPTABLE, SCHEMA_VALID, EvalScore
from shared.prompts.client import PromptClient

logger = logging.getLogger("mailspine.evaluator.runs")

GROUNDING_SCORER = "grounding-v1"
SCHEMA_SCORER = "output-schema"


@dataclass(frozen=True)
class RunScorer:
    llm: openai.AsyncOpenAI
    prompts: PromptClient
    publisher: ScorePublisher
    judge_prompt: str
    acceptable_score: int

    async def score(self, indexed: IndexedRun) -> list[EvalScore]:
        evidence = indexed.evidence
        if evidence is None:
            return []
        run, origin = indexed.run, f"run:{indexed.run.trace_id}"
        scores = []
        output_schema = self.prompts.follower.state.artifact(run.prompt, run.prompt_version).output_schema.schema_
        schema = schema_check(evidence.reply, output_schema)
        scores.append(await self.publisher.publish(indexed, source="check", metric=SCHEMA_VALID, passed=schema.passed,
                                                   scorer=SCHEMA_SCORER, origin=origin, detail=schema.detail))
        if evidence.facts is not None:
            grounding = grounding_check(evidence.facts, evidence.sender, evidence.subject, evidence.body,
                                        evidence.received_date)
            assert grounding is not None  # only a run without facts goes unchecked
            scores.append(await self.publisher.publish(indexed, source="check", metric=GROUNDED,
                                                       passed=grounding.passed, scorer=GROUNDING_SCORER,
                                                       origin=origin, detail=grounding.detail))
        judge = await self.prompts.resolve(self.judge_prompt, "production", routing_key=indexed.mail_id)
        try:
            verdict = await judge_run(self.llm, judge.artifact, evidence)
        except JudgeFailed as failed:
            # no judge score rather than a made-up one; the checks above still count
            logger.warning("judge %s gave no valid verdict for mail %s: %s", judge.artifact.ref, indexed.mail_id,
                           failed)
            trace.get_current_span().add_event("eval.judge_failed", {"mailspine.eval.problem": str(failed)[:500]})
            return scores
        detail = {"score": verdict.score, "intent_correct": verdict.intent_correct,
                  "crm_action_correct": verdict.crm_action_correct, "high_stakes_correct": verdict.high_stakes_correct,
                  "unsupported_values": list(verdict.unsupported_values), "rationale": verdict.rationale,
                  "judge_model": verdict.model}
        scores.append(await self.publisher.publish(
            indexed, source="judge", metric=JUDGE_ACCEPTABLE, passed=verdict.score >= self.acceptable_score,
            value=(verdict.score - 1) / 4, scorer=judge.artifact.ref, origin=origin, detail=detail))
        return scores
