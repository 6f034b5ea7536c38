from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.gateway.guardrails.verdict import Thresholds
from shared.mail_sources import MailSourceSettings
from shared.settings import REPO_ROOT, PathSettings


class GatewaySettings(MailSourceSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_GATEWAY_")

    service_name: str = "gateway"
    consumer_group: str = "gateway"
    max_mail_bytes: int = 10 * 1024 * 1024
    max_mime_parts: int = 100
    max_mime_depth: int = 10
    quarantine_copy_limit_bytes: int = 1024 * 1024
    # which mails the online evaluator scores (the gateway decides; see shared/eval_sampling.py)
    sampling_policy: Path = REPO_ROOT / "config" / "eval-sampling.yaml"
    signature_skew_seconds: int = 300
    # a Message-ID stays in the seen-set well past the signature window, so a replay is always caught
    replay_window_seconds: int = 3 * 24 * 3600
    pii_vault_ttl_seconds: int = 30 * 24 * 3600
    injection_flag_threshold: float = 0.5
    injection_block_threshold: float = 0.85
    injection_classifier_alone_threshold: float = 0.8  # see guardrails/verdict.py Thresholds
    injection_corroborating_rule_threshold: float = 0.3  # see guardrails/verdict.py Thresholds
    # the classifier trains on the dev rows of these files (rows marked "heldout" are never trained on)
    guardrail_attack_files: tuple[Path, ...] = (REPO_ROOT / "data" / "guardrails" / "attacks.jsonl",
                                                REPO_ROOT / "data" / "guardrails" / "mail_attacks.jsonl")
    guardrail_benign_files: tuple[Path, ...] = (REPO_ROOT / "data" / "guardrails" / "benign_mails.jsonl",
                                                REPO_ROOT / "data" / "guardrails" / "benign_hard_lookalikes.jsonl",
                                                REPO_ROOT / "data" / "guardrails" / "mail_lookalikes.jsonl")
    model_cache_dir: Path = Field(default_factory=lambda: PathSettings().cache / "models")

    def injection_thresholds(self) -> Thresholds:
        return Thresholds(self.injection_flag_threshold, self.injection_block_threshold,
                          self.injection_classifier_alone_threshold, self.injection_corroborating_rule_threshold)
