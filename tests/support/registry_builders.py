"""Builders for registry tests: artifacts derived from the extract-email prompt, and eval-run records that
stand as fixtures of the promotion gate (they are not evaluation results)."""

import uuid
from datetime import UTC, datetime

from shared.contracts.eval_run import EvalRunRecord
from shared.prompts import PromptArtifact
from tests.support.registry_harness import derived_prompt


def artifact(name: str = "extract-email", version: str = "1.0.0", owner: str = "ana.kovacs",
             note: str = "") -> PromptArtifact:
    return derived_prompt(name, version, note, owner)


def eval_run(candidate: PromptArtifact, baseline: PromptArtifact | None, dataset_hash: str,
             verdict: str = "pass") -> EvalRunRecord:
    return EvalRunRecord(
        run_id=f"run-{uuid.uuid4().hex[:10]}", created_at=datetime.now(UTC), dataset_hash=dataset_hash,
        dataset_split="all", mails=330, prompt_name=candidate.name, candidate_version=candidate.version,
        candidate_hash=candidate.content_hash or "", baseline_version=baseline.version if baseline else None,
        baseline_hash=baseline.content_hash if baseline else None, model="mailspine-reference-rules",
        metrics={"intent_accuracy": 0.9}, baseline_metrics={"intent_accuracy": 0.9} if baseline else None,
        comparisons=[], verdict=verdict,
        reasons=[] if verdict == "pass" else ["intent_accuracy fell significantly"])
