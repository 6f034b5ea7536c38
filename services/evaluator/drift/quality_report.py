"""'Is it getting worse?': the recent window against the window before it, from the aggregates."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.evaluator.drift.aggregates import QualityStore
from services.evaluator.drift.detection import DriftReport, WindowSummary, detect_drift


@dataclass(frozen=True)
class QualityQuestion:
    prompt: str | None = None
    tenant: str | None = None
    model: str | None = None
    window: timedelta = timedelta(hours=1)
    baseline: timedelta = timedelta(hours=24)
    alpha: float = 0.05
    min_samples: int = 30

    def where(self) -> dict[str, str | None]:
        return {"prompt": self.prompt, "tenant": self.tenant, "model": self.model}


async def summarize(store: QualityStore, start: datetime, end: datetime, where: dict[str, str | None]) -> WindowSummary:
    return WindowSummary(start=start, end=end, metrics=await store.scores(start, end, where),
                         mix=await store.mix(start, end, where))


async def answer(store: QualityStore, question: QualityQuestion, now: datetime | None = None) -> DriftReport:
    """The last ``window`` against the ``baseline`` before it (the two never overlap)."""
    now = now or datetime.now(UTC)
    current_start = now - question.window
    baseline_start = current_start - question.baseline
    # bucket edges: the baseline ends one bucket before the current window starts
    baseline_end = current_start - timedelta(seconds=store.bucket_seconds)
    where = question.where()
    baseline = await summarize(store, baseline_start, baseline_end, where)
    current = await summarize(store, current_start, now, where)
    # registry changes of the prompts that served these runs (other prompts' changes explain nothing here)
    served = {key.split(" ")[0] for window in (baseline, current)
              for key in window.mix.get("prompt_version", {}) if key}
    changes = await store.changes(baseline_start, now, {question.prompt} if question.prompt else served)
    return detect_drift(baseline, current, changes, alpha=question.alpha, min_samples=question.min_samples)
