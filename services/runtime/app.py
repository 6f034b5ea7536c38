"""Runtime process: ``python -m services.runtime``."""

from faststream import FastStream

from services.runtime.handlers import register
from services.runtime.settings import RuntimeSettings
from shared.broker import build_broker
from shared.service_app import build_app


def create_app() -> FastStream:
    settings = RuntimeSettings()
    broker = build_broker(settings.service_name)
    register(broker, settings)
    return build_app(broker, settings.service_name)
