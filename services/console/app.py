"""Console process: ``python -m services.console``. The composition root: session cookies, who has which role,
the registry's, the evaluator's and Jaeger's HTTP clients, the background eval jobs, the Kafka feeds kept in Redis,
the review desk, the pages, and how each failure is shown to the person at the browser."""

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from redis.asyncio import Redis

from services.console.eval_jobs import EvalJobs
from services.console.handlers import ConsoleFeeds, provide, register
from services.console.mail.audit_store import AuditStore
from services.console.mail.mail_index import MailIndex
from services.console.people import ConsolePeople, ensure_console_tokens
from services.console.quality.evaluator_client import EvaluatorClient
from services.console.registry_client import RegistryRefused, RegistryUnavailable
from services.console.review.desk import ReviewDesk
from services.console.review.queue_store import ReviewQueue
from services.console.routes import mail, prompts, quality, releases, review, sign_in
from services.console.session import CsrfRefused, SessionMiddleware, session_key, session_of
from services.console.settings import ConsoleSettings
from services.console.web import NeedsRegistryToken, NotSignedIn, RoleRequired, render
from shared.audit import AuditChain
from shared.bearer_tokens import TokenTable
from shared.broker import build_broker
from shared.customer_keys import CustomerKeys
from shared.errors import UserError
from shared.pii_vault import PiiVault
from shared.prompts.artifact import ArtifactError
from shared.settings import KafkaSettings, PiiVaultSettings, RedisSettings
from shared.trace_logging import setup_logging
from shared.tracing import shutdown_tracing

logger = logging.getLogger("mailspine.console")


def pii_vault(redis: Redis) -> PiiVault | None:
    """The vault's revealing side, for the people whose role allows it; None (revealing refused with a message)
    when this console was given no vault key."""
    try:
        key = PiiVaultSettings.load().key()
    except UserError as missing:
        logger.warning("revealing PII is off: %s", missing)
        return None
    return PiiVault(redis, key, ttl_seconds=1)  # the console only reveals: the TTL applies to storing


def customer_key_of() -> Callable[[str], str] | None:
    """Finding a customer's mail by their address needs the address's key; None (search by key only) when this
    console was given no customer-key secret."""
    try:
        return CustomerKeys.load().of
    except UserError as missing:
        logger.warning("searching mail by address is off: %s", missing)
        return None


def create_app(settings: ConsoleSettings | None = None, eval_jobs: EvalJobs | None = None) -> FastAPI:
    settings = settings or ConsoleSettings()
    setup_logging(settings.service_name)

    people = ConsolePeople.load(settings.people_file)
    if ensure_console_tokens(settings.people_tokens_file, people):
        logger.info("generated local-development console sign-in tokens in %s", settings.people_tokens_file)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis = RedisSettings.for_user(settings.service_name).client()
        broker = build_broker(settings.service_name, KafkaSettings.for_principal(settings.kafka_principal))
        publishers = register(broker, settings)
        queue = ReviewQueue(redis, people.claim_seconds * 1000)
        feeds = ConsoleFeeds(queue=queue, mails=MailIndex(redis), audit=AuditStore(redis))
        provide(broker, feeds)
        async with httpx.AsyncClient(base_url=settings.registry_url, timeout=30.0) as registry_http, \
                httpx.AsyncClient(base_url=settings.trace_query_url, timeout=10.0) as jaeger_http, \
                httpx.AsyncClient(base_url=settings.evaluator_url, timeout=30.0) as evaluator_http:
            app.state.registry_http, app.state.jaeger_http = registry_http, jaeger_http
            app.state.evaluator = EvaluatorClient(evaluator_http, TokenTable(settings.evaluator_tokens_file))
            app.state.tokens = TokenTable(settings.registry_tokens_file)
            app.state.console_tokens = TokenTable(settings.people_tokens_file)
            app.state.people = people
            app.state.review_queue, app.state.mail_index, app.state.audit_store = queue, feeds.mails, feeds.audit
            app.state.pii_vault = pii_vault(redis)
            app.state.customer_key_of = customer_key_of()
            app.state.review_desk = ReviewDesk(queue, publishers, AuditChain(settings.service_name))
            app.state.eval_jobs = eval_jobs or EvalJobs(concurrency=settings.eval_concurrency)
            await broker.start()
            logger.info("console on %s (registry %s, evaluator %s)", settings.url, settings.registry_url,
                        settings.evaluator_url)
            try:
                yield
            finally:
                await app.state.eval_jobs.aclose()
                await broker.stop()
                await redis.aclose()
                shutdown_tracing()

    app = FastAPI(title="Mailspine console", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.add_middleware(SessionMiddleware, key=session_key(settings.session_key_file),
                       max_age=settings.session_max_age_seconds, secure=settings.cookie_secure)
    for module in (sign_in, prompts, releases, review, mail, quality):
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

    @app.exception_handler(RoleRequired)
    async def role_required(request: Request, exc: Exception) -> Response:
        return render(request, "error.html", status_code=403, error=str(exc), title="Your role does not allow this")

    @app.exception_handler(NeedsRegistryToken)
    async def needs_registry_token(request: Request, exc: Exception) -> Response:
        return render(request, "error.html", status_code=403, error=str(exc), title="The prompt pages need a "
                      "registry token")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # the person at the browser gets a message and a reference; the stack trace goes to the log only
        logger.exception("console page %s failed", request.url.path)
        return PlainTextResponse("Something went wrong on the console's side; it is in the console log. Try again, "
                                 "or tell the operator the time of this error.", status_code=500)

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
