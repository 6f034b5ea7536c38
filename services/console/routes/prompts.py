"""The prompts with their versions and labels, and editing one into a new draft version."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.drafts import BUMPS, build_draft, next_version
from services.console.registry_client import RegistryRefused
from services.console.session import add_notice, check_csrf
from services.console.web import SignedIn, registry_for, render
from shared.prompts.artifact import ArtifactError, PromptArtifact

router = APIRouter()


def version_labels(labels: dict[str, Any]) -> dict[str, list[str]]:
    """version -> the labels on it, e.g. {"1.0.0": ["production"], "1.0.1": ["canary 10%"]}."""
    found: dict[str, list[str]] = {}
    for label in ("production", "canary", "staging"):
        version = labels.get(label)
        if version:
            text = f"canary {labels.get('canary_percent', 0):g}%" if label == "canary" else label
            found.setdefault(version, []).append(text)
    return found


@router.get("/")
async def home() -> Response:
    return RedirectResponse("/prompts", status_code=303)


@router.get("/prompts", response_class=HTMLResponse)
async def prompt_list(request: Request, user: SignedIn) -> Response:
    prompts = await registry_for(request, user).list_prompts()
    return render(request, "prompts.html", prompts=prompts)


@router.get("/prompts/{name}", response_class=HTMLResponse)
async def prompt_page(request: Request, name: str, user: SignedIn) -> Response:
    summary = await registry_for(request, user).prompt(name)
    return render(request, "prompt.html", prompt=summary, on_version=version_labels(summary["labels"]),
                  versions=list(reversed(summary["versions"])))


def _edit_context(summary: dict[str, Any], base: PromptArtifact) -> dict[str, Any]:
    existing = [v["version"] for v in summary["versions"]]
    return {"prompt": summary, "base": base, "bumps": [(b, next_version(existing, b)) for b in BUMPS]}


@router.get("/prompts/{name}/edit", response_class=HTMLResponse)
async def edit_page(request: Request, name: str, user: SignedIn, base: str | None = None) -> Response:
    registry = registry_for(request, user)
    summary = await registry.prompt(name)
    base_version = base or summary["labels"].get("production") or summary["versions"][-1]["version"]
    artifact = await registry.artifact(name, base_version)
    return render(request, "edit.html", **_edit_context(summary, artifact),
                  contents=[m.content for m in artifact.messages], changelog="", bump="patch")


@router.post("/prompts/{name}/drafts", response_class=HTMLResponse)
async def save_draft(request: Request, name: str, user: SignedIn) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf") or ""))
    registry = registry_for(request, user)
    summary = await registry.prompt(name)
    base = await registry.artifact(name, str(form.get("base") or ""))
    contents = [str(form.get(f"message_{i}") or "") for i in range(len(base.messages))]
    changelog = str(form.get("changelog") or "")
    bump = str(form.get("bump") or "patch")
    context = {**_edit_context(summary, base), "contents": contents, "changelog": changelog, "bump": bump}
    if bump not in BUMPS:
        return render(request, "edit.html", status_code=422, error="Choose patch, minor or major.", **context)
    try:
        version = next_version([v["version"] for v in summary["versions"]], bump)
        draft = build_draft(base, version=version, contents=contents, changelog=changelog)
        await registry.publish(draft)
    except ArtifactError as error:
        return render(request, "edit.html", status_code=422, error=str(error), **context)
    except RegistryRefused as refused:
        return render(request, "edit.html", status_code=refused.status, error=refused.detail,
                      error_source="The registry refused the new version:", **context)
    add_notice(request, f"Saved {draft.ref} as a new draft version (no label yet). Run the offline eval to "
                        "compare it with production.")
    return RedirectResponse(f"/prompts/{name}/versions/{version}", status_code=303)
