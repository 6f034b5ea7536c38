from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import PathSettings


class EvaluatorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_EVALUATOR_")

    service_name: str = "evaluator"
    runs_group: str = "evaluator"  # agent.runs.v1: checks and the judge
    signals_group: str = "evaluator-signals"  # crm.acks.v1 and review.decisions.v1
    scores_group: str = "evaluator-scores"  # eval.scores.v1: aggregation and the canary guard
    host: str = "127.0.0.1"
    port: int = 8072
    tokens_file: Path = Field(default_factory=lambda: PathSettings().secrets_dir / "evaluator" / "tokens.yaml",
                              description="bearer tokens of who may send feedback (local development)")
    judge_prompt: str = "judge-extraction"
    # the judge's 1-5 score at or above which a run counts as acceptable
    judge_acceptable_score: int = Field(default=4, ge=1, le=5)
    bucket_seconds: int = Field(default=60, ge=1, description="aggregation granularity")
    # a CRM ack, a review or a thumbs-up can come days after the run; the run stays joinable this long
    run_ttl_seconds: int = 30 * 24 * 3600
    # a signal that arrives before its run summary waits this long for it
    pending_ttl_seconds: int = 24 * 3600
    canary_alpha: float = Field(default=0.05, gt=0, lt=1, description="family-wise, over the guarded metrics")
    canary_min_samples: int = Field(default=30, ge=1, description="per arm and metric, before the guard may act")
    canary_guard_enabled: bool = True
    guard_interval_seconds: float = Field(default=1.0, gt=0, description="how often new scores are looked at")
    registry_token: SecretStr | None = Field(default=None, description="the evaluator's registry token (roles "
                                             "reader, canary_guard); locally read from the registry's tokens file")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"
