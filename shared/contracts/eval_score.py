"""Contract of eval.scores.v1: one score or signal about one agent run, keyed to its trace and prompt version.

Every score is pass/fail (``passed``), so scores aggregate into proportions with intervals and two-proportion
tests; ``value`` keeps a graded score where there is one (the judge's 1-5, scaled to 0-1).
"""

import hashlib
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.envelope import Envelope

ScoreSource = Literal["judge", "check", "crm_ack", "review", "feedback"]

# the metrics, named once: aggregation, drift and the canary guard refer to them by these names
JUDGE_ACCEPTABLE = "judge.acceptable"
SCHEMA_VALID = "check.schema_valid"
GROUNDED = "check.grounded"
CRM_ACCEPTED = "crm.accepted"
REVIEW_UNEDITED = "review.unedited"
THUMBS_UP = "feedback.thumbs_up"
METRICS = (JUDGE_ACCEPTABLE, SCHEMA_VALID, GROUNDED, CRM_ACCEPTED, REVIEW_UNEDITED, THUMBS_UP)


class ScoredRun(BaseModel):
    """The run a score is about, as agent.runs.v1 described it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    trace_id: str
    span_id: str
    prompt: str
    prompt_version: str
    content_hash: str
    arm: str
    model: str
    index_version: str | None
    run_at: datetime


class EvalScore(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    score_id: str = Field(description="deterministic, so a redelivered input yields the same id and counts once")
    source: ScoreSource
    metric: str
    passed: bool
    value: float | None = Field(default=None, ge=0.0, le=1.0)
    detail: dict[str, Any] = Field(default_factory=dict)
    scorer: str = Field(description="what scored: judge-extraction@1.0.0, grounding-v1, crm, a reviewer, a user")
    run: ScoredRun
    observed_at: datetime


class EvalScoreMessage(Envelope[EvalScore]):
    pass


def score_id(metric: str, mail_id: str, origin: str) -> str:
    """One score per metric, mail and origin (a run, an ack, a decision, a feedback id)."""
    return "s-" + hashlib.sha256(f"{metric}\x00{mail_id}\x00{origin}".encode()).hexdigest()[:24]
