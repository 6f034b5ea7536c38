"""Thin subscribers: run summaries (index, checks, judge), signals (CRM acks, review decisions) and scores
(aggregation, then the canary guard). A signal that arrives before its run waits for it in Redis."""

import logging
from dataclasses import dataclass

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from opentelemetry import trace

from services.evaluator.canary_guard import CanaryGuard
from services.evaluator.run_scoring import RunScorer
from services.evaluator.runs import RunIndex
from services.evaluator.settings import EvaluatorSettings
from services.evaluator.signals import SignalScorer
from services.evaluator.store import QualityStore
from shared.broker import durable_subscriber
from shared.contracts.agent_run import AgentRunMessage
from shared.contracts.crm import CrmAckMessage
from shared.contracts.eval_score import EvalScoreMessage
from shared.contracts.review import ReviewDecisionMessage
from shared.contracts.topics import AGENT_RUNS, CRM_ACKS, EVAL_SCORES, REVIEW_DECISIONS
from shared.tracing import attributes

logger = logging.getLogger("mailspine.evaluator")


@dataclass(frozen=True)
class EvaluatorDeps:
    runs: RunIndex
    store: QualityStore
    run_scorer: RunScorer
    signals: SignalScorer
    guard: CanaryGuard


async def _apply_signal(kind: str, raw: dict, deps: EvaluatorDeps) -> None:
    if kind == CRM_ACKS:
        ack = CrmAckMessage.model_validate(raw)
        indexed = await deps.runs.get(ack.mail_id)
        if indexed is not None:
            await deps.signals.crm_ack(ack, indexed)
    elif kind == REVIEW_DECISIONS:
        decision = ReviewDecisionMessage.model_validate(raw)
        indexed = await deps.runs.get(decision.mail_id)
        if indexed is not None:
            await deps.signals.review(decision, indexed)


async def _signal(kind: str, mail_id: str, raw: dict, deps: EvaluatorDeps) -> None:
    span = trace.get_current_span()
    span.set_attribute(attributes.MAIL_ID, mail_id)
    if await deps.runs.get(mail_id) is None:
        span.set_attribute(attributes.OUTCOME, "waiting_for_run")
        await deps.runs.wait_for_run(mail_id, {"kind": kind, "message": raw})
        return
    await _apply_signal(kind, raw, deps)


def register(broker: KafkaBroker, settings: EvaluatorSettings, deps: EvaluatorDeps) -> None:
    @durable_subscriber(broker, AGENT_RUNS, group_id=settings.runs_group)
    async def on_agent_run(message: AgentRunMessage) -> None:
        span = trace.get_current_span()
        span.set_attributes({attributes.MAIL_ID: message.mail_id, attributes.TENANT: message.tenant,
                             "mailspine.eval.sampled": message.payload.sampled})
        indexed = await deps.runs.put(message)
        await deps.store.record_run(message.mail_id, message.tenant, indexed.run)
        for pending in await deps.runs.take_pending(message.mail_id):
            await _apply_signal(pending["kind"], pending["message"], deps)
        if indexed.sampled:
            await deps.run_scorer.score(indexed)

    # one consumer for both signal topics: one group member, and a signal keeps its topic's contract
    @durable_subscriber(broker, CRM_ACKS, REVIEW_DECISIONS, group_id=settings.signals_group)
    async def on_signal(raw: dict, message: KafkaMessage) -> None:
        topic = message.raw_message.topic
        contract = CrmAckMessage if topic == CRM_ACKS else ReviewDecisionMessage
        signal = contract.model_validate(raw)  # a bad message raises, and is dead-lettered with the reason
        await _signal(topic, signal.mail_id, signal.model_dump(mode="json"), deps)

    @durable_subscriber(broker, EVAL_SCORES, group_id=settings.scores_group)
    async def on_score(message: EvalScoreMessage) -> None:
        if await deps.store.record_score(message.tenant, message.payload):
            deps.guard.scores_arrived(message.payload.run.prompt)
