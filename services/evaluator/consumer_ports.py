"""What the evaluator's subscribers use of its adapters, as ports: ``EvaluatorDeps`` (Redis, the scorers, the
canary guard) provides them in production, and in-memory tests provide fakes of the same shape."""

from typing import Any, Protocol

from services.evaluator.runs import IndexedRun
from shared.contracts.agent_run import AgentRunMessage
from shared.contracts.crm import CrmAckMessage
from shared.contracts.eval_score import EvalScore, ScoredRun
from shared.contracts.review import ReviewDecisionMessage


class RunLedger(Protocol):
    """Each mail's run, and the signals waiting for it (``RunIndex``)."""

    async def put(self, message: AgentRunMessage) -> IndexedRun: ...

    async def get(self, mail_id: str) -> IndexedRun | None: ...

    async def wait_for_run(self, mail_id: str, signal: dict[str, Any]) -> None: ...

    async def take_pending(self, mail_id: str) -> list[dict[str, Any]]: ...


class QualityRecorder(Protocol):
    """Counts runs and scores once each (``QualityStore``); ``record_score`` is False for a redelivery."""

    async def record_run(self, mail_id: str, tenant: str, run: ScoredRun) -> object: ...

    async def record_score(self, tenant: str, score: EvalScore) -> bool: ...


class RunScoring(Protocol):
    """Checks and the judge on a sampled run (``RunScorer``)."""

    async def score(self, indexed: IndexedRun) -> object: ...


class SignalScoring(Protocol):
    """A CRM ack or a review decision joined to its run, as a score (``SignalScorer``)."""

    async def crm_ack(self, ack: CrmAckMessage, indexed: IndexedRun) -> object: ...

    async def review(self, decision: ReviewDecisionMessage, indexed: IndexedRun) -> object: ...


class ScoresWatch(Protocol):
    """Told which prompt has new scores (``CanaryGuard``)."""

    def scores_arrived(self, prompt: str) -> None: ...


class ConsumerDeps(Protocol):
    @property
    def runs(self) -> RunLedger: ...

    @property
    def store(self) -> QualityRecorder: ...

    @property
    def run_scorer(self) -> RunScoring: ...

    @property
    def signals(self) -> SignalScoring: ...

    @property
    def guard(self) -> ScoresWatch: ...
