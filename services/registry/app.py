"""Registry process: ``python -m services.registry``. One composition root: the Kafka follower (the source of
truth), the Redis view, the producer, the bootstrap, then the HTTP API on 127.0.0.1:8070."""

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.registry import http_api
from services.registry.changes import BOOTSTRAP_ACTOR
from services.registry.service import RegistryService
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


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    settings = settings or RegistrySettings()
    setup_logging(settings.service_name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        kafka = KafkaSettings.for_principal(settings.service_name)
        broker = build_broker(settings.service_name, kafka)
        redis = Redis.from_url(RedisSettings().url)
        view = RegistryView(redis, settings.redis_prefix)

        view_behind = False

        async def mirror(name: str) -> None:
            """Keep the Redis view in step; if Redis was unreachable, the next change rewrites all of it."""
            nonlocal view_behind
            try:
                if view_behind:
                    await view.rebuild(follower.state)
                else:
                    await view.write_prompt(follower.state.prompts[name])
                view_behind = False
            except RedisError as exc:
                view_behind = True
                logger.error("registry view: Redis unreachable (%r); it is rewritten on the next change", exc)

        follower = RegistryFollower(kafka, client_id=settings.service_name)
        async with AsyncExitStack() as cleanup:
            cleanup.callback(shutdown_tracing)
            cleanup.push_async_callback(redis.aclose)
            await broker.start()
            cleanup.push_async_callback(broker.stop)
            await follower.start()
            cleanup.push_async_callback(follower.stop)
            await view.rebuild(follower.state)  # the log is the truth; Redis is rebuilt from it on every start
            follower.on_change = mirror
            service = RegistryService(broker, follower, EvalRunStore(), dataset_hash,
                                      service_name=settings.service_name, write_timeout=settings.write_timeout_seconds)
            if ensure_local_tokens(settings.tokens_file):
                logger.info("generated local-development registry tokens in %s", settings.tokens_file)
            if settings.bootstrap:
                for name in await service.bootstrap(PromptLibrary(), BOOTSTRAP_ACTOR):
                    logger.info("bootstrapped %s from prompts/: its lowest version is production", name)
            app.state.service, app.state.view = service, view
            app.state.tokens = TokenTable(settings.tokens_file)
            logger.info("registry ready on %s with %d prompts", settings.url, len(follower.state.names()))
            yield

    app = FastAPI(title="Mailspine prompt registry", lifespan=lifespan)
    http_api.install(app)
    return app
