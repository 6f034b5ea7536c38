"""Retriever process: ``python -m services.tools.retriever``."""

from faststream import FastStream

from services.tools.retriever.handlers import TOOL, SearchHistoryHandler, provide, register
from services.tools.retriever.search import HistorySearch
from services.tools.retriever.settings import RetrieverSettings
from shared.broker import build_broker
from shared.mail_history.connection import connect
from shared.mail_history.embeddings import Embedder
from shared.service_app import build_app
from shared.settings import RedisSettings, WeaviateSettings
from shared.tool_service import (
    RateGate,
    RedisCallResults,
    ToolLimitsFile,
    ToolServiceDeps,
    redis_rate_limit_storage,
)


def create_app() -> FastStream:
    settings = RetrieverSettings()
    broker = build_broker(settings.service_name)
    redis_settings = RedisSettings.for_user(settings.service_name)
    redis = redis_settings.client()
    weaviate_settings = WeaviateSettings.for_user(settings.service_name)  # read only (Weaviate RBAC)
    weaviate = connect(weaviate_settings)
    embedder = Embedder()
    embedder.warm_up()  # one model per process, loaded before the first call
    searcher = HistorySearch(weaviate, weaviate_settings.mail_history_collection, embedder)
    register(broker, settings)
    rate_gate = RateGate(TOOL, ToolLimitsFile.load().for_tool(TOOL),
                         redis_rate_limit_storage(redis_settings, settings.service_name))
    provide(broker, ToolServiceDeps(handler=SearchHistoryHandler(searcher),
                                    results=RedisCallResults(redis, settings.service_name), rate_gate=rate_gate))
    app = build_app(broker, settings.service_name)
    app.after_shutdown(redis.aclose)
    app.after_shutdown(weaviate.close)
    return app
