"""The canary guard: while a canary version serves part of the traffic, compare its scores with production's
on the same period, and roll it back through the registry when it is significantly worse.

The comparison is an always-valid sequential test (services/evaluator/stats.py), so checking again after
every new score does not inflate the false-alarm rate; the family-wise alpha is split over the metrics.
"""

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from faststream.kafka import KafkaBroker

from services.evaluator.drift.aggregates import QualityStore
from services.evaluator.settings import EvaluatorSettings
from services.evaluator.stats import always_valid_comparison
from shared.audit import AuditChain
from shared.contracts.eval_score import METRICS
from shared.contracts.topics import AUDIT_LOG
from shared.prompts.registry_state import PromptNotFound, PromptState, RegistryState

logger = logging.getLogger("mailspine.evaluator.canary")


def canary_started_at(prompt: PromptState) -> datetime | None:
    """When the current canary version became canary: the first event of the latest unbroken run of events
    after which the canary label points at it."""
    current = prompt.labels.canary
    started = None
    for event in prompt.events:
        if event.kind == "version_published":
            continue
        if event.labels_after.canary == current:
            started = started or event.at
        else:
            started = None
    return started


@dataclass(frozen=True)
class GuardVerdict:
    prompt: str
    canary: str
    production: str
    worse_metrics: list[str]
    evidence: dict[str, Any]


class RegistryRollback:
    """The registry's rollback endpoint, called with the evaluator's own token (role canary_guard)."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token

    async def roll_back_canary(self, prompt: str, reason: str) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.url, timeout=10.0) as client:
            response = await client.post(f"/v1/prompts/{prompt}/rollback", json={"label": "canary", "reason": reason},
                                         headers={"Authorization": f"Bearer {self.token}"})
        if response.status_code >= 400:
            raise RuntimeError(f"registry refused the canary rollback of {prompt} ({response.status_code}): "
                               f"{response.text[:300]}")
        rollback: dict[str, Any] = response.json()
        return rollback


class CanaryGuard:
    def __init__(self, store: QualityStore, registry_state: RegistryState, rollback: RegistryRollback,
                 broker: KafkaBroker, settings: EvaluatorSettings) -> None:
        self.store, self.state, self.rollback = store, registry_state, rollback
        self.broker, self.settings = broker, settings
        self.audit = AuditChain(settings.service_name)
        self.dirty: set[str] = set()
        self.rolled_back: set[tuple[str, str]] = set()

    def scores_arrived(self, prompt: str) -> None:
        self.dirty.add(prompt)

    async def check_dirty(self) -> list[GuardVerdict]:
        prompts, self.dirty = self.dirty, set()
        verdicts = []
        for prompt in sorted(prompts):
            verdict = await self.check(prompt)
            if verdict is not None:
                verdicts.append(verdict)
        return verdicts

    async def compare(self, prompt: str) -> GuardVerdict | None:
        """The canary against production since the canary started; None when there is no canary."""
        try:
            state = self.state.get(prompt)
        except PromptNotFound:
            return None
        labels = state.labels
        started = canary_started_at(state)
        if labels.canary is None or labels.production is None or started is None:
            return None
        now = datetime.now(UTC)
        canary = await self.store.scores(started, now, {"prompt": prompt, "version": labels.canary, "arm": "canary"})
        stable = await self.store.scores(started, now, {"prompt": prompt, "version": labels.production,
                                                        "arm": "stable"})
        per_metric_alpha = self.settings.canary_alpha / len(METRICS)  # Bonferroni over every guarded metric
        evidence: dict[str, Any] = {}
        worse = []
        for metric in METRICS:
            if metric not in canary or metric not in stable:
                continue
            result = always_valid_comparison(control=stable[metric], treatment=canary[metric], alpha=per_metric_alpha,
                                      min_samples=self.settings.canary_min_samples)
            evidence[metric] = {
                "production": {"passed": stable[metric].k, "scored": stable[metric].n, "rate": stable[metric].rate},
                "canary": {"passed": canary[metric].k, "scored": canary[metric].n, "rate": canary[metric].rate},
                "delta": result.delta, "interval": list(result.interval), "statistic": result.statistic,
                "threshold": result.threshold, "enough_data": result.enough_data, "worse": result.worse}
            if result.worse:
                worse.append(metric)
        return GuardVerdict(prompt=prompt, canary=labels.canary, production=labels.production, worse_metrics=worse,
                            evidence={"since": started.isoformat(), "alpha": self.settings.canary_alpha,
                                      "per_metric_alpha": per_metric_alpha, "metrics": evidence})

    async def check(self, prompt: str) -> GuardVerdict | None:
        verdict = await self.compare(prompt)
        if verdict is None or not verdict.worse_metrics or (prompt, verdict.canary) in self.rolled_back:
            return None
        summary = "; ".join(
            f"{m} {verdict.evidence['metrics'][m]['canary']['rate']:.3f} vs production "
            f"{verdict.evidence['metrics'][m]['production']['rate']:.3f}" for m in verdict.worse_metrics)
        reason = (f"online evaluation: canary {verdict.canary} is significantly worse than production "
                  f"{verdict.production} ({summary}; always-valid sequential test, alpha {self.settings.canary_alpha})")
        started = time.perf_counter()
        event = await self.rollback.roll_back_canary(prompt, reason)
        self.rolled_back.add((prompt, verdict.canary))
        audit = self.audit.record("evaluator.canary_rolled_back", mail_id=None, tenant=None, detail={
            "prompt": prompt, "canary": verdict.canary, "production": verdict.production,
            "worse_metrics": verdict.worse_metrics, "registry_event_id": event.get("event_id"),
            "reason": reason, **verdict.evidence})
        await self.broker.publish(audit.model_dump(mode="json"), AUDIT_LOG, key=self.audit.chain_id.encode())
        logger.warning("rolled back canary %s@%s in %.0f ms: %s", prompt, verdict.canary,
                       (time.perf_counter() - started) * 1000, reason)
        return verdict
