"""Console process: ``python -m services.console``. The composition root: session cookies, the registry's HTTP
client, the background eval jobs, the pages, and how each failure is shown to the person at the browser."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from services.console.eval_jobs import EvalJobs
from services.console.registry_client import RegistryRefused, RegistryUnavailable
from services.console.routes import prompts, releases, sign_in
from services.console.session import CsrfRefused, SessionMiddleware, session_key, session_of
from services.console.settings import ConsoleSettings
from services.console.web import NotSignedIn, render
from shared.bearer_tokens import TokenTable
from shared.prompts.artifact import ArtifactError
from shared.trace_logging import setup_logging

logger = logging.getLogger("mailspine.console")


def create_app(settings: ConsoleSettings | None = None, eval_jobs: EvalJobs | None = None) -> FastAPI:
    settings = settings or ConsoleSettings()
    setup_logging(settings.service_name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(base_url=settings.registry_url, timeout=30.0) as registry_http:
            app.state.registry_http = registry_http
            app.state.tokens = TokenTable(settings.registry_tokens_file)
            app.state.eval_jobs = eval_jobs or EvalJobs(concurrency=settings.eval_concurrency)
            logger.info("prompt console on %s (registry %s)", settings.url, settings.registry_url)
            try:
                yield
            finally:
                await app.state.eval_jobs.aclose()

    app = FastAPI(title="Mailspine prompt console", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.add_middleware(SessionMiddleware, key=session_key(settings.session_key_file),
                       max_age=settings.session_max_age_seconds, secure=settings.cookie_secure)
    for module in (sign_in, prompts, releases):
        app.include_router(module.router)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness for `mailspine up` and the tests; no data, no session."""
        return {"status": "ok"}

    install_error_pages(app)
    return app


def install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, _: Exception) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(str(exc), status_code=403)

    @app.exception_handler(RegistryRefused)
    async def registry_refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RegistryRefused)
        if exc.status == 401:  # the token was revoked (or the tokens file replaced) since sign-in
            session_of(request).clear()
            return render(request, "login.html", status_code=401, error=f"Sign in again: {exc.detail}")
        return render(request, "error.html", status_code=exc.status, error=exc.detail,
                      title="The registry refused")

    @app.exception_handler(RegistryUnavailable)
    async def registry_unavailable(request: Request, exc: Exception) -> Response:
        return render(request, "error.html", status_code=503, error=str(exc), title="The registry is not reachable")

    @app.exception_handler(ArtifactError)
    async def broken_artifact(request: Request, exc: Exception) -> Response:
        return render(request, "error.html", status_code=502, error=str(exc), title="A stored version is invalid")
