"""Thin subscribers: run summaries (index, checks, judge), signals (CRM acks, review decisions) and scores
(aggregation, then the canary guard). A signal that arrives before its run waits for it in Redis."""

from dataclasses import dataclass

from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from opentelemetry import trace

from services.evaluator.canary.guard import CanaryGuard
from services.evaluator.drift.aggregates import QualityStore
from services.evaluator.runs import IndexedRun, RunIndex
from services.evaluator.scoring.run_scoring import RunScorer
from services.evaluator.settings import EvaluatorSettings
from services.evaluator.signals import SignalScorer
from shared.broker import durable_subscriber
from shared.contracts.agent_run import AgentRunMessage
from shared.contracts.crm import CrmAckMessage
from shared.contracts.eval_score import EvalScoreMessage
from shared.contracts.review import ReviewDecisionMessage
from shared.contracts.topics import AGENT_RUNS, CRM_ACKS, EVAL_SCORES, REVIEW_DECISIONS
from shared.tracing import attributes

Signal = CrmAckMessage | ReviewDecisionMessage


@dataclass(frozen=True)
class EvaluatorDeps:
    runs: RunIndex
    store: QualityStore
    run_scorer: RunScorer
    signals: SignalScorer
    guard: CanaryGuard


def _parse_signal(topic: str, raw: dict) -> Signal:
    """A signal by its topic's contract; a bad message raises, and is dead-lettered with the reason."""
    return CrmAckMessage.model_validate(raw) if topic == CRM_ACKS else ReviewDecisionMessage.model_validate(raw)


async def _apply_signal(signal: Signal, indexed: IndexedRun, deps: EvaluatorDeps) -> None:
    if isinstance(signal, CrmAckMessage):
        await deps.signals.crm_ack(signal, indexed)
    else:
        await deps.signals.review(signal, indexed)


def register(broker: KafkaBroker, settings: EvaluatorSettings, deps: EvaluatorDeps) -> None:
    @durable_subscriber(broker, AGENT_RUNS, group_id=settings.runs_group)
    async def on_agent_run(message: AgentRunMessage) -> None:
        span = trace.get_current_span()
        span.set_attributes({attributes.MAIL_ID: message.mail_id, attributes.TENANT: message.tenant,
                             attributes.EVAL_SAMPLED: message.payload.sampled})
        indexed = await deps.runs.put(message)
        await deps.store.record_run(message.mail_id, message.tenant, indexed.run)
        for pending in await deps.runs.take_pending(message.mail_id):
            await _apply_signal(_parse_signal(pending["kind"], pending["message"]), indexed, deps)
        if indexed.sampled:
            await deps.run_scorer.score(indexed)

    # one consumer for both signal topics: one group member, and a signal keeps its topic's contract
    @durable_subscriber(broker, CRM_ACKS, REVIEW_DECISIONS, group_id=settings.signals_group)
    async def on_signal(raw: dict, message: KafkaMessage) -> None:
        record: ConsumerRecord = message.raw_message  # one record: this is not a batch subscriber
        topic = record.topic
        signal = _parse_signal(topic, raw)
        span = trace.get_current_span()
        span.set_attribute(attributes.MAIL_ID, signal.mail_id)
        indexed = await deps.runs.get(signal.mail_id)
        if indexed is None:  # the run summary is still on its way: the signal waits for it
            span.set_attribute(attributes.OUTCOME, "waiting_for_run")
            await deps.runs.wait_for_run(signal.mail_id, {"kind": topic, "message": raw})
            return
        await _apply_signal(signal, indexed, deps)

    @durable_subscriber(broker, EVAL_SCORES, group_id=settings.scores_group)
    async def on_score(message: EvalScoreMessage) -> None:
        if await deps.store.record_score(message.tenant, message.payload):
            deps.guard.scores_arrived(message.payload.run.prompt)
