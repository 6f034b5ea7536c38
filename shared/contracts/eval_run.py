"""The record an offline eval run leaves behind: what was compared, on which data, and the verdict.

The registry's promotion gate reads these: a version may go to canary or production only if a passing run
exists for exactly its content hash, against the content hash that is in production now, on the current
golden dataset.
"""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class MetricComparison(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str
    guarded: bool = Field(description="a significant drop on this metric fails the run")
    floor: float | None = Field(description="an absolute minimum for the candidate, if any")
    baseline: float | None
    candidate: float
    delta: float | None
    ci_low: float | None = Field(description="95% paired-bootstrap interval of the delta")
    ci_high: float | None
    p_value: float | None = Field(description="paired test (McNemar exact or bootstrap) of candidate vs baseline")
    significantly_worse: bool
    below_floor: bool
    lower_is_better: bool = Field(default=False, description="a rate of failures (e.g. unsafe actions): up is worse")


class EvalRunRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: str
    created_at: datetime
    dataset_hash: str
    dataset_split: Literal["all", "dev", "heldout"]
    mails: int
    prompt_name: str
    candidate_version: str
    candidate_hash: str
    baseline_version: str | None
    baseline_hash: str | None
    model: str
    metrics: dict[str, float]
    baseline_metrics: dict[str, float] | None
    comparisons: list[MetricComparison]
    verdict: Literal["pass", "fail"]
    reasons: list[str] = Field(description="why it failed; empty when it passed")

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"
