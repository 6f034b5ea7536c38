"""CRM-writer process: ``python -m services.tools.crm_writer``."""

from faststream import FastStream
from redis.asyncio import Redis

from services.tools.crm_writer.handlers import CrmWriterDeps, provide, register
from services.tools.crm_writer.idempotency import WrittenKeys
from services.tools.crm_writer.settings import CrmWriterSettings
from services.tools.crm_writer.writer import TOOL_NAME
from shared.broker import build_broker
from shared.customer_keys import CustomerKeys
from shared.pii_vault import PiiVault
from shared.service_app import build_app
from shared.settings import PiiVaultSettings, RedisSettings
from shared.tool_service import RateGate, RedisCallResults, ToolLimitsFile, redis_rate_limit_storage


def create_app() -> FastStream:
    settings = CrmWriterSettings()
    broker = build_broker(settings.service_name)
    redis_url = RedisSettings().url
    redis = Redis.from_url(redis_url)
    vault = PiiVault(redis, PiiVaultSettings.load().key(), settings.vault_ttl_seconds)
    limits = ToolLimitsFile.load(settings.limits_file).for_tool(TOOL_NAME)
    deps = CrmWriterDeps(
        written=WrittenKeys(redis, settings.service_name, settings.idempotency_ttl_seconds),
        vault=vault,
        customer_key_of=CustomerKeys.load().of,
        results=RedisCallResults(redis, settings.service_name, settings.idempotency_ttl_seconds),
        rate_gate=RateGate(TOOL_NAME, limits, redis_rate_limit_storage(redis_url, settings.service_name)),
    )
    provide(broker, deps, register(broker, settings))
    app = build_app(broker, settings.service_name)
    app.after_shutdown(redis.aclose)
    return app
