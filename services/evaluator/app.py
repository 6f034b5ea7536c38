"""Evaluator process: ``python -m services.evaluator``. Kafka consumers (runs, signals, scores), the canary
guard's loop, and the HTTP API on 127.0.0.1:8072, in one composition root."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager, suppress

import openai
from fastapi import FastAPI
from redis.asyncio import Redis

from services.evaluator import http_api
from services.evaluator.access import ensure_feedback_tokens
from services.evaluator.canary.guard import CanaryGuard, RegistryRollback
from services.evaluator.drift.aggregates import QualityStore
from services.evaluator.drift.registry_changes import mirror_registry_changes
from services.evaluator.golden.queue import GoldenCandidateQueue
from services.evaluator.handlers import EvaluatorDeps, EvaluatorPublishers, provide, register
from services.evaluator.runs import RunIndex
from services.evaluator.scoring.run_scoring import RunScorer
from services.evaluator.scoring.score_publisher import ScorePublisher
from services.evaluator.settings import EvaluatorSettings
from services.evaluator.signals import SignalScorer
from shared.bearer_tokens import TokenTable
from shared.broker import build_broker
from shared.errors import InfraError
from shared.llm import LlmSettings, build_async_client
from shared.prompts.client import PromptClient, PromptClientSettings
from shared.prompts.registry_endpoint import RegistryEndpoint
from shared.settings import KafkaSettings, RedisSettings
from shared.trace_logging import setup_logging
from shared.tracing import shutdown_tracing

logger = logging.getLogger("mailspine.evaluator")


def registry_token(settings: EvaluatorSettings) -> str:
    if settings.registry_token is not None:
        return settings.registry_token.get_secret_value()
    tokens_file = RegistryEndpoint().tokens_file
    token = TokenTable(tokens_file).token_of(settings.service_name)
    if token is None:
        raise InfraError(f"the evaluator has no registry token: set MAILSPINE_EVALUATOR_REGISTRY_TOKEN, or give the "
                         f"principal {settings.service_name!r} the roles reader and canary_guard in {tokens_file}")
    return token


async def _guard_loop(guard: CanaryGuard, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await guard.check_dirty()
        except Exception:  # the guard must outlive a registry or Redis hiccup; it retries on the next scores
            logger.exception("canary guard check failed")


def build_deps(settings: EvaluatorSettings, *, publishers: EvaluatorPublishers, redis: Redis, prompts: PromptClient,
               llm: openai.AsyncOpenAI, rollback: RegistryRollback) -> EvaluatorDeps:
    """Every adapter the evaluator's handlers use, from the clients given (tests pass their own)."""
    store = QualityStore(redis, settings.bucket_seconds, settings.run_ttl_seconds)
    publisher = ScorePublisher(publishers.scores)
    return EvaluatorDeps(
        runs=RunIndex(redis, settings.run_ttl_seconds, settings.pending_ttl_seconds), store=store,
        guard=CanaryGuard(store, prompts.follower.state, rollback, publishers.audit, settings),
        run_scorer=RunScorer(llm=llm, prompts=prompts, publisher=publisher, judge_prompt=settings.judge_prompt,
                             acceptable_score=settings.judge_acceptable_score),
        signals=SignalScorer(publisher=publisher, candidates=GoldenCandidateQueue(redis)))


def create_app(settings: EvaluatorSettings | None = None) -> FastAPI:
    settings = settings or EvaluatorSettings()
    setup_logging(settings.service_name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        kafka = KafkaSettings.for_principal(settings.service_name)
        broker = build_broker(settings.service_name, kafka)
        redis = RedisSettings.for_user(settings.service_name).client()
        prompts = PromptClient(kafka, client_id="evaluator-prompts")
        llm = build_async_client(LlmSettings.load())
        # the registry URL every prompt client uses (compose points it at the registry container)
        rollback = RegistryRollback(PromptClientSettings().registry_url, registry_token(settings))
        deps = build_deps(settings, publishers=register(broker, settings), redis=redis, prompts=prompts, llm=llm,
                          rollback=rollback)
        provide(broker, deps)
        if ensure_feedback_tokens(settings.tokens_file):
            logger.info("generated local-development feedback tokens in %s", settings.tokens_file)
        async with AsyncExitStack() as cleanup:
            cleanup.callback(shutdown_tracing)
            cleanup.push_async_callback(redis.aclose)
            cleanup.push_async_callback(llm.close)
            # the judge prompt and the canary state must be known before the first run is scored
            await prompts.start()
            cleanup.push_async_callback(prompts.stop)
            await mirror_registry_changes(prompts.follower, deps.store)
            await broker.start()
            cleanup.push_async_callback(broker.stop)
            loop = asyncio.create_task(_guard_loop(deps.guard, settings.guard_interval_seconds), name="canary-guard") \
                if settings.canary_guard_enabled else None
            app.state.deps, app.state.settings = deps, settings
            app.state.tokens = TokenTable(settings.tokens_file)
            app.state.ready = True
            logger.info("evaluator ready on %s (judge %s, canary guard %s)", settings.url, settings.judge_prompt,
                        "on" if settings.canary_guard_enabled else "off")
            try:
                yield
            finally:
                if loop is not None:
                    loop.cancel()
                    with suppress(asyncio.CancelledError):
                        await loop

    app = FastAPI(title="Mailspine online evaluator", lifespan=lifespan)
    http_api.install(app)
    return app
