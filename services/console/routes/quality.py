"""The quality page: what `mailspine quality` answers (yes or no, with the evidence per metric and the changes
that coincide), and each metric drawn over time with the registry's changes marked."""

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.console.quality.charts import quality_svg
from services.console.quality.evaluator_client import EvaluatorClient, EvaluatorUnavailable
from services.console.web import SignedIn, render

router = APIRouter()


def _number(text: str | None, default: float) -> float:
    try:
        value = float(text) if text else default
    except ValueError:
        return default
    return value if value > 0 else default


@router.get("/quality", response_class=HTMLResponse)
async def quality_page(request: Request, user: SignedIn, prompt: str | None = None, tenant: str | None = None,
                       model: str | None = None, hours: str | None = None, window: str | None = None,
                       baseline: str | None = None) -> Response:
    scope = {"prompt": prompt or None, "tenant": tenant or None, "model": model or None}
    form: dict[str, Any] = {**scope, "hours": _number(hours, 24), "window": _number(window, 60),
                            "baseline": _number(baseline, 1440)}
    evaluator: EvaluatorClient = request.app.state.evaluator
    try:
        answer = await evaluator.answer(**scope, window_minutes=form["window"], baseline_minutes=form["baseline"])
        series = await evaluator.series(**scope, hours=form["hours"])
    except EvaluatorUnavailable as unavailable:
        return render(request, "quality.html", status_code=503, form=form, error=str(unavailable), answer=None,
                      series=None, chart=None)
    chart = await asyncio.to_thread(quality_svg, series)  # rendering takes a while: not on the event loop
    return render(request, "quality.html", form=form, error=None, answer=answer, series=series, chart=chart)
