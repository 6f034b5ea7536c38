"""History-tool process: ``python -m services.tools.history``. Its only downstream credential is a CRM read token."""

from faststream import FastStream
from redis.asyncio import Redis

from services.tools.history.crm_reader import CrmReader
from services.tools.history.handlers import TOOL_NAME, HistoryDeps, provide, register
from services.tools.history.settings import HistorySettings
from shared.broker import build_broker
from shared.crm_endpoint import CrmEndpointSettings, crm_reader_token
from shared.service_app import build_app
from shared.settings import RedisSettings
from shared.tool_service import RateGate, RedisCallResults, ToolLimitsFile, redis_rate_limit_storage


def create_app() -> FastStream:
    settings = HistorySettings()
    broker = build_broker(settings.service_name)
    redis_url = RedisSettings().url
    redis = Redis.from_url(redis_url)
    crm = CrmReader.connect(CrmEndpointSettings().url, crm_reader_token(settings.service_name, settings.crm_token),
                            settings.crm_timeout_seconds)
    limits = ToolLimitsFile.load(settings.limits_file).for_tool(TOOL_NAME)
    register(broker, settings)
    provide(broker, HistoryDeps(
        crm=crm,
        results=RedisCallResults(redis, settings.service_name, settings.result_ttl_seconds),
        rate_gate=RateGate(TOOL_NAME, limits, redis_rate_limit_storage(redis_url, settings.service_name)),
    ))
    app = build_app(broker, settings.service_name)
    app.after_shutdown(crm.close)
    app.after_shutdown(redis.aclose)
    return app
