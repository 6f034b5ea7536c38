"""CRM stand-in process: ``python -m standins.crm``. The Kafka consumer (crm.writes.v1 -> crm.acks.v1) and the
read API on 127.0.0.1:8073, in one composition root."""

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from shared.bearer_tokens import TokenTable
from shared.broker import build_broker
from shared.customer_keys import CustomerKeys
from shared.settings import KafkaSettings, PathSettings
from shared.trace_logging import setup_logging
from shared.tracing import shutdown_tracing
from standins.crm import read_api
from standins.crm.access import ensure_crm_tokens
from standins.crm.acknowledgements import provide, register
from standins.crm.database import CrmDatabase
from standins.crm.seed import seed_if_empty
from standins.crm.settings import CrmStandinSettings

logger = logging.getLogger("mailspine.crm_standin")


def create_app(settings: CrmStandinSettings | None = None) -> FastAPI:
    settings = settings or CrmStandinSettings()
    setup_logging(settings.service_name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        broker = build_broker(settings.service_name, KafkaSettings.for_principal(settings.kafka_principal))
        database = CrmDatabase(settings.database, CustomerKeys.load())
        seeded = seed_if_empty(database, settings.seed_file)
        if seeded:
            logger.info("seeded the CRM stand-in with %d fake customers from %s", seeded, settings.seed_file)
        for written in ensure_crm_tokens(settings.tokens_file, PathSettings().secrets_dir):
            logger.info("generated local-development CRM read tokens in %s", written)
        register(broker, settings)
        provide(broker, database)
        async with AsyncExitStack() as cleanup:
            cleanup.callback(shutdown_tracing)
            cleanup.callback(database.close)
            await broker.start()
            cleanup.push_async_callback(broker.stop)
            app.state.database, app.state.tokens = database, TokenTable(settings.tokens_file)
            app.state.ready = True
            logger.info("CRM stand-in ready on %s (database %s)", settings.url, settings.database)
            yield

    app = FastAPI(title="CRM stand-in (stands in for the customer's CRM)", lifespan=lifespan)
    read_api.install(app)
    return app
