"""Runtime process: ``python -m services.runtime``. Builds the model client and the prompt client once."""

from faststream import FastStream

from services.runtime.agent import AgentDeps
from services.runtime.handlers import register
from services.runtime.settings import RuntimeSettings
from shared.broker import build_broker
from shared.llm import LlmSettings, build_async_client
from shared.prompts.client import PromptClient
from shared.service_app import build_app
from shared.settings import KafkaSettings


def create_app() -> FastStream:
    settings = RuntimeSettings()
    broker = build_broker(settings.service_name)
    llm = build_async_client(LlmSettings.load())
    prompts = PromptClient(KafkaSettings.for_principal(settings.service_name), client_id="runtime-prompts")
    register(broker, settings, AgentDeps(llm=llm, prompts=prompts, summary_chars=settings.summary_chars,
                                         max_attempts=settings.extraction_attempts))
    app = build_app(broker, settings.service_name)
    # the prompt client must know the production versions before the first mail is consumed
    app.on_startup(prompts.start)
    app.after_shutdown(prompts.stop)
    app.after_shutdown(llm.close)
    return app
