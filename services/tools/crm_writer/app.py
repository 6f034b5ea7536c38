"""CRM-writer process: ``python -m services.tools.crm_writer``."""

from faststream import FastStream

from services.tools.crm_writer.handlers import CrmWriterDeps, provide, register
from services.tools.crm_writer.idempotency import WrittenKeys
from services.tools.crm_writer.settings import CrmWriterSettings
from shared.broker import build_broker
from shared.pii_vault import PiiVault
from shared.service_app import build_app
from shared.settings import PiiVaultSettings, RedisSettings


def create_app() -> FastStream:
    settings = CrmWriterSettings()
    broker = build_broker(settings.service_name)
    redis = RedisSettings.for_user(settings.service_name).client()
    vault = PiiVault(redis, PiiVaultSettings.load().key(), settings.vault_ttl_seconds)
    register(broker, settings)
    provide(broker, CrmWriterDeps(written=WrittenKeys(redis, settings.idempotency_ttl_seconds), vault=vault))
    app = build_app(broker, settings.service_name)
    app.after_shutdown(redis.aclose)
    return app
