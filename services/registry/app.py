"""Registry process: ``python -m services.registry``. One composition root: the Kafka follower (the source of
truth), the Redis view, the producer, the bootstrap, then the HTTP API on 127.0.0.1:8070."""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.registry import http_api
from services.registry.changes import BOOTSTRAP_ACTOR
from services.registry.service import RegistryService, declare_publishers
from services.registry.settings import RegistrySettings
from services.registry.view import RegistryView
from shared.bearer_tokens import TokenTable
from shared.broker import build_broker
from shared.eval_runs import EvalRunStore
from shared.golden import dataset_hash
from shared.prompts.access import ensure_local_tokens
from shared.prompts.library import PromptLibrary
from shared.prompts.registry_follower import RegistryFollower
from shared.settings import KafkaSettings, RedisSettings
from shared.trace_logging import setup_logging
from shared.tracing import shutdown_tracing

logger = logging.getLogger("mailspine.registry")


@dataclass(frozen=True)
class RegistryDeps:
    follower: RegistryFollower  # the log, folded: the source of truth
    view: RegistryView  # its Redis mirror, which the API reads
    service: RegistryService  # the writes


def build_deps(settings: RegistrySettings, *, broker: KafkaBroker, redis: Redis,
               kafka: KafkaSettings) -> RegistryDeps:
    """Every adapter the registry uses, from the clients given (tests pass their own)."""
    follower = RegistryFollower(kafka, client_id=settings.service_name)
    service = RegistryService(declare_publishers(broker, settings.service_name), follower, EvalRunStore(), dataset_hash,
                              service_name=settings.service_name, write_timeout=settings.write_timeout_seconds)
    return RegistryDeps(follower=follower, view=RegistryView(redis, settings.redis_prefix), service=service)


def view_mirror(deps: RegistryDeps) -> Callable[[str], Awaitable[None]]:
    """Keeps the Redis view in step with each change; if Redis was unreachable, the next change rewrites all."""
    view_behind = False

    async def mirror(name: str) -> None:
        nonlocal view_behind
        try:
            if view_behind:
                await deps.view.rebuild(deps.follower.state)
            else:
                await deps.view.write_prompt(deps.follower.state.prompts[name])
            view_behind = False
        except RedisError as exc:
            view_behind = True
            logger.error("registry view: Redis unreachable (%r); it is rewritten on the next change", exc)

    return mirror


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    settings = settings or RegistrySettings()
    setup_logging(settings.service_name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        kafka = KafkaSettings.for_principal(settings.service_name)
        broker = build_broker(settings.service_name, kafka)
        redis = RedisSettings.for_user(settings.service_name).client()
        deps = build_deps(settings, broker=broker, redis=redis, kafka=kafka)
        async with AsyncExitStack() as cleanup:
            cleanup.callback(shutdown_tracing)
            cleanup.push_async_callback(redis.aclose)
            await broker.start()
            cleanup.push_async_callback(broker.stop)
            await deps.follower.start()
            cleanup.push_async_callback(deps.follower.stop)
            await deps.view.rebuild(deps.follower.state)  # the log is the truth; Redis is rebuilt on every start
            deps.follower.on_change = view_mirror(deps)
            if ensure_local_tokens(settings.tokens_file):
                logger.info("generated local-development registry tokens in %s", settings.tokens_file)
            if settings.bootstrap:
                for name in await deps.service.bootstrap(PromptLibrary(), BOOTSTRAP_ACTOR):
                    logger.info("bootstrapped %s from prompts/: its lowest version is production", name)
            app.state.service, app.state.view = deps.service, deps.view
            app.state.tokens = TokenTable(settings.tokens_file)
            logger.info("registry ready on %s with %d prompts", settings.url, len(deps.follower.state.names()))
            yield

    app = FastAPI(title="Mailspine prompt registry", lifespan=lifespan)
    http_api.install(app)
    return app
