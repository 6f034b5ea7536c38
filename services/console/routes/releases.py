"""One version: its text, the offline eval against production (started here, run in the background), and
promotion, which the registry authorizes and gates; a refusal is shown in the registry's own words."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.eval_jobs import EvalJob, EvalJobs
from services.console.eval_view import comparison_rows, split_rows
from services.console.registry_client import RegistryClient, RegistryRefused
from services.console.routes.prompts import version_labels
from services.console.session import add_notice, check_csrf
from services.console.web import SignedIn, User, registry_for, render
from shared.contracts.eval_run import EvalRunRecord
from shared.contracts.registry import Label

router = APIRouter()
LABELS: tuple[Label, ...] = ("production", "canary", "staging")


def _jobs(request: Request) -> EvalJobs:
    jobs: EvalJobs = request.app.state.eval_jobs
    return jobs


def _comparison(job: EvalJob | None, runs: dict[str, Any]) -> dict[str, Any] | None:
    """What to show as the comparison: this console's newest finished eval of the version, else the newest run
    on record against what is production now (the record has no per-split figures)."""
    if job is not None and job.record is not None:
        record = job.record
        splits, rows = split_rows(record, job.by_split)
        return {"record": record, "rows": comparison_rows(record), "splits": splits, "split_rows": rows,
                "current": record.baseline_hash == runs["gate_baseline_hash"]}
    production_hash = runs["gate_baseline_hash"]
    for raw in reversed(runs["runs"]):
        record = EvalRunRecord.model_validate(raw)
        if record.baseline_hash == production_hash:
            return {"record": record, "rows": comparison_rows(record), "splits": [], "split_rows": [],
                    "current": True}
    return None


async def _version_page(request: Request, user: User, name: str, version: str, *, status_code: int = 200,
                        refusal: str | None = None, refusal_source: str | None = None,
                        form: dict[str, str] | None = None) -> Response:
    registry = registry_for(request, user)
    summary = await registry.prompt(name)
    artifact = await registry.artifact(name, version)
    runs = await registry.eval_runs(name, version)
    production = summary["labels"].get("production")
    production_hash = next((v["content_hash"] for v in summary["versions"] if v["version"] == production), None)
    runs["gate_baseline_hash"] = production_hash
    job = _jobs(request).latest(name, artifact.content_hash or "")
    return render(request, "version.html", status_code=status_code, prompt=summary, artifact=artifact,
                  labels_here=version_labels(summary["labels"]).get(version, []), production=production,
                  gate=runs["gate"], job=job, comparison=_comparison(job, runs), refusal=refusal,
                  refusal_source=refusal_source,
                  promote_refusal=user.promote_refusal(name, summary["owner"]), labels=LABELS,
                  form=form or {"label": "production", "percent": "", "reason": ""})


@router.get("/prompts/{name}/versions/{version}", response_class=HTMLResponse)
async def version_page(request: Request, name: str, version: str, user: SignedIn) -> Response:
    return await _version_page(request, user, name, version)


@router.post("/prompts/{name}/versions/{version}/eval")
async def start_eval(request: Request, name: str, version: str, user: SignedIn,
                     csrf: Annotated[str | None, Form()] = None) -> Response:
    check_csrf(request, csrf)
    registry: RegistryClient = registry_for(request, user)
    summary = await registry.prompt(name)
    candidate = await registry.artifact(name, version)
    production = summary["labels"].get("production")
    baseline = await registry.artifact(name, production) if production else None
    if baseline is not None and baseline.content_hash == candidate.content_hash:
        add_notice(request, f"{candidate.ref} is production: there is nothing to compare it with.")
    else:
        job = _jobs(request).start(candidate, baseline, started_by=user.name)
        add_notice(request, f"The offline eval of {candidate.ref} against "
                            f"{'production ' + job.baseline_version if job.baseline_version else 'no baseline'} "
                            "is under way.")
    return RedirectResponse(f"/prompts/{name}/versions/{version}#eval", status_code=303)


@router.post("/prompts/{name}/versions/{version}/promote", response_class=HTMLResponse)
async def promote(request: Request, name: str, version: str, user: SignedIn,
                  label: Annotated[str, Form()] = "production", percent: Annotated[str, Form()] = "",
                  reason: Annotated[str, Form()] = "", csrf: Annotated[str | None, Form()] = None) -> Response:
    check_csrf(request, csrf)
    form = {"label": label, "percent": percent, "reason": reason}
    if label not in LABELS:
        return await _version_page(request, user, name, version, status_code=422, form=form,
                                   refusal=f"Choose a label: {', '.join(LABELS)}.")
    if not reason.strip():
        return await _version_page(request, user, name, version, status_code=422, form=form,
                                   refusal="Say why you promote this version: the reason is kept in the audit log.")
    try:
        share = float(percent) if label == "canary" and percent.strip() else None
    except ValueError:
        return await _version_page(request, user, name, version, status_code=422, form=form,
                                   refusal=f"The canary percent must be a number between 0 and 100, not {percent!r}.")
    try:
        await registry_for(request, user).promote(name, version=version, label=label, percent=share,
                                                  reason=reason.strip())
    except RegistryRefused as refused:
        return await _version_page(request, user, name, version, status_code=refused.status, form=form,
                                   refusal=refused.detail,
                                   refusal_source=f"The registry refused the promotion ({refused.status}):")
    where = f"canary ({share:g}% of routing keys)" if label == "canary" and share is not None else label
    add_notice(request, f"{name}@{version} is now {where}.")
    return RedirectResponse(f"/prompts/{name}/versions/{version}", status_code=303)
