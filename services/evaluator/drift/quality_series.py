"""The quality page's data: each metric's pass rate per time bucket, prompt version, model and arm, with its
Wilson interval, and the registry changes (promotions, canaries, rollbacks) of the same period."""

from datetime import UTC, datetime, timedelta
from typing import Any

from services.evaluator.drift.aggregates import QualityStore


async def quality_series(store: QualityStore, where: dict[str, str | None], span: timedelta,
                         now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    start = now - span
    points = []
    for at, metric, dims, proportion in await store.series(start, now, where):
        low, high = proportion.wilson()
        points.append({"at": datetime.fromtimestamp(at, UTC).isoformat(), "metric": metric, "tenant": dims.tenant,
                       "prompt": dims.prompt, "version": dims.version, "model": dims.model, "arm": dims.arm,
                       "k": proportion.k, "n": proportion.n, "rate": proportion.rate, "low": low, "high": high})
    prompt = where.get("prompt")
    prompts: set[str] | None = {prompt} if prompt else {str(p["prompt"]) for p in points} or None
    changes = [{"at": change.at.isoformat(), "kind": change.kind, "description": change.description}
               for change in await store.changes(start, now, prompts)]
    return {"start": start.isoformat(), "end": now.isoformat(), "bucket_seconds": store.bucket_seconds,
            "points": points, "changes": changes}
