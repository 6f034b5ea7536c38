"""Gateway process: ``python -m services.gateway``."""

from faststream import FastStream

from services.gateway.handlers import register
from services.gateway.settings import GatewaySettings
from shared.broker import build_broker
from shared.service_app import build_app


def create_app() -> FastStream:
    settings = GatewaySettings()
    broker = build_broker(settings.service_name)
    register(broker, settings)
    return build_app(broker, settings.service_name)
