"""Runtime process: ``python -m services.runtime``. Builds the model client and the prompt client once."""

import logging
import time
from collections.abc import Awaitable, Callable

from faststream import FastStream

from services.runtime.agent import AgentDeps
from services.runtime.handlers import register
from services.runtime.settings import RuntimeSettings
from shared.broker import build_broker
from shared.llm import LlmSettings, build_async_client
from shared.prompts.client import PromptClient
from shared.service_app import build_app
from shared.settings import KafkaSettings

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
    broker = build_broker(settings.service_name)
    llm = build_async_client(LlmSettings.load())
    prompts = PromptClient(KafkaSettings.for_principal(settings.service_name), client_id="runtime-prompts")
    register(broker, settings, AgentDeps(llm=llm, prompts=prompts, summary_chars=settings.summary_chars,
                                         max_attempts=settings.extraction_attempts,
                                         max_body_chars=settings.max_body_chars))
    prompts.follower.on_change = _log_registry_change(prompts)
    app = build_app(broker, settings.service_name)
    # the prompt client must know the production versions before the first mail is consumed
    app.on_startup(prompts.start)
    app.after_shutdown(prompts.stop)
    app.after_shutdown(llm.close)
    return app
