"""Publishing a score: to eval.scores.v1 (the record), and onto the run's trace as a child span of its
agent.run span, so the score is one click away from the run in Jaeger."""

from datetime import UTC, datetime
from typing import Any

from faststream.kafka.publisher import DefaultPublisher
from opentelemetry import trace
from opentelemetry.trace import Link, NonRecordingSpan, SpanContext, TraceFlags

from services.evaluator.runs import IndexedRun
from shared.contracts.eval_score import EvalScore, EvalScoreMessage, ScoreSource, score_id
from shared.tracing import attributes

tracer = trace.get_tracer("mailspine.evaluator")

SCORE_METRIC = "mailspine.eval.metric"
SCORE_PASSED = "mailspine.eval.passed"
SCORE_VALUE = "mailspine.eval.value"
SCORE_SCORER = "mailspine.eval.scorer"


def run_context(indexed: IndexedRun) -> Any:
    """The run's agent.run span as a remote parent; None when the summary predates span ids."""
    run = indexed.run
    if not run.span_id:
        return None
    parent = SpanContext(trace_id=int(run.trace_id, 16), span_id=int(run.span_id, 16), is_remote=True,
                         trace_flags=TraceFlags(TraceFlags.SAMPLED))
    return trace.set_span_in_context(NonRecordingSpan(parent))


class ScorePublisher:
    def __init__(self, scores: DefaultPublisher) -> None:
        self.scores = scores

    async def publish(self, indexed: IndexedRun, *, source: ScoreSource, metric: str, passed: bool, scorer: str,
                      origin: str, value: float | None = None, detail: dict[str, Any] | None = None) -> EvalScore:
        score = EvalScore(score_id=score_id(metric, indexed.mail_id, origin), source=source, metric=metric,
                          passed=passed, value=value, detail=detail or {}, scorer=scorer, run=indexed.run,
                          observed_at=datetime.now(UTC))
        here = trace.get_current_span().get_span_context()
        links = [Link(here)] if here.is_valid else []
        with tracer.start_as_current_span(f"eval.score {metric}", context=run_context(indexed), links=links) as span:
            span.set_attributes({SCORE_METRIC: metric, SCORE_PASSED: passed, SCORE_SCORER: scorer,
                                 attributes.MAIL_ID: indexed.mail_id, attributes.TENANT: indexed.tenant,
                                 attributes.PROMPT_NAME: indexed.run.prompt,
                                 attributes.PROMPT_VERSION: indexed.run.prompt_version,
                                 attributes.PROMPT_ARM: indexed.run.arm})
            if value is not None:
                span.set_attribute(SCORE_VALUE, value)
            message = EvalScoreMessage(tenant=indexed.tenant, mail_id=indexed.mail_id, payload=score)
            await self.scores.publish(message.model_dump(mode="json"), key=indexed.mail_id.encode())
        return score
