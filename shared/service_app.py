"""The composition root every service process shares: logging, the FastStream app, a clean flush on exit."""

import asyncio
import logging
from collections.abc import Callable

from faststream import FastStream
from faststream.kafka import KafkaBroker

from shared.trace_logging import setup_logging
from shared.tracing import shutdown_tracing


def build_app(broker: KafkaBroker, service_name: str) -> FastStream:
    setup_logging(service_name)
    app = FastStream(broker, logger=logging.getLogger(f"mailspine.app.{service_name}"))
    app.after_shutdown(shutdown_tracing)
    return app


def run(create_app: Callable[[], FastStream]) -> None:
    asyncio.run(create_app().run())
