"""The evaluator's register() in memory: run summaries, signals and scores in, through FastStream's test broker.
The signal scorer and its score publisher are the real ones, so a CRM ack comes out on eval.scores.v1; the run
index, the aggregates, the judge and the canary guard are fakes of their ports."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.call_wrapper import KafkaHandlerCallWrapper

from services.evaluator.handlers import EvaluatorPublishers, provide, register
from services.evaluator.runs import IndexedRun, scored_run
from services.evaluator.scoring.score_publisher import ScorePublisher
from services.evaluator.settings import EvaluatorSettings
from services.evaluator.signals import SignalScorer
from shared.contracts.agent_run import AgentRun, AgentRunMessage, PromptUse
from shared.contracts.crm import CrmAck, CrmAckMessage, CrmAction, crm_idempotency_key
from shared.contracts.eval_score import CRM_ACCEPTED, EvalScore, ScoredRun
from shared.contracts.golden_candidate import GoldenCandidate
from shared.contracts.topics import AGENT_RUNS, CRM_ACKS, EVAL_SCORES
from tests.support.in_memory_broker import handler_of, read_dead_letters, unit_broker

REFUND = CrmAction("create_refund_case")  # the enum is built from the label vocabulary at run time
@dataclass
class RunsInMemory:
    runs: dict[str, IndexedRun] = field(default_factory=dict)
    pending: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    async def put(self, message: AgentRunMessage) -> IndexedRun:
        indexed = IndexedRun(mail_id=message.mail_id, tenant=message.tenant, run=scored_run(message),
                             sampled=message.payload.sampled, evidence=message.payload.evidence)
        self.runs[message.mail_id] = indexed
        return indexed

    async def get(self, mail_id: str) -> IndexedRun | None:
        return self.runs.get(mail_id)

    async def wait_for_run(self, mail_id: str, signal: dict[str, Any]) -> None:
        self.pending.setdefault(mail_id, []).append(signal)

    async def take_pending(self, mail_id: str) -> list[dict[str, Any]]:
        return self.pending.pop(mail_id, [])


@dataclass
class CountedOnce:
    runs: list[str] = field(default_factory=list)
    score_ids: set[str] = field(default_factory=set)

    async def record_run(self, mail_id: str, tenant: str, run: ScoredRun) -> bool:
        self.runs.append(mail_id)
        return True

    async def record_score(self, tenant: str, score: EvalScore) -> bool:
        first = score.score_id not in self.score_ids
        self.score_ids.add(score.score_id)
        return first


@dataclass
class JudgeCalls:
    scored: list[str] = field(default_factory=list)

    async def score(self, indexed: IndexedRun) -> list[EvalScore]:
        self.scored.append(indexed.mail_id)
        return []


@dataclass
class NoCandidates:
    async def add(self, candidate: GoldenCandidate) -> bool:
        raise AssertionError("a CRM ack never proposes a golden-dataset candidate")


@dataclass
class PromptsWithNews:
    prompts: list[str] = field(default_factory=list)

    def scores_arrived(self, prompt: str) -> None:
        self.prompts.append(prompt)


@dataclass(frozen=True)
class FakeConsumerDeps:
    runs: RunsInMemory
    store: CountedOnce
    run_scorer: JudgeCalls
    signals: SignalScorer
    guard: PromptsWithNews


@dataclass
class EvaluatorUnderTest:
    broker: KafkaBroker
    publishers: EvaluatorPublishers
    deps: FakeConsumerDeps
    dead_letters: KafkaHandlerCallWrapper[Any, Any]


@pytest.fixture
async def evaluator() -> AsyncIterator[EvaluatorUnderTest]:
    broker = unit_broker("evaluator")
    publishers = register(broker, EvaluatorSettings())
    dead_letters = read_dead_letters(broker, CRM_ACKS)
    deps = FakeConsumerDeps(runs=RunsInMemory(), store=CountedOnce(), run_scorer=JudgeCalls(),
                            signals=SignalScorer(ScorePublisher(publishers.scores), NoCandidates()),
                            guard=PromptsWithNews())
    provide(broker, deps)
    async with TestKafkaBroker(broker) as test_broker:
        yield EvaluatorUnderTest(test_broker, publishers, deps, dead_letters)


def _run(sampled: bool = True) -> AgentRunMessage:
    prompt = PromptUse(name="extract-email", version="1.0.0", content_hash="h" * 64, label="production",
                       arm="stable", stale=False)
    run = AgentRun(trace_id="1" * 32, span_id="2" * 16, prompts=[prompt], model="scripted", input_tokens=100,
                   output_tokens=20, latency_ms=12.5, outcome="crm", intent="refund_request",
                   crm_action="create_refund_case", high_stakes=False, sampled=sampled)
    return AgentRunMessage(tenant="acme", mail_id="m-1", payload=run)


def _rejection() -> dict[str, Any]:
    ack = CrmAck(idempotency_key=crm_idempotency_key("m-1", REFUND),
                 action=REFUND, accepted=False, reason="no such order")
    return CrmAckMessage(tenant="acme", mail_id="m-1", payload=ack).model_dump(mode="json")


async def test_a_sampled_run_is_indexed_counted_and_scored(evaluator: EvaluatorUnderTest) -> None:
    run = _run().model_dump(mode="json")
    await evaluator.broker.publish(run, AGENT_RUNS, key=b"m-1")

    handler_of(evaluator.broker, AGENT_RUNS).mock.assert_called_once_with(run)
    assert "m-1" in evaluator.deps.runs.runs
    assert (evaluator.deps.store.runs, evaluator.deps.run_scorer.scored) == (["m-1"], ["m-1"])


async def test_a_run_that_is_not_sampled_is_counted_but_not_judged(evaluator: EvaluatorUnderTest) -> None:
    await evaluator.broker.publish(_run(sampled=False).model_dump(mode="json"), AGENT_RUNS, key=b"m-1")

    assert (evaluator.deps.store.runs, evaluator.deps.run_scorer.scored) == (["m-1"], [])


async def test_a_crm_rejection_of_an_indexed_run_is_published_as_a_failed_crm_score(
        evaluator: EvaluatorUnderTest) -> None:
    await evaluator.broker.publish(_run().model_dump(mode="json"), AGENT_RUNS, key=b"m-1")
    await evaluator.broker.publish(_rejection(), CRM_ACKS, key=b"m-1")

    await evaluator.publishers.scores.assert_called_once_with(key=b"m-1")
    score = evaluator.publishers.scores.mock.call_args.args[0]["payload"]
    assert (score["metric"], score["passed"], score["source"]) == (CRM_ACCEPTED, False, "crm_ack")
    assert (score["run"]["trace_id"], score["detail"]["reason"]) == ("1" * 32, "no such order")


async def test_a_signal_that_beats_its_run_waits_and_is_scored_when_the_run_arrives(
        evaluator: EvaluatorUnderTest) -> None:
    await evaluator.broker.publish(_rejection(), CRM_ACKS, key=b"m-1")
    evaluator.publishers.scores.mock.assert_not_called()
    assert len(evaluator.deps.runs.pending["m-1"]) == 1

    await evaluator.broker.publish(_run().model_dump(mode="json"), AGENT_RUNS, key=b"m-1")
    await evaluator.publishers.scores.assert_called_once_with(key=b"m-1")
    assert evaluator.deps.runs.pending == {}


async def test_a_score_is_counted_once_and_only_news_reaches_the_canary_guard(evaluator: EvaluatorUnderTest) -> None:
    indexed = IndexedRun(mail_id="m-1", tenant="acme", run=scored_run(_run()), sampled=True, evidence=None)
    score = EvalScore(score_id="s-1", source="check", metric="check.schema_valid", passed=True, scorer="unit",
                      run=indexed.run, observed_at=datetime(2026, 12, 1, tzinfo=UTC))
    message = {"tenant": "acme", "mail_id": "m-1", "payload": score.model_dump(mode="json")}
    for _ in range(2):  # a redelivery
        await evaluator.broker.publish(message, EVAL_SCORES, key=b"m-1")

    assert handler_of(evaluator.broker, EVAL_SCORES).mock.call_count == 2
    assert evaluator.deps.guard.prompts == ["extract-email"]


async def test_a_crm_ack_that_breaks_its_contract_is_dead_lettered_and_scores_nothing(
        evaluator: EvaluatorUnderTest) -> None:
    await evaluator.broker.publish({**_rejection(), "payload": {"accepted": "maybe"}}, CRM_ACKS, key=b"m-1")

    evaluator.publishers.scores.mock.assert_not_called()
    evaluator.dead_letters.mock.assert_called_once()
    letter = evaluator.dead_letters.mock.call_args.args[0]
    assert (letter["source_topic"], letter["error_type"]) == (CRM_ACKS, "ValidationError")
