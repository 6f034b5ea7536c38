"""The evaluator's HTTP API on 127.0.0.1:8072: thumbs up or down on a run, and 'is it getting worse?'.

    POST /v1/feedback   {"mail_id": "m-…", "thumbs": "up" | "down", "comment": "…"}   (bearer token, role feedback)
    GET  /v1/quality?prompt=extract-email&tenant=acme&window_minutes=60&baseline_minutes=1440
    GET  /v1/quality/series?prompt=extract-email&hours=24   each metric per time bucket, version, model and arm
    GET  /v1/canary/{prompt}   the canary guard's current comparison
"""

from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from services.evaluator.access import FEEDBACK_ROLE
from services.evaluator.drift.quality_report import QualityQuestion, answer
from services.evaluator.drift.quality_series import quality_series
from services.evaluator.signals import Feedback
from shared.bearer_auth import Caller


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mail_id: str = Field(min_length=1, max_length=128)
    thumbs: Literal["up", "down"]
    comment: str | None = Field(default=None, max_length=2000)


router = APIRouter(prefix="/v1")


@router.post("/feedback", status_code=201)
async def feedback(request: Request, caller: Caller, body: FeedbackRequest) -> dict[str, Any]:
    if not caller.has(FEEDBACK_ROLE):
        raise HTTPException(403, f"{caller.name} may not send feedback: the role {FEEDBACK_ROLE!r} is needed")
    deps = request.app.state.deps
    indexed = await deps.runs.get(body.mail_id)
    if indexed is None:
        raise HTTPException(404, f"no run is known for mail {body.mail_id} (unknown, or older than the evaluator's "
                                 "run retention)")
    score = await deps.signals.feedback(Feedback(mail_id=body.mail_id, principal=caller.name,
                                                 thumbs_up=body.thumbs == "up", comment=body.comment), indexed)
    return {"score_id": score.score_id, "trace_id": score.run.trace_id, "prompt": score.run.prompt,
            "prompt_version": score.run.prompt_version, "metric": score.metric, "passed": score.passed}


@router.get("/quality")
async def quality(request: Request, _: Caller, prompt: str | None = None, tenant: str | None = None,
                  model: str | None = None, window_minutes: float = 60, baseline_minutes: float = 1440,
                  alpha: float = 0.05) -> dict[str, Any]:
    if window_minutes <= 0 or baseline_minutes <= 0 or not 0 < alpha < 1:
        raise HTTPException(422, "window_minutes and baseline_minutes must be positive, alpha between 0 and 1")
    question = QualityQuestion(prompt=prompt, tenant=tenant, model=model, window=timedelta(minutes=window_minutes),
                               baseline=timedelta(minutes=baseline_minutes), alpha=alpha)
    report = await answer(request.app.state.deps.store, question)
    return {"answer": "yes" if report.worse else "no", "headline": report.headline(), **report.to_dict()}


@router.get("/quality/series")
async def quality_over_time(request: Request, _: Caller, prompt: str | None = None, tenant: str | None = None,
                            model: str | None = None, hours: float = 24) -> dict[str, Any]:
    if not 0 < hours <= 24 * 31:
        raise HTTPException(422, "hours must be between 0 and 744 (31 days)")
    return await quality_series(request.app.state.deps.store, {"prompt": prompt, "tenant": tenant, "model": model},
                                timedelta(hours=hours))


@router.get("/canary/{prompt}")
async def canary(request: Request, _: Caller, prompt: str) -> dict[str, Any]:
    verdict = await request.app.state.deps.guard.compare(prompt)
    if verdict is None:
        return {"prompt": prompt, "canary": None}
    return {"prompt": prompt, "canary": verdict.canary, "production": verdict.production,
            "worse_metrics": verdict.worse_metrics, **verdict.evidence}


def install(app: FastAPI) -> None:
    app.include_router(router)

    @app.get("/healthz")
    async def healthz(request: Request) -> dict[str, Any]:
        if not getattr(request.app.state, "ready", False):
            raise HTTPException(503, "starting")
        return {"status": "ok", "judge_prompt": request.app.state.settings.judge_prompt}
