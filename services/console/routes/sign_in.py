"""Sign in with a console token (reviewers, readers) or a prompt-registry bearer token (checked against the
registry), and sign out."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.registry_client import RegistryClient, RegistryRefused
from services.console.session import check_csrf, session_of, start_session
from services.console.web import render

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request) -> Response:
    return render(request, "login.html")


@router.post("/login")
async def login(request: Request, token: Annotated[str, Form()] = "",
                csrf: Annotated[str | None, Form()] = None) -> Response:
    check_csrf(request, csrf)
    token = token.strip()
    if not token:
        return render(request, "login.html", status_code=400, error="Paste your console or registry token to sign in.")
    if request.app.state.console_tokens.authenticate(token) is not None:
        start_session(request, token, console=True)
        return RedirectResponse("/review", status_code=303)
    try:
        await RegistryClient(request.app.state.registry_http, token).list_prompts()
    except RegistryRefused as refused:
        message = refused.detail if refused.status != 401 else (
            "Neither the console nor the prompt registry knows this token. Ask a release manager for one "
            "(`mailspine prompts add-user NAME --role ROLE`, or config/console-roles.yaml).")
        return render(request, "login.html", status_code=401 if refused.status == 401 else 502, error=message)
    start_session(request, token)
    return RedirectResponse("/prompts", status_code=303)


@router.post("/logout")
async def logout(request: Request, csrf: Annotated[str | None, Form()] = None) -> Response:
    check_csrf(request, csrf)
    session_of(request).clear()
    return RedirectResponse("/login", status_code=303)
