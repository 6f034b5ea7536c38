"""Runtime process: ``python -m services.runtime``. Builds the model client, the prompt client, the run store and
the executor once; on start it resumes every unfinished run it finds in Redis."""

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

import openai
from faststream import FastStream
from redis.asyncio import BlockingConnectionPool, Redis

from services.runtime.agent_runtime import AgentRuntime
from services.runtime.critic import load_policy
from services.runtime.handlers import provide, register
from services.runtime.memory import ThreadMemory
from services.runtime.planning import PlanInput, PlanStep, plan_next
from services.runtime.prompt_resolver import PromptResolver
from services.runtime.run_deps import RunDeps
from services.runtime.run_store import RunStore
from services.runtime.settings import RuntimeSettings
from services.runtime.tool_executor import ToolExecutor
from shared.broker import CoalescedCommits, build_broker
from shared.llm import LlmSettings, build_async_client
from shared.prompts.client import PromptClient
from shared.service_app import build_app
from shared.settings import KafkaSettings, RedisSettings

logger = logging.getLogger("mailspine.runtime.prompts")


def _log_registry_change(prompts: PromptClient) -> Callable[[str], Awaitable[None]]:
    last_logged: dict[str, tuple[str | None, str]] = {}

    async def log_change(name: str) -> None:
        labels = prompts.follower.state.get(name).labels
        canary = f"{labels.canary}@{labels.canary_percent:g}%" if labels.canary else "none"
        if last_logged.get(name) == (labels.production, canary):
            return
        last_logged[name] = (labels.production, canary)
        # the epoch lets a benchmark measure how long a registry change took to reach this process
        logger.info("registry change applied: prompt=%s production=%s canary=%s at=%.3f", name, labels.production,
                    canary, time.time())

    return log_change


def create_app() -> FastStream:
    settings = RuntimeSettings()
    commits = CoalescedCommits()  # the runtime's subscribers commit in the background (handlers.py)
    broker = build_broker(settings.service_name, commits=commits)
    llm = build_async_client(LlmSettings.load())
    prompts = PromptClient(KafkaSettings.for_principal(settings.service_name), client_id="runtime-prompts")
    publishers = register(broker, settings)
    # many runs share a bounded pool; a run waits for a free connection instead of failing on "too many"
    redis = Redis(connection_pool=BlockingConnectionPool(
        max_connections=settings.redis_connections, **RedisSettings.for_user(settings.service_name).client_options()))
    store = RunStore(redis)
    memory = ThreadMemory(redis, keep_mails=settings.memory_mails, ttl_seconds=settings.memory_ttl_seconds)
    policy = load_policy()

    async def plan(llm: openai.AsyncOpenAI, prompts: PromptResolver, plan_input: PlanInput) -> PlanStep:
        return await plan_next(llm, prompts, plan_input, policy=policy, max_body_chars=settings.max_body_chars)

    executor = ToolExecutor(store, publishers.tool_call, timedelta(seconds=settings.consequential_result_grace_seconds))
    deps = RunDeps(llm=llm, prompts=prompts, policy=policy, store=store, memory=memory, executor=executor,
                   outbound=publishers, settings=settings, plan=plan)
    runtime = AgentRuntime(deps)
    provide(broker, runtime)
    prompts.follower.on_change = _log_registry_change(prompts)
    app = build_app(broker, settings.service_name)
    # the prompt client must know the production versions before the first mail is consumed
    app.on_startup(prompts.start)
    # after the broker is up, since resumed runs publish; a redelivered mail of a resumed run is not run twice
    app.after_startup(runtime.resume_all)
    app.on_shutdown(runtime.scheduler.stop)
    app.on_shutdown(commits.drain)
    app.after_shutdown(redis.aclose)
    app.after_shutdown(prompts.stop)
    app.after_shutdown(llm.close)
    return app
