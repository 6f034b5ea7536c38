"""The registry's HTTP API (JSON, bearer tokens). Reads come from the Redis view; writes go through the
RegistryService, which appends to Kafka. Every refusal is a one-line ``detail`` that says what to do."""

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from services.registry.changes import ChangeRefused
from services.registry.promotion_gate import GateRefused, require_passing_eval
from services.registry.service import RegistryService
from services.registry.view import RegistryView
from shared.bearer_auth import Caller
from shared.contracts.registry import Label
from shared.prompts.access import AccessDenied
from shared.prompts.artifact import ArtifactError, parse_artifact
from shared.prompts.registry_state import PromptNotFound, resolve_label


class PromoteRequest(BaseModel):
    version: str
    label: Label
    percent: float | None = Field(default=None, description="canary only: the share of routing keys, 0 < N < 100")
    reason: str


class RollbackRequest(BaseModel):
    label: Label
    reason: str


def _service(request: Request) -> RegistryService:
    service: RegistryService = request.app.state.service
    return service


def _view(request: Request) -> RegistryView:
    view: RegistryView = request.app.state.view
    return view


router = APIRouter(prefix="/v1")


@router.get("/prompts")
async def list_prompts(request: Request, _: Caller) -> list[dict[str, Any]]:
    view = _view(request)
    prompts = [await view.summary(name) for name in await view.names()]
    return [{"name": p["name"], "owner": p["owner"], "labels": p["labels"],
             "versions": [v["version"] for v in p["versions"]]} for p in prompts]


@router.get("/prompts/{name}")
async def show_prompt(request: Request, name: str, _: Caller) -> dict[str, Any]:
    """Versions, labels and rollout, and the recent change history."""
    return await _view(request).summary(name)


@router.get("/prompts/{name}/versions/{version}")
async def show_version(request: Request, name: str, version: str, _: Caller) -> dict[str, Any]:
    return (await _view(request).record(name, version)).model_dump(mode="json")


@router.get("/prompts/{name}/resolve")
async def resolve(request: Request, name: str, _: Caller, label: Label = "production",
                  routing_key: str | None = None) -> dict[str, Any]:
    resolution = resolve_label(await _view(request).prompt_state(name), label, routing_key)
    return {"name": name, "label": label, "version": resolution.version, "content_hash": resolution.content_hash,
            "arm": resolution.arm, "artifact": resolution.artifact.model_dump(mode="json", by_alias=True)}


@router.post("/prompts", status_code=201)
async def publish(request: Request, caller: Caller, body: dict[str, Any]) -> JSONResponse:
    """Body: the artifact as JSON, its content_hash included (`mailspine prompts publish FILE` seals it)."""
    artifact = parse_artifact(body.get("artifact", body), "the published artifact")
    record, created = await _service(request).publish(caller, artifact)
    return JSONResponse(status_code=201 if created else 200, content={
        "name": record.name, "version": record.version, "content_hash": record.content_hash,
        "published_by": record.published_by, "published_at": record.published_at.isoformat(),
        "created": created})


@router.post("/prompts/{name}/promote")
async def promote(request: Request, name: str, caller: Caller, body: PromoteRequest) -> dict[str, Any]:
    event = await _service(request).promote(caller, name=name, version=body.version, label=body.label,
                                            percent=body.percent, reason=body.reason)
    return event.model_dump(mode="json")


@router.post("/prompts/{name}/rollback")
async def rollback(request: Request, name: str, caller: Caller, body: RollbackRequest) -> dict[str, Any]:
    event = await _service(request).rollback(caller, name=name, label=body.label, reason=body.reason)
    return event.model_dump(mode="json")


@router.get("/prompts/{name}/versions/{version}/eval-runs")
async def eval_runs(request: Request, name: str, version: str, _: Caller) -> dict[str, Any]:
    """Every eval run of this version's content, newest last, and what the gate says about it right now."""
    service = _service(request)
    prompt = await _view(request).prompt_state(name)
    if version not in prompt.versions:
        raise PromptNotFound(f"{name} has no version {version}")
    candidate_hash = prompt.versions[version].content_hash
    production = prompt.labels.production
    runs = [r.model_dump(mode="json") for r in service.store.runs(name) if r.candidate_hash == candidate_hash]
    try:
        passing = require_passing_eval(service.store, service.dataset_hash, name=name, version=version,
                                       candidate_hash=candidate_hash, production_version=production,
                                       production_hash=prompt.hash_of(production))
        gate = {"open": True, "eval_run_id": passing.run_id, "message": "a passing run against production exists"}
    except GateRefused as refused:
        gate = {"open": False, "eval_run_id": None, "message": str(refused)}
    return {"name": name, "version": version, "content_hash": candidate_hash, "production": production,
            "gate": gate, "runs": runs}


def install(app: FastAPI) -> None:
    app.include_router(router)

    @app.get("/healthz")
    async def healthz(request: Request) -> dict[str, Any]:
        """Liveness for clients and `mailspine status`; no data, no token."""
        follower = request.app.state.service.follower
        return {"status": "ok", "prompts": len(follower.state.names())}

    handlers: list[tuple[type[Exception], int]] = [
        (AccessDenied, 403), (GateRefused, 409), (ChangeRefused, 409), (PromptNotFound, 404),
        (ArtifactError, 422), (ValueError, 400), (TimeoutError, 503)]
    for exc_type, status in handlers:
        app.add_exception_handler(exc_type, _handler(status))


def _handler(status: int, headers: dict[str, str] | None = None) -> Any:
    async def handle(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(status_code=status, content={"detail": str(exc)}, headers=headers)
    return handle
